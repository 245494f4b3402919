"""A grid of text entries that edits one matrix, safely.

Every entry is an ``ipywidgets.Text`` that applies its value on Enter
or when focus leaves it (Tab), never per keystroke. What the reader
types is parsed here rather than by ``FloatText``, so input that is not
a usable number gets a short message beside the grid, the entry shows
the last good value again, and nothing raises into the notebook.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from functools import partial

import ipywidgets
import numpy as np

from .._checks import as_matrix
from ..plotting import _labels

LIMIT = 1e6
_SHOWN_CHARS = 20


def format_entry(value: float) -> str:
    """Return the text an entry shows for a value: three decimals."""
    text = f"{value:.3f}"
    return "0.000" if text == "-0.000" else text


def _quoted(text: str) -> str:
    if len(text) > _SHOWN_CHARS:
        text = text[:_SHOWN_CHARS] + "..."
    return repr(text)


def parse_entry(text: str, limit: float = LIMIT):
    """Read a typed entry as a number, or say what is wrong with it.

    Parameters
    ----------
    text : str
        What the reader typed. Spaces around it are ignored, and the
        minus sign U+2212 (as copied from typeset text) reads as "-".
    limit : float, default 1e6
        The largest size an entry may have.

    Returns
    -------
    (value, problem) : (float, None) or (None, str)
        The number, or None and a short phrase for the message.

    Examples
    --------
    >>> parse_entry(" -0.5 ")
    (-0.5, None)
    >>> parse_entry("abc")
    (None, "'abc' is not a number")
    >>> parse_entry("1e9")
    (None, "'1e9' is too large (keep it within -1e6 to 1e6)")
    """
    cleaned = text.strip().replace("\u2212", "-")
    if not cleaned:
        return None, "the entry is empty; type a number"
    try:
        value = float(cleaned)
    except ValueError:
        if "," in cleaned:
            return None, (f"{_quoted(cleaned)} is not a number (use a "
                          "point for decimals: 0.5)")
        return None, f"{_quoted(cleaned)} is not a number"
    if not math.isfinite(value):
        return None, f"{_quoted(cleaned)} is not a finite number"
    if abs(value) > limit:
        bound = f"{limit:.0e}".replace("e+0", "e")
        return None, (f"{_quoted(cleaned)} is too large (keep it within "
                      f"-{bound} to {bound})")
    return value, None


class MatrixEditor(ipywidgets.VBox):
    """Edit one matrix through a grid of numeric entries.

    Parameters
    ----------
    name : str
        The matrix's name as in the maths, such as ``"W_q"``.
    M : array_like, shape (n_rows, n_cols)
        The starting values; "reset" returns to them.
    rows, cols : sequence of str, optional
        Row and column labels (tokens or feature indices); default
        indices from 0.
    seed : int, default 0
        The seed shown beside "new random draw". The button moves it
        on by one and draws with it; typing a seed and pressing Enter
        draws with that seed.
    shape : str, optional
        The symbolic shape for the heading: ``"(d_model, d_k)"``.
    std : float, optional
        Standard deviation of a random draw; default 1 / sqrt(n_rows),
        as ``qkvlib.init_weights`` draws a weight of shape
        (d_model, d_k).

    Attributes
    ----------
    value : ndarray, shape (n_rows, n_cols)
        A copy of the matrix as it stands.
    entries : list of list of ipywidgets.Text
        ``entries[i][j]`` edits entry (i, j).
    message : ipywidgets.HTML
        Empty, or what was wrong with the last input (as text, with
        ``&``, ``<`` and ``>`` escaped).
    seed_entry : ipywidgets.Text
    draw_button, reset_button, identity_button, zeros_button : Button

    Raises
    ------
    ValueError
        If ``M`` is not a finite 2-D matrix within -1e6 to 1e6, or a
        label list has the wrong length.

    Examples
    --------
    >>> editor = MatrixEditor("W_q", [[1.0, 2.0], [3.0, 4.0]])
    >>> editor.entries[0][1].value = "abc"
    >>> editor.message.value
    "W_q[0, 1]: 'abc' is not a number; kept 2.000."
    >>> editor.entries[0][1].value = "-0.5"
    >>> editor.value
    array([[ 1. , -0.5],
           [ 3. ,  4. ]])
    """

    def __init__(self, name: str, M, rows=None, cols=None, seed: int = 0,
                 *, shape: str | None = None, std: float | None = None):
        M = as_matrix(name, M, shape or "(n_rows, n_cols)").copy()
        if np.abs(M).max() > LIMIT:
            raise ValueError(
                f"{name} must hold values within -1e6 to 1e6 to edit; "
                f"got {np.abs(M).max():g}"
            )
        n_rows, n_cols = M.shape
        self.name = name
        self.row_labels = _labels("rows", rows, n_rows)
        self.col_labels = _labels("cols", cols, n_cols)
        self._initial = M.copy()
        self._M = M
        self._std = 1.0 / math.sqrt(n_rows) if std is None else float(std)
        self._seed = int(seed)
        self._quiet = False
        self._callbacks: list[Callable[[MatrixEditor], None]] = []

        self.entries = [
            [ipywidgets.Text(
                value=format_entry(M[i, j]), continuous_update=False,
                tooltip=f"{name}[{i}, {j}]",
                layout=ipywidgets.Layout(width="4.6em"))
             for j in range(n_cols)]
            for i in range(n_rows)
        ]
        for i, row in enumerate(self.entries):
            for j, entry in enumerate(row):
                entry.observe(partial(self._typed, i, j), names="value")
        # HTML, unlike Label, wraps a long message rather than cut it;
        # width 0 with min-width 100% keeps it from widening the editor.
        self.message = ipywidgets.HTML("", layout=ipywidgets.Layout(
            width="0", min_width="100%"))
        compact = ipywidgets.Layout(width="auto")
        self.seed_entry = ipywidgets.Text(
            value=str(self._seed), continuous_update=False,
            description="seed", tooltip=f"seed of the draw for {name}",
            style={"description_width": "initial"},
            layout=ipywidgets.Layout(width="7.5em"))
        self.seed_entry.observe(self._seed_typed, names="value")
        self.draw_button = ipywidgets.Button(
            description="new draw", layout=compact,
            tooltip="new random draw: add 1 to the seed, draw anew")
        self.reset_button = ipywidgets.Button(
            description="reset", layout=compact,
            tooltip="back to the starting values")
        self.identity_button = ipywidgets.Button(
            description="identity-like", layout=compact,
            tooltip="ones on the diagonal, zeros elsewhere")
        self.zeros_button = ipywidgets.Button(
            description="zeros", layout=compact, tooltip="all zeros")
        self.draw_button.on_click(lambda _: self.draw(self._seed + 1))
        self.reset_button.on_click(lambda _: self.set_matrix(self._initial))
        self.identity_button.on_click(
            lambda _: self.set_matrix(np.eye(n_rows, n_cols)))
        self.zeros_button.on_click(
            lambda _: self.set_matrix(np.zeros((n_rows, n_cols))))

        heading = f"{name}: shape {shape + ' = ' if shape else ''}{M.shape}"
        cells = [ipywidgets.Label("")]
        cells += [ipywidgets.Label(label) for label in self.col_labels]
        for label, row in zip(self.row_labels, self.entries):
            cells.append(ipywidgets.Label(label))
            cells += row
        grid = ipywidgets.GridBox(cells, layout=ipywidgets.Layout(
            grid_template_columns=f"auto repeat({n_cols}, max-content)",
            grid_gap="0px 2px", width="max-content"))
        buttons = ipywidgets.HBox(
            [self.seed_entry, self.draw_button],
            layout=ipywidgets.Layout(flex_flow="row wrap"))
        more = ipywidgets.HBox(
            [self.reset_button, self.identity_button, self.zeros_button],
            layout=ipywidgets.Layout(flex_flow="row wrap"))
        super().__init__(
            [ipywidgets.Label(heading), grid, self.message, buttons, more],
            layout=ipywidgets.Layout(margin="0 16px 8px 0",
                                     max_width="26em"))

    @property
    def value(self) -> np.ndarray:
        return self._M.copy()

    @property
    def seed(self) -> int:
        """The seed shown, which made the last random draw."""
        return self._seed

    def on_change(self, callback: Callable[[MatrixEditor], None]) -> None:
        """Call ``callback(editor)`` after each change of the matrix."""
        self._callbacks.append(callback)

    def set_entry(self, i: int, j: int, value) -> None:
        """Type ``value`` into entry (i, j), as a reader would.

        A number or a string; it goes through the entry's own text, so
        a bad value leaves a message and the matrix as it was.
        """
        entry = self.entries[i][j]
        text = value if isinstance(value, str) else str(value)
        if text == entry.value:
            # A reader retyping the shown text changes nothing either;
            # a new message would still be wrong, so clear the old one.
            self.message.value = ""
            return
        entry.value = text

    def set_matrix(self, M) -> None:
        """Replace the whole matrix (a button, or "tie W_q = W_k").

        Raises
        ------
        ValueError
            If ``M`` has another shape, or is not finite and within
            -1e6 to 1e6.
        """
        M = as_matrix(self.name, M, f"{self._M.shape}")
        if M.shape != self._M.shape:
            raise ValueError(
                f"{self.name} must keep its shape {self._M.shape}; got "
                f"{M.shape}"
            )
        if np.abs(M).max() > LIMIT:
            raise ValueError(
                f"{self.name} must hold values within -1e6 to 1e6; got "
                f"{np.abs(M).max():g}"
            )
        self._M = M.copy()
        self._quiet = True
        try:
            for i, row in enumerate(self.entries):
                for j, entry in enumerate(row):
                    entry.value = format_entry(M[i, j])
        finally:
            self._quiet = False
        self.message.value = ""
        self._changed()

    def draw(self, seed: int) -> None:
        """Draw every entry from ``np.random.default_rng(seed)``.

        Normal draws with mean 0 and the editor's ``std``, like
        ``qkvlib.init_weights``.
        """
        self._seed = int(seed)
        self._quiet = True
        try:
            self.seed_entry.value = str(self._seed)
        finally:
            self._quiet = False
        rng = np.random.default_rng(self._seed)
        self.set_matrix(rng.normal(0.0, self._std, size=self._M.shape))

    def _changed(self) -> None:
        for callback in self._callbacks:
            callback(self)

    def _say(self, message: str) -> None:
        self.message.value = html.escape(message, quote=False)

    def _restore(self, widget: ipywidgets.Text, text: str) -> None:
        self._quiet = True
        try:
            widget.value = text
        finally:
            self._quiet = False

    def _typed(self, i: int, j: int, change: dict) -> None:
        if self._quiet:
            return
        old = self._M[i, j]
        value, problem = parse_entry(change["new"])
        if problem is not None:
            self._say(f"{self.name}[{i}, {j}]: {problem}; "
                      f"kept {format_entry(old)}.")
            self._restore(self.entries[i][j], format_entry(old))
            return
        self.message.value = ""
        if value == old:
            return
        self._M[i, j] = value
        self._changed()

    def _seed_typed(self, change: dict) -> None:
        if self._quiet:
            return
        text = change["new"].strip()
        if not (text.isascii() and text.isdigit()):
            self._say(f"seed: {_quoted(text)} is not a whole number "
                      f"from 0; kept {self._seed}.")
            self._restore(self.seed_entry, str(self._seed))
            return
        self.draw(int(text))

    def __repr__(self) -> str:
        n_rows, n_cols = self._M.shape
        return (f"[widget: editor for {self.name}, a grid of {n_rows} x "
                f"{n_cols} entries]")
