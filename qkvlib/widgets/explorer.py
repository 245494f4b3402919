"""Edit the weights of one attention head and watch every matrix follow.

``PipelineExplorer`` puts editors for X, W_q, W_k and W_v beside live
heatmaps of Q, K, V, S, A and Z (and Y with an output projection). Each
edit recomputes the pipeline with the same ``qkvlib`` functions the
notebooks call and sends the new numbers to the browser, which redraws
the panels in place.
"""

from __future__ import annotations

import base64
from contextlib import contextmanager

import ipywidgets
import numpy as np

from ..attention import scores, self_attention, weighted_sum
from ..masks import causal_mask
from ..plotting import heatmap
from ..projection import project, qkv
from ..softmax import softmax
from ._coalesce import Coalescer
from .editor import MatrixEditor
from .heatmap_view import HeatmapView

_WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _titles(scale: bool, temperature: float) -> tuple[str, str]:
    """Return the titles of the S and A panels for these settings."""
    s_title = "S = Q K^T / sqrt(d_k)" if scale else "S = Q K^T (not scaled)"
    if temperature == 1.0:
        a_title = "A = softmax(S)"
    else:
        a_title = f"A = softmax(S / {temperature:g})"
    return s_title, a_title


def shown_temperature(value: float) -> float:
    """Round a slider's temperature to the 3 digits its readout shows.

    A log slider's values are powers like 10 ** 0.35 = 2.2387...; the
    explorer computes with the value the reader sees, 2.24, and a value
    a hair away from 1 (as a browser may send back) counts as 1.

    Examples
    --------
    >>> shown_temperature(10 ** 0.35), shown_temperature(0.9999999999)
    (2.24, 1.0)
    """
    return float(f"{value:.3g}")


def attention_summary(tokens, A: np.ndarray, query: int) -> str:
    """Say in one line where a query token's attention goes.

    Parameters
    ----------
    tokens : sequence of str
        The token labels.
    A : ndarray, shape (n_tokens, n_tokens)
        Attention weights.
    query : int
        The query row.

    Returns
    -------
    str
        Such as ``"fish gives 0.71 of its attention to eats"``; a tie
        names the first of the tied keys.

    Examples
    --------
    >>> A = np.array([[1.0, 0.0], [0.3, 0.7]])
    >>> attention_summary(["Cat", "eats"], A, 1)
    'eats gives 0.70 of its attention to eats'
    """
    row = A[query]
    if not row.any():
        return (f"{tokens[query]} may attend to no key, so its output row "
                "is zero")
    top = int(np.argmax(row))
    return (f"{tokens[query]} gives {row[top]:.2f} of its attention to "
            f"{tokens[top]}")


class PipelineExplorer(ipywidgets.VBox):
    """Edit X, W_q, W_k, W_v and watch Q, K, V, S, A, Z update live.

    Parameters
    ----------
    tokens : sequence of str
        One label per row of X.
    X : array_like, shape (n_tokens, d_model)
    W_q, W_k : array_like, shape (d_model, d_k)
    W_v : array_like, shape (d_model, d_v)
    W_o : array_like, shape (d_v, d_model), optional
        Output projection; adds a panel for Y = Z W_o (not editable).
    query : str or int, optional
        The query token selected at the start; default the last one.
    seed : int, default 0
        The editors' random draws start from seeds ``seed``,
        ``seed + 1``, ... for X, W_q, W_k, W_v.

    Attributes
    ----------
    editors : dict of str to MatrixEditor
        ``"X"``, ``"W_q"``, ``"W_k"``, ``"W_v"``.
    panels : dict of str to HeatmapView
        ``"Q"``, ``"K"``, ``"V"``, ``"S"``, ``"A"``, ``"Z"``, and
        ``"Y"`` with W_o.
    query : ipywidgets.ToggleButtons
        The selected query token (its value is the row index).
    temperature : ipywidgets.FloatLogSlider
        tau in A = softmax(S / tau), from 0.1 to 20; the explorer
        computes with the value its readout shows, to 3 digits.
    scale : ipywidgets.Checkbox
        Divide the scores by sqrt(d_k).
    causal : ipywidgets.Checkbox
        Let each token attend only to itself and earlier tokens.
    tie_button : ipywidgets.Button
        Copy W_q into W_k, which makes S symmetric.
    summary : ipywidgets.Label
        One sentence on where the selected query's attention goes.

    Raises
    ------
    TypeError, ValueError
        As ``qkvlib.self_attention`` for the matrices; ValueError also
        if ``tokens`` does not give one label per row of X.

    Notes
    -----
    It opens on exactly ``self_attention(X, W_q, W_k, W_v, W_o=W_o)``.
    With the temperature tau and the switches, the panels show
    Q, K, V = X W_q, X W_k, X W_v; S = Q K^T / sqrt(d_k) (or Q K^T),
    with -inf where the causal mask hides a key; A = softmax(S / tau);
    Z = A V. Edits arriving close together, as from a dragged slider,
    are redrawn together (at most one redraw per 50 ms after the
    first); ``hold()`` gathers scripted edits into one redraw.

    Examples
    --------
    >>> import qkvlib as qk
    >>> example = qk.load_example("cat-eats-fish")
    >>> W_q, W_k, W_v = qk.init_weights(4, 3, np.random.default_rng(55))
    >>> explorer = PipelineExplorer(example.tokens, example.X, W_q, W_k,
    ...                             W_v)
    >>> explorer.summary.value
    'fish gives 0.61 of its attention to Cat'
    >>> explorer.set_entry("W_q", 0, 0, "abc")
    >>> explorer.editors["W_q"].message.value
    "W_q[0, 0]: 'abc' is not a number; kept 0.421."
    """

    def __init__(self, tokens, X, W_q, W_k, W_v, W_o=None, *, query=None,
                 seed: int = 0):
        result = self_attention(X, W_q, W_k, W_v, W_o=W_o)
        X = np.asarray(X, dtype=np.float64)
        tokens = [str(token) for token in tokens]
        if len(tokens) != X.shape[0]:
            raise ValueError(
                f"tokens must have one label per row of X, {X.shape[0]}; "
                f"got {len(tokens)}"
            )
        self.tokens = tokens
        self._W_o = None if W_o is None else np.array(W_o, dtype=float)
        d_model, d_k = np.shape(W_q)
        d_v = np.shape(W_v)[1]
        features = [str(c) for c in range(d_model)]
        self.editors = {
            "X": MatrixEditor("X", X, tokens, features, seed,
                              shape="(n_tokens, d_model)"),
            "W_q": MatrixEditor("W_q", W_q, features, range(d_k), seed + 1,
                                shape="(d_model, d_k)"),
            "W_k": MatrixEditor("W_k", W_k, features, range(d_k), seed + 2,
                                shape="(d_model, d_k)"),
            "W_v": MatrixEditor("W_v", W_v, features, range(d_v), seed + 3,
                                shape="(d_model, d_v)"),
        }
        k_cols, v_cols = range(d_k), range(d_v)
        self.panels = {
            "Q": HeatmapView(result.Q, tokens, k_cols, "Q = X W_q",
                             "signed", name="Q", col_title="feature"),
            "K": HeatmapView(result.K, tokens, k_cols, "K = X W_k",
                             "signed", name="K", row_title="key token",
                             col_title="feature"),
            "V": HeatmapView(result.V, tokens, v_cols, "V = X W_v",
                             "signed", name="V", row_title="key token",
                             col_title="value feature"),
            "S": HeatmapView(result.S, tokens, tokens, _titles(True, 1)[0],
                             "signed", name="S", colorbar_label="score"),
            "A": HeatmapView(result.A, tokens, tokens, "A = softmax(S)",
                             name="A"),
            "Z": HeatmapView(result.Z, tokens, v_cols, "Z = A V", "signed",
                             name="Z", col_title="value feature"),
        }
        if result.Y is not None:
            self.panels["Y"] = HeatmapView(
                result.Y, tokens, features, "Y = Z W_o", "signed",
                name="Y", col_title="feature")

        self.query = ipywidgets.ToggleButtons(
            options=[(token, i) for i, token in enumerate(tokens)],
            value=self._index(query) if query is not None
            else len(tokens) - 1,
            description="query", style={"button_width": "auto"})
        self.temperature = ipywidgets.FloatLogSlider(
            value=1.0, base=10, min=-1, max=1.3, step=0.05,
            description="tau", readout_format=".3g",
            tooltip="temperature: A = softmax(S / tau)")
        self.scale = ipywidgets.Checkbox(value=True,
                                         description="divide by sqrt(d_k)")
        self.causal = ipywidgets.Checkbox(value=False,
                                          description="causal mask")
        self.tie_button = ipywidgets.Button(
            description="tie W_q = W_k",
            tooltip="copy W_q into W_k: the scores become symmetric")
        self.summary = ipywidgets.Label("")
        self.problem = ipywidgets.Label("")

        self._coalescer = Coalescer(self._redraw)
        self._shown: dict[str, np.ndarray] = {}
        self._redraw_callbacks: list = []
        for editor in self.editors.values():
            editor.on_change(lambda _: self._coalescer.request())
        for control in (self.query, self.temperature, self.scale,
                        self.causal):
            control.observe(lambda _: self._coalescer.request(),
                            names="value")
        self.tie_button.on_click(lambda _: self.tie())
        self._redraw()

        def row(children):
            return ipywidgets.HBox(children, layout=ipywidgets.Layout(
                flex_flow="row wrap", align_items="flex-start"))

        panels = list(self.panels.values())
        super().__init__([
            row([self.query, self.temperature]),
            row([self.scale, self.causal, self.tie_button]),
            self.summary,
            self.problem,
            row(list(self.editors.values())),
            row(panels[:3]),
            row(panels[3:]),
        ])

    # The programmatic surface ------------------------------------

    def set_entry(self, name: str, i: int, j: int, value) -> None:
        """Type ``value`` into entry (i, j) of the editor ``name``.

        Takes a number or a string and treats it exactly as typed
        input: a bad value leaves a message beside that editor and
        every matrix as it was; nothing raises for a bad value.

        Raises
        ------
        ValueError
            If ``name`` is not one of the editors, or (i, j) lies
            outside its matrix.
        """
        if name not in self.editors:
            raise ValueError(
                f"name must be one of {sorted(self.editors)}; got {name!r}"
            )
        editor = self.editors[name]
        n_rows, n_cols = editor.value.shape
        if not (0 <= i < n_rows and 0 <= j < n_cols):
            raise ValueError(
                f"(i, j) must lie within {name}'s shape ({n_rows}, "
                f"{n_cols}); got ({i}, {j})"
            )
        editor.set_entry(i, j, value)

    def select(self, token) -> None:
        """Select a query token by its label (first match) or index.

        Raises
        ------
        ValueError
            If no token has that label or index.
        """
        self.query.value = self._index(token)

    def tie(self) -> None:
        """Copy W_q into W_k, as the "tie W_q = W_k" button does."""
        self.editors["W_k"].set_matrix(self.editors["W_q"].value)

    def on_redraw(self, callback) -> None:
        """Call ``callback(explorer)`` after each redraw of the panels.

        A puzzle's check uses it to follow every edit; the panels show
        the new matrices by then, and ``matrices()`` returns them.
        """
        self._redraw_callbacks.append(callback)

    def matrices(self) -> dict[str, np.ndarray]:
        """Return copies of the matrices the panels show now.

        Keys ``"Q"``, ``"K"``, ``"V"``, ``"S"``, ``"A"``, ``"Z"`` and,
        with W_o, ``"Y"``. A redraw still waiting is done first.
        """
        self._coalescer.flush()
        return {name: M.copy() for name, M in self._shown.items()}

    @contextmanager
    def hold(self):
        """Gather every change inside the block into one redraw."""
        with self._coalescer.hold():
            yield

    @property
    def temperature_value(self) -> float:
        """tau as computed with: the slider's value to 3 digits."""
        return shown_temperature(self.temperature.value)

    @property
    def redraws(self) -> int:
        """How many recompute-and-send passes edits have caused."""
        return self._coalescer.runs

    # Computing and drawing -----------------------------------------

    def _index(self, token) -> int:
        if isinstance(token, (int, np.integer)) and not isinstance(
                token, bool):
            if 0 <= token < len(self.tokens):
                return int(token)
        elif token in self.tokens:
            return self.tokens.index(token)
        raise ValueError(
            f"token must be one of {self.tokens} or an index below "
            f"{len(self.tokens)}; got {token!r}"
        )

    def _compute(self) -> dict[str, np.ndarray]:
        X = self.editors["X"].value
        Q, K, V = qkv(X, self.editors["W_q"].value,
                      self.editors["W_k"].value, self.editors["W_v"].value)
        S = scores(Q, K, scale=self.scale.value)
        if self.causal.value:
            S = np.where(causal_mask(len(self.tokens)), S, -np.inf)
        A = softmax(S / self.temperature_value)
        Z = weighted_sum(A, V)
        shown = {"Q": Q, "K": K, "V": V, "S": S, "A": A, "Z": Z}
        if self._W_o is not None:
            shown["Y"] = project(Z, self._W_o)
        return shown

    def _redraw(self) -> None:
        try:
            shown = self._compute()
        except (TypeError, ValueError) as err:
            # Entries are checked as typed, so this is a safety net:
            # keep the last good picture and say what went wrong.
            self.problem.value = f"Not updated: {err}"
            return
        self.problem.value = ""
        self._shown = shown
        q = self.query.value
        A = shown["A"]
        top = [int(np.argmax(A[q]))] if A[q].any() else []
        cells = [(q, k) for k in top]
        s_title, a_title = _titles(self.scale.value,
                                   self.temperature_value)
        panels = self.panels
        panels["Q"].update(shown["Q"], selected_rows=[q])
        panels["K"].update(shown["K"], marked_rows=top)
        panels["V"].update(shown["V"], marked_rows=top)
        panels["S"].update(shown["S"], title=s_title, selected_rows=[q],
                           marked_cells=cells)
        panels["A"].update(A, title=a_title, selected_rows=[q],
                           marked_cells=cells)
        panels["Z"].update(shown["Z"], selected_rows=[q])
        if "Y" in panels:
            panels["Y"].update(shown["Y"], selected_rows=[q])
        self.summary.value = attention_summary(self.tokens, A, q)
        for callback in self._redraw_callbacks:
            callback(self)

    # Display ---------------------------------------------------------

    def __repr__(self) -> str:
        names = ", ".join(self.panels)
        return (f"[widget: pipeline explorer for {' '.join(self.tokens)!r}"
                f": edit X, W_q, W_k, W_v and watch {names} update]")

    def _repr_mimebundle_(self, **kwargs):
        """Give the live view, a PNG of A as it stands, and text.

        A stored notebook keeps the PNG and the text (the build drops
        the live view, which needs a running kernel), so the picture
        stands where the widget appears once the cell runs again.
        """
        data = super()._repr_mimebundle_(**kwargs) or {}
        picture = heatmap(self._shown["A"], self.tokens, self.tokens,
                          title=self.panels["A"]._symbol)
        data["image/png"] = base64.b64encode(
            picture._repr_png_()).decode("ascii")
        data["text/plain"] = f"{self!r}\n{picture!r}"
        return {mime: data[mime] for mime in
                (_WIDGET_VIEW, "image/png", "text/plain") if mime in data}
