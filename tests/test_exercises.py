"""The exercise machinery, and every exercise's contract.

The contract tests run for every registered exercise: unsolved it says
"not attempted", its own solution passes, each named mistake comes back
under its own name, and no junk answer makes it raise. The tests after
them type wrong answers the way a reader would, independently of the
mistake values the exercise classes compute, and assert the message.
"""

import warnings

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import qkvlib as qk
from qkvlib import exercises as ex


def notebook_pool() -> dict:
    """The names the notebooks' setup cells make for Cat eats fish.

    Every exercise is made from these names (those in its ``needs``)
    for the contract tests. An exercise that needs a name not here
    gets it added here, computed the way its notebook computes it.
    """
    rng = np.random.default_rng(55)
    example = qk.load_example("cat-eats-fish")
    tokens, X = example.tokens, example.X
    d_model, d_k = X.shape[1], 3
    W_q, W_k, W_v = qk.init_weights(d_model, d_k, rng)
    Q, K, V = qk.qkv(X, W_q, W_k, W_v)
    S = qk.scores(Q, K)
    return {
        "tokens": tokens, "X": X, "d_model": d_model, "d_k": d_k,
        "n_tokens": len(tokens), "W_q": W_q, "W_k": W_k, "W_v": W_v,
        "Q": Q, "K": K, "V": V, "S": S, "A": qk.softmax(S),
        "features": example.features,
    }


POOL = notebook_pool()
KEYS = sorted(ex.catalogue())


def make(key: str) -> ex.Exercise:
    needs = ex._core._REGISTRY[key].needs
    return qk.exercise(key, **{name: POOL[name] for name in needs})


def named_mistakes(exercise: ex.Exercise) -> list[ex.Mistake]:
    if isinstance(exercise, ex.ValueExercise):
        return list(exercise.mistakes(**exercise.context))
    if isinstance(exercise, ex.FunctionExercise):
        return list(exercise.mistakes())
    return []


def solved_answer(exercise: ex.Exercise):
    """Run the exercise's own solution code; return what it defines."""
    namespace = {"np": np, "qk": qk, **exercise.context}
    exec(exercise.solution_code, namespace)
    if isinstance(exercise, ex.FunctionExercise):
        return namespace[exercise.signature.split("(")[0]]
    return namespace["answer"]


def test_every_notebook_01_to_08_has_two_to_four_exercises():
    counts = {f"{n:02d}": 0 for n in range(1, 9)}
    for key in KEYS:
        counts[key.split(".")[0]] += 1
    assert all(2 <= c <= 4 for c in counts.values()), counts


@pytest.mark.parametrize("key", KEYS)
def test_unsolved_is_not_attempted(key):
    feedback = make(key).check(None)
    assert feedback.status == "not attempted"
    assert feedback.message.startswith("Not attempted yet: ")
    assert not feedback


@pytest.mark.parametrize("key", KEYS)
def test_own_solution_is_correct(key):
    exercise = make(key)
    feedback = exercise.check(solved_answer(exercise))
    assert feedback.status == "correct", feedback
    assert feedback.message.startswith("Correct: ")
    assert feedback.mistake is None


@pytest.mark.parametrize("key", KEYS)
def test_each_named_mistake_is_recognised_by_its_name(key):
    exercise = make(key)
    for mistake in named_mistakes(exercise):
        feedback = exercise.check(mistake.value)
        assert feedback.status == "incorrect", (mistake.name, feedback)
        assert feedback.mistake == mistake.name, (mistake.name, feedback)
        assert feedback.message == (
            f"Not yet: {mistake.name}. {mistake.explanation}"
        )


JUNK = ["abc", [[1.0, 2.0], [3.0]], {"a": 1}, 1 + 2j, np.nan,
        float("inf"), True, object(), lambda: 1, [], np.ones((9, 9))]


@pytest.mark.parametrize("key", KEYS)
def test_junk_answers_never_raise(key):
    exercise = make(key)
    for junk in JUNK:
        feedback = exercise.check(junk)
        assert isinstance(feedback, ex.Feedback)
        assert feedback.status == "incorrect", (junk, feedback)
        assert feedback.message.startswith("Not yet: "), feedback


@pytest.mark.parametrize("key", KEYS)
def test_hints_are_graded_then_stop_at_the_last(key):
    exercise = make(key)
    total = len(exercise.hints)
    assert total >= 2
    texts = [str(exercise.hint()) for _ in range(total + 1)]
    for number, text in enumerate(texts[:total], start=1):
        assert text.startswith(f"Hint {number} of {total}: ")
    assert texts[total] == texts[total - 1]
    assert texts[total].endswith("solution() shows an answer.)")


@pytest.mark.parametrize("key", KEYS)
def test_solution_shows_the_code(key):
    exercise = make(key)
    text = str(exercise.solution())
    assert text.startswith(f"One solution of exercise {key}:\n\n    ")
    first_line = exercise.solution_code.strip().splitlines()[0]
    assert f"    {first_line}" in text


def test_unknown_key_and_missing_context_are_clear():
    with pytest.raises(KeyError, match=r"no exercise '99\.1'; the "
                                       r"exercises are 0"):
        qk.exercise("99.1")
    with pytest.raises(TypeError) as info:
        qk.exercise("04.2", Q=POOL["Q"])
    assert str(info.value) == (
        "exercise 04.2 is missing K, d_model; make it with "
        'qk.exercise("04.2", Q=Q, K=K, d_model=d_model)'
    )
    with pytest.raises(TypeError, match="does not use W_q"):
        qk.exercise("05.1", W_q=POOL["W_q"])


def test_context_is_copied():
    Q = POOL["Q"].copy()
    exercise = qk.exercise("04.2", Q=Q, K=POOL["K"], d_model=4)
    right = Q @ POOL["K"].T / np.sqrt(3)
    Q[:] = 0.0
    assert exercise.check(right).correct


def test_feedback_shows_as_text_and_html():
    feedback = make("05.1").check([0.1, 0.2, 0.7])
    assert repr(feedback).startswith("✘ Exercise 05.1: Not yet: ")
    assert "border-left: 4px solid #b35900" in feedback._repr_html_()
    tricky = ex.Feedback("01.1", "incorrect", "Not yet: <b> & co")
    assert "&lt;b&gt; &amp; co" in tricky._repr_html_()


# --- 04: a reader's typed answers

Q, K, tokens = POOL["Q"], POOL["K"], POOL["tokens"]
FISH, EATS = tokens.index("fish"), tokens.index("eats")


def test_04_1_rounded_right_answer_and_typical_slips():
    exercise = make("04.1")
    right = round(float(Q[FISH] @ K[EATS] / np.sqrt(3)), 3)
    assert exercise.check(right).correct
    assert exercise.check(Q[EATS] @ K[FISH] / np.sqrt(3)).mistake == (
        "query and key swapped")
    assert exercise.check(Q[FISH] @ K[EATS] / 3).mistake == (
        ex.DIVIDED_BY_D_K)
    assert exercise.check(Q[FISH] @ K[EATS] / 2.0).mistake == (
        ex.SQRT_D_MODEL)
    feedback = exercise.check(Q[FISH] @ K[EATS])
    assert feedback.message == (
        "Not yet: no division by sqrt(d_k). The raw dot product still "
        "has to be divided by sqrt(d_k) = sqrt(3)."
    )


def test_04_1_rounding_to_two_decimals_is_called_close():
    exercise = make("04.1")
    value = float(Q[FISH] @ K[EATS] / np.sqrt(3))
    off = value + 0.004
    assert exercise.check(off).message == (
        "Not yet: close, but further off than rounding to three "
        "decimals; give each number to at least three decimals."
    )


def test_04_2_without_transpose_is_named_and_explained():
    feedback = make("04.2").check(Q @ K / np.sqrt(3))
    assert feedback.mistake == ex.NO_TRANSPOSE
    assert "n_tokens = d_k = 3" in feedback.message
    assert make("04.2").check((K @ Q.T) / np.sqrt(3)).mistake == (
        ex.SCORES_TRANSPOSED)
    assert make("04.2").check(Q @ K.T * np.sqrt(3)).mistake == (
        ex.MULTIPLIED)


def test_04_2_wrong_shape_says_both_shapes():
    feedback = make("04.2").check((Q @ K.T)[:2])
    assert feedback.message == (
        "Not yet: the answer has shape (2, 3); it should have shape "
        "(3, 3)."
    )


def test_04_3_function_mistakes_a_reader_writes():
    exercise = make("04.3")

    def plain(Q, K):
        return Q @ K / np.sqrt(Q.shape[1])

    def fixed(Q, K):
        return np.dot(Q, K.T) / 3 ** 0.5

    def right(Q, K):
        return np.einsum("qd,kd->qk", Q, K) / np.sqrt(K.shape[-1])

    assert exercise.check(plain).mistake == ex.NO_TRANSPOSE
    assert exercise.check(fixed).mistake == "d_k written as the number 3"
    assert exercise.check(right).correct


def test_04_3_a_crashing_function_is_reported_not_raised():
    def broken(Q, K):
        return Q @ K.T / np.sqrt(d_k)  # noqa: F821, a typo

    feedback = make("04.3").check(broken)
    assert feedback.message == (
        "Not yet: for Q and K of shape (3, 3), my_scores(Q, K) raised "
        "NameError: name 'd_k' is not defined."
    )


def test_04_3_stub_and_missing_return():
    def stub(Q, K):
        raise NotImplementedError

    def no_return(Q, K):
        Q @ K.T

    assert make("04.3").check(stub).status == "not attempted"
    assert make("04.3").check(no_return).message == (
        "Not yet: for Q and K of shape (3, 3), my_scores(Q, K) returned "
        "None; does it end with return?"
    )


# --- 05: a reader's typed answers

S = POOL["S"]


def test_05_1_typed_from_the_printout():
    assert make("05.1").check([0.090, 0.245, 0.665]).correct
    assert make("05.1").check((0.09, 0.2447, 0.6652)).correct
    feedback = make("05.1").check(np.exp([1, 2, 3]))
    assert feedback.mistake == "exps not divided by their sum"
    feedback = make("05.1").check([1 / 6, 2 / 6, 3 / 6])
    assert feedback.mistake == "scores divided by their sum, no exp"
    assert make("05.1").check([0.1, 0.2]).message == (
        "Not yet: the answer has 2 numbers, shape (2,); it should have 3 "
        "numbers, shape (3,)."
    )


def test_05_2_temperature_goal():
    exercise = make("05.2")
    weights = {tau: qk.softmax(S[EATS] / tau)[0] for tau in (0.1, 2.0)}
    assert weights[0.1] > 0.9 > weights[2.0]
    assert exercise.check(0.1).message == (
        f"Correct: with tau = 0.1, eats gives Cat {weights[0.1]:.3f} of "
        "its weight."
    )
    assert exercise.check(2).message == (
        f"Not yet: with tau = 2, eats gives Cat {weights[2.0]:.3f}, not "
        "more than 0.9. Try a tau below 1, not above it."
    )
    assert exercise.check(0.24).correct
    assert not exercise.check(0.25).correct
    assert "0.896" in str(exercise.solution())
    assert "positive" in exercise.check(0).message
    assert "positive" in exercise.check(-0.1).message
    assert exercise.check("0.1").message == (
        "Not yet: tau should be one number; got the text '0.1'.")


def test_05_3_mask_after_softmax_and_other_slips():
    allowed = qk.causal_mask(3)
    exercise = make("05.3")
    after = qk.softmax(S)
    after[~allowed] = 0.0
    assert exercise.check(after).mistake == ex.MASK_AFTER_SOFTMAX
    zeroed = np.where(allowed, S, 0)
    assert exercise.check(qk.softmax(zeroed)).mistake == (
        "masked scores set to 0 instead of -inf")
    upper = np.triu(np.ones((3, 3), dtype=bool))
    assert exercise.check(qk.softmax(np.where(upper, S, -np.inf))
                          ).mistake == "mask the wrong way round"
    columns = qk.softmax(np.where(allowed, S, -np.inf), axis=0)
    assert exercise.check(columns).mistake == ex.WRONG_AXIS
    assert exercise.check(qk.attention_weights(Q, K, allowed)).correct


def test_05_4_softmax_functions_a_reader_writes():
    exercise = make("05.4")

    def columns(S):
        e = np.exp(S)
        return e / e.sum(axis=0)

    def naive(S):
        return np.exp(S) / np.exp(S).sum(axis=1, keepdims=True)

    def shifted(S):
        e = np.exp(S - S.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    assert exercise.check(columns).mistake == ex.WRONG_AXIS
    assert exercise.check(naive).mistake == (
        "no subtraction of the row maximum")
    feedback = exercise.check(shifted)
    assert feedback.mistake == "NaN for a row that may look at nothing"
    assert feedback.message.startswith(
        "Not yet: NaN for a row that may look at nothing. A row of all "
        "-inf has maximum -inf")
    assert exercise.check(lambda S: qk.softmax(S)).correct


def test_function_checks_do_not_leak_warnings(recwarn):
    def naive(S):
        return np.exp(S) / np.exp(S).sum(axis=1, keepdims=True)

    make("05.4").check(naive)
    assert len(recwarn) == 0


# --- 06: a reader's typed answers

X, W_q, W_k, W_v = POOL["X"], POOL["W_q"], POOL["W_k"], POOL["W_v"]


def test_06_1_amounts_either_side_of_the_goal():
    exercise = make("06.1")
    W_q_edited = W_q.copy()
    W_q_edited[1, 1] += 2.0
    weight = qk.self_attention(X, W_q_edited, W_k, W_v).A[1, 1]
    assert exercise.check(2.0).message == (
        f"Not yet: with 2 added, eats gives itself {weight:.3f}, not more "
        "than 0.6. A larger amount pushes further."
    )
    assert "add a positive one" in exercise.check(-3).message
    W_q_edited[1, 1] += 3.0
    weight = qk.self_attention(X, W_q_edited, W_k, W_v).A[1, 1]
    assert weight > 0.6
    assert exercise.check(5).message == (
        f"Correct: adding 5 makes W_q[1, 1] = {W_q_edited[1, 1]:.3f}, and "
        f"eats gives itself {weight:.3f} of its weight."
    )
    assert exercise.check("4").status == "incorrect"
    # The last hint quotes these two self weights.
    assert "gives itself 0.494," in exercise.check(3).message
    assert "eats gives itself 0.716 of" in exercise.check(5).message
    last_hint = [str(exercise.hint()) for _ in exercise.hints][-1]
    assert "Adding 3 gives 0.494 and adding 5 gives 0.716" in last_hint


def test_06_2_lookup_goal():
    exercise = make("06.2")
    W_q_new, W_k_new = W_q.copy(), W_k.copy()
    W_q_new[1, 2] += 5.0
    W_k_new[2, 2] += 5.0
    assert exercise.check((W_q_new, W_k_new)).correct
    assert exercise.check([W_q_new, W_k_new]).correct
    # The solution note: fish's score beats the others by more than 9.
    S_new = qk.self_attention(X, W_q_new, W_k_new, W_v).S[1]
    assert S_new[2] - max(S_new[0], S_new[1]) > 9
    assert qk.softmax(S_new)[2] > 0.999
    feedback = exercise.check((W_q, W_k))
    weight = qk.self_attention(X, W_q, W_k, W_v).A[1, 2]
    assert feedback.message.startswith(
        f"Not yet: eats gives fish {weight:.3f} of its weight, and Z[eats] "
        "is still")
    feedback = exercise.check((W_q_new.T, W_k_new))
    assert feedback.mistake == ex.W_TRANSPOSED
    assert feedback.message == (
        "Not yet: W transposed, shape (d_k, d_model). W_q_new has one row "
        "per feature of x, shape (d_model, d_k) = (4, 3); this one has "
        "shape (3, 4), the transpose."
    )
    assert "pair" in exercise.check(W_q_new).message


def test_06_3_functions_a_reader_writes():
    exercise = make("06.3")

    def with_keys(i, X, W_q, W_k, W_v):
        Q, K = X @ W_q, X @ W_k
        s = Q[i] @ K.T / np.sqrt(K.shape[1])
        a = np.exp(s) / np.exp(s).sum()
        return a @ K

    def by_column(i, X, W_q, W_k, W_v):
        A = qk.softmax(qk.scores(X @ W_q, X @ W_k))
        return A[:, i] @ (X @ W_v)

    def right(i, X, W_q, W_k, W_v):
        return qk.self_attention(X, W_q, W_k, W_v).Z[i]

    assert exercise.check(with_keys).mistake == ex.W_K_FOR_W_V
    assert exercise.check(by_column).mistake == (
        "column i of the weights instead of row i")
    assert exercise.check(right).correct


# --- any answer at all

LEAVES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.integers(),
    st.text(max_size=3), st.booleans(), st.none(), st.complex_numbers())
ANSWERS = st.recursive(
    LEAVES, lambda inner: st.lists(inner, max_size=4)
    | st.tuples(inner, inner), max_leaves=12)


@settings(max_examples=60, deadline=None)
@given(answer=ANSWERS)
# Found by a CI run: the cosine of 01.2 overflowed with a warning.
@example(answer=[0.0, 0.0, 0.0, 1.3407807929942597e154])
def test_no_answer_makes_a_check_raise_or_warn(answer):
    for key in KEYS:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            feedback = make(key).check(answer)
        assert feedback.status in ("correct", "incorrect", "not attempted")
        assert feedback.message
        assert not caught, (key, answer, [str(w.message) for w in caught])


# --- what a newcomer tried (helper report, session 2)

def test_05_4_global_maximum_is_named():
    def global_max(S):
        e = np.exp(S - np.max(S))
        return e / e.sum(axis=1, keepdims=True)

    feedback = make("05.4").check(global_max)
    assert feedback.mistake == "the maximum of all of S subtracted, not " \
        "each row's"


def test_function_results_in_float32_pass():
    assert make("05.4").check(
        lambda S: qk.softmax(S).astype(np.float32)).correct
    feedback = make("05.4").check(lambda S: qk.softmax(S).round(4))
    first = np.array([[0.5, -1.0, 2.0], [1.0, 1.0, 0.0]])
    gap = np.abs(qk.softmax(first).round(4) - qk.softmax(first)).max()
    assert feedback.message == (
        "Not yet: for the scores [[0.5, -1.0, 2.0], [1.0, 1.0, 0.0]], the "
        f"result is close to the right one but off by up to {gap:.3g}; "
        "compute in float64 and do not round."
    )


def test_05_2_tiny_and_odd_temperatures():
    exercise = make("05.2")
    assert exercise.check(1e-300).message == (
        "Correct: with tau = 1e-300, eats gives Cat 1.000 of its weight.")
    assert exercise.check(5e-324).correct
    assert exercise.check(np.array(0.2)).correct
    from fractions import Fraction
    assert exercise.check(Fraction(1, 5)).correct
    assert exercise.check(np.inf).message.startswith(
        "Not yet: tau must be a positive, finite number; got inf.")
    assert exercise.check("0.2").message == (
        "Not yet: tau should be one number; got the text '0.2'.")
    assert exercise.check(0.5).message.endswith("Try a lower tau.")


def test_05_3_forgotten_softmax_inverted_mask_and_no_mask():
    allowed = qk.causal_mask(3)
    exercise = make("05.3")
    masked = np.where(allowed, S, -np.inf)
    assert exercise.check(masked).mistake == "masked scores, no softmax"
    assert exercise.check(qk.softmax(np.where(~allowed, S, -np.inf))
                          ).mistake == "mask inverted: True means may attend"
    assert exercise.check(qk.softmax(S)).mistake == "no mask"
    renormalised = qk.softmax(S) * allowed
    renormalised /= renormalised.sum(axis=1, keepdims=True)
    assert exercise.check(renormalised).message == (
        "Correct: every row sums to 1 over the keys the mask allows, and "
        "the keys after each query get 0.")


def test_05_1_the_scores_themselves():
    assert make("05.1").check([1, 2, 3]).mistake == (
        "the scores themselves, no softmax")


def test_messages_for_things_that_are_not_numbers():
    exercise = make("04.2")
    cases = {
        "{'a': 1}": "it is a dict, not numbers",
        "[0.09, None, 0.665]": "it holds None, not only numbers",
        "[10**400, 1, 2]": "it holds a whole number too large for a "
                           "float",
        "[['a', 'b', 'c']] * 3": "it holds text, not numbers",
        "[[1.0, 2.0], [3.0]]": "its rows have different lengths, so it "
                               "is not one array",
    }
    for typed, reason in cases.items():
        message = exercise.check(eval(typed)).message
        assert message == ("Not yet: the answer should be an array of "
                           f"numbers, shape (3, 3), but {reason}."), typed


def test_huge_numbers_are_written_short():
    message = make("05.1").check(np.full(3, 1e308)).message
    assert message.startswith("Not yet: entry 0 is 1e+308 and that is not "
                              "right; 3 of 3 entries differ.")


def test_06_2_pair_in_the_other_order():
    W_q_new, W_k_new = W_q.copy(), W_k.copy()
    W_q_new[1, 2] += 5.0
    W_k_new[2, 2] += 5.0
    feedback = make("06.2").check((W_k_new, W_q_new))
    assert feedback.mistake == "W_k_new and W_q_new in the other order"


def test_06_3_scale_and_normalisation_slips():
    exercise = make("06.3")

    def by_sqrt_d_v(i, X, W_q, W_k, W_v):
        Q, K, V = X @ W_q, X @ W_k, X @ W_v
        return qk.softmax(K @ Q[i] / np.sqrt(V.shape[1])) @ V

    def by_sqrt_3(i, X, W_q, W_k, W_v):
        Q, K, V = X @ W_q, X @ W_k, X @ W_v
        return qk.softmax(Q[i] @ K.T / 3 ** 0.5) @ V

    def exps_only(i, X, W_q, W_k, W_v):
        Q, K, V = X @ W_q, X @ W_k, X @ W_v
        return np.exp(K @ Q[i] / np.sqrt(Q.shape[1])) @ V

    assert exercise.check(by_sqrt_d_v).mistake == (
        "divided by sqrt(d_v) instead of sqrt(d_k)")
    assert exercise.check(by_sqrt_3).mistake == (
        "sqrt(d_k) written as the number sqrt(3)")
    assert exercise.check(exps_only).mistake == (
        "exps not divided by their sum")


def test_06_1_a_number_too_large_for_a_float():
    assert make("06.1").check(10**400).message == (
        "Not yet: the amount added to W_q[1, 1] is too large to compute "
        "with; try a moderate number.")
    assert make("06.1").check([5.0]).message == (
        "Not yet: the amount added to W_q[1, 1] should be one number; "
        "got a list.")
