"""Notebook 07 · Many heads: its exercises, answered as a reader types.

``tests/test_exercises.py`` runs the contract of every exercise (its
own solution, its own mistake values). Here each wrong answer is
written the way a learner would write it, independently of the
mistake values in ``qkvlib.exercises.ex07``, and the message that
comes back is asserted word for word.
"""

import numpy as np
import pytest

import qkvlib as qk
from qkvlib import exercises as ex


def message(exercise, answer) -> str:
    return exercise.check(answer).message


# --- 07.1 · d_head and the weights of another model


def n_weights(d_model, n_heads):
    """Section 8's count, as the reader copies it from the notebook."""
    d_head = d_model // n_heads
    blocks = [(d_model, d_head)] * 3 + [(d_head, d_model)]
    return n_heads * sum(rows * cols for rows, cols in blocks)


@pytest.fixture
def ex_1():
    return qk.exercise("07.1")


def test_07_1_right_answers(ex_1):
    assert ex_1.check((512 // 8, n_weights(512, 8))).correct
    assert ex_1.check([64, 1_048_576]).correct
    assert ex_1.check((64.0, 1048576.0)).correct
    assert ex_1.check(np.array([512 / 8, 4 * 512**2])).message == (
        "Correct: d_head = 64 and 1,048,576 weights, 4 * 512^2; 8 heads "
        "of 64 or 1 head of 512 hold the same number.")


def test_07_1_sizes_left_unchanged(ex_1):
    # The printout of section 8 for 768 and 12 heads, typed as is.
    feedback = ex_1.check((768 // 12, n_weights(768, 12)))
    assert feedback.status == "incorrect" and feedback.mistake is None
    assert feedback.message == (
        "Not yet: d_head = 64 is right, but 2,359,296 is not the number "
        "of entries of the four matrices. hint() gives a hint.")


def test_07_1_named_slips(ex_1):
    d_head = 512 // 8
    assert message(ex_1, (d_head, 3 * 512 * 512)) == (
        "Not yet: W_o left out of the count. W_q, W_k and W_v give "
        "3 * d_model^2; the output projection W_o, shape (n_heads * "
        "d_head, d_model), adds d_model^2 more.")
    assert ex_1.check((d_head, 512 * d_head * 4)).mistake == (
        "one head counted instead of all n_heads")
    assert ex_1.check((d_head, 8 * 4 * 512 * 512)).mistake == (
        "4 * d_model^2 counted for every head")
    feedback = ex_1.check((d_head, n_weights(512, 8) + 4 * 512))
    assert feedback.mistake == "biases counted as well"
    assert feedback.message.endswith("the biases add 4 * d_model = 2048 "
                                     "on top.")
    assert ex_1.check((512 * 8, 4 * 512**2)).mistake == (
        "d_model multiplied by n_heads instead of divided")


def test_07_1_half_right_and_wrong_shapes(ex_1):
    assert message(ex_1, (32, 4 * 512**2)) == (
        "Not yet: the count is right, but d_head = 32 is not: each of "
        "the 8 heads gets d_model / n_heads of the columns. hint() gives "
        "a hint.")
    assert message(ex_1, 1_048_576) == (
        "Not yet: the answer has one number; it should have 2 numbers, "
        "shape (2,).")
    assert ex_1.check((64, 1_048_500)).status == "incorrect"
    assert ex_1.check("64, 1048576").message == (
        "Not yet: the answer should be 2 numbers, but it is "
        "the text '64, 1048576', not numbers.")


# --- 07.2 · A W_o that swaps the heads


@pytest.fixture
def ex_2():
    return qk.exercise("07.2")


def reader_swap():
    """The solution as a reader types it, entry by entry."""
    W_o_swap = np.zeros((4, 4))
    W_o_swap[0, 2] = W_o_swap[1, 3] = 1.0
    W_o_swap[2, 0] = W_o_swap[3, 1] = 1.0
    return W_o_swap


def test_07_2_right_answer_swaps_the_heads_of_z(ex_2):
    W_o_swap = reader_swap()
    Z = np.arange(12.0).reshape(3, 4)
    Z_heads = qk.split_heads(Z, 2)
    swapped = qk.merge_heads(Z_heads[::-1])
    np.testing.assert_array_equal(Z @ W_o_swap, swapped)
    assert message(ex_2, W_o_swap) == (
        "Correct: Z @ W_o_swap puts head 1's columns first and head 0's "
        "second, so W_o's rows are the heads.")
    assert ex_2.check(W_o_swap.astype(int).tolist()).correct


def test_07_2_named_slips(ex_2):
    assert ex_2.check(np.identity(4)).mistake == "the heads kept in place"
    assert message(ex_2, np.fliplr(np.eye(4))) == (
        "Not yet: all four columns reversed. It moves each head to the "
        "other's columns, but also flips its two columns: Z[:, 0] lands "
        "in Y[:, 3]. Keep each head's columns in order.")
    inside = np.array([[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1],
                       [0, 0, 1, 0]])
    assert ex_2.check(inside).mistake == "columns swapped inside each head"
    ones = np.zeros((4, 4))
    ones[0:2, 2:4] = 1.0
    ones[2:4, 0:2] = 1.0
    assert ex_2.check(ones).mistake == (
        "blocks of ones instead of identity blocks")


def test_07_2_one_head_moved_says_which_row(ex_2):
    half = np.eye(4)
    half[0:2] = reader_swap()[0:2]  # head 0 moved, head 1 left alone
    assert message(ex_2, half) == (
        "Not yet: row 2 (column 0 of head 1) should be 1 in column 0 "
        "and 0 elsewhere; row 3 (column 1 of head 1) should be 1 in "
        "column 1 and 0 elsewhere. hint() gives a hint.")
    assert message(ex_2, np.zeros((4, 2))) == (
        "Not yet: the answer has shape (4, 2); it should have shape "
        "(4, 4).")


# --- 07.3 · Split the heads yourself


@pytest.fixture
def ex_3():
    return qk.exercise("07.3")


def test_07_3_functions_that_are_right(ex_3):
    def my_split_heads(M, n_heads):
        n_tokens, d_model = M.shape
        d_head = d_model // n_heads
        return M.reshape(n_tokens, n_heads, d_head).transpose(1, 0, 2)

    def by_slices(M, n_heads):
        d_head = M.shape[1] // n_heads
        return [M[:, h * d_head:(h + 1) * d_head] for h in range(n_heads)]

    def by_swapaxes(M, n_heads):
        return np.swapaxes(M.reshape(len(M), n_heads, -1), 0, 1)

    for function in (my_split_heads, by_slices, by_swapaxes):
        assert ex_3.check(function).message == (
            "Correct: my_split_heads agrees with qk.split_heads on every "
            "case, including 3 heads of the 10-token sentence.")


def test_07_3_reshape_without_the_transpose_is_named(ex_3):
    def my_split_heads(M, n_heads):
        n_tokens, d_model = M.shape
        return M.reshape(n_heads, n_tokens, d_model // n_heads)

    feedback = ex_3.check(my_split_heads)
    assert feedback.mistake == ex.RESHAPE_NO_TRANSPOSE
    assert feedback.message == (
        "Not yet: heads split by reshape without the transpose. "
        "M.reshape(n_heads, n_tokens, d_head) re-cuts the rows of M as "
        "they lie in memory, so head 0 gets whole rows of the first "
        "tokens; reshape to (n_tokens, n_heads, d_head) and then "
        "transpose.")

    def reshape_forgot_transpose(M, n_heads):
        return M.reshape(M.shape[0], n_heads, -1)

    feedback = ex_3.check(reshape_forgot_transpose)
    assert feedback.mistake == ex.RESHAPE_NO_TRANSPOSE
    assert feedback.message.endswith(
        "swap the first two axes with .transpose(1, 0, 2).")


def test_07_3_other_named_slips(ex_3):
    def strided(M, n_heads):
        return np.stack([M[:, h::n_heads] for h in range(n_heads)])

    assert ex_3.check(strided).mistake == (
        "every n_heads-th column taken as one head")

    def sizes_swapped(M, n_heads):
        n_tokens, d_model = M.shape
        H = M.reshape(n_tokens, d_model // n_heads, n_heads)
        return H.transpose(1, 0, 2)

    assert ex_3.check(sizes_swapped).mistake == (
        "n_heads and d_head swapped in the reshape")


def test_07_3_hard_coded_sizes_and_stub(ex_3):
    def two_heads_of_two(M, n_heads):
        return M.reshape(M.shape[0], 2, 2).transpose(1, 0, 2)

    feedback = ex_3.check(two_heads_of_two)
    assert feedback.status == "incorrect" and feedback.mistake is None
    assert feedback.message.startswith(
        "Not yet: for a (10, 6) M in 3 heads, as Q of the cat-sat-mat "
        "sentence, my_split_heads(M, n_heads) raised ValueError: cannot "
        "reshape array of size 60 into shape (10,2,2).")

    def stub(M, n_heads):
        raise NotImplementedError  # your code here

    assert ex_3.check(stub).status == "not attempted"
    assert ex_3.check(qk.split_heads(np.ones((3, 4)), 2)).message == (
        "Not yet: the answer should be a function my_split_heads(M, "
        "n_heads), but it is ndarray. Define it with def and pass its "
        "name, without brackets.")


def test_07_1_swapped_order_and_an_off_by_one_count(ex_1):
    assert ex_1.check((1_048_576, 64)).mistake == (
        "the two numbers in the other order")
    assert ex_1.check((64, 1_048_576.5)).status == "incorrect"
    assert message(ex_1, (64, 1_048_577)) == (
        "Not yet: d_head = 64 is right, but 1,048,577 is not the number "
        "of entries of the four matrices. hint() gives a hint.")


def test_07_1_last_hint_keeps_the_notebook_names(ex_1):
    last = [str(ex_1.hint()) for _ in ex_1.hints][-1]
    assert "answer = (512 // 8, n_weights(512, 8))" in last
    assert "d_head = " not in last
