"""Show a matrix with its name and its symbolic shape, checked."""

import re

import numpy as np

from ._checks import as_numbers

_MAX_FULL = 12


def _parse_shape(shape: str) -> list[str]:
    if not isinstance(shape, str) or not re.fullmatch(
        r"\(\s*[\w]+\s*(,\s*[\w]+\s*)*,?\s*\)", shape
    ):
        raise ValueError(
            "shape must be a symbolic shape such as '(n_tokens, d_k)'; "
            f"got {shape!r}"
        )
    return [part.strip() for part in shape.strip("() ").split(",") if part]


def check_shape(name: str, M: np.ndarray, shape: str, sizes: dict) -> None:
    """Raise ValueError unless ``M.shape`` fits the symbolic ``shape``.

    A symbol that appears twice must stand for one size, an integer
    literal must match exactly, and a symbol given in ``sizes`` must
    equal its value there.
    """
    symbols = _parse_shape(shape)
    if len(symbols) != M.ndim:
        raise ValueError(
            f"{name} has shape {M.shape}, which has {M.ndim} axes; "
            f"{shape} has {len(symbols)}"
        )
    bound = dict(sizes)
    for symbol, size in zip(symbols, M.shape, strict=True):
        expected = int(symbol) if symbol.isdigit() else bound.get(symbol)
        if expected is not None and expected != size:
            raise ValueError(
                f"{name} has shape {M.shape}, which does not fit {shape} "
                f"with {symbol} = {expected}"
            )
        bound.setdefault(symbol, size)


def _cell(value: float) -> str:
    if np.isneginf(value):
        return "-inf"
    text = f"{value:.3f}"
    return "0.000" if text == "-0.000" else text


def _keep(n: int) -> list[int | None]:
    """Indices to print along an axis of length n; None marks a gap."""
    if n <= _MAX_FULL:
        return list(range(n))
    half = _MAX_FULL // 2
    return [*range(half), None, *range(n - half, n)]


class MatrixView:
    """A labelled text table of one matrix, shown by Jupyter as text.

    Made by ``show``; its ``repr`` is the table, so a notebook cell that
    ends with ``show(...)`` displays it and nbval compares it as text.
    """

    def __init__(self, name, M, shape, rows=None, cols=None):
        self.name = name
        self.M = M
        self.shape = shape
        self.rows = rows
        self.cols = cols

    def __repr__(self) -> str:
        M = self.M if self.M.ndim == 2 else self.M[np.newaxis, :]
        head = f"{self.name}: shape {self.shape} = {self.M.shape}"
        rows = self.rows if self.rows is not None else [
            str(i) for i in range(M.shape[0])
        ]
        if self.M.ndim == 1 and self.rows is None:
            rows = [""]
        cols = self.cols if self.cols is not None else [
            str(j) for j in range(M.shape[1])
        ]
        row_idx, col_idx = _keep(M.shape[0]), _keep(M.shape[1])
        table = [[""] + [
            "..." if j is None else str(cols[j]) for j in col_idx
        ]]
        for i in row_idx:
            if i is None:
                table.append(["..."] + ["" for _ in col_idx])
                continue
            table.append([str(rows[i])] + [
                "..." if j is None else _cell(M[i, j]) for j in col_idx
            ])
        widths = [max(len(line[c]) for line in table)
                  for c in range(len(table[0]))]
        lines = [
            "  ".join(
                text.ljust(w) if c == 0 else text.rjust(w)
                for c, (text, w) in enumerate(zip(line, widths,
                                                  strict=True))
            ).rstrip()
            for line in table
        ]
        return "\n".join([head, *lines])


def show(name: str, M, shape: str, *, rows=None, cols=None, **sizes):
    """Display a matrix with its name and shape, checking the shape.

    Parameters
    ----------
    name : str
        The matrix's name as in the maths, such as ``"Q"``.
    M : array_like, 1-D or 2-D
        The matrix (or one row of it).
    shape : str
        Its symbolic shape, such as ``"(n_tokens, d_k)"``.
    rows, cols : sequence of str, optional
        Labels for the rows (usually tokens) and the columns; a 1-D
        ``M`` is one row, so its ``rows`` is a single label.
    **sizes : int
        Known sizes of symbols, such as ``d_k=3``; each must match.

    Returns
    -------
    MatrixView
        Shown by Jupyter as a labelled table with three decimals.

    Raises
    ------
    ValueError
        If ``M`` does not fit ``shape``: a different number of axes,
        a size that differs from ``sizes`` or from an integer in
        ``shape``, or one symbol standing for two sizes. Also if
        ``rows`` or ``cols`` has the wrong length.
    TypeError
        If ``M`` does not hold real numbers.

    Examples
    --------
    >>> show("Q", [[1, 2], [3, 4.5]], "(n_tokens, d_k)", d_k=2,
    ...      rows=["Cat", "eats"])
    Q: shape (n_tokens, d_k) = (2, 2)
              0      1
    Cat   1.000  2.000
    eats  3.000  4.500
    """
    M = as_numbers(name, M)
    if M.ndim not in (1, 2):
        raise ValueError(
            f"{name} must be 1-D or 2-D to show; got shape {M.shape}"
        )
    check_shape(name, M, shape, sizes)
    for label, given, n in (("rows", rows, M.shape[0] if M.ndim == 2
                             else 1), ("cols", cols, M.shape[-1])):
        if given is not None and len(given) != n:
            raise ValueError(
                f"{label} must have {n} labels for {name} of shape "
                f"{M.shape}; got {len(given)}"
            )
    return MatrixView(name, M, shape, rows, cols)
