"""Pick one head of a multi-head attention and compare it with the rest.

``HeadExplorer`` shows the weights ``A[h]`` of the head the reader
picks as a large live heatmap, the other heads' weights as small ones
beside it, and one line per pick that says where a chosen query's
weight goes in each head. It reads the matrices of one
``qkvlib.multi_head_attention`` result, the call notebook 07 makes, and
never recomputes them.
"""

from __future__ import annotations

import ipywidgets
import numpy as np

from ..heads import MultiHeadResult
from ._stored import with_picture
from .heatmap_view import HeatmapView
from .real_head import _html_line, _quoted

# The small panels draw the same SVG as the large one, scaled down by
# the browser: the SVG has a viewBox, so a CSS width keeps its shape.
SMALL_CLASS = "qkv-heads-small"
SMALL_WIDTH = "160px"
SMALL_CSS = f"""
.{SMALL_CLASS} svg {{
  max-width: {SMALL_WIDTH};
  height: auto;
}}
"""


class SmallHeatmapView(HeatmapView):
    """A ``HeatmapView`` drawn at most 160 pixels wide.

    Same numbers, labels and colours as ``HeatmapView``; only the
    browser's drawing is smaller, so several heads fit beside a large
    one.
    """

    _css = str(HeatmapView._css) + SMALL_CSS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_class(SMALL_CLASS)


def head_title(head: int) -> str:
    """Return the symbol of head ``head``'s weights.

    Examples
    --------
    >>> head_title(1)
    'A, head 1'
    """
    return f"A, head {head}"


def head_line(tokens, A: np.ndarray, head: int, query: int) -> str:
    """Say in one line where a query's weight goes in one head.

    Parameters
    ----------
    tokens : sequence of str
        One label per row and column of A.
    A : ndarray, shape (n_tokens, n_tokens)
        That head's attention weights.
    head : int
        The head's number, for the text.
    query : int
        The query row.

    Returns
    -------
    str
        Such as ``"head 1: 'fish' gives most weight (0.70) to
        'eats'."``; a label that occurs twice gets its position, and a
        tie names the first of the tied keys.

    Examples
    --------
    >>> A = np.array([[1.0, 0.0], [0.3, 0.7]])
    >>> head_line(["Cat", "eats"], A, 1, 0)
    "head 1: 'Cat' gives most weight (1.00) to 'Cat'."
    >>> head_line(["Cat", "eats"], np.zeros((2, 2)), 0, 1)
    "head 0: 'eats' may attend to no key, so all its weights are 0."
    """
    tokens = list(tokens)
    row = A[query]
    if not row.any():
        return (f"head {head}: {_quoted(tokens, query)} may attend to no "
                "key, so all its weights are 0.")
    top = int(np.argmax(row))
    return (f"head {head}: {_quoted(tokens, query)} gives most weight "
            f"({row[top]:.2f}) to {_quoted(tokens, top)}.")


def others_line(tokens, A: np.ndarray, head: int, query: int) -> str:
    """Say in one line where the query's weight goes in the other heads.

    Parameters
    ----------
    tokens : sequence of str
        One label per row and column of each head's weights.
    A : ndarray, shape (n_heads, n_tokens, n_tokens)
        Every head's attention weights.
    head : int
        The picked head, left out.
    query : int
        The query row.

    Examples
    --------
    >>> A = np.array([[[1.0, 0.0], [0.3, 0.7]],
    ...               [[0.5, 0.5], [0.9, 0.1]]])
    >>> others_line(["Cat", "eats"], A, 0, 1)
    "Other heads, for 'eats': head 1 gives most (0.90) to 'Cat'."
    >>> others_line(["Cat", "eats"], A[:1], 0, 1)
    'There is no other head: n_heads = 1.'
    """
    tokens = list(tokens)
    parts = []
    for h in range(A.shape[0]):
        if h == head:
            continue
        row = A[h, query]
        if not row.any():
            parts.append(f"head {h} gives all weights 0")
            continue
        top = int(np.argmax(row))
        parts.append(f"head {h} gives most ({row[top]:.2f}) to "
                     f"{_quoted(tokens, top)}")
    if not parts:
        return "There is no other head: n_heads = 1."
    return (f"Other heads, for {_quoted(tokens, query)}: "
            f"{'; '.join(parts)}.")


def _check_index(name: str, value, n: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(
            f"{name} must be a whole number from 0 to {n - 1}; got "
            f"{type(value).__name__} {value!r}"
        )
    if not 0 <= value < n:
        raise ValueError(
            f"{name} must be one of 0 to {n - 1} ({n} {what}); got {value}"
        )
    return int(value)


class HeadExplorer(ipywidgets.VBox):
    """Pick a head and see its weights A large, beside the other heads.

    Parameters
    ----------
    tokens : sequence of str
        One label per token, n_tokens of them.
    result : MultiHeadResult
        From ``qkvlib.multi_head_attention``; its ``A`` has shape
        (n_heads, n_tokens, n_tokens).
    head : int, default 0
        The head it opens on, 0 to n_heads - 1.
    query : str or int, optional
        The query whose row the lines read and the heatmaps outline: a
        label (its first occurrence) or a row index. Default: the last
        token.

    Attributes
    ----------
    head_picker : ipywidgets.ToggleButtons
        One button per head; its value is the head's number.
    query_picker : ipywidgets.Dropdown
        The query token; its value is the row index.
    panel : HeatmapView
        The picked head's weights ``A[head]``, queries as rows.
    others : tuple of SmallHeatmapView
        The other heads' weights, in order of their number, drawn small.
    other_labels : tuple of ipywidgets.Label
        One line above each small panel that names its head, readable
        where the panel's own title is drawn too small.
    summary : ipywidgets.HTML
        A status line for screen readers: where the query's weight goes
        in the picked head. ``summary_line`` holds its text.
    comparison : ipywidgets.HTML
        Where it goes in the other heads; ``comparison_line`` holds its
        text.

    Raises
    ------
    TypeError
        If ``result`` is not a MultiHeadResult, or ``head`` (or an index
        ``query``) is not a whole number.
    ValueError
        If ``tokens`` does not give one label per token of ``result``,
        ``head`` is out of range, or ``query`` names no token.

    Notes
    -----
    The panels show exactly ``result.A[h]``; picking a head or a query
    updates the same panels in place, and no pick can fail, because the
    controls offer only valid heads and tokens.

    Examples
    --------
    >>> import qkvlib as qk
    >>> example = qk.load_example("cat-eats-fish")
    >>> W_q, W_k, W_v, W_o = np.random.default_rng(55).normal(
    ...     size=(4, 4, 4))
    >>> result = qk.multi_head_attention(example.X, W_q, W_k, W_v, W_o,
    ...                                  n_heads=2)
    >>> explorer = HeadExplorer(example.tokens, result)
    >>> explorer.set_head(1)
    >>> explorer.panel.title
    'A, head 1  (3, 3)'
    >>> explorer.summary_line
    "head 1: 'fish' gives most weight (0.44) to 'fish'."
    """

    def __init__(self, tokens, result: MultiHeadResult, *, head: int = 0,
                 query=None):
        if not isinstance(result, MultiHeadResult):
            raise TypeError(
                "result must be a MultiHeadResult from "
                "qk.multi_head_attention(X, W_q, W_k, W_v, W_o, n_heads); "
                f"got {type(result).__name__}"
            )
        self._A = np.array(result.A)
        self.n_heads, n_tokens, _ = self._A.shape
        if isinstance(tokens, str):
            raise TypeError(
                "tokens must be a sequence of labels, one per token, such "
                f"as example.tokens; got the str {tokens!r}"
            )
        self.tokens = [str(token) for token in tokens]
        if len(self.tokens) != n_tokens:
            raise ValueError(
                f"tokens must have one label per token of result, "
                f"n_tokens = {n_tokens}; got {len(self.tokens)}"
            )
        head = _check_index("head", head, self.n_heads, "heads")
        query = n_tokens - 1 if query is None else self._index(query)

        self.head_picker = ipywidgets.ToggleButtons(
            options=[(f"head {h}", h) for h in range(self.n_heads)],
            value=head, description="head",
            style={"button_width": "auto"})
        self.query_picker = ipywidgets.Dropdown(
            options=[(f"{i} · {token}", i)
                     for i, token in enumerate(self.tokens)],
            value=query, description="query",
            layout=ipywidgets.Layout(width="18em"))
        self.panel = HeatmapView(self._A[head], self.tokens, self.tokens,
                                 head_title(head), name="A")
        others = [h for h in range(self.n_heads) if h != head]
        self.others = tuple(
            SmallHeatmapView(self._A[h], self.tokens, self.tokens,
                             head_title(h), name=f"A other {k}")
            for k, h in enumerate(others))
        self.other_labels = tuple(ipywidgets.Label("") for _ in others)
        self.summary = ipywidgets.HTML("")
        self.comparison = ipywidgets.HTML("")
        self.summary_line = self.comparison_line = ""
        self._draw()

        self.head_picker.observe(lambda _: self._draw(), names="value")
        self.query_picker.observe(lambda _: self._draw(), names="value")
        wrap = ipywidgets.Layout(flex_flow="row wrap",
                                 align_items="flex-start")
        super().__init__([
            ipywidgets.HBox([self.head_picker, self.query_picker],
                            layout=wrap),
            self.summary,
            self.comparison,
            ipywidgets.HBox([self.panel, ipywidgets.VBox([
                part for pair in zip(self.other_labels, self.others)
                for part in pair])], layout=wrap),
        ])

    # The programmatic surface ------------------------------------

    def set_head(self, head: int) -> None:
        """Pick a head, as its button does.

        Raises
        ------
        TypeError, ValueError
            If ``head`` is not a whole number from 0 to n_heads - 1.
        """
        self.head_picker.value = _check_index("head", head, self.n_heads,
                                              "heads")

    def select(self, query) -> None:
        """Choose the query by its label (first match) or row index.

        Raises
        ------
        TypeError, ValueError
            If ``query`` names no token.
        """
        self.query_picker.value = self._index(query)

    def matrix(self) -> np.ndarray:
        """Return a copy of the weights the large panel shows now."""
        return self._A[self.head].copy()

    @property
    def head(self) -> int:
        """The picked head."""
        return int(self.head_picker.value)

    @property
    def query(self) -> int:
        """The row index of the chosen query."""
        return int(self.query_picker.value)

    @property
    def other_heads(self) -> list[int]:
        """The heads the small panels show, in order."""
        return [h for h in range(self.n_heads) if h != self.head]

    # Computing and drawing -----------------------------------------

    def _index(self, query) -> int:
        if isinstance(query, str):
            if query not in self.tokens:
                raise ValueError(
                    f"query must be one of {self.tokens} or a row index "
                    f"below {len(self.tokens)}; got {query!r}"
                )
            return self.tokens.index(query)
        return _check_index("query", query, len(self.tokens), "tokens")

    def _marks(self, A: np.ndarray) -> dict:
        q = self.query
        cells = [(q, int(np.argmax(A[q])))] if A[q].any() else []
        return {"selected_rows": [q], "marked_cells": cells}

    def _draw(self) -> None:
        head, q = self.head, self.query
        A = self._A[head]
        self.panel.update(A, title=head_title(head), **self._marks(A))
        for view, label, h in zip(self.others, self.other_labels,
                                  self.other_heads, strict=True):
            label.value = f"head {h}"
            view.update(self._A[h], title=head_title(h),
                        **self._marks(self._A[h]))
        self.summary_line = head_line(self.tokens, A, head, q)
        self.summary.value = _html_line(self.summary_line, "status")
        self.comparison_line = others_line(self.tokens, self._A, head, q)
        self.comparison.value = _html_line(self.comparison_line)

    # Display ---------------------------------------------------------

    def __repr__(self) -> str:
        return (f"[widget: pick one of {self.n_heads} heads to see its "
                "attention weights A large, beside the other heads]")

    def _repr_mimebundle_(self, **kwargs):
        """Give the live view, a PNG of the picked head's A, and text.

        The PNG is the large panel's ``picture()``, the figure
        ``qkvlib.heatmap`` draws of the same head, so a stored notebook
        shows the widget's opening state.
        """
        text = f"{self!r}\n{self.summary_line} {self.comparison_line}"
        return with_picture(super()._repr_mimebundle_(**kwargs),
                            self.panel.picture(), text)
