"""Build a mask by hand and watch the attention weights follow.

``MaskBuilder`` switches the causal mask on and off, sets how many
tokens are real (the rest are padding), can hide the pad query rows
as well, and lets the reader flip single cells of the mask. A live
heatmap shows the mask, a second one the weights A it gives, and one
line per query says in words which keys that query may look at. It
computes with ``qkvlib.causal_mask``, ``qkvlib.padding_mask`` and
``qkvlib.attention_weights``, the calls notebook 08 makes.
"""

from __future__ import annotations

import html

import ipywidgets
import numpy as np

from .._checks import as_mask
from ..attention import attention_weights
from ..masks import causal_mask, padding_mask
from ._coalesce import Coalescer
from ._stored import with_picture
from .heatmap_view import HeatmapView

MASK_TITLE = "allowed (1 = may attend)"
WEIGHTS_TITLE = "A = softmax(S), masked"
_ON, _OFF = "\u2713", "\u00b7"


def _label(token: str) -> str:
    """Quote a word; leave a special token such as [PAD] as it is."""
    if token.startswith("[") and token.endswith("]"):
        return token
    return f"'{token}'"


def _positions(keys) -> str:
    """Name positions counted from 1: ``tokens 1 to 3 and 5``.

    Runs of three or more read "a to b"; shorter runs are listed.
    """
    keys = [int(k) + 1 for k in keys]
    parts: list[str] = []
    start = 0
    while start < len(keys):
        end = start
        while end + 1 < len(keys) and keys[end + 1] == keys[end] + 1:
            end += 1
        if end - start >= 2:
            parts.append(f"{keys[start]} to {keys[end]}")
        else:
            parts.extend(str(k) for k in keys[start:end + 1])
        start = end + 1
    if len(keys) == 1:
        return f"token {parts[0]}"
    if len(parts) == 1:
        return f"tokens {parts[0]}"
    return f"tokens {', '.join(parts[:-1])} and {parts[-1]}"


def mask_lines(tokens, allowed) -> list[str]:
    """Say in words which keys each query may look at, one line each.

    Parameters
    ----------
    tokens : sequence of str
        One label per query row and key column; a label in square
        brackets (``[PAD]``) is shown without quotes.
    allowed : array_like of bool, shape (n_tokens, n_tokens)
        True where query i may attend to key j.

    Returns
    -------
    list of str
        One line per query. Positions count from 1, as a reader counts
        words: the first token is token 1.

    Raises
    ------
    TypeError
        If ``allowed`` is not boolean.
    ValueError
        If ``allowed`` is not (n_tokens, n_tokens) for the tokens.

    Examples
    --------
    >>> tokens = ["Cat", "eats", "[PAD]"]
    >>> allowed = np.array([[False, False, False], [True, True, False],
    ...                     [True, True, False]])
    >>> for line in mask_lines(tokens, allowed):
    ...     print(line)
    token 1 ('Cat') may look at nothing: its weights are all zero.
    token 2 ('eats') may look at tokens 1 and 2.
    token 3 ([PAD]) may look at tokens 1 and 2.
    """
    tokens = [str(token) for token in tokens]
    n = len(tokens)
    allowed = as_mask("allowed", allowed, (n, n))
    if allowed.shape != (n, n):
        raise ValueError(
            f"allowed must have shape (n_tokens, n_tokens) = ({n}, {n}); "
            f"got {allowed.shape}"
        )
    lines = []
    for i, token in enumerate(tokens):
        keys = np.flatnonzero(allowed[i])
        who = f"token {i + 1} ({_label(token)})"
        if keys.size == 0:
            lines.append(f"{who} may look at nothing: its weights are all "
                         "zero.")
        else:
            lines.append(f"{who} may look at {_positions(keys)}.")
    return lines


def settings_mask(n_tokens: int, causal: bool, n_valid: int,
                  hide_pad_queries: bool = False) -> np.ndarray:
    """Build the mask a builder's settings give, before any cell edit.

    Parameters
    ----------
    n_tokens : int
        Number of tokens, pads included.
    causal : bool
        Take the elementwise and with ``causal_mask(n_tokens)``.
    n_valid : int
        Number of real tokens; ``padding_mask(n_tokens, n_valid)``.
    hide_pad_queries : bool, default False
        Also hide the pad query rows, with the transpose of the
        padding mask.

    Returns
    -------
    ndarray of bool, shape (n_tokens, n_tokens)

    Examples
    --------
    >>> settings_mask(3, True, 2, hide_pad_queries=True).astype(int)
    array([[1, 0, 0],
           [1, 1, 0],
           [0, 0, 0]])
    """
    allowed = padding_mask(n_tokens, n_valid)
    if hide_pad_queries:
        allowed = allowed & allowed.T
    if causal:
        allowed = allowed & causal_mask(n_tokens)
    return allowed


def settings_expression(n_tokens: int, causal: bool, n_valid: int,
                        hide_pad_queries: bool = False) -> str:
    """Write the settings' mask as the qkvlib call that builds it.

    Examples
    --------
    >>> settings_expression(5, True, 3)
    'allowed = causal_mask(5) & padding_mask(5, 3)'
    >>> settings_expression(5, False, 5)
    'allowed = every pair (no mask)'
    >>> settings_expression(4, False, 2, hide_pad_queries=True)
    'allowed = padding_mask(4, 2) & padding_mask(4, 2).T'
    """
    parts = []
    if causal:
        parts.append(f"causal_mask({n_tokens})")
    if n_valid < n_tokens:
        pad = f"padding_mask({n_tokens}, {n_valid})"
        parts.append(pad)
        if hide_pad_queries:
            parts.append(f"{pad}.T")
    if not parts:
        return "allowed = every pair (no mask)"
    return "allowed = " + " & ".join(parts)


def _html_lines(lines) -> str:
    return "".join(f"<div>{html.escape(line, quote=False)}</div>"
                   for line in lines)


class MaskBuilder(ipywidgets.VBox):
    """Pick causal, padding and single cells; watch the mask and A.

    Parameters
    ----------
    tokens : sequence of str
        One label per token, pads included (such as ``"[PAD]"``).
    Q : array_like, shape (n_tokens, d_k)
        Queries.
    K : array_like, shape (n_tokens, d_k)
        Keys.
    n_valid : int, optional
        Real tokens it opens on, 1 to n_tokens; default all of them.
    causal : bool, default False
        Whether it opens with the causal mask on.

    Attributes
    ----------
    causal : ipywidgets.Checkbox
        Take the elementwise and with the causal mask.
    real_tokens : ipywidgets.IntSlider
        How many tokens are real, from 1 to n_tokens; the others are
        padding and their key columns are hidden.
    hide_pad_queries : ipywidgets.Checkbox
        Hide the pad query rows as well.
    cells : list of list of ipywidgets.ToggleButton
        One button per (query, key) pair, pressed where the pair is
        allowed; pressing one flips that cell alone.
    mask_panel : HeatmapView
        The mask as numbers: 1 where allowed, 0 where hidden.
    weights_panel : HeatmapView
        The weights A = softmax(S) with -inf where hidden; rows that
        may look at nothing are outlined.
    expression, note : ipywidgets.Label
        The qkvlib call the settings stand for; how many cells were
        flipped by hand.
    reading : ipywidgets.HTML
        One line per query from ``mask_lines``; ``lines`` holds them.

    Raises
    ------
    TypeError, ValueError
        As ``qkvlib.attention_weights`` for Q and K; ValueError also if
        ``tokens`` does not give one label per row of Q and of K, or
        ``n_valid`` lies outside 1 to n_tokens. TypeError if ``causal``
        is not a bool.

    Notes
    -----
    Every picture shows ``allowed`` and exactly
    ``attention_weights(Q, K, allowed=allowed)``. A change of setting
    rebuilds the mask from the settings (``settings_mask``), which
    undoes the cells flipped by hand; the note says how many differ.

    Examples
    --------
    >>> Q = K = np.eye(3)
    >>> builder = MaskBuilder(["Cat", "eats", "[PAD]"], Q, K, n_valid=2,
    ...                       causal=True)
    >>> builder.lines[2]
    'token 3 ([PAD]) may look at tokens 1 and 2.'
    >>> builder.set_cell(0, 0, False)
    >>> builder.lines[0]
    "token 1 ('Cat') may look at nothing: its weights are all zero."
    """

    def __init__(self, tokens, Q, K, n_valid: int | None = None,
                 causal: bool = False):
        # Checks Q and K with the notebook's own call and messages.
        attention_weights(Q, K)
        self._Q = np.array(Q, dtype=np.float64)
        self._K = np.array(K, dtype=np.float64)
        self.tokens = [str(token) for token in tokens]
        n = len(self.tokens)
        for name, M in (("Q", self._Q), ("K", self._K)):
            if M.shape[0] != n:
                raise ValueError(
                    f"tokens must have one label per row of {name}, "
                    f"{M.shape[0]}; got {n}"
                )
        if not isinstance(causal, (bool, np.bool_)):
            raise TypeError(f"causal must be True or False; got {causal!r}")
        n_valid = n if n_valid is None else n_valid
        allowed = settings_mask(n, bool(causal), n_valid)

        self.causal = ipywidgets.Checkbox(value=bool(causal),
                                          description="causal mask")
        self.real_tokens = ipywidgets.IntSlider(
            value=int(n_valid), min=1, max=n, description="real tokens",
            tooltip="tokens after these are padding")
        self.hide_pad_queries = ipywidgets.Checkbox(
            value=False, description="hide pad query rows too")
        self.cells = [
            [ipywidgets.ToggleButton(
                value=bool(allowed[i, j]),
                tooltip=f"query {i + 1} ({self.tokens[i]}), key {j + 1} "
                        f"({self.tokens[j]})",
                layout=ipywidgets.Layout(width="2.4em", padding="0"))
             for j in range(n)]
            for i in range(n)
        ]
        self.mask_panel = HeatmapView(allowed.astype(float), self.tokens,
                                      self.tokens, MASK_TITLE,
                                      name="allowed",
                                      colorbar_label="allowed")
        self.weights_panel = HeatmapView(
            attention_weights(self._Q, self._K, allowed=allowed),
            self.tokens, self.tokens, WEIGHTS_TITLE, name="A")
        self.expression = ipywidgets.Label("")
        self.note = ipywidgets.Label("")
        self.reading = ipywidgets.HTML("")
        self.lines: list[str] = []
        self._allowed = allowed
        self._quiet = False

        self._coalescer = Coalescer(self._redraw)
        for control in (self.causal, self.real_tokens,
                        self.hide_pad_queries):
            control.observe(lambda _: self._settings_changed(),
                            names="value")
        for i, row in enumerate(self.cells):
            for j, button in enumerate(row):
                button.observe(
                    lambda change, i=i, j=j: self._cell_changed(
                        i, j, change["new"]), names="value")
        self._redraw()

        grid = ipywidgets.GridBox(
            [ipywidgets.Label("")]
            + [ipywidgets.Label(f"{j + 1}") for j in range(n)]
            + [item for i, row in enumerate(self.cells)
               for item in (ipywidgets.Label(f"{i + 1} {self.tokens[i]}"),
                            *row)],
            layout=ipywidgets.Layout(
                grid_template_columns=f"auto repeat({n}, 2.6em)",
                grid_gap="2px", align_items="center"))
        super().__init__([
            ipywidgets.HBox([self.causal, self.real_tokens]),
            self.hide_pad_queries,
            ipywidgets.HBox([
                ipywidgets.VBox([
                    ipywidgets.Label("flip one cell (query row, key "
                                     "column):"), grid]),
                self.mask_panel, self.weights_panel],
                layout=ipywidgets.Layout(flex_flow="row wrap",
                                         align_items="flex-start")),
            self.expression,
            self.note,
            self.reading,
        ])

    # The programmatic surface ------------------------------------

    def set_cell(self, i: int, j: int, value: bool) -> None:
        """Set cell (i, j) of the mask, as pressing its button does.

        ``i`` is the query row and ``j`` the key column, from 0.

        Raises
        ------
        TypeError
            If ``value`` is not a bool.
        ValueError
            If (i, j) lies outside the mask.
        """
        n = len(self.tokens)
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"value must be True or False; got {value!r}")
        if not all(isinstance(k, (int, np.integer))
                   and not isinstance(k, bool) and 0 <= k < n
                   for k in (i, j)):
            raise ValueError(
                f"(i, j) must lie within the mask's shape ({n}, {n}), "
                f"counted from 0; got ({i!r}, {j!r})"
            )
        self.cells[i][j].value = bool(value)

    def allowed(self) -> np.ndarray:
        """Return a copy of the mask shown now."""
        self._coalescer.flush()
        return self._allowed.copy()

    def weights(self) -> np.ndarray:
        """Return a copy of the weights A shown now."""
        self._coalescer.flush()
        return self._A.copy()

    @property
    def redraws(self) -> int:
        """How many recompute-and-send passes changes have caused."""
        return self._coalescer.runs

    # Computing and drawing -----------------------------------------

    def _settings(self) -> tuple[int, bool, int, bool]:
        return (len(self.tokens), bool(self.causal.value),
                int(self.real_tokens.value),
                bool(self.hide_pad_queries.value))

    def _settings_changed(self) -> None:
        self._allowed = settings_mask(*self._settings())
        self._quiet = True
        try:
            for i, row in enumerate(self.cells):
                for j, button in enumerate(row):
                    button.value = bool(self._allowed[i, j])
        finally:
            self._quiet = False
        self._coalescer.request()

    def _cell_changed(self, i: int, j: int, value: bool) -> None:
        if self._quiet:
            return
        self._allowed = self._allowed.copy()
        self._allowed[i, j] = bool(value)
        self._coalescer.request()

    def _redraw(self) -> None:
        allowed = self._allowed
        self._A = attention_weights(self._Q, self._K, allowed=allowed)
        dead = [i for i in range(len(self.tokens)) if not allowed[i].any()]
        self.mask_panel.update(allowed.astype(float))
        self.weights_panel.update(self._A, marked_rows=dead)
        for i, row in enumerate(self.cells):
            for j, button in enumerate(row):
                button.description = _ON if allowed[i, j] else _OFF
        self.expression.value = settings_expression(*self._settings())
        flipped = int((allowed != settings_mask(*self._settings())).sum())
        if flipped:
            cells = "cell differs" if flipped == 1 else "cells differ"
            self.note.value = (
                f"{flipped} {cells} from the settings (flipped by hand); "
                "changing a setting starts again from the settings.")
        else:
            self.note.value = "No cell flipped by hand."
        self.lines = mask_lines(self.tokens, allowed)
        self.reading.value = _html_lines(self.lines)

    # Display ---------------------------------------------------------

    def __repr__(self) -> str:
        return ("[widget: a mask builder: switch the causal mask, set the "
                "real tokens, flip cells, watch the mask and A]")

    def _repr_mimebundle_(self, **kwargs):
        """Give the live view, a PNG of the weights, and text.

        The text names the mask and gives every query's line, so a
        stored notebook reads what the widget opens on.
        """
        self._coalescer.flush()
        text = "\n".join([repr(self), self.expression.value, *self.lines])
        return with_picture(super()._repr_mimebundle_(**kwargs),
                            self.weights_panel.picture(), text)
