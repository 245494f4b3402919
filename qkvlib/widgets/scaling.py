"""Slide d_k, switch the scale, and read the spread of the scores.

``ScalingExplorer`` follows the experiment of notebook 04: for each
key width d_k it takes raw scores of random unit-variance queries and
keys, and shows the mean sorted softmax weights of every width as a
heatmap, with the chosen width outlined and a line that reads its
variance and its mean largest weight, with or without the division
by sqrt(d_k). The notebook passes its own draws in, so the widget
shows the numbers of the table above it.
"""

from __future__ import annotations

import math

import ipywidgets
import numpy as np

from .._checks import as_numbers
from ..softmax import softmax
from ._stored import with_picture
from .heatmap_view import HeatmapView

_TITLES = {True: "scaled: Q K^T / sqrt(d_k)", False: "unscaled: Q K^T"}


def mean_sorted_weights(S_rows: np.ndarray) -> np.ndarray:
    """Sort each row's softmax weights, largest first; average the rows.

    Parameters
    ----------
    S_rows : ndarray, shape (n_rows, n_keys)
        One row of scores per query.

    Returns
    -------
    ndarray, shape (n_keys,)
        Entry r is the mean of each row's (r + 1)-th largest weight.

    Examples
    --------
    >>> mean_sorted_weights(np.array([[0.0, 0.0], [0.0, np.log(3)]]))
    array([0.625, 0.375])
    """
    return np.sort(softmax(S_rows), axis=1)[:, ::-1].mean(axis=0)


def scaling_line(d_k: int, S_rows: np.ndarray, scale: bool) -> str:
    """Read the variance and mean largest weight of one width's scores.

    Examples
    --------
    >>> S = np.array([[2.0, -2.0], [-2.0, 2.0]])
    >>> scaling_line(4, S, True)
    'd_k = 4, divided by sqrt(d_k) = 2.0: variance of the scores \
1.000; mean largest weight 0.881 (even weights: 0.500).'
    >>> scaling_line(4, S, False)
    'd_k = 4, not scaled: variance of the scores 4.0; mean largest \
weight 0.982 (even weights: 0.500).'
    """
    n_keys = S_rows.shape[1]
    if scale:
        S_rows = S_rows / math.sqrt(d_k)
        how = f"divided by sqrt(d_k) = {math.sqrt(d_k):.1f}"
        variance = f"{S_rows.var():.3f}"
    else:
        how = "not scaled"
        variance = f"{S_rows.var():.1f}"
    top = softmax(S_rows).max(axis=1).mean()
    return (f"d_k = {d_k}, {how}: variance of the scores {variance}; mean "
            f"largest weight {top:.3f} (even weights: {1 / n_keys:.3f}).")


class ScalingExplorer(ipywidgets.VBox):
    """Choose d_k, switch the scale, and watch the weights spread.

    Parameters
    ----------
    S_trials : mapping of int to array_like, shape (n_rows, n_keys)
        For each key width d_k, the raw scores (dot products) of
        n_rows random queries, each against its own n_keys keys.
    d_k : int, optional
        The width chosen at the start; default the first.

    Attributes
    ----------
    d_k : ipywidgets.SelectionSlider
        The key width, one of the keys of ``S_trials``.
    scale : ipywidgets.Checkbox
        Divide the scores by sqrt(d_k) before the softmax.
    panel : HeatmapView
        Mean sorted weights, one row per width, the chosen one
        outlined; shape (n_widths, n_keys).
    line : ipywidgets.Label
        The chosen width's variance and mean largest weight.

    Raises
    ------
    ValueError
        If ``S_trials`` is empty, a width is not a positive whole
        number, or the score matrices are not 2-D and finite with one
        shared number of keys.

    Notes
    -----
    Everything is computed once, at the start, with ``qkvlib.softmax``;
    moving the slider or the switch only picks what to show.

    Examples
    --------
    >>> S_trials = {4: np.array([[2.0, -2.0], [-2.0, 2.0]]),
    ...             16: np.array([[4.0, -4.0], [-4.0, 4.0]])}
    >>> explorer = ScalingExplorer(S_trials)
    >>> explorer.d_k.value = 16
    >>> explorer.line.value
    'd_k = 16, divided by sqrt(d_k) = 4.0: variance of the scores \
1.000; mean largest weight 0.881 (even weights: 0.500).'
    """

    def __init__(self, S_trials, d_k=None):
        if not S_trials:
            raise ValueError("S_trials must hold at least one width")
        trials = {}
        for width, S_rows in S_trials.items():
            if isinstance(width, bool) or not isinstance(
                    width, (int, np.integer)) or width < 1:
                raise ValueError(
                    f"the widths (keys of S_trials) must be positive "
                    f"whole numbers; got {width!r}")
            S_rows = as_numbers(f"S_trials[{width}]", S_rows)
            if S_rows.ndim != 2 or not np.isfinite(S_rows).all():
                raise ValueError(
                    f"S_trials[{width}] must be a finite matrix of shape "
                    f"(n_rows, n_keys); got shape {S_rows.shape}")
            trials[int(width)] = S_rows.copy()
        n_keys = {S_rows.shape[1] for S_rows in trials.values()}
        if len(n_keys) != 1:
            raise ValueError(
                f"every S_trials matrix must have the same n_keys; got "
                f"{sorted(n_keys)}")
        self._trials = trials
        widths = list(trials)
        self._sorted = {
            scale: np.stack([
                mean_sorted_weights(S_rows / math.sqrt(width) if scale
                                    else S_rows)
                for width, S_rows in trials.items()])
            for scale in (True, False)
        }
        self._lines = {
            (width, scale): scaling_line(width, S_rows, scale)
            for width, S_rows in trials.items() for scale in (True, False)
        }
        self.d_k = ipywidgets.SelectionSlider(
            options=widths, value=widths[0] if d_k is None else d_k,
            description="d_k", layout=ipywidgets.Layout(width="28em"))
        self.scale = ipywidgets.Checkbox(value=True,
                                         description="divide by sqrt(d_k)")
        ranks = [str(r) for r in range(1, n_keys.pop() + 1)]
        self.panel = HeatmapView(
            self._sorted[True], [str(w) for w in widths], ranks,
            _TITLES[True], name="ranked", row_title="d_k",
            col_title="key, ranked by weight")
        self.line = ipywidgets.Label("")
        for control in (self.d_k, self.scale):
            control.observe(lambda _: self._redraw(), names="value")
        self._redraw()
        super().__init__([ipywidgets.HBox([self.d_k, self.scale]),
                          self.line, self.panel])

    def _redraw(self) -> None:
        scale = self.scale.value
        row = list(self._trials).index(self.d_k.value)
        self.panel.update(self._sorted[scale], title=_TITLES[scale],
                          selected_rows=[row])
        self.line.value = self._lines[(self.d_k.value, scale)]

    def shown(self) -> np.ndarray:
        """Return a copy of the mean sorted weights shown now."""
        return self._sorted[self.scale.value].copy()

    def __repr__(self) -> str:
        widths = ", ".join(str(w) for w in self._trials)
        return (f"[widget: a d_k slider ({widths}) and a scale switch, "
                "with the variance and the largest weight]")

    def _repr_mimebundle_(self, **kwargs):
        """Give the live view, a PNG of the heatmap, and text."""
        return with_picture(super()._repr_mimebundle_(**kwargs),
                            self.panel.picture(),
                            f"{self!r}\n{self.line.value}")
