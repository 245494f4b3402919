"""Headless tests of qkvlib.widgets: editors, explorer, heatmap views.

No browser and no kernel: the widgets run on ipywidgets' stand-in comm,
and the tests drive them as the page would, by setting an entry's
``value`` (what JupyterLab sends after Enter or Tab) or through the
explorer's ``set_entry``. Every matrix shown is compared with
``qkvlib.self_attention`` on the same weights.
"""

from __future__ import annotations

import asyncio
import base64
import os

import build_notebooks
import colour_tables
import matplotlib.pyplot as plt
import nbformat
import numpy as np
import pytest
import test_hygiene

import qkvlib as qk
from qkvlib.widgets import (
    HeatmapView,
    MatrixEditor,
    PipelineExplorer,
    ProjectionExplorer,
    Puzzle,
    ScalingExplorer,
    SelfGoal,
    TemperatureExplorer,
    WeightGoal,
)
from qkvlib.widgets.editor import parse_entry
from qkvlib.widgets.heatmap_view import cell_values
from qkvlib.widgets.temperature import TAUS

FIELDS = ("Q", "K", "V", "S", "A", "Z")


@pytest.fixture
def weights():
    """The "Cat eats fish" example with the notebooks' seed 55."""
    example = qk.load_example("cat-eats-fish")
    W_q, W_k, W_v = qk.init_weights(4, 3, np.random.default_rng(55))
    return example.tokens, example.X, W_q, W_k, W_v


@pytest.fixture
def explorer(weights):
    return PipelineExplorer(*weights)


def assert_shows(explorer, X, W_q, W_k, W_v, **options):
    """Assert the explorer shows self_attention's matrices exactly."""
    expected = qk.self_attention(X, W_q, W_k, W_v, **options)
    shown = explorer.matrices()
    for name in FIELDS:
        np.testing.assert_array_equal(shown[name], getattr(expected, name),
                                      err_msg=name)
        assert explorer.panels[name].values == cell_values(shown[name])


# Opening state and edits --------------------------------------------


def test_opens_on_self_attention(weights, explorer):
    tokens, X, W_q, W_k, W_v = weights
    assert_shows(explorer, X, W_q, W_k, W_v)
    assert explorer.panels["A"].title == "A = softmax(S)  (3, 3)"
    assert explorer.panels["S"].title == "S = Q K^T / sqrt(d_k)  (3, 3)"
    assert explorer.panels["Q"].rows == tokens
    assert explorer.redraws == 0


def test_output_projection_adds_y(weights):
    tokens, X, W_q, W_k, W_v = weights
    W_o = np.random.default_rng(1).normal(size=(3, 4))
    explorer = PipelineExplorer(tokens, X, W_q, W_k, W_v, W_o=W_o)
    explorer.set_entry("W_v", 2, 1, 0.25)
    W_v = W_v.copy()
    W_v[2, 1] = 0.25
    expected = qk.self_attention(X, W_q, W_k, W_v, W_o=W_o)
    np.testing.assert_array_equal(explorer.matrices()["Y"], expected.Y)


@pytest.mark.parametrize("value", [0.5, "0.5", " 0.5 ", np.float64(0.5)])
def test_set_entry_takes_numbers_and_text(weights, explorer, value):
    tokens, X, W_q, W_k, W_v = weights
    explorer.set_entry("W_q", 1, 2, value)
    W_q = W_q.copy()
    W_q[1, 2] = 0.5
    assert_shows(explorer, X, W_q, W_k, W_v)
    assert explorer.editors["W_q"].message.value == ""
    assert explorer.redraws == 1


def test_typing_into_entries(weights, explorer):
    tokens, X, W_q, W_k, W_v = weights
    X, W_k = X.copy(), W_k.copy()
    # What the page sends once the reader presses Enter or Tab.
    explorer.editors["X"].entries[2][0].value = "-1.25"
    explorer.editors["W_k"].entries[3][1].value = "\u22122"
    X[2, 0], W_k[3, 1] = -1.25, -2.0
    assert_shows(explorer, X, W_q, W_k, W_v)
    assert explorer.redraws == 2


def test_entries_apply_on_enter_or_tab_only(explorer):
    entry = explorer.editors["W_q"].entries[0][0]
    assert entry.continuous_update is False
    assert entry.value == "0.421"


# Bad input ----------------------------------------------------------

BAD_INPUT = {
    "abc": "W_q[0, 1]: 'abc' is not a number; kept -1.488.",
    "": "W_q[0, 1]: the entry is empty; type a number; kept -1.488.",
    "0,5": "W_q[0, 1]: '0,5' is not a number (use a point for decimals: "
           "0.5); kept -1.488.",
    "nan": "W_q[0, 1]: 'nan' is not a finite number; kept -1.488.",
    "-inf": "W_q[0, 1]: '-inf' is not a finite number; kept -1.488.",
    "1e7": "W_q[0, 1]: '1e7' is too large (keep it within -1e6 to 1e6); "
           "kept -1.488.",
    float("nan"): "W_q[0, 1]: 'nan' is not a finite number; kept -1.488.",
    float("inf"): "W_q[0, 1]: 'inf' is not a finite number; kept -1.488.",
    -2e6: "W_q[0, 1]: '-2000000.0' is too large (keep it within -1e6 to "
          "1e6); kept -1.488.",
    "x" * 40: "W_q[0, 1]: 'xxxxxxxxxxxxxxxxxxxx...' is not a number; "
              "kept -1.488.",
}


@pytest.mark.parametrize("bad", list(BAD_INPUT), ids=repr)
def test_bad_input_shows_a_message_and_keeps_state(weights, explorer,
                                                   bad):
    tokens, X, W_q, W_k, W_v = weights
    editor = explorer.editors["W_q"]
    explorer.set_entry("W_q", 0, 1, bad)
    assert editor.message.value == BAD_INPUT[bad]
    assert editor.entries[0][1].value == "-1.488"
    np.testing.assert_array_equal(editor.value, W_q)
    assert_shows(explorer, X, W_q, W_k, W_v)
    assert explorer.redraws == 0
    # The next good value clears the message.
    explorer.set_entry("W_q", 0, 1, "1")
    assert editor.message.value == ""
    assert editor.value[0, 1] == 1.0


def test_bad_typed_text_is_replaced_by_the_kept_value(explorer):
    entry = explorer.editors["X"].entries[0][0]
    before = entry.value
    entry.value = "twelve"
    assert entry.value == before
    assert explorer.editors["X"].message.value == (
        f"X[0, 0]: 'twelve' is not a number; kept {before}.")


def test_programming_errors_still_raise(explorer):
    with pytest.raises(ValueError, match="name must be one of"):
        explorer.set_entry("W_x", 0, 0, 1.0)
    with pytest.raises(ValueError, match=r"within W_q's shape \(4, 3\)"):
        explorer.set_entry("W_q", 4, 0, 1.0)
    with pytest.raises(ValueError, match="token must be one of"):
        explorer.select("dog")


def test_parse_entry():
    assert parse_entry("1e6") == (1e6, None)
    assert parse_entry("-3") == (-3.0, None)
    assert parse_entry("1_000") == (1000.0, None)
    assert parse_entry("1e6", limit=10)[0] is None


# Selection and summary ---------------------------------------------


def test_select_highlights_rows_and_top_key(explorer):
    explorer.select("eats")
    panels = explorer.panels
    for name in ("Q", "S", "A", "Z"):
        assert panels[name].selected_rows == [1], name
    for name in ("S", "A"):
        assert panels[name].marked_cells == [[1, 0]], name
    for name in ("K", "V"):
        assert panels[name].marked_rows == [0], name
        assert panels[name].selected_rows == [], name
    assert explorer.summary.value == "eats gives 0.53 of its attention to Cat"
    explorer.select(2)
    assert explorer.query.value == 2
    assert explorer.summary.value == "fish gives 0.61 of its attention to Cat"


def test_summary_follows_an_edit(weights, explorer):
    # A large query entry for "fish" along a feature only "eats" has
    # makes fish look at eats.
    explorer.select("fish")
    with explorer.hold():
        explorer.set_entry("W_q", 0, 0, 0)
        explorer.set_entry("W_q", 3, 0, 3)
        explorer.set_entry("W_k", 1, 0, 3)
    assert explorer.redraws == 1
    A = explorer.matrices()["A"]
    assert int(np.argmax(A[2])) == 1
    assert explorer.summary.value == (
        f"fish gives {A[2, 1]:.2f} of its attention to eats")
    assert explorer.panels["A"].marked_cells == [[2, 1]]


# Controls -----------------------------------------------------------


def test_temperature_divides_the_scores(weights, explorer):
    tokens, X, W_q, W_k, W_v = weights
    explorer.temperature.value = 10 ** -0.7
    tau = 0.2
    result = qk.self_attention(X, W_q, W_k, W_v)
    shown = explorer.matrices()
    np.testing.assert_array_equal(shown["S"], result.S)
    np.testing.assert_array_equal(shown["A"], qk.softmax(result.S / tau))
    np.testing.assert_array_equal(shown["Z"],
                                  qk.weighted_sum(shown["A"], result.V))
    assert explorer.temperature_value == tau
    assert explorer.panels["A"].title == "A = softmax(S / 0.2)  (3, 3)"
    # Sharper: fish puts more on its top key than at tau = 1.
    assert shown["A"][2].max() > result.A[2].max()


def test_scale_off_uses_the_raw_dot_products(weights, explorer):
    tokens, X, W_q, W_k, W_v = weights
    explorer.scale.value = False
    Q, K = X @ W_q, X @ W_k
    shown = explorer.matrices()
    np.testing.assert_allclose(shown["S"], Q @ K.T, rtol=1e-12)
    np.testing.assert_array_equal(shown["A"], qk.softmax(shown["S"]))
    assert explorer.panels["S"].title == "S = Q K^T (not scaled)  (3, 3)"


def test_causal_mask(weights, explorer):
    tokens, X, W_q, W_k, W_v = weights
    explorer.causal.value = True
    assert_shows(explorer, X, W_q, W_k, W_v, allowed=qk.causal_mask(3))
    assert explorer.panels["S"].values[0][1:] == [None, None]
    explorer.select("Cat")
    assert explorer.summary.value == "Cat gives 1.00 of its attention to Cat"


def test_tie_makes_scores_symmetric(weights, explorer):
    tokens, X, W_q, W_k, W_v = weights
    S = explorer.matrices()["S"]
    assert not np.allclose(S, S.T)
    explorer.tie_button.click()
    S = explorer.matrices()["S"]
    np.testing.assert_allclose(S, S.T, rtol=1e-12)
    np.testing.assert_array_equal(explorer.editors["W_k"].value, W_q)
    assert explorer.editors["W_k"].entries[0][1].value == "-1.488"
    assert_shows(explorer, X, W_q, W_q, W_v)
    assert explorer.redraws == 1


# Coalescing ---------------------------------------------------------


def burst_values():
    return [10 ** (-1 + 0.02 * k) for k in range(100)]


def test_burst_in_hold_is_one_redraw(weights, explorer):
    tokens, X, W_q, W_k, W_v = weights
    with explorer.hold():
        for tau in burst_values():
            explorer.temperature.value = tau
    assert explorer.redraws == 1
    final = qk.softmax(qk.self_attention(X, W_q, W_k, W_v).S
                       / explorer.temperature_value)
    assert explorer.panels["A"].values == cell_values(final)


def test_burst_with_event_loop_is_at_most_two_redraws(weights, explorer):
    """In a kernel, slider messages arrive one by one on the loop."""
    tokens, X, W_q, W_k, W_v = weights

    async def drag():
        for tau in burst_values():
            explorer.temperature.value = tau
            await asyncio.sleep(0)
        await asyncio.sleep(0.2)

    asyncio.run(drag())
    assert 1 <= explorer.redraws <= 2
    final = qk.softmax(qk.self_attention(X, W_q, W_k, W_v).S
                       / explorer.temperature_value)
    assert explorer.panels["A"].values == cell_values(final)
    # The loop has gone; later edits redraw at once again.
    runs = explorer.redraws
    explorer.set_entry("W_q", 0, 0, 2)
    assert explorer.redraws == runs + 1
    W_q = W_q.copy()
    W_q[0, 0] = 2
    np.testing.assert_array_equal(explorer._shown["Q"],
                                  qk.self_attention(X, W_q, W_k, W_v).Q)


def test_matrices_waits_for_no_timer(weights, explorer):
    """A redraw still waiting in the loop is done by matrices()."""
    tokens, X, W_q, W_k, W_v = weights
    W_q = W_q.copy()

    async def two_quick_edits():
        explorer.set_entry("W_q", 0, 0, 1)
        explorer.set_entry("W_q", 0, 2, 1)
        W_q[0, 0] = W_q[0, 2] = 1
        assert explorer.redraws == 1
        assert_shows(explorer, X, W_q, W_k, W_v)
        assert explorer.redraws == 2

    asyncio.run(two_quick_edits())


# Robustness ---------------------------------------------------------


def resident_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_thousand_edits_keep_figures_and_memory(weights, explorer):
    tokens, X, W_q, W_k, W_v = weights
    rng = np.random.default_rng(0)
    figures = plt.get_fignums()
    # Warm up caches first, so they do not count as growth.
    for k in range(50):
        explorer.set_entry("W_q", k % 4, k % 3, f"{rng.normal():.3f}")
    before = resident_bytes()
    for k in range(1000):
        name = ("X", "W_q", "W_k", "W_v")[k % 4]
        i, j = k % (3 if name == "X" else 4), k % 3
        explorer.set_entry(name, i, j, f"{rng.normal():.3f}")
        if k % 100 == 0:
            explorer.set_entry(name, i, j, "oops")
    grown = resident_bytes() - before
    assert plt.get_fignums() == figures
    assert grown < 20 * 2**20, f"resident memory grew {grown / 2**20:.1f} MB"
    assert explorer.redraws == 1050
    # Still one heatmap per panel, drawn in place: six views, no more.
    assert len(explorer.children[-2].children) == 3
    assert len(explorer.children[-1].children) == 3
    edited = {name: editor.value for name, editor in
              explorer.editors.items()}
    assert_shows(explorer, edited["X"], edited["W_q"], edited["W_k"],
                 edited["W_v"])


# Editor buttons -----------------------------------------------------


def test_editor_buttons():
    M = np.arange(6.0).reshape(2, 3)
    editor = MatrixEditor("W", M, seed=7)
    changes = []
    editor.on_change(lambda e: changes.append(e.value))
    editor.draw_button.click()
    expected = np.random.default_rng(8).normal(0, 1 / np.sqrt(2), (2, 3))
    np.testing.assert_array_equal(editor.value, expected)
    assert editor.seed == 8 and editor.seed_entry.value == "8"
    editor.seed_entry.value = "3"
    np.testing.assert_array_equal(
        editor.value,
        np.random.default_rng(3).normal(0, 1 / np.sqrt(2), (2, 3)))
    editor.identity_button.click()
    np.testing.assert_array_equal(editor.value, np.eye(2, 3))
    assert [entry.value for entry in editor.entries[1]] == [
        "0.000", "1.000", "0.000"]
    editor.zeros_button.click()
    np.testing.assert_array_equal(editor.value, np.zeros((2, 3)))
    editor.reset_button.click()
    np.testing.assert_array_equal(editor.value, M)
    assert len(changes) == 5


def test_bad_seed_is_kept():
    editor = MatrixEditor("W", np.ones((2, 2)), seed=4)
    editor.seed_entry.value = "-1"
    assert editor.message.value == (
        "seed: '-1' is not a whole number from 0; kept 4.")
    assert editor.seed_entry.value == "4"
    np.testing.assert_array_equal(editor.value, np.ones((2, 2)))


def test_editor_refuses_unusable_matrices():
    with pytest.raises(ValueError, match="finite"):
        MatrixEditor("W", [[np.nan]])
    with pytest.raises(ValueError, match="within -1e6 to 1e6"):
        MatrixEditor("W", [[1e7]])
    editor = MatrixEditor("W", np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"keep its shape \(2, 2\)"):
        editor.set_matrix(np.ones((2, 3)))


# The heatmap view and what a stored notebook keeps ------------------


def test_cell_values_round_as_heatmap_prints():
    M = np.array([[0.285, 0.125, -0.001, 2 / 3], [-np.inf, 1e-9, -0.5,
                                                  0.995]])
    values = cell_values(M)
    assert values[1][0] is None
    for i in range(2):
        for j in range(4):
            if values[i][j] is not None:
                shown = f"{values[i][j]:.2f}"
                assert shown == f"{M[i, j] + 0.0:.2f}".replace("-0.00",
                                                                "0.00")
    assert str(values[0][2]) == "0.0"


def test_heatmap_view_update_and_checks():
    view = HeatmapView(np.zeros((2, 2)), ["a", "b"], ["c", "d"],
                       title="S", kind="signed", name="S")
    view.update([[1.0, -3.0], [-np.inf, 0.5]], selected_rows=[1],
                marked_cells=[(1, 1)])
    assert view.limit == 3.0
    assert view.values == [[1.0, -3.0], [None, 0.5]]
    assert view.summary.endswith("Largest 1.00 at (a, c). 1 masked cells.")
    with pytest.raises(ValueError, match="NaN"):
        view.update([[np.nan, 0], [0, 0]])
    with pytest.raises(ValueError, match="labels"):
        view.update(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="kind"):
        HeatmapView([[0.5]], ["a"], ["b"], kind="rainbow")


def test_colour_tables_match_matplotlib():
    text = colour_tables.SCRIPT.read_text(encoding="utf-8")
    assert colour_tables.current(text) == colour_tables.block(), (
        "run python ci/colour_tables.py")


def test_bundle_keeps_a_picture_when_stored(explorer):
    data = explorer._repr_mimebundle_()
    assert set(data) == {build_notebooks.WIDGET_VIEW, "image/png",
                         "text/plain"}
    assert base64.b64decode(data["image/png"]).startswith(b"\x89PNG")
    assert data["text/plain"].startswith(
        "[widget: pipeline explorer for 'Cat eats fish'")
    assert "Heatmap of A = softmax(S)" in data["text/plain"]

    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell(
        "explorer", execution_count=1,
        outputs=[nbformat.v4.new_output("display_data", data=data)]))
    assert test_hygiene.check_no_widget_state(nb)
    build_notebooks.drop_widget_views(nb)
    assert test_hygiene.check_no_widget_state(nb) == []
    kept = nb.cells[0].outputs[0].data
    assert set(kept) == {"image/png", "text/plain"}


def test_text_forms(explorer):
    assert repr(explorer.editors["W_q"]) == (
        "[widget: editor for W_q, a grid of 4 x 3 entries]")
    assert repr(explorer.panels["A"]).startswith("Heatmap of A")


def test_on_redraw_follows_every_redraw(explorer):
    seen = []
    explorer.on_redraw(lambda e: seen.append(e.matrices()["A"][1, 2]))
    explorer.set_entry("W_q", 1, 2, 2)
    explorer.set_entry("W_q", 1, 2, "oops")
    assert len(seen) == 1 and explorer.redraws == 1


# The projection explorer of notebook 02 -----------------------------


@pytest.fixture
def projection(weights):
    tokens, X, W_q, W_k, W_v = weights
    features = qk.load_example("cat-eats-fish").features
    return ProjectionExplorer(tokens, X, W_q, features=features)


def test_projection_opens_on_q(weights, projection):
    tokens, X, W_q, W_k, W_v = weights
    shown = projection.matrices()
    np.testing.assert_array_equal(shown["Q"], qk.project(X, W_q))
    np.testing.assert_array_equal(shown["moved"], np.zeros((3, 3)))
    assert projection.panels["Q"].title == "Q = X W_q  (3, 3)"
    assert projection.panels["moved"].title == "Q - Q at the start  (3, 3)"
    assert projection.editor.row_labels == ["animal", "action", "food",
                                            "small"]
    assert projection.summary.value == (
        "Q is as at the start: no entry has moved.")


def test_projection_edit_moves_one_column(weights, projection):
    """The live version of notebook 02's edit: W_q[3, 0] += 0.5."""
    tokens, X, W_q, W_k, W_v = weights
    projection.set_entry(3, 0, "1.449")
    W_q_edited = W_q.copy()
    W_q_edited[3, 0] = 1.449
    shown = projection.matrices()
    np.testing.assert_array_equal(shown["Q"], qk.project(X, W_q_edited))
    np.testing.assert_allclose(shown["moved"][:, 0], X[:, 3] * 0.5,
                               atol=1e-3)
    assert projection.panels["moved"].values == cell_values(shown["moved"])
    assert [row[0] for row in projection.panels["moved"].values] == [
        0.3, 0.0, 0.4]
    assert projection.summary.value == (
        "Q moved in column 0 only: Cat +0.300, eats +0.000, fish +0.400.")
    projection.set_entry(0, 2, "1")
    assert projection.summary.value == (
        "Q moved in columns 0 and 2; the largest move is +1.153 (Cat, "
        "column 2).")


def test_projection_bad_input_keeps_state(weights, projection):
    tokens, X, W_q, W_k, W_v = weights
    projection.set_entry(3, 0, "1,5")
    assert projection.editor.message.value == (
        "W_q[3, 0]: '1,5' is not a number (use a point for decimals: "
        "0.5); kept 0.949.")
    np.testing.assert_array_equal(projection.matrices()["Q"],
                                  qk.project(X, W_q))


def test_projection_names_and_checks(weights):
    tokens, X, W_q, W_k, W_v = weights
    view = ProjectionExplorer(tokens, X, W_v, name="W_v")
    assert view.panels["V"].title == "V = X W_v  (3, 3)"
    assert view.panels["V"].col_title == "feature of v"
    assert repr(view) == "[widget: edit W_v and watch V = X W_v move]"
    with pytest.raises(ValueError, match="name must be one of"):
        ProjectionExplorer(tokens, X, W_q, name="W_x")
    with pytest.raises(ValueError, match="W must have shape"):
        ProjectionExplorer(tokens, X, W_q.T)
    with pytest.raises(ValueError, match="one label per row"):
        ProjectionExplorer(tokens[:2], X, W_q)


# The scaling explorer of notebook 04 --------------------------------


@pytest.fixture
def trials():
    """Notebook 04's draws: after the weights, 200 rows of 10 keys."""
    rng = np.random.default_rng(55)
    qk.init_weights(4, 3, rng)
    S_trials = {}
    for d_k in (4, 16, 64, 256, 1024):
        Q_trial = rng.normal(size=(200, 1, d_k))
        K_trial = rng.normal(size=(200, 10, d_k))
        S_trials[d_k] = (Q_trial * K_trial).sum(axis=-1)
    return S_trials


def test_scaling_reads_the_table_of_notebook_04(trials):
    scaling = ScalingExplorer(trials)
    assert scaling.line.value == (
        "d_k = 4, divided by sqrt(d_k) = 2.0: variance of the scores "
        "1.101; mean largest weight 0.326 (even weights: 0.100).")
    scaling.d_k.value = 1024
    assert scaling.line.value == (
        "d_k = 1024, divided by sqrt(d_k) = 32.0: variance of the scores "
        "0.934; mean largest weight 0.305 (even weights: 0.100).")
    assert scaling.panel.selected_rows == [4]
    scaling.scale.value = False
    assert scaling.line.value == (
        "d_k = 1024, not scaled: variance of the scores 956.1; mean "
        "largest weight 0.951 (even weights: 0.100).")
    assert scaling.panel.title == "unscaled: Q K^T  (5, 10)"


@pytest.mark.parametrize("scale", [True, False])
def test_scaling_shows_the_heatmaps_of_notebook_04(trials, scale):
    scaling = ScalingExplorer(trials)
    scaling.scale.value = scale
    expected = np.stack([
        np.sort(qk.softmax(S / np.sqrt(d_k) if scale else S),
                axis=1)[:, ::-1].mean(axis=0)
        for d_k, S in trials.items()])
    np.testing.assert_array_equal(scaling.shown(), expected)
    assert scaling.panel.values == cell_values(expected)
    assert scaling.panel.rows == ["4", "16", "64", "256", "1024"]


def test_scaling_checks_its_input():
    with pytest.raises(ValueError, match="at least one width"):
        ScalingExplorer({})
    with pytest.raises(ValueError, match="positive whole numbers"):
        ScalingExplorer({0.5: np.zeros((2, 2))})
    with pytest.raises(ValueError, match="same n_keys"):
        ScalingExplorer({4: np.zeros((2, 2)), 16: np.zeros((2, 3))})
    with pytest.raises(ValueError, match="finite matrix"):
        ScalingExplorer({4: np.zeros(3)})


# The temperature explorer of notebook 05 ----------------------------


@pytest.fixture
def temperature(weights):
    tokens, X, W_q, W_k, W_v = weights
    S = qk.self_attention(X, W_q, W_k, W_v).S
    return S, TemperatureExplorer(tokens, S, query="eats")


def test_temperature_opens_on_a(temperature):
    S, explorer = temperature
    np.testing.assert_array_equal(explorer.weights(), qk.softmax(S))
    assert explorer.tau == 1.0
    assert explorer.panel.title == "A = softmax(S)  (3, 3)"
    assert explorer.panel.selected_rows == [1]
    assert explorer.line.value == (
        "tau = 1: eats gives Cat 0.528, eats 0.172, fish 0.300; a lookup "
        "gives 1.000 to one key, an average 0.333 to each.")


@pytest.mark.parametrize("tau", TAUS)
def test_temperature_follows_the_slider(temperature, tau):
    S, explorer = temperature
    explorer.temperature.value = tau
    A = qk.softmax(S / tau)
    np.testing.assert_array_equal(explorer.weights(), A)
    assert explorer.panel.values == cell_values(A)
    assert explorer.line.value.startswith(
        f"tau = {tau:g}: eats gives Cat {A[1, 0]:.3f}, eats "
        f"{A[1, 1]:.3f}, fish {A[1, 2]:.3f};")


def test_temperature_ends_are_the_table_of_notebook_05(temperature):
    S, explorer = temperature
    explorer.temperature.value = 0.05
    assert explorer.line.value.startswith(
        "tau = 0.05: eats gives Cat 1.000, eats 0.000, fish 0.000;")
    explorer.temperature.value = 50
    assert explorer.line.value.startswith(
        "tau = 50: eats gives Cat 0.337, eats 0.330, fish 0.333;")
    assert explorer.panel.title == "A = softmax(S / 50)  (3, 3)"


def test_temperature_drag_is_at_most_two_redraws(temperature):
    S, explorer = temperature
    runs = explorer._coalescer.runs

    async def drag():
        for tau in TAUS * 10:
            explorer.temperature.value = tau
            await asyncio.sleep(0)
        await asyncio.sleep(0.2)

    asyncio.run(drag())
    assert 1 <= explorer._coalescer.runs - runs <= 2
    assert explorer.panel.values == cell_values(qk.softmax(S / 50))


def test_temperature_checks_and_masks(weights):
    tokens = weights[0]
    S = np.where(qk.causal_mask(3), np.zeros((3, 3)), -np.inf)
    explorer = TemperatureExplorer(tokens, S)
    assert explorer.line.value.startswith(
        "tau = 1: Cat gives Cat 1.000, eats 0.000, fish 0.000;")
    assert explorer.panel.values[0] == [1.0, 0.0, 0.0]
    with pytest.raises(ValueError, match="query must be one of"):
        TemperatureExplorer(tokens, S, query="dog")
    with pytest.raises(ValueError, match=r"shape \(n_tokens, n_tokens\)"):
        TemperatureExplorer(tokens, np.zeros((3, 2)))
    with pytest.raises(ValueError, match="NaN"):
        TemperatureExplorer(tokens, np.full((3, 3), np.nan))


# The puzzles of notebook 06 -----------------------------------------


def test_puzzle_eats_on_fish_is_solvable(weights):
    """The solution the notebook gives: 2 in W_q[1, 2] and W_k[2, 2]."""
    tokens, X, W_q, W_k, W_v = weights
    explorer = PipelineExplorer(tokens, X, W_q, W_k, W_v, query="eats")
    puzzle = Puzzle(explorer, WeightGoal("eats", "fish", more_than=0.6))
    assert puzzle.task.value == (
        "<b>Puzzle: make eats put more than 0.60 of its weight on "
        "fish.</b>")
    assert not puzzle.solved
    assert puzzle.status.value == (
        "eats gives 0.30 of its weight to fish; target: more than 0.60; "
        "0.30 to go")
    explorer.set_entry("W_q", 1, 2, "2")
    assert not puzzle.solved
    assert puzzle.status.value == (
        "eats gives 0.37 of its weight to fish; target: more than 0.60; "
        "0.23 to go")
    explorer.set_entry("W_k", 2, 2, "oops")
    assert puzzle.status.value.endswith("0.23 to go")
    explorer.set_entry("W_k", 2, 2, "2")
    assert puzzle.solved
    assert puzzle.status.value == (
        "Solved: eats gives 0.72 of its weight to fish, more than 0.60.")
    W_q, W_k = W_q.copy(), W_k.copy()
    W_q[1, 2] = W_k[2, 2] = 2.0
    A = qk.self_attention(X, W_q, W_k, W_v).A
    assert A[1, 2] > 0.6
    np.testing.assert_array_equal(explorer.matrices()["A"], A)
    # Undoing one edit unsolves it again.
    explorer.editors["W_k"].reset_button.click()
    assert not puzzle.solved


def test_puzzle_every_token_on_itself_is_solvable(weights):
    """Identity-like on W_q and W_k, then 3 on W_q's diagonal."""
    tokens, X, W_q, W_k, W_v = weights
    explorer = PipelineExplorer(tokens, X, W_q, W_k, W_v)
    puzzle = Puzzle(explorer, SelfGoal(more_than=0.5))
    assert puzzle.status.value == (
        "on themselves: Cat 0.56, eats 0.17, fish 0.28; target: more than "
        "0.50 each; eats has 0.33 to go, fish has 0.22 to go")
    explorer.editors["W_q"].identity_button.click()
    explorer.editors["W_k"].identity_button.click()
    assert puzzle.status.value == (
        "on themselves: Cat 0.40, eats 0.45, fish 0.43; target: more than "
        "0.50 each; Cat has 0.10 to go, eats has 0.05 to go, fish has "
        "0.07 to go")
    A = explorer.matrices()["A"]
    assert (A.argmax(axis=1) == [0, 1, 2]).all()
    for i in range(3):
        explorer.set_entry("W_q", i, i, "3")
    assert puzzle.solved
    assert puzzle.status.value == (
        "Solved: on themselves: Cat 0.53, eats 0.69, fish 0.61; every one "
        "more than 0.50.")
    W_q_solved = 3 * np.eye(4, 3)
    A = qk.self_attention(X, W_q_solved, np.eye(4, 3), W_v).A
    assert (np.diag(A) > 0.5).all()


def test_puzzle_locks_the_controls(weights):
    explorer = PipelineExplorer(*weights)
    explorer.temperature.value = 0.1
    explorer.causal.value = True
    puzzle = Puzzle(explorer, SelfGoal())
    assert explorer.temperature_value == 1.0
    assert explorer.scale.value and not explorer.causal.value
    assert explorer.temperature.disabled and explorer.causal.disabled
    assert explorer.scale.disabled
    assert puzzle.status.value.startswith("on themselves: Cat 0.56,")


def test_goal_texts_and_checks():
    goal = WeightGoal("eats", "fish", 0.6)
    A = np.array([[0.5, 0.5], [0.401, 0.599]])
    assert goal.check(["eats", "fish"], A) == (False, (
        "eats gives 0.50 of its weight to fish; target: more than 0.60; "
        "0.10 to go"))
    close = np.array([[0.402, 0.598], [0.5, 0.5]])
    assert goal.check(["eats", "fish"], close)[1].endswith(
        "0.60 of its weight to fish; target: more than 0.60; less than "
        "0.01 to go")
    with pytest.raises(ValueError, match="query must be one of"):
        goal.check(["Cat", "dog"], A)
    with pytest.raises(ValueError, match="more_than must lie between"):
        SelfGoal(1.5)
    with pytest.raises(TypeError, match="PipelineExplorer"):
        Puzzle("explorer", goal)


# What each widget leaves in a stored notebook -----------------------


def stand_ins(weights, trials):
    tokens, X, W_q, W_k, W_v = weights
    S = qk.self_attention(X, W_q, W_k, W_v).S
    return {
        "projection": ProjectionExplorer(tokens, X, W_q),
        "scaling": ScalingExplorer(trials),
        "temperature": TemperatureExplorer(tokens, S, query="eats"),
        "puzzle": Puzzle(PipelineExplorer(tokens, X, W_q, W_k, W_v),
                         WeightGoal("eats", "fish", 0.6)),
    }


@pytest.mark.parametrize("kind", ["projection", "scaling", "temperature",
                                  "puzzle"])
def test_new_widgets_keep_a_picture_when_stored(weights, trials, kind):
    widget = stand_ins(weights, trials)[kind]
    data = widget._repr_mimebundle_()
    assert set(data) == {build_notebooks.WIDGET_VIEW, "image/png",
                         "text/plain"}
    assert base64.b64decode(data["image/png"]).startswith(b"\x89PNG")
    first, *rest = data["text/plain"].splitlines()
    assert first == repr(widget)
    assert rest[-1].startswith("Heatmap of ")
