"""Move a temperature slider from a lookup to an average.

``TemperatureExplorer`` shows the weights A = softmax(S / tau) of one
score matrix S as a live heatmap, with a slider for tau and one
line that reads the weights of a chosen query. It computes with
``qkvlib.softmax``, the function the notebooks call.
"""

from __future__ import annotations

import ipywidgets
import numpy as np

from .._checks import as_numbers
from ..softmax import softmax
from ._coalesce import Coalescer
from ._stored import with_picture
from .heatmap_view import HeatmapView

# Steps of 1, 2, 5 per power of ten: a table's 0.05, 0.5, 1, 5 and 50
# are all stops, so the slider can show exactly the rows of that table.
TAUS = (0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0)


def temperature_title(tau: float) -> str:
    """Return the symbol of the weights at temperature ``tau``.

    Examples
    --------
    >>> temperature_title(1.0), temperature_title(0.05)
    ('A = softmax(S)', 'A = softmax(S / 0.05)')
    """
    return "A = softmax(S)" if tau == 1.0 else f"A = softmax(S / {tau:g})"


def weights_line(tokens, A: np.ndarray, query: int, tau: float) -> str:
    """Read one query's weights in a line, with both extremes beside.

    Examples
    --------
    >>> A = np.array([[0.75, 0.25], [0.5, 0.5]])
    >>> weights_line(["Cat", "eats"], A, 0, 2.0)
    'tau = 2: Cat gives Cat 0.750, eats 0.250; a lookup gives 1.000 to \
one key, an average 0.500 to each.'
    """
    shares = ", ".join(f"{token} {weight:.3f}"
                       for token, weight in zip(tokens, A[query]))
    return (f"tau = {tau:g}: {tokens[query]} gives {shares}; a lookup "
            f"gives 1.000 to one key, an average {1 / len(tokens):.3f} "
            "to each.")


class TemperatureExplorer(ipywidgets.VBox):
    """Slide tau in A = softmax(S / tau) and watch the weights change.

    Parameters
    ----------
    tokens : sequence of str
        One label per query (row) and key (column) of S.
    S : array_like, shape (n_tokens, n_tokens)
        The scores; ``-inf`` marks a masked key.
    query : str or int, optional
        The query whose row the text line reads and the heatmap
        outlines; default the first.

    Attributes
    ----------
    temperature : ipywidgets.SelectionSlider
        tau, one of 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20 and 50;
        it starts at 1.
    panel : HeatmapView
        The weights A = softmax(S / tau).
    line : ipywidgets.Label
        The chosen query's weights in words.

    Raises
    ------
    ValueError
        If S is not square with one label per row, or holds NaN or
        +inf; or ``query`` names no token.

    Examples
    --------
    >>> explorer = TemperatureExplorer(["a", "b"], [[1.0, 0.0],
    ...                                             [0.0, 1.0]])
    >>> explorer.temperature.value = 50.0
    >>> explorer.tau, explorer.panel.title
    (50.0, 'A = softmax(S / 50)  (2, 2)')
    """

    def __init__(self, tokens, S, query=None):
        S = as_numbers("S", S)
        self.tokens = [str(token) for token in tokens]
        n = len(self.tokens)
        if S.shape != (n, n):
            raise ValueError(
                f"S must have shape (n_tokens, n_tokens) = ({n}, {n}); "
                f"got {S.shape}")
        if np.isnan(S).any() or np.isposinf(S).any():
            raise ValueError("S must not hold NaN or +inf")
        self._S = S.copy()
        if query is None:
            self.query = 0
        elif isinstance(query, str) and query in self.tokens:
            self.query = self.tokens.index(query)
        elif isinstance(query, (int, np.integer)) and 0 <= query < n:
            self.query = int(query)
        else:
            raise ValueError(
                f"query must be one of {self.tokens} or an index below "
                f"{n}; got {query!r}")
        self.temperature = ipywidgets.SelectionSlider(
            options=[(f"{tau:g}", tau) for tau in TAUS], value=1.0,
            description="tau", tooltip="temperature: A = softmax(S / tau)",
            layout=ipywidgets.Layout(width="28em"))
        self.panel = HeatmapView(softmax(S), self.tokens, self.tokens,
                                 temperature_title(1.0), name="A")
        self.line = ipywidgets.Label("")
        self._coalescer = Coalescer(self._redraw)
        self.temperature.observe(lambda _: self._coalescer.request(),
                                 names="value")
        self._redraw()
        super().__init__([self.temperature, self.line, self.panel])

    @property
    def tau(self) -> float:
        """The temperature the slider shows."""
        return float(self.temperature.value)

    def weights(self) -> np.ndarray:
        """Return a copy of the weights shown now."""
        self._coalescer.flush()
        return self._A.copy()

    def _redraw(self) -> None:
        tau = self.tau
        self._A = softmax(self._S / tau)
        self.panel.update(self._A, title=temperature_title(tau),
                          selected_rows=[self.query])
        self.line.value = weights_line(self.tokens, self._A, self.query,
                                       tau)

    def __repr__(self) -> str:
        return ("[widget: a temperature slider for A = softmax(S / tau), "
                "from tau = 0.05 to 50]")

    def _repr_mimebundle_(self, **kwargs):
        """Give the live view, a PNG of the weights, and text."""
        return with_picture(super()._repr_mimebundle_(**kwargs),
                            self.panel.picture(),
                            f"{self!r}\n{self.line.value}")
