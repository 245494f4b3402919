"""Headless tests of the mask builder of notebook 08.

The builder runs on ipywidgets' stand-in comm; the tests press its
buttons and move its controls as the page would, and compare every
mask and weight matrix it shows with ``qk.causal_mask``,
``qk.padding_mask`` and ``qk.attention_weights`` on the same inputs.
"""

from __future__ import annotations

import base64

import build_notebooks
import numpy as np
import pytest

import qkvlib as qk
from qkvlib.widgets import MaskBuilder
from qkvlib.widgets.heatmap_view import cell_values
from qkvlib.widgets.masks import (
    mask_lines,
    settings_expression,
    settings_mask,
)

TOKENS = ["Cat", "eats", "fish", "[PAD]", "[PAD]"]


@pytest.fixture
def queries_keys():
    """Q and K of notebook 08's padded "Cat eats fish" (seed 55)."""
    example = qk.load_example("cat-eats-fish")
    W_q, W_k, W_v = qk.init_weights(4, 3, np.random.default_rng(55))
    X_pad = np.vstack([example.X, np.zeros((2, 4))])
    result = qk.self_attention(X_pad, W_q, W_k, W_v)
    return result.Q, result.K


@pytest.fixture
def builder(queries_keys):
    Q, K = queries_keys
    return MaskBuilder(TOKENS, Q, K, n_valid=3, causal=True)


def assert_shows(builder, Q, K, allowed):
    """Assert the builder shows this mask and exactly its weights."""
    A = qk.attention_weights(Q, K, allowed=allowed)
    np.testing.assert_array_equal(builder.allowed(), allowed)
    np.testing.assert_array_equal(builder.weights(), A)
    assert builder.mask_panel.values == cell_values(allowed.astype(float))
    assert builder.weights_panel.values == cell_values(A)
    pressed = np.array([[b.value for b in row] for row in builder.cells])
    np.testing.assert_array_equal(pressed, allowed)
    marks = [[b.description for b in row] for row in builder.cells]
    assert marks == [["\u2713" if a else "\u00b7" for a in row]
                     for row in allowed]
    assert builder.lines == mask_lines(builder.tokens, allowed)


# The lines in words -------------------------------------------------


def test_lines_of_causal_and_padding():
    allowed = qk.causal_mask(5) & qk.padding_mask(5, 3)
    assert mask_lines(TOKENS, allowed) == [
        "token 1 ('Cat') may look at token 1.",
        "token 2 ('eats') may look at tokens 1 and 2.",
        "token 3 ('fish') may look at tokens 1 to 3.",
        "token 4 ([PAD]) may look at tokens 1 to 3.",
        "token 5 ([PAD]) may look at tokens 1 to 3.",
    ]


def test_lines_of_an_all_masked_row_and_gaps():
    allowed = np.array([
        [False, False, False, False, False],
        [True, True, True, False, True],
        [True, True, False, True, True],
        [False, True, False, True, False],
        [False, False, False, False, True],
    ])
    assert mask_lines(TOKENS, allowed) == [
        "token 1 ('Cat') may look at nothing: its weights are all zero.",
        "token 2 ('eats') may look at tokens 1 to 3 and 5.",
        "token 3 ('fish') may look at tokens 1, 2, 4 and 5.",
        "token 4 ([PAD]) may look at tokens 2 and 4.",
        "token 5 ([PAD]) may look at token 5.",
    ]


def test_lines_refuse_a_mask_that_is_not_one():
    with pytest.raises(TypeError, match="allowed must be a boolean array "
                       r"\(True = may attend\); got dtype float64"):
        mask_lines(TOKENS[:3], np.tril(np.ones((3, 3))))
    with pytest.raises(ValueError, match=r"allowed must have shape "
                       r"\(n_tokens, n_tokens\) = \(3, 3\); got \(1, 3\)"):
        mask_lines(TOKENS[:3], np.ones((1, 3), dtype=bool))
    with pytest.raises(ValueError, match=r"= \(3, 3\) or broadcast"):
        mask_lines(TOKENS[:3], np.ones((4, 4), dtype=bool))


# The settings ------------------------------------------------------


@pytest.mark.parametrize("n_valid", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("causal", [True, False])
def test_settings_mask_is_causal_and_padding(causal, n_valid):
    expected = qk.padding_mask(5, n_valid)
    if causal:
        expected = expected & qk.causal_mask(5)
    np.testing.assert_array_equal(settings_mask(5, causal, n_valid),
                                  expected)
    hidden_rows = settings_mask(5, causal, n_valid, hide_pad_queries=True)
    np.testing.assert_array_equal(hidden_rows[:n_valid],
                                  expected[:n_valid])
    assert not hidden_rows[n_valid:].any()


def test_settings_expression():
    assert settings_expression(5, True, 3) == (
        "allowed = causal_mask(5) & padding_mask(5, 3)")
    assert settings_expression(5, True, 5) == "allowed = causal_mask(5)"
    assert settings_expression(5, False, 4, True) == (
        "allowed = padding_mask(5, 4) & padding_mask(5, 4).T")
    assert settings_expression(5, False, 5, True) == (
        "allowed = every pair (no mask)")


# The builder -------------------------------------------------------


def test_opens_on_causal_and_padding(builder, queries_keys):
    allowed = qk.causal_mask(5) & qk.padding_mask(5, 3)
    assert_shows(builder, *queries_keys, allowed)
    A = builder.weights()
    np.testing.assert_allclose(A[1, :2], [0.755, 0.245], atol=5e-4)
    assert builder.expression.value == (
        "allowed = causal_mask(5) & padding_mask(5, 3)")
    assert builder.note.value == "No cell flipped by hand."
    assert builder.lines[4] == "token 5 ([PAD]) may look at tokens 1 to 3."
    assert builder.mask_panel.title == "allowed (1 = may attend)  (5, 5)"
    assert builder.weights_panel.marked_rows == []
    assert builder.redraws == 0


def test_settings_follow_the_controls(builder, queries_keys):
    builder.causal.value = False
    assert_shows(builder, *queries_keys, qk.padding_mask(5, 3))
    builder.real_tokens.value = 2
    assert_shows(builder, *queries_keys, qk.padding_mask(5, 2))
    assert builder.lines[2] == "token 3 ('fish') may look at tokens 1 and 2."
    builder.real_tokens.value = 5
    assert_shows(builder, *queries_keys, np.ones((5, 5), dtype=bool))
    assert builder.expression.value == "allowed = every pair (no mask)"
    # One redraw per change, not one per button the change resets.
    assert builder.redraws == 3


def test_hiding_pad_queries_gives_all_zero_rows(builder, queries_keys):
    builder.hide_pad_queries.value = True
    expected = qk.causal_mask(5) & qk.padding_mask(5, 3)
    expected[3:] = False
    assert_shows(builder, *queries_keys, expected)
    A = builder.weights()
    assert (A[3:] == 0.0).all() and not np.isnan(A).any()
    assert builder.weights_panel.marked_rows == [3, 4]
    assert builder.lines[3:] == [
        "token 4 ([PAD]) may look at nothing: its weights are all zero.",
        "token 5 ([PAD]) may look at nothing: its weights are all zero.",
    ]


def test_flipping_cells(builder, queries_keys):
    Q, K = queries_keys
    allowed = qk.causal_mask(5) & qk.padding_mask(5, 3)
    builder.set_cell(0, 0, False)
    allowed[0, 0] = False
    assert_shows(builder, Q, K, allowed)
    assert builder.lines[0] == ("token 1 ('Cat') may look at nothing: its "
                                "weights are all zero.")
    assert (builder.weights()[0] == 0.0).all()
    assert builder.weights_panel.marked_rows == [0]
    assert builder.note.value == (
        "1 cell differs from the settings (flipped by hand); changing a "
        "setting starts again from the settings.")
    # Pressing a button in the page does the same as set_cell.
    builder.cells[1][4].value = True
    allowed[1, 4] = True
    assert_shows(builder, Q, K, allowed)
    assert builder.lines[1] == (
        "token 2 ('eats') may look at tokens 1, 2 and 5.")
    assert builder.note.value.startswith("2 cells differ from the settings")
    # Flipping a cell back to the settings' value counts it no more.
    builder.set_cell(0, 0, True)
    assert builder.note.value.startswith("1 cell differs")


def test_a_setting_undoes_flipped_cells(builder, queries_keys):
    builder.set_cell(2, 2, False)
    builder.set_cell(0, 4, True)
    builder.real_tokens.value = 4
    assert_shows(builder, *queries_keys,
                 qk.causal_mask(5) & qk.padding_mask(5, 4))
    assert builder.note.value == "No cell flipped by hand."


def test_set_cell_refuses_bad_input(builder, queries_keys):
    with pytest.raises(ValueError, match=r"\(i, j\) must lie within the "
                       r"mask's shape \(5, 5\), counted from 0; got "
                       r"\(5, 0\)"):
        builder.set_cell(5, 0, True)
    with pytest.raises(ValueError, match=r"got \(0, -1\)"):
        builder.set_cell(0, -1, True)
    with pytest.raises(ValueError, match=r"got \(True, 0\)"):
        builder.set_cell(True, 0, True)
    with pytest.raises(TypeError, match="value must be True or False; "
                       "got 1"):
        builder.set_cell(0, 1, 1)
    # Nothing changed.
    assert_shows(builder, *queries_keys,
                 qk.causal_mask(5) & qk.padding_mask(5, 3))


def test_constructor_refuses_bad_input(queries_keys):
    Q, K = queries_keys
    with pytest.raises(ValueError, match="tokens must have one label per "
                       "row of Q, 5; got 3"):
        MaskBuilder(TOKENS[:3], Q, K)
    with pytest.raises(ValueError, match="n_valid must be between 1 and "
                       "n_tokens = 5; got 6"):
        MaskBuilder(TOKENS, Q, K, n_valid=6)
    with pytest.raises(ValueError, match="got 0"):
        MaskBuilder(TOKENS, Q, K, n_valid=0)
    with pytest.raises(TypeError, match="causal must be True or False; "
                       "got 'yes'"):
        MaskBuilder(TOKENS, Q, K, causal="yes")
    with pytest.raises(ValueError, match=r"K must have shape \(n_keys, "
                       r"d_k\) with d_k = 3 from Q; got \(5, 2\)"):
        MaskBuilder(TOKENS, Q, K[:, :2])
    with pytest.raises(TypeError, match="Q must hold numbers; got a "
                       "boolean array"):
        MaskBuilder(TOKENS, Q > 0, K)
    with pytest.raises(ValueError, match="row of K, 4; got 5"):
        MaskBuilder(TOKENS, Q, K[:4])


def test_inputs_are_copied(queries_keys):
    Q, K = (M.copy() for M in queries_keys)
    builder = MaskBuilder(TOKENS, Q, K)
    Q[:] = 0.0
    builder.set_cell(0, 1, False)
    allowed = np.ones((5, 5), dtype=bool)
    allowed[0, 1] = False
    assert_shows(builder, *queries_keys, allowed)


def test_text_form_and_stored_picture(builder):
    assert repr(builder) == (
        "[widget: a mask builder: switch the causal mask, set the real "
        "tokens, flip cells, watch the mask and A]")
    data = builder._repr_mimebundle_()
    assert set(data) == {build_notebooks.WIDGET_VIEW, "image/png",
                         "text/plain"}
    assert base64.b64decode(data["image/png"]).startswith(b"\x89PNG")
    lines = data["text/plain"].splitlines()
    assert lines[:3] == [
        repr(builder),
        "allowed = causal_mask(5) & padding_mask(5, 3)",
        "token 1 ('Cat') may look at token 1.",
    ]
    assert lines[-1].startswith(
        "Heatmap of A = softmax(S), masked, shape (5, 5)")
