"""Edit one projection matrix and watch the projected rows move.

``ProjectionExplorer`` puts an editor for one weight matrix, such as
W_q, beside two live heatmaps: the projection X W (the queries Q for
W_q) and how far each of its entries has moved since the widget
opened. Each edit recomputes the projection with ``qkvlib.project``,
the function the notebooks call.
"""

from __future__ import annotations

import ipywidgets
import numpy as np

from ..projection import project
from ._coalesce import Coalescer
from ._stored import with_picture
from .editor import MatrixEditor
from .heatmap_view import HeatmapView


def _signed(value: float) -> str:
    text = f"{value:+.3f}"
    return "+0.000" if text == "-0.000" else text


def moved_summary(tokens, name: str, moved: np.ndarray) -> str:
    """Say in one line which entries of a projection moved.

    Parameters
    ----------
    tokens : sequence of str
        One label per row.
    name : str
        The projection's name, such as ``"Q"``.
    moved : ndarray, shape (n_tokens, d_out)
        The projection now minus the projection at the start.

    Returns
    -------
    str
        For one moved column, every token's move in it; for several,
        the columns and the largest move.

    Examples
    --------
    >>> moved = np.array([[0.3, 0.0], [0.0, 0.0], [0.4, 0.0]])
    >>> moved_summary(["Cat", "eats", "fish"], "Q", moved)
    'Q moved in column 0 only: Cat +0.300, eats +0.000, fish +0.400.'
    >>> moved_summary(["Cat", "eats", "fish"], "Q", 0 * moved)
    'Q is as at the start: no entry has moved.'
    """
    columns = np.flatnonzero(np.abs(moved).max(axis=0) > 0).tolist()
    if not columns:
        return f"{name} is as at the start: no entry has moved."
    if len(columns) == 1:
        c = columns[0]
        moves = ", ".join(f"{token} {_signed(value)}"
                          for token, value in zip(tokens, moved[:, c]))
        return f"{name} moved in column {c} only: {moves}."
    i, c = np.unravel_index(np.argmax(np.abs(moved)), moved.shape)
    listed = ", ".join(str(k) for k in columns[:-1])
    return (f"{name} moved in columns {listed} and {columns[-1]}; the "
            f"largest move is {_signed(moved[i, c])} ({tokens[i]}, "
            f"column {c}).")


class ProjectionExplorer(ipywidgets.VBox):
    """Edit one weight matrix W and watch the projection X W move.

    Parameters
    ----------
    tokens : sequence of str
        One label per row of X.
    X : array_like, shape (n_tokens, d_model)
    W : array_like, shape (d_model, d_out)
        The weight matrix the widget opens on; "reset" returns to it.
    name : {"W_q", "W_k", "W_v"}, default "W_q"
        Names the editor and the projection: Q = X W_q, K = X W_k,
        V = X W_v.
    features : sequence of str, optional
        Labels of the d_model rows of W; default indices from 0.
    seed : int, default 0
        The seed shown beside the editor's "new draw" button.

    Attributes
    ----------
    editor : MatrixEditor
    panels : dict of str to HeatmapView
        The projection X W under its name (``"Q"`` for W_q), and
        ``"moved"``, the projection minus the projection at the start.
    summary : ipywidgets.Label
        One sentence on which entries of the projection moved.

    Raises
    ------
    TypeError, ValueError
        As ``qkvlib.project`` for X and W; ValueError also for an
        unknown ``name`` or a label list of the wrong length.

    Examples
    --------
    >>> explorer = ProjectionExplorer(["a", "b"], np.eye(2),
    ...                               [[1.0, 0.0], [0.0, 1.0]])
    >>> explorer.set_entry(1, 0, "0.5")
    >>> explorer.summary.value
    'Q moved in column 0 only: a +0.000, b +0.500.'
    """

    _NAMES = ("W_q", "W_k", "W_v")

    def __init__(self, tokens, X, W, name: str = "W_q", *, features=None,
                 seed: int = 0):
        if name not in self._NAMES:
            raise ValueError(
                f"name must be one of {self._NAMES}; got {name!r}")
        start = project(X, W)
        self.tokens = [str(token) for token in tokens]
        if len(self.tokens) != start.shape[0]:
            raise ValueError(
                f"tokens must have one label per row of X, "
                f"{start.shape[0]}; got {len(self.tokens)}")
        self._X = np.array(X, dtype=float)
        self._start = start
        self.name = name
        self.projection_name = p = name[-1].upper()
        d_model, d_out = np.shape(W)
        shape = "(d_model, d_v)" if name == "W_v" else "(d_model, d_k)"
        self.editor = MatrixEditor(name, W, features, range(d_out), seed,
                                   shape=shape)
        cols = [str(c) for c in range(d_out)]
        col_title = f"feature of {p.lower()}"
        self.panels = {
            p: HeatmapView(start, self.tokens, cols, f"{p} = X {name}",
                             "signed", name=p, row_title="token",
                             col_title=col_title),
            "moved": HeatmapView(np.zeros_like(start), self.tokens, cols,
                                 f"{p} - {p} at the start", "signed",
                                 name="moved", row_title="token",
                                 col_title=col_title,
                                 colorbar_label="change"),
        }
        self.summary = ipywidgets.Label("")
        self._coalescer = Coalescer(self._redraw)
        self.editor.on_change(lambda _: self._coalescer.request())
        self._redraw()
        super().__init__([
            self.summary,
            ipywidgets.HBox(
                [self.editor, *self.panels.values()],
                layout=ipywidgets.Layout(flex_flow="row wrap",
                                         align_items="flex-start")),
        ])

    def set_entry(self, i: int, j: int, value) -> None:
        """Type ``value`` into entry (i, j) of W, as a reader would."""
        self.editor.set_entry(i, j, value)

    def matrices(self) -> dict[str, np.ndarray]:
        """Return copies of the projection and its move since the start.

        Keys: the projection's name (``"Q"`` for W_q) and ``"moved"``.
        """
        self._coalescer.flush()
        return {name: M.copy() for name, M in self._shown.items()}

    def _redraw(self) -> None:
        projected = project(self._X, self.editor.value)
        moved = projected - self._start
        self._shown = {self.projection_name: projected, "moved": moved}
        self.panels[self.projection_name].update(projected)
        # A change panel centred on zero needs a scale even at rest.
        self.panels["moved"].update(moved)
        self.summary.value = moved_summary(self.tokens,
                                           self.projection_name, moved)

    def __repr__(self) -> str:
        p = self.projection_name
        return (f"[widget: edit {self.name} and watch {p} = X "
                f"{self.name} move]")

    def _repr_mimebundle_(self, **kwargs):
        """Give the live view, a PNG of the projection, and text."""
        picture = self.panels[self.projection_name].picture()
        return with_picture(super()._repr_mimebundle_(**kwargs), picture,
                            repr(self))
