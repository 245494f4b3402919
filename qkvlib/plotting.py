"""The one heatmap function every notebook figure goes through.

matplotlib is imported inside the function, so importing qkvlib stays
fast and changes no plotting settings; figures are built on their own
``Figure`` objects, never through pyplot's global state.
"""

import io
import math

import numpy as np

from ._checks import as_numbers

_ANNOTATE_UP_TO = 12
_KINDS = ("weights", "signed")


def as_heatmap_matrix(M) -> np.ndarray:
    """Return M as a float64 matrix a heatmap can draw, or raise.

    ``-inf`` (a masked score) is allowed; NaN and ``+inf`` are not.
    """
    M = as_numbers("M", M)
    if M.ndim != 2:
        raise ValueError(
            f"M must be a 2-D array of shape (n_rows, n_cols); got shape "
            f"{M.shape}"
        )
    if np.isnan(M).any() or np.isposinf(M).any():
        raise ValueError("M must not hold NaN or +inf")
    return M


def _labels(name: str, labels, n: int) -> list[str]:
    if labels is None:
        return [str(i) for i in range(n)]
    labels = [str(label) for label in labels]
    if len(labels) != n:
        raise ValueError(
            f"{name} must have {n} labels, one per matrix "
            f"{'row' if name == 'rows' else 'column'}; got {len(labels)}"
        )
    return labels


# The layout is computed here rather than by matplotlib's constrained
# layout, which measures every text twice and took 40 % of the time.
_CELL_W, _CELL_H = 0.6, 0.45     # inches per matrix cell
_CHAR = 0.085                    # inches per character at 10 pt
_RIGHT = 1.15                    # colour bar, its ticks and its label


def _margins(rows, cols, rotate) -> tuple[float, float]:
    """Return the left and top margins in inches for these labels."""
    left = 0.45 + _CHAR * max(len(label) for label in rows)
    tick_height = (0.72 * _CHAR * max(len(label) for label in cols)
                   if rotate else 0.2)
    top = 0.75 + tick_height
    return left, top


def _figure_size(n_rows, n_cols, rows, cols, rotate):
    left, top = _margins(rows, cols, rotate)
    width = left + _CELL_W * n_cols + _RIGHT
    height = top + _CELL_H * n_rows + 0.15
    return width, height


def _place_axes(fig, n_rows, n_cols, rows, cols, rotate):
    """Add the heatmap's axes and the colour bar's, in figure units."""
    width, height = fig.get_size_inches()
    left, top = _margins(rows, cols, rotate)
    grid_w, grid_h = _CELL_W * n_cols, _CELL_H * n_rows
    bottom = height - top - grid_h
    ax = fig.add_axes((left / width, bottom / height, grid_w / width,
                       grid_h / height))
    cax = fig.add_axes(((left + grid_w + 0.2) / width, bottom / height,
                        0.15 / width, grid_h / height))
    return ax, cax


def cell_label(value: float) -> str:
    """Label a cell in at most five characters, as heatmap.js does.

    Two decimals below 100, whole numbers below 10,000, and one digit
    with a power of ten beyond, so a typed 250000 still fits its cell
    (as 3e5). Beyond two decimals, halves round away from zero, the
    rule of JavaScript's ``toFixed`` and ``toExponential``, so the
    browser's heatmap and this one show the same label.
    """
    if abs(value) < 99.995:
        text = f"{value:.2f}"
        return "0.00" if text == "-0.00" else text
    sign = "-" if value < 0 else ""
    size = abs(value)
    if size < 9999.5:
        return f"{sign}{math.floor(size + 0.5)}"
    power = math.floor(math.log10(size))
    digit = math.floor(size / 10**power + 0.5)
    if digit == 10:
        digit, power = 1, power + 1
    return f"{sign}{digit}e{power}"


class Heatmap:
    """A drawn heatmap: a PNG for the screen, a sentence for its text.

    Jupyter shows the PNG; the text form (``repr``) describes the
    figure in words, so it serves as alt text, is what nbval compares,
    and reads in any viewer that cannot show images.

    Attributes
    ----------
    figure : matplotlib.figure.Figure
        The figure, for saving or further drawing.
    description : str
        The figure in words.
    """

    def __init__(self, figure, description: str):
        self.figure = figure
        self.description = description

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=100,
                            metadata={"Software": None})
        return buffer.getvalue()

    def __repr__(self) -> str:
        return self.description


def _describe(M, title, rows, cols, row_title, col_title) -> str:
    finite = np.where(np.isneginf(M), np.nan, M)
    text = (
        f"Heatmap of {title}, shape {M.shape}; rows: {row_title} "
        f"({', '.join(rows)}); columns: {col_title} ({', '.join(cols)})."
    )
    if np.isnan(finite).all():
        return text + " Every cell is masked."
    i, j = np.unravel_index(np.nanargmax(finite), M.shape)
    text += f" Largest {finite[i, j]:.2f} at ({rows[i]}, {cols[j]})."
    masked = int(np.isneginf(M).sum())
    if masked:
        text += f" {masked} masked cells."
    return text


def heatmap(
    M,
    rows=None,
    cols=None,
    title: str = "",
    kind: str = "weights",
    *,
    row_title: str = "query token",
    col_title: str = "key token",
    colorbar_label: str | None = None,
    limit: float | None = None,
) -> Heatmap:
    """Draw a matrix as a labelled, annotated heatmap.

    Parameters
    ----------
    M : array_like, shape (n_rows, n_cols)
        The matrix. ``-inf`` entries (masked scores) show as grey cells.
    rows, cols : sequence of str, optional
        Row labels (queries, usually tokens) and column labels (keys, or
        feature indices). Default: indices from 0.
    title : str
        The symbol, such as ``"A = softmax(S)"``; the shape is added.
    kind : {"weights", "signed"}
        ``"weights"``: values in [0, 1], a perceptually uniform map
        (viridis) with fixed limits 0 and 1. ``"signed"``: any values, a
        diverging map (RdBu) centred on zero.
    row_title, col_title : str
        Axis titles naming the roles of rows and columns.
    colorbar_label : str, optional
        Defaults to "weight" or "value" by ``kind``.
    limit : float, optional
        For ``kind="signed"``: the colour range is -limit to limit, so
        several heatmaps can share one scale. Default: the largest
        absolute entry of ``M``.

    Returns
    -------
    Heatmap
        Shown by Jupyter as a PNG; its text form describes it.

    Raises
    ------
    TypeError
        If ``M`` does not hold real numbers.
    ValueError
        If ``M`` is not 2-D, holds NaN or +inf, ``kind`` is unknown, a
        label list has the wrong length, or weights fall outside [0, 1].

    Notes
    -----
    Cells show their value to two decimals when the matrix is at most
    12 x 12.

    Examples
    --------
    >>> heatmap([[0.25, 0.75]], ["Cat"], ["eats", "fish"], title="A")
    Heatmap of A, shape (1, 2); rows: query token (Cat); columns: key \
token (eats, fish). Largest 0.75 at (Cat, fish).
    """
    from matplotlib import colormaps
    from matplotlib.colors import TwoSlopeNorm
    from matplotlib.figure import Figure

    M = as_heatmap_matrix(M)
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {_KINDS}; got {kind!r}")
    if limit is not None and kind != "signed":
        raise ValueError("limit applies only to kind='signed'")
    finite = np.isfinite(M)
    if kind == "weights" and ((M[finite] < -1e-12).any()
                              or (M[finite] > 1 + 1e-12).any()):
        raise ValueError(
            "M must hold values in [0, 1] for kind='weights'; use "
            "kind='signed' for scores and projections"
        )
    rows = _labels("rows", rows, M.shape[0])
    cols = _labels("cols", cols, M.shape[1])

    n_rows, n_cols = M.shape
    rotate = max(len(label) for label in cols) > 3
    fig = Figure(figsize=_figure_size(n_rows, n_cols, rows, cols, rotate))
    ax, cax = _place_axes(fig, n_rows, n_cols, rows, cols, rotate)
    shown = np.ma.masked_invalid(np.where(finite, M, np.nan))
    if kind == "weights":
        cmap, norm = colormaps["viridis"], None
        limits = {"vmin": 0.0, "vmax": 1.0}
    else:
        if limit is None:
            reach = float(np.abs(M[finite]).max()) if finite.any() else 1.0
        else:
            reach = float(limit)
            if not reach > np.abs(M[finite]).max(initial=0.0) - 1e-12:
                raise ValueError(
                    "limit must be positive and at least the largest "
                    f"absolute entry of M; got {limit}"
                )
        reach = reach or 1.0
        cmap, limits = colormaps["RdBu_r"], {}
        norm = TwoSlopeNorm(0.0, -reach, reach)
    image = ax.imshow(shown, cmap=cmap.with_extremes(bad="#d9d9d9"),
                      norm=norm, aspect="auto", **limits)
    if rotate:
        ax.set_xticks(range(n_cols), cols, rotation=45, ha="left",
                      rotation_mode="anchor")
    else:
        ax.set_xticks(range(n_cols), cols)
    ax.set_yticks(range(n_rows), rows)
    ax.set_xlabel(col_title)
    ax.set_ylabel(row_title)
    ax.xaxis.set_label_position("top")
    ax.xaxis.tick_top()
    ax.set_title(f"{title}  {M.shape}" if title else f"{M.shape}",
                 fontsize=11, pad=8)
    bar = fig.colorbar(image, cax=cax)
    bar.set_label(colorbar_label or
                  ("weight" if kind == "weights" else "value"))
    if n_rows <= _ANNOTATE_UP_TO and n_cols <= _ANNOTATE_UP_TO:
        for i in range(n_rows):
            for j in range(n_cols):
                if not finite[i, j]:
                    ax.text(j, i, "-inf", ha="center", va="center",
                            fontsize=8, color="#595959")
                    continue
                red, green, blue, _ = image.cmap(image.norm(M[i, j]))
                light = 0.299 * red + 0.587 * green + 0.114 * blue > 0.5
                ax.text(j, i, cell_label(M[i, j]), ha="center",
                        va="center",
                        fontsize=9, color="black" if light else "white")
    description = _describe(M, title or "a matrix", rows, cols,
                            row_title, col_title)
    return Heatmap(fig, description)
