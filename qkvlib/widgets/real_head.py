"""Type a sentence and watch a trained model's head attend over it.

``RealHeadExplorer`` runs one layer-0 head of all-MiniLM-L6-v2 (see
``qkvlib.minilm``) on a sentence the reader types: a text box, a head
selector, a live heatmap of that head's attention weights, a note on
the words that became ``[UNK]`` and a one-line reading of a chosen
query's row. It computes with ``MiniLM.embed`` and
``MiniLM.attention``, the calls notebook 09 makes.
"""

from __future__ import annotations

import html

import ipywidgets
import numpy as np

from ..minilm import MiniLM
from ..wordpiece import CLS, SEP, UNK
from ._stored import with_picture
from .heatmap_view import HeatmapView

LAYER = 0
LAYER_NOTE = (
    "fixed: a later layer's input needs the whole model, which does "
    "not ship"
)
# How many [UNK] words the note names before it counts the rest.
NAMED_UNKNOWN = 8


def head_title(layer: int, head: int) -> str:
    """Return the heatmap's symbol, as notebook 09 titles its figures.

    Examples
    --------
    >>> head_title(0, 2)
    'A, layer 0 head 2'
    """
    return f"A, layer {layer} head {head}"


def _quoted(tokens, i: int) -> str:
    token = tokens[i]
    if tokens.count(token) > 1:
        return f"'{token}' (token {i})"
    return f"'{token}'"


def weight_summary(tokens, A: np.ndarray, query: int) -> str:
    """Say in one line where one query's weight goes.

    Parameters
    ----------
    tokens : sequence of str
        One label per row and column of A.
    A : ndarray, shape (n_tokens, n_tokens)
        Attention weights, rows summing to 1.
    query : int
        The query row.

    Returns
    -------
    str
        Such as ``"'cat' gives 0.99 of its weight to 'the'."``; a label
        that occurs twice gets its position (0 is ``[CLS]``), and a tie
        names the first of the tied keys.

    Examples
    --------
    >>> A = np.array([[1.0, 0.0, 0.0], [0.9, 0.1, 0.0],
    ...               [0.2, 0.7, 0.1]])
    >>> weight_summary(["the", "cat", "the"], A, 1)
    "'cat' gives 0.90 of its weight to 'the' (token 0)."
    """
    tokens = list(tokens)
    top = int(np.argmax(A[query]))
    return (f"{_quoted(tokens, query)} gives {A[query, top]:.2f} of its "
            f"weight to {_quoted(tokens, top)}.")


def unknown_note(unknown) -> str:
    """Say which words became [UNK], in one line.

    Parameters
    ----------
    unknown : sequence of str
        The words, as ``MiniLM.unknown_words`` returns them.

    Examples
    --------
    >>> unknown_note(["kitten"])
    "Became [UNK] (a piece not in the shipped vocabulary): 'kitten'; \
it shows as [UNK] in the heatmap."
    >>> unknown_note([])
    'Every word is in the shipped vocabulary: no [UNK].'
    """
    distinct = list(dict.fromkeys(unknown))
    if not distinct:
        return "Every word is in the shipped vocabulary: no [UNK]."
    named = ", ".join(repr(word) for word in distinct[:NAMED_UNKNOWN])
    rest = len(distinct) - NAMED_UNKNOWN
    if rest > 0:
        named += f" and {rest} more"
    they = "it shows" if len(distinct) == 1 else "they show"
    return (f"Became {UNK} (a piece not in the shipped vocabulary): "
            f"{named}; {they} as {UNK} in the heatmap.")


def _default_query(tokens) -> int:
    """The last word piece, else the last mark, else [CLS]."""
    inner = [i for i, token in enumerate(tokens) if token not in (CLS, SEP)]
    words = [i for i in inner if any(c.isalnum() for c in tokens[i])]
    return (words or inner or [0])[-1]


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _html_line(text: str, role: str = "") -> str:
    """One line of text as HTML that wraps, with an ARIA role."""
    attributes = f' role="{role}"' if role else ""
    if role == "status":
        attributes += ' aria-live="polite"'
    return f"<div{attributes}>{html.escape(text, quote=False)}</div>"


class RealHeadExplorer(ipywidgets.VBox):
    """Type a sentence, pick a head of layer 0, see its attention.

    Parameters
    ----------
    model : MiniLM
        From ``qkvlib.load_minilm()``.
    text : str
        The sentence it opens on.
    layer : int, default 0
        Must be 0: a typed sentence reaches only layer 0 (the input of
        a later layer needs parts of the model that do not ship).
    head : int, default 2
        The head it opens on, 0 to ``model.n_heads - 1``.

    Attributes
    ----------
    text_box : ipywidgets.Text
        The sentence; applied on Enter (and when the box loses focus).
    layer_label : ipywidgets.Label
        The layer, fixed at 0, and why.
    head_picker : ipywidgets.Dropdown
        The head, 0 to 11.
    query_picker : ipywidgets.Dropdown
        The query token whose row ``summary`` reads and the heatmap
        outlines; a new sentence selects its last word.
    panel : HeatmapView
        The head's weights A, queries as rows and keys as columns.
    summary : ipywidgets.HTML
        One line, a status region for screen readers: where the chosen
        query's weight goes. ``summary_line`` holds its text.
    note : ipywidgets.HTML
        Which words became [UNK]; ``note_line`` holds its text.
    message : ipywidgets.HTML
        Empty, or why the heatmap did not change (text too long) or
        what an empty box means, as an alert; ``message_line`` holds
        its text.

    Raises
    ------
    TypeError
        If ``model`` is not a MiniLM, or ``text`` is not a str.
    ValueError
        If ``layer`` is not 0, ``head`` is out of range, or ``text``
        has more tokens than the shipped position table covers (128).

    Notes
    -----
    Every picture shows exactly ``model.attention(X, 0, head)`` with
    ``tokens, X = model.embed(text)``. Nothing typed raises: an empty
    box shows the weights of [CLS] and [SEP] alone, with a message; a
    word whose pieces do not all ship shows as one [UNK] and the note
    names it; a text of more than ``model.max_tokens`` tokens leaves
    the heatmap, note and summary on the last sentence that fitted,
    and the message says so.

    Examples
    --------
    >>> from qkvlib import load_minilm
    >>> explorer = RealHeadExplorer(load_minilm(), "The cat sat")
    >>> explorer.summary_line
    "'sat' gives 1.00 of its weight to 'cat'."
    >>> explorer.set_head(5)
    >>> explorer.panel.title
    'A, layer 0 head 5  (5, 5)'
    """

    def __init__(self, model: MiniLM,
                 text: str = "The kitten chased a moth across the "
                 "kitchen.", layer: int = LAYER, head: int = 2):
        if not isinstance(model, MiniLM):
            raise TypeError(
                "model must be a MiniLM from qkvlib.load_minilm(); got "
                f"{type(model).__name__}"
            )
        if not isinstance(text, str):
            raise TypeError(f"text must be a str; got {type(text).__name__}")
        if isinstance(layer, bool) or layer != LAYER:
            raise ValueError(
                f"layer must be {LAYER}: a typed sentence reaches only "
                f"layer {LAYER}, since a later layer's input needs parts "
                f"of the model that do not ship; got {layer!r}"
            )
        self.model = model
        head = self._check_head(head)
        self.tokens, X = model.embed(text)
        A = model.attention(X, LAYER, head)

        self.text_box = ipywidgets.Text(
            value=text, continuous_update=False, description="sentence",
            placeholder="Type a sentence and press Enter",
            layout=ipywidgets.Layout(width="44em"))
        self.layer_label = ipywidgets.Label(f"layer {LAYER} ({LAYER_NOTE})")
        self.head_picker = ipywidgets.Dropdown(
            options=list(range(model.n_heads)), value=head,
            description="head", layout=ipywidgets.Layout(width="10em"))
        self.query_picker = ipywidgets.Dropdown(
            description="query", layout=ipywidgets.Layout(width="18em"))
        self.panel = HeatmapView(A, self.tokens, self.tokens,
                                 head_title(LAYER, head), name="A")
        self.summary = ipywidgets.HTML("")
        self.note = ipywidgets.HTML("")
        self.message = ipywidgets.HTML("")
        self.summary_line = self.note_line = self.message_line = ""
        self._text, self._X, self._A = text, X, A
        self._quiet = False
        self._show(text, self.tokens, X, A, model.unknown_words(text))

        self.text_box.observe(lambda change: self._apply(change["new"]),
                              names="value")
        self.head_picker.observe(lambda _: self._redraw(), names="value")
        self.query_picker.observe(lambda _: self._redraw(), names="value")
        super().__init__([
            self.text_box,
            ipywidgets.HBox([self.head_picker, self.layer_label]),
            self.query_picker,
            self.summary,
            self.note,
            self.message,
            self.panel,
        ])

    # The programmatic surface ------------------------------------

    def set_text(self, text: str) -> None:
        """Put ``text`` in the box and apply it, as typing and Enter do.

        Takes the path of the page's Enter: nothing raises for what a
        reader could type (see Notes of the class).
        """
        self.text_box.value = text

    def set_head(self, head: int) -> None:
        """Pick a head, as the head selector does.

        Raises
        ------
        TypeError, ValueError
            If ``head`` is not a whole number from 0 to 11.
        """
        self.head_picker.value = self._check_head(head)

    def matrix(self) -> np.ndarray:
        """Return a copy of the weights A the heatmap shows now."""
        return self._A.copy()

    @property
    def text(self) -> str:
        """The sentence the heatmap shows (the box may hold another)."""
        return self._text

    @property
    def head(self) -> int:
        """The head the heatmap shows."""
        return int(self.head_picker.value)

    # Computing and drawing -----------------------------------------

    def _check_head(self, head) -> int:
        n_heads = self.model.n_heads
        if isinstance(head, bool) or not isinstance(head,
                                                    (int, np.integer)):
            raise TypeError(
                f"head must be a whole number; got {type(head).__name__} "
                f"{head!r}"
            )
        if not 0 <= head < n_heads:
            raise ValueError(
                f"head must be one of 0 to {n_heads - 1}; got {head}"
            )
        return int(head)

    def _apply(self, text: str) -> None:
        model = self.model
        tokens = model.tokenize(text)
        if len(tokens) > model.max_tokens:
            self._say(
                f"Not shown: that text makes {len(tokens)} tokens and the "
                f"shipped data cover at most {model.max_tokens} positions, "
                "[CLS] and [SEP] included. The heatmap still shows "
                f"'{_short(self._text)}'."
            )
            return
        try:
            tokens, X = model.embed(text)
            A = model.attention(X, LAYER, self.head)
        except (TypeError, ValueError) as err:
            # tokenize has checked the length, so this is a safety net:
            # keep the last good picture and say what went wrong.
            self._say(f"Not shown: {err}")
            return
        self._show(text, tokens, X, A, model.unknown_words(text))

    def _show(self, text, tokens, X, A, unknown) -> None:
        """Make ``text`` the shown sentence: picker, heatmap, lines."""
        self._text, self.tokens, self._X = text, tokens, X
        self._quiet = True
        try:
            self.query_picker.options = [
                (f"{i} · {token}", i) for i, token in enumerate(tokens)]
            self.query_picker.value = _default_query(tokens)
        finally:
            self._quiet = False
        # An empty box has no words to be in the vocabulary or not.
        self.note_line = unknown_note(unknown) if text.strip() else ""
        self.note.value = _html_line(self.note_line) if self.note_line else ""
        self._say("" if text.strip() else (
            "The box is empty, so the model sees only [CLS] and [SEP]; "
            "type a sentence and press Enter."))
        self._draw(A)

    def _say(self, message: str) -> None:
        self.message_line = message
        self.message.value = _html_line(message, "alert") if message else ""

    def _redraw(self) -> None:
        if self._quiet:
            return
        self._draw(self.model.attention(self._X, LAYER, self.head))

    def _draw(self, A: np.ndarray) -> None:
        self._A = A
        q = int(self.query_picker.value)
        top = int(np.argmax(A[q]))
        self.panel.update(A, self.tokens, self.tokens,
                          title=head_title(LAYER, self.head),
                          selected_rows=[q], marked_cells=[(q, top)])
        self.summary_line = weight_summary(self.tokens, A, q)
        self.summary.value = _html_line(self.summary_line, "status")

    # Display ---------------------------------------------------------

    def __repr__(self) -> str:
        return ("[widget: type a sentence and pick a head of layer 0 of "
                "all-MiniLM-L6-v2 to see its attention weights]")

    def _repr_mimebundle_(self, **kwargs):
        """Give the live view, a PNG of the weights shown, and text.

        The PNG is the panel's ``picture()``: ``qkvlib.heatmap`` of the
        weights with the title notebook 09 gives its own figures, so a
        stored notebook shows the static figure of the widget's state
        where the widget will be once the cell runs again.
        """
        picture = self.panel.picture()
        text = (f"{self!r}\nOn {self._text!r}, head {self.head}: "
                f"{self.summary_line} {self.note_line}")
        return with_picture(super()._repr_mimebundle_(**kwargs), picture,
                            text)
