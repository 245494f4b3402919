"""The exercises of notebook 08 · Masks, with answers a reader types.

``tests/test_exercises.py`` runs the contract of every exercise (its
own solution, its own mistake values). Here each wrong answer is
written the way a learner would write it, independently of the
mistake values in ``qkvlib.exercises.ex08``, and the message that
comes back is asserted word for word.
"""

import numpy as np
import pytest

import qkvlib as qk
from qkvlib import exercises as ex


@pytest.fixture(scope="module")
def notebook():
    """The names notebook 08's setup and section 2 make."""
    rng = np.random.default_rng(55)
    example = qk.load_example("cat-eats-fish")
    X = example.X
    W_q, W_k, W_v = qk.init_weights(4, 3, rng)
    X_pad = np.vstack([X, np.zeros((2, 4))])
    return {"X": X, "W_q": W_q, "W_k": W_k, "W_v": W_v, "X_pad": X_pad}


def weights(notebook, allowed):
    return qk.self_attention(notebook["X_pad"], notebook["W_q"],
                             notebook["W_k"], notebook["W_v"],
                             allowed=allowed).A


def message(exercise, answer) -> str:
    return exercise.check(answer).message


# --- 08.1 · One weight of a pad


@pytest.fixture
def ex_1(notebook):
    return qk.exercise("08.1", **{n: notebook[n] for n in
                                  ("X", "W_q", "W_k", "W_v")})


def test_08_1_right_answers(notebook, ex_1):
    A = weights(notebook, qk.causal_mask(5) & qk.padding_mask(5, 2))
    assert A[3, 1] == pytest.approx(0.5)
    assert ex_1.check(A[3, 1]).correct
    assert ex_1.check(0.5).correct
    assert ex_1.check(1 / 2).message == (
        "Correct: token 4 looks at 'Cat' and 'eats' only, with equal "
        "scores of 0, so each gets 0.5.")


def test_08_1_n_valid_left_at_3(notebook, ex_1):
    # The reader reads A of section 5 without changing the number.
    A = weights(notebook, qk.causal_mask(5) & qk.padding_mask(5, 3))
    assert message(ex_1, A[3, 1]) == (
        "Not yet: n_valid left at 3. That is the weight with 3 real "
        "tokens, the mask of section 5; set n_valid = 2, so 'fish' is "
        "hidden too.")
    assert ex_1.check(0.333).mistake == "n_valid left at 3"


def test_08_1_other_masks(notebook, ex_1):
    causal_only = weights(notebook, qk.causal_mask(5))[3, 1]
    assert ex_1.check(causal_only).mistake == "padding mask missing"
    assert ex_1.check(0.25).mistake == "padding mask missing"
    unmasked = weights(notebook, None)[3, 1]
    assert ex_1.check(unmasked).message == (
        "Not yet: no mask at all. Without any mask token 4 shares its "
        "weight among all 5 keys; take causal & padding.")
    assert message(ex_1, 0) == (
        "Not yet: 0, the weight of a hidden pair. Padding hides key "
        "columns, not query rows: token 4 still looks at the real keys, "
        "and 'eats' is one of them. Its weight for 'eats' is A[3, 1], row "
        "3 for the query and column 1 for the key; A[1, 3], what 'eats' "
        "gives the pad, is the hidden 0.")
    A = weights(notebook, qk.causal_mask(5) & qk.padding_mask(5, 2))
    assert ex_1.check(A[1, 3]).mistake == "0, the weight of a hidden pair"


def test_08_1_a_row_instead_of_one_number(notebook, ex_1):
    A = weights(notebook, qk.causal_mask(5) & qk.padding_mask(5, 2))
    assert message(ex_1, A[3]) == (
        "Not yet: the answer has 5 numbers, shape (5,); it should have "
        "one number.")


# --- 08.2 · Both masks for the padded sentence


@pytest.fixture
def ex_2():
    return qk.exercise("08.2")


def test_08_2_right_answers(ex_2):
    assert ex_2.check(qk.causal_mask(5) & qk.padding_mask(5, 3)).correct
    by_hand = np.tri(5, dtype=bool)
    by_hand[:, 3:] = False
    assert ex_2.check(by_hand).correct
    rows, cols = np.indices((5, 5))
    assert ex_2.check((cols <= rows) & (cols < 3)).correct


def test_08_2_or_instead_of_and(ex_2):
    answer = qk.causal_mask(5) | qk.padding_mask(5, 3)
    assert message(ex_2, answer) == (
        "Not yet: | instead of &. | allows a pair that either mask "
        "allows, so every token sees the future; a pair must pass both "
        "masks, which is &.")


def test_08_2_padding_hides_rows(ex_2):
    rows_hidden = np.ones((5, 5), dtype=bool)
    rows_hidden[3:, :] = False
    answer = qk.causal_mask(5) & rows_hidden
    assert ex_2.check(answer).mistake == (
        "the pad query rows hidden")
    p = qk.padding_mask(5, 3)
    assert ex_2.check(qk.causal_mask(5) & p & p.T).mistake == (
        "the pad query rows hidden")


def test_08_2_one_mask_missing_or_turned(ex_2):
    assert ex_2.check(qk.causal_mask(5)).mistake == "padding mask missing"
    assert ex_2.check(qk.padding_mask(5, 3)).mistake == (
        "causal mask missing")
    upper = np.triu(np.ones((5, 5), dtype=bool)) & qk.padding_mask(5, 3)
    assert ex_2.check(upper).mistake == (
        "upper triangle: each token sees the future")
    strict = np.tril(np.ones((5, 5), dtype=bool), k=-1)
    assert ex_2.check(strict & qk.padding_mask(5, 3)).mistake == (
        "diagonal missing: a token may not see itself")


def test_08_2_float_mask_and_an_unnamed_slip(ex_2):
    floats = np.tril(np.ones((5, 5))) * qk.padding_mask(5, 3)
    assert message(ex_2, floats) == (
        "Not yet: the answer holds numbers; a mask holds True and False "
        "(dtype bool), and this one has dtype float64. Build it from "
        "comparisons, or np.tri(n, dtype=bool).")
    # Pads allowed to look at themselves: no classic mistake, but the
    # message names the first wrong pair.
    both = qk.causal_mask(5) & qk.padding_mask(5, 3)
    answer = both | np.eye(5, dtype=bool)
    assert message(ex_2, answer) == (
        "Not yet: your mask lets token 4 ([PAD]) look at token 4 ([PAD]), "
        "which should be hidden; 2 of 25 entries differ. hint() gives a "
        "hint.")
    assert message(ex_2, np.ones((5, 5), dtype=bool)) == (
        "Not yet: your mask lets token 1 ('Cat') look at token 2 "
        "('eats'), which should be hidden; 13 of 25 entries differ. "
        "hint() gives a hint.")


# --- 08.3 · A causal mask for n tokens


@pytest.fixture
def ex_3():
    return qk.exercise("08.3")


def test_08_3_right_functions(ex_3):
    def with_tril(n):
        return np.tril(np.ones((n, n), dtype=bool))

    def with_loops(n):
        allowed = np.zeros((n, n), dtype=bool)
        for i in range(n):
            for j in range(i + 1):
                allowed[i, j] = True
        return allowed

    assert ex_3.check(with_tril).correct
    assert ex_3.check(with_loops).correct
    assert ex_3.check(qk.causal_mask).correct


def test_08_3_stub_is_not_attempted(ex_3):
    def my_causal_mask(n):
        raise NotImplementedError

    assert ex_3.check(my_causal_mask).status == "not attempted"


def test_08_3_upper_triangle_sees_the_future(ex_3):
    def upper(n):
        return np.triu(np.ones((n, n))) == 1

    assert message(ex_3, upper) == (
        "Not yet: upper triangle: each token sees the future. np.triu "
        "keeps the diagonal and everything above it, so token 1 may look "
        "at every later token; the causal mask is the lower triangle, "
        "np.tril or np.tri.")


def test_08_3_missing_diagonal_floats_and_fixed_n(ex_3):
    def strict(n):
        rows, cols = np.indices((n, n))
        return cols < rows

    def floats(n):
        return np.tril(np.ones((n, n)))

    def three(n):
        return np.tri(3, dtype=bool)

    assert ex_3.check(strict).mistake == (
        "diagonal missing: a token may not see itself")
    assert message(ex_3, floats) == (
        "Not yet: a mask of 0.0 and 1.0 instead of True and False. The "
        "pattern is right, but a mask holds True and False: pass "
        "dtype=bool, or build it from a comparison. qkvlib refuses a "
        "float mask.")
    assert ex_3.check(three).mistake == "n written as the number 3"


def test_08_3_unnamed_slip_names_the_pair(ex_3):
    def only_itself(n):
        return np.eye(n, dtype=bool)

    assert message(ex_3, only_itself) == (
        "Not yet: for n = 3, your mask hides token 1 from token 2, which "
        "should be allowed; 3 of 9 entries differ. hint() gives a hint.")


# --- 08.4 · Masked weights from scores


@pytest.fixture
def ex_4():
    return qk.exercise("08.4")


def test_08_4_right_functions(ex_4):
    def with_where(S, allowed):
        return qk.softmax(np.where(allowed, S, -np.inf))

    def by_hand(S, allowed):
        S = np.where(allowed, S, -np.inf)
        top = S.max(axis=1, keepdims=True)
        top = np.where(np.isinf(top), 0.0, top)
        exps = np.exp(S - top)
        total = exps.sum(axis=1, keepdims=True)
        return exps / np.where(total == 0, 1.0, total)

    assert ex_4.check(with_where).correct
    assert ex_4.check(by_hand).correct


def test_08_4_masking_after_the_softmax(ex_4):
    def after(S, allowed):
        A = qk.softmax(S)
        A[~allowed] = 0.0
        return A

    feedback = ex_4.check(after)
    assert feedback.mistake == ex.MASK_AFTER_SOFTMAX
    assert feedback.message == (
        "Not yet: mask applied after the softmax. Zeroing weights after "
        "the softmax leaves rows that sum to less than 1, because the "
        "hidden keys took their share first. Put -inf into the scores, "
        "then take the softmax.")


def test_08_4_a_row_that_may_look_at_nothing(ex_4):
    def naive(S, allowed):
        S = np.where(allowed, S, -np.inf)
        exps = np.exp(S - S.max(axis=-1, keepdims=True))
        return exps / exps.sum(axis=-1, keepdims=True)

    def renormalised(S, allowed):
        A = qk.softmax(S) * allowed
        return A / A.sum(axis=-1, keepdims=True)

    for function in (naive, renormalised):
        assert ex_4.check(function).message == (
            "Not yet: NaN for a row that may look at nothing. A row that "
            "may look at nothing divides 0 by 0 and gives NaN; give it "
            "all-zero weights (qk.softmax does).")


def test_08_4_zero_for_minus_inf_and_other_slips(ex_4):
    def zeros(S, allowed):
        return qk.softmax(S * allowed)

    def inverted(S, allowed):
        return qk.softmax(np.where(allowed, -np.inf, S))

    def transposed(S, allowed):
        return qk.softmax(np.where(allowed.T, S, -np.inf))

    def columns(S, allowed):
        return qk.softmax(np.where(allowed, S, -np.inf), axis=0)

    assert ex_4.check(zeros).mistake == (
        "masked scores set to 0 instead of -inf")
    assert message(ex_4, inverted) == (
        "Not yet: True read as hidden instead of allowed. allowed is True "
        "where query i MAY attend to key j, so keep S where allowed is "
        "True.")
    assert ex_4.check(transposed).mistake == "mask the wrong way round"
    assert ex_4.check(columns).mistake == ex.WRONG_AXIS


def test_08_4_crash_is_reported(ex_4):
    def typo(S, allowed):
        return qk.softmax(np.where(allowed, S, -np.inf), axis=2)

    assert message(ex_4, typo) == (
        "Not yet: for the Cat eats fish scores with the causal mask, "
        "masked_weights(S, allowed) raised ValueError: axis must be "
        "between -2 and 1 for S of shape (3, 3); got 2.")


def test_08_4_minus_a_billion(ex_4):
    def masked_fill(S, allowed):
        return qk.softmax(np.where(allowed, S, -1e9))

    assert ex_4.check(masked_fill).mistake == (
        "a large negative score instead of -inf")
