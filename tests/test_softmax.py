"""The softmax: the values the issue names, masking and refusals."""

import numpy as np
import pytest

import qkvlib as qk


def test_three_scores_give_the_textbook_weights():
    weights = qk.softmax([1, 2, 3])
    np.testing.assert_allclose(
        weights, [0.0900, 0.2447, 0.6652], atol=5e-5
    )


def test_huge_scores_do_not_overflow():
    weights = qk.softmax([[1000, 0], [0, 1000]])
    assert np.isfinite(weights).all()
    np.testing.assert_array_equal(weights, np.eye(2))


def test_a_row_of_minus_inf_gives_zeros_not_nan():
    weights = qk.softmax([[-np.inf, -np.inf, -np.inf], [0.0, 0.0, 0.0]])
    np.testing.assert_array_equal(weights[0], [0.0, 0.0, 0.0])
    np.testing.assert_allclose(weights[1], [1 / 3, 1 / 3, 1 / 3])


def test_minus_inf_entries_get_exactly_zero_weight():
    weights = qk.softmax([0.0, -np.inf, 0.0])
    np.testing.assert_array_equal(weights, [0.5, 0.0, 0.5])


def test_axis_zero_normalises_columns():
    S = np.array([[1.0, 5.0], [3.0, 5.0]])
    weights = qk.softmax(S, axis=0)
    np.testing.assert_allclose(weights.sum(axis=0), [1.0, 1.0])
    np.testing.assert_allclose(weights[:, 1], [0.5, 0.5])
    expected = np.exp([1.0, 3.0]) / np.exp([1.0, 3.0]).sum()
    np.testing.assert_allclose(weights[:, 0], expected)


def test_input_is_not_modified_and_result_is_float64():
    S = np.array([[1, 2], [3, 4]])
    before = S.copy()
    weights = qk.softmax(S)
    np.testing.assert_array_equal(S, before)
    assert weights.dtype == np.float64


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_and_plus_inf_are_refused(bad):
    with pytest.raises(ValueError, match="S must not hold"):
        qk.softmax([0.0, bad, 1.0])


@pytest.mark.parametrize("axis", [2, -3])
def test_an_axis_out_of_range_is_refused(axis):
    with pytest.raises(ValueError, match="axis must be between -2 and 1"):
        qk.softmax(np.zeros((2, 2)), axis=axis)


def test_axis_must_be_an_int():
    with pytest.raises(TypeError, match="axis must be an int"):
        qk.softmax([1.0, 2.0], axis=0.5)


def test_empty_scores_are_refused():
    with pytest.raises(ValueError, match="S must not be empty"):
        qk.softmax([])
