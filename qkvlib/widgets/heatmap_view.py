"""A live heatmap: the kernel sends numbers, the browser draws them.

``HeatmapView`` is an anywidget whose JavaScript (``heatmap.js`` beside
this file) draws one labelled, annotated heatmap as SVG with the same
conventions as ``qkvlib.heatmap``. Redrawing a matplotlib figure per
edit costs tens to hundreds of milliseconds in the kernel; sending the
numbers costs well under one, so a whole pipeline of panels can follow
every keystroke.
"""

from __future__ import annotations

import math
from pathlib import Path

import anywidget
import numpy as np
import traitlets

from ..plotting import Heatmap, _describe, as_heatmap_matrix, heatmap

_KINDS = ("weights", "signed")


def cell_values(M: np.ndarray) -> list[list[float | None]]:
    """Return M as nested lists rounded to two decimals, as shown.

    ``-inf`` (a masked score) becomes None, which JSON carries as null.
    Python's ``round`` rounds the exact binary value, as the ``.2f``
    format of ``qkvlib.heatmap`` does, so the browser, which prints the
    rounded number with two decimals, shows the same digits.
    """
    return [
        [None if value == -math.inf else round(value, 2) + 0.0
         for value in row]
        for row in M.tolist()
    ]


class HeatmapView(anywidget.AnyWidget):
    """One heatmap drawn in the browser and updated in place.

    Parameters
    ----------
    M : array_like, shape (n_rows, n_cols)
        The matrix; ``-inf`` entries show as grey masked cells.
    rows, cols : sequence of str
        Row labels (queries, usually tokens) and column labels.
    title : str
        The symbol, such as ``"A = softmax(S)"``; the shape is added.
    kind : {"weights", "signed"}
        ``"weights"``: viridis with fixed limits 0 and 1. ``"signed"``:
        the diverging RdBu map centred on zero, from -limit to limit.
    name : str, optional
        A short name for the panel (``"A"``), set on the page as the
        figure's ``data-panel`` attribute.
    row_title, col_title, colorbar_label : str, optional
        As for ``qkvlib.heatmap``.

    Notes
    -----
    ``update`` sends all changed traits in one message. The text form
    and the browser's caption both read ``summary``, the same sentence
    ``qkvlib.heatmap`` gives as its description.

    Examples
    --------
    >>> view = HeatmapView([[0.25, 0.75]], ["Cat"], ["eats", "fish"],
    ...                    title="A")
    >>> view.values, view.title
    ([[0.25, 0.75]], 'A  (1, 2)')
    >>> view
    Heatmap of A, shape (1, 2); rows: query token (Cat); columns: key \
token (eats, fish). Largest 0.75 at (Cat, fish).
    """

    _esm = Path(__file__).with_name("heatmap.js")
    _css = Path(__file__).with_name("heatmap.css")

    name = traitlets.Unicode("").tag(sync=True)
    values = traitlets.List().tag(sync=True)
    rows = traitlets.List(traitlets.Unicode()).tag(sync=True)
    cols = traitlets.List(traitlets.Unicode()).tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)
    kind = traitlets.Unicode("weights").tag(sync=True)
    limit = traitlets.Float(1.0).tag(sync=True)
    row_title = traitlets.Unicode("query token").tag(sync=True)
    col_title = traitlets.Unicode("key token").tag(sync=True)
    colorbar_label = traitlets.Unicode("weight").tag(sync=True)
    selected_rows = traitlets.List(traitlets.Int()).tag(sync=True)
    marked_rows = traitlets.List(traitlets.Int()).tag(sync=True)
    marked_cells = traitlets.List().tag(sync=True)
    summary = traitlets.Unicode("").tag(sync=True)

    def __init__(self, M, rows, cols, title: str = "",
                 kind: str = "weights", *, name: str = "",
                 row_title: str = "query token",
                 col_title: str = "key token",
                 colorbar_label: str | None = None):
        if kind not in _KINDS:
            raise ValueError(f"kind must be one of {_KINDS}; got {kind!r}")
        super().__init__(
            name=name, kind=kind, row_title=row_title,
            col_title=col_title,
            colorbar_label=colorbar_label or (
                "weight" if kind == "weights" else "value"),
        )
        self._symbol = title
        self.update(M, rows, cols)

    def update(self, M, rows=None, cols=None, *, title: str | None = None,
               selected_rows=(), marked_rows=(), marked_cells=()) -> None:
        """Show a new matrix (and optionally labels, title, highlights).

        Parameters
        ----------
        M : array_like, shape (n_rows, n_cols)
            The new matrix; no NaN or +inf.
        rows, cols : sequence of str, optional
            New labels; by default the current ones are kept.
        title : str, optional
            A new symbol for the title; the shape is added.
        selected_rows : sequence of int
            Rows outlined with a solid line (the chosen query).
        marked_rows : sequence of int
            Rows outlined with a dashed line (the top key in K or V).
        marked_cells : sequence of (int, int)
            Cells outlined with a dashed line (the top key in S or A).

        Raises
        ------
        ValueError
            If ``M`` is not 2-D, holds NaN or +inf, or a label list has
            the wrong length.
        """
        M = as_heatmap_matrix(M)
        rows = self.rows if rows is None else [str(r) for r in rows]
        cols = self.cols if cols is None else [str(c) for c in cols]
        if len(rows) != M.shape[0] or len(cols) != M.shape[1]:
            raise ValueError(
                f"rows and cols must have {M.shape[0]} and {M.shape[1]} "
                f"labels for M of shape {M.shape}; got {len(rows)} and "
                f"{len(cols)}"
            )
        if title is not None:
            self._symbol = title
        symbol = self._symbol
        self._M = M.copy()
        finite = M[np.isfinite(M)]
        limit = float(np.abs(finite).max()) if finite.size else 1.0
        with self.hold_sync():
            self.values = cell_values(M)
            self.rows, self.cols = rows, cols
            self.title = f"{symbol}  {M.shape}" if symbol else f"{M.shape}"
            self.limit = limit or 1.0
            self.selected_rows = [int(i) for i in selected_rows]
            self.marked_rows = [int(i) for i in marked_rows]
            self.marked_cells = [[int(i), int(j)] for i, j in marked_cells]
            self.summary = _describe(M, symbol or "a matrix", rows, cols,
                                     self.row_title, self.col_title)

    def picture(self) -> Heatmap:
        """Draw what the view shows now with ``qkvlib.heatmap``.

        The static picture a stored notebook keeps in place of the live
        view: same matrix, labels, symbol, colour map and axis titles.
        """
        return heatmap(self._M, self.rows, self.cols, title=self._symbol,
                       kind=self.kind, row_title=self.row_title,
                       col_title=self.col_title,
                       colorbar_label=self.colorbar_label)

    def __repr__(self) -> str:
        return self.summary
