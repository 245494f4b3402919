"""Headless tests of qkvlib.widgets.heads.HeadExplorer.

As in test_widgets.py, no browser and no kernel: the tests pick heads
and queries as the page does, by setting the controls' ``value``, or
through ``set_head`` and ``select``. Every matrix shown is compared,
exactly, with the ``multi_head_attention`` result it was given, on the
weights of notebook 07 (seed 55, standard deviation 1).
"""

from __future__ import annotations

import base64

import build_notebooks
import nbformat
import numpy as np
import pytest
import test_hygiene

import qkvlib as qk
from qkvlib.widgets import HeadExplorer, HeatmapView
from qkvlib.widgets.heads import (
    SMALL_CLASS,
    SmallHeatmapView,
    head_line,
    others_line,
)
from qkvlib.widgets.heatmap_view import cell_values


@pytest.fixture(scope="module")
def mat():
    """The cat-sat-mat sentence in 3 heads, drawn as in notebook 07."""
    rng = np.random.default_rng(55)
    rng.normal(size=(4, 4, 4))  # the Cat-eats-fish weights come first
    example = qk.load_example("cat-sat-mat")
    W_q, W_k, W_v, W_o = rng.normal(size=(4, 6, 6))
    result = qk.multi_head_attention(example.X, W_q, W_k, W_v, W_o, 3)
    return example.tokens, result


@pytest.fixture
def explorer(mat):
    tokens, result = mat
    return HeadExplorer(tokens, result, head=2, query="it")


def assert_shows(explorer, result, head, query):
    """Assert the large panel shows A[head], the small ones the rest."""
    A = result.A
    np.testing.assert_array_equal(explorer.matrix(), A[head])
    assert explorer.head == head and explorer.query == query
    assert explorer.panel.values == cell_values(A[head])
    assert explorer.panel.title == f"A, head {head}  {A[head].shape}"
    others = [h for h in range(A.shape[0]) if h != head]
    assert explorer.other_heads == others
    assert len(explorer.others) == len(others)
    assert [label.value for label in explorer.other_labels] == [
        f"head {h}" for h in others]
    for view, h in zip(explorer.others, others, strict=True):
        assert view.values == cell_values(A[h])
        assert view.title == f"A, head {h}  {A[h].shape}"
        assert view.selected_rows == [query]
        assert view.marked_cells == [[query, int(np.argmax(A[h, query]))]]
    assert explorer.panel.selected_rows == [query]
    assert explorer.panel.marked_cells == [
        [query, int(np.argmax(A[head, query]))]]


# Opening state and picks ---------------------------------------------


def test_opens_on_the_static_figure_of_notebook_07(mat, explorer):
    tokens, result = mat
    assert_shows(explorer, result, 2, tokens.index("it"))
    assert explorer.panel.rows == tokens and explorer.panel.cols == tokens
    assert explorer.panel.kind == "weights"
    assert explorer.summary_line == (
        "head 2: 'it' gives most weight (0.31) to 'comfortable'.")
    assert explorer.comparison_line == (
        "Other heads, for 'it': head 0 gives most (0.16) to "
        "'comfortable'; head 1 gives most (0.12) to 'on'.")
    assert "comfortable" in explorer.summary.value
    assert 'role="status"' in explorer.summary.value


def test_defaults_are_head_0_and_the_last_token(mat):
    tokens, result = mat
    explorer = HeadExplorer(tokens, result)
    assert_shows(explorer, result, 0, len(tokens) - 1)


def test_picking_a_head_moves_the_panels_in_place(mat, explorer):
    tokens, result = mat
    panel, others = explorer.panel, explorer.others
    children = explorer.children
    for head in (0, 1, 2, 1):
        explorer.head_picker.value = head  # as a click on its button
        assert_shows(explorer, result, head, tokens.index("it"))
        assert explorer.panel is panel and explorer.others == others
        assert explorer.children == children
    explorer.set_head(0)
    assert explorer.summary_line == (
        "head 0: 'it' gives most weight (0.16) to 'comfortable'.")
    assert explorer.comparison_line == (
        "Other heads, for 'it': head 1 gives most (0.12) to 'on'; "
        "head 2 gives most (0.31) to 'comfortable'.")


def test_choosing_a_query_moves_the_lines_and_outlines(mat, explorer):
    tokens, result = mat
    explorer.select("cat")
    assert_shows(explorer, result, 2, 1)
    assert explorer.summary_line == (
        "head 2: 'cat' gives most weight (0.76) to 'mat'.")
    explorer.query_picker.value = 9  # as the menu does
    assert_shows(explorer, result, 2, 9)
    assert explorer.summary_line == (
        "head 2: 'comfortable' gives most weight (0.72) to 'mat'.")
    explorer.select(2)
    assert explorer.summary_line == (
        "head 2: 'sat' gives most weight (0.61) to 'cat'.")


def test_lines_agree_with_argmax_of_every_head(mat):
    tokens, result = mat
    A = result.A
    for head in range(3):
        for q in range(len(tokens)):
            top = int(np.argmax(A[head, q]))
            assert head_line(tokens, A[head], head, q) == (
                f"head {head}: '{tokens[q]}' gives most weight "
                f"({A[head, q, top]:.2f}) to '{tokens[top]}'.")


# Repeated labels, masks, one head -----------------------------------


def test_repeated_labels_get_their_position():
    tokens = ["the", "cat", "the"]
    A = np.array([[[0.1, 0.2, 0.7], [0.5, 0.25, 0.25], [1.0, 0.0, 0.0]]])
    assert head_line(tokens, A[0], 0, 0) == (
        "head 0: 'the' (token 0) gives most weight (0.70) to 'the' "
        "(token 2).")
    assert head_line(tokens, A[0], 0, 1) == (
        "head 0: 'cat' gives most weight (0.50) to 'the' (token 0).")


def test_a_query_that_may_attend_to_nothing():
    example = qk.load_example("cat-eats-fish")
    W_q, W_k, W_v, W_o = np.random.default_rng(0).normal(size=(4, 4, 4))
    allowed = np.array([[True, False, False], [False, False, False],
                        [True, True, True]])
    result = qk.multi_head_attention(example.X, W_q, W_k, W_v, W_o, 2,
                                     allowed=allowed)
    explorer = HeadExplorer(example.tokens, result, query="eats")
    assert explorer.summary_line == (
        "head 0: 'eats' may attend to no key, so all its weights are 0.")
    assert explorer.comparison_line == (
        "Other heads, for 'eats': head 1 gives all weights 0.")
    assert explorer.panel.marked_cells == []
    assert explorer.panel.values[1] == [0.0, 0.0, 0.0]
    explorer.select("Cat")
    assert explorer.summary_line == (
        "head 0: 'Cat' gives most weight (1.00) to 'Cat'.")


def test_one_head_has_no_small_panels():
    example = qk.load_example("cat-eats-fish")
    W_q, W_k, W_v, W_o = np.random.default_rng(1).normal(size=(4, 4, 4))
    result = qk.multi_head_attention(example.X, W_q, W_k, W_v, W_o, 1)
    explorer = HeadExplorer(example.tokens, result)
    assert explorer.others == () and explorer.other_heads == []
    np.testing.assert_array_equal(explorer.matrix(), result.A[0])
    assert explorer.comparison_line == "There is no other head: n_heads = 1."
    assert [label for label, _ in explorer.head_picker.options] == [
        "head 0"]


def test_others_line_leaves_out_the_picked_head():
    A = np.array([[[0.6, 0.4]], [[0.2, 0.8]], [[0.5, 0.5]]])
    assert others_line(["a", "b"], A, 1, 0) == (
        "Other heads, for 'a': head 0 gives most (0.60) to 'a'; head 2 "
        "gives most (0.50) to 'a'.")


# Bad input -----------------------------------------------------------


def test_bad_input_is_refused_with_a_message(mat):
    tokens, result = mat
    with pytest.raises(TypeError, match="result must be a MultiHeadResult"
                       ".*got ndarray"):
        HeadExplorer(tokens, result.A)
    with pytest.raises(TypeError, match="got AttentionResult"):
        HeadExplorer(tokens, qk.self_attention(*_single_head()))
    with pytest.raises(ValueError, match=r"tokens must have one label per "
                       r"token of result, n_tokens = 10; got 3"):
        HeadExplorer(["a", "b", "c"], result)
    with pytest.raises(TypeError, match="tokens must be a sequence"):
        HeadExplorer("The cat sat on the mat because it was comfy",
                     result)
    with pytest.raises(ValueError, match=r"head must be one of 0 to 2 "
                       r"\(3 heads\); got 3"):
        HeadExplorer(tokens, result, head=3)
    with pytest.raises(TypeError, match="head must be a whole number"):
        HeadExplorer(tokens, result, head=1.0)
    with pytest.raises(TypeError, match="head must be a whole number"):
        HeadExplorer(tokens, result, head=True)
    with pytest.raises(ValueError, match="query must be one of"):
        HeadExplorer(tokens, result, query="dog")
    with pytest.raises(ValueError, match=r"query must be one of 0 to 9"):
        HeadExplorer(tokens, result, query=10)


def _single_head():
    example = qk.load_example("cat-eats-fish")
    W_q, W_k, W_v = qk.init_weights(4, 3, np.random.default_rng(55))
    return example.X, W_q, W_k, W_v


def test_bad_picks_keep_the_state(mat, explorer):
    tokens, result = mat
    for bad, error in ((-1, ValueError), (3, ValueError), ("1", TypeError),
                       (None, TypeError)):
        with pytest.raises(error, match="head must"):
            explorer.set_head(bad)
        assert_shows(explorer, result, 2, tokens.index("it"))
    with pytest.raises(ValueError, match="query must be one of"):
        explorer.select("It")
    assert_shows(explorer, result, 2, tokens.index("it"))


def test_the_result_is_not_held_by_reference(mat):
    tokens, result = mat
    explorer = HeadExplorer(tokens, result, head=1)
    shown = explorer.matrix()
    shown[:] = 0.0
    np.testing.assert_array_equal(explorer.matrix(), result.A[1])


# Small panels and display --------------------------------------------


def test_small_panels_are_heatmap_views_drawn_small(explorer):
    for view in explorer.others:
        assert isinstance(view, SmallHeatmapView)
        assert isinstance(view, HeatmapView)
        assert SMALL_CLASS in view._dom_classes
    css = str(SmallHeatmapView._css)
    assert str(HeatmapView._css) in css
    assert f".{SMALL_CLASS} svg" in css and "max-width: 160px" in css
    assert SMALL_CLASS not in explorer.panel._dom_classes


def test_text_forms(explorer):
    assert repr(explorer) == (
        "[widget: pick one of 3 heads to see its attention weights A "
        "large, beside the other heads]")
    assert repr(explorer.panel).startswith(
        "Heatmap of A, head 2, shape (10, 10)")
    assert repr(explorer.others[0]).startswith(
        "Heatmap of A, head 0, shape (10, 10)")


def test_bundle_keeps_a_picture_when_stored(explorer):
    data = explorer._repr_mimebundle_()
    assert set(data) == {build_notebooks.WIDGET_VIEW, "image/png",
                         "text/plain"}
    assert base64.b64decode(data["image/png"]).startswith(b"\x89PNG")
    first, second, third = data["text/plain"].splitlines()
    assert first == repr(explorer)
    assert second == (
        f"{explorer.summary_line} {explorer.comparison_line}")
    assert third == repr(explorer.panel.picture())
    assert third.endswith("Largest 0.76 at (cat, mat).")

    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell(
        "explorer", execution_count=1,
        outputs=[nbformat.v4.new_output("display_data", data=data)]))
    build_notebooks.drop_widget_views(nb)
    assert test_hygiene.check_no_widget_state(nb) == []
    assert set(nb.cells[0].outputs[0].data) == {"image/png", "text/plain"}
