"""The exercises of notebooks 01 to 03, answered the way a reader would.

Each right answer is typed as the notebook's prints show it, and each
wrong one is written out by hand, independently of the mistake values
the exercise classes compute; the tests assert what the check says.
"""

import numpy as np
import pytest

import qkvlib as qk
from qkvlib import exercises as ex

EXAMPLE = qk.load_example("cat-eats-fish")
MAT = qk.load_example("cat-sat-mat")
TOKENS, X, FEATURES = EXAMPLE.tokens, EXAMPLE.X, EXAMPLE.features
W_Q, W_K, W_V = qk.init_weights(4, 3, np.random.default_rng(55))
CAT, EATS, FISH = 0, 1, 2

JUNK = ["1, 2", {"a": 1}, 1 + 2j, [[1.0], [2.0, 3.0]], object()]


def notebook_rnn_change(row: int) -> np.ndarray:
    """Section 8 of notebook 01 with the bump at ``row`` of X_mat."""
    rng = np.random.default_rng(55)
    X_mat = MAT.X
    d_model = X_mat.shape[1]
    W_x = rng.normal(0.0, 1 / np.sqrt(d_model), size=(d_model, d_model))
    W_h = rng.normal(0.0, 1 / np.sqrt(d_model), size=(d_model, d_model))

    def run(X):
        h, states = np.zeros(d_model), []
        for x_t in X:
            h = np.tanh(x_t @ W_x + h @ W_h)
            states.append(h)
        return np.stack(states)

    X_edited = X_mat.copy()
    X_edited[row] += 0.1
    return np.linalg.norm(run(X_edited) - run(X_mat), axis=1)


def assert_junk_is_incorrect(exercise):
    for junk in JUNK:
        feedback = exercise.check(junk)
        assert feedback.status == "incorrect", (junk, feedback)


# --- 01.1 · A change at token 5


def test_01_1_the_states_read_from_the_printed_table():
    change = notebook_rnn_change(4)
    still = [t for t, size in enumerate(change, start=1)
             if f"{size:.3f}" == "0.000"]
    assert still == [1, 2, 3, 4]
    exercise = qk.exercise("01.1")
    assert exercise.check(still).message == (
        "Correct: h_1 to h_4 are computed before x_5 is read, so they "
        "cannot move; h_5 to h_10 all do.")
    assert exercise.check((4, 3, 2, 1)).correct
    assert exercise.check({1, 2, 3, 4}).correct
    assert exercise.check(np.arange(1, 5)).correct


def test_01_1_named_slips():
    exercise = qk.exercise("01.1")
    row_5 = notebook_rnn_change(5)
    typed = [t for t, size in enumerate(row_5, start=1) if size == 0]
    feedback = exercise.check(typed)
    assert feedback.mistake == "token 5 taken as row 5"
    assert feedback.message == (
        "Not yet: token 5 taken as row 5. h_5 reads x_5 itself, so it "
        "moves. If you bumped X_mat_edited[5], that is token 6: rows "
        "count from 0, so token 5 is row 4.")
    assert exercise.check([0, 1, 2, 3]).mistake == (
        "row numbers instead of state numbers")
    assert exercise.check([5, 6, 7, 8, 9, 10]).mistake == (
        "the states that move, not the ones that stay")
    assert exercise.check([]).mistake == "the bump still at token 1"


def test_01_1_a_count_and_junk():
    exercise = qk.exercise("01.1")
    assert exercise.check(4).message == (
        "Not yet: that is how many states keep 0.000; the check asks "
        "which ones, as a list of their numbers t.")
    assert exercise.check([1, 2, 3]).message.startswith(
        "Not yet: the answer has 3 numbers, shape (3,); it should have ")
    assert_junk_is_incorrect(exercise)


# --- 01.2 · Make fish more like cat


def make_01_2():
    return qk.exercise("01.2", tokens=TOKENS, X=X, features=FEATURES)


def test_01_2_rows_that_reach_the_target():
    exercise = make_01_2()
    no_food = [0.7, 0.0, 0.0, 0.8]
    assert exercise.check(no_food).message == (
        'Correct: with "food" set to 0.000, cos(cat, fish) = 0.948, up '
        "from 0.779.")
    more_animal = X[FISH].copy()
    more_animal[0] = 2.0
    assert exercise.check(more_animal).correct


def test_01_2_named_slips():
    exercise = make_01_2()
    assert exercise.check(X[:, 2]).message == (
        'Not yet: a column where a row belongs. That is column 2 of X, '
        'the "food" of every token. A token is a row: the row of fish '
        "is X[2].")
    assert exercise.check([1.0, 0.0, 0.1, 0.6]).mistake == (
        "the row of cat instead of an edited fish")
    assert exercise.check(X[FISH]).mistake == "the row of fish unedited"
    assert exercise.check(0.948).mistake == (
        "the cosine instead of the edited row")


def test_01_2_short_of_the_target_and_two_edits():
    exercise = make_01_2()
    feedback = exercise.check([0.7, 0.0, 0.5, 0.8])
    assert feedback.message == (
        'Not yet: with "food" set to 0.500, the cosine rose to 0.895, '
        "not above 0.9. hint() gives a hint.")
    assert "went down" in exercise.check([0.7, 0.0, 2.0, 0.8]).message
    assert exercise.check([0.7, 0.0, 0.0, 0.6]).message == (
        "Not yet: 2 entries changed (food, small); change only one, so "
        "we can tell which feature made the difference.")
    assert exercise.check(X).message == (
        "Not yet: the answer has shape (3, 4); a row of X has "
        "d_model = 4 numbers, shape (4,).")
    assert_junk_is_incorrect(exercise)


# --- 01.3 · A function that builds X


def test_01_3_embed_as_readers_write_it():
    exercise = qk.exercise("01.3")

    def embed(sentence, vocabulary):
        return np.array([vocabulary[w] for w in sentence.lower().split()])

    assert exercise.check(embed).message == (
        "Correct: one row per token, in sentence order; the 10 tokens of "
        "the second sentence give 10 rows from 9 words.")


def test_01_3_named_slips():
    exercise = qk.exercise("01.3")

    def unique(sentence, vocabulary):
        words = sorted(set(sentence.lower().split()))
        return np.stack([vocabulary[w] for w in words])

    def case_kept(sentence, vocabulary):
        return np.stack([vocabulary[w] for w in sentence.split()])

    def table_order(sentence, vocabulary):
        words = sentence.lower().split()
        return np.array([row for w, row in vocabulary.items()
                         if w in words])

    def columns(sentence, vocabulary):
        rows = [vocabulary[w.lower()] for w in sentence.split()]
        return np.column_stack(rows)

    feedback = exercise.check(unique)
    assert feedback.message == (
        'Not yet: repeated words collapsed into one row. "The" and "the" '
        "are two tokens and need two rows; X has one row per token, not "
        "per word.")
    assert exercise.check(case_kept).mistake == (
        "words looked up without lower-casing")
    assert exercise.check(table_order).mistake == (
        "rows in table order, not sentence order")
    assert exercise.check(columns).mistake == (
        "X transposed: one column per token")


def test_01_3_stub_and_junk():
    exercise = qk.exercise("01.3")

    def embed(sentence, vocabulary):
        raise NotImplementedError

    def no_return(sentence, vocabulary):
        np.stack([vocabulary[w.lower()] for w in sentence.split()])

    assert exercise.check(embed).status == "not attempted"
    assert exercise.check(no_return).message == (
        'Not yet: for "Cat eats fish", embed(sentence, vocabulary) '
        'returned None; does it end with return?')
    assert exercise.check(X).message.startswith(
        "Not yet: the answer should be a function embed(sentence, "
        "vocabulary), but it is ndarray.")


# --- 02.1 · A negative edit


def make_02_1():
    return qk.exercise("02.1", X=X, W_q=W_Q)


def test_02_1_typed_from_the_printed_difference():
    exercise = make_02_1()
    assert exercise.check([-0.600, 0.000, -0.800]).message == (
        'Correct: each token moves by its "small" feature times -1.0, '
        "and eats, with 0.0 of it, stays put.")
    W_q_edited = W_Q.copy()
    W_q_edited[3, 0] -= 1.0
    moved = qk.project(X, W_q_edited) - qk.project(X, W_Q)
    assert exercise.check(moved[:, 0]).correct


def test_02_1_named_slips():
    exercise = make_02_1()
    feedback = exercise.check([0.6, 0.0, 0.8])
    assert feedback.message == (
        "Not yet: the change for delta = +1.0. With delta = -1.0 the "
        "weight goes down; which way does that move the queries?")
    assert exercise.check([0.3, 0.0, 0.4]).mistake == (
        "the change for delta = 0.5")
    Q = X @ W_Q
    typed_q_edited = [round(Q[i, 0] - X[i, 3], 3) for i in range(3)]
    assert exercise.check(typed_q_edited).mistake == (
        "column 0 of Q_edited instead of Q_edited - Q")
    assert exercise.check([-0.6, 0.0, 0.0]).mistake == (
        "a row where a column belongs")


def test_02_1_other_wrong_answers():
    exercise = make_02_1()
    assert exercise.check([-0.6, 0.0, -0.7]).message == (
        "Not yet: entry 2 is -0.700 and that is not right; 1 of 3 "
        "entries differ. hint() gives a hint.")
    assert_junk_is_incorrect(exercise)


# --- 02.2 · Move one query entry to a target


def make_02_2():
    return qk.exercise("02.2", tokens=TOKENS, X=X, features=FEATURES,
                       W_q=W_Q)


def test_02_2_raising_the_action_row_by_the_gap():
    exercise = make_02_2()
    W_q_target = W_Q.copy()
    W_q_target[1, 0] += 2.0 - 1.067
    assert exercise.check(W_q_target).message == (
        "Correct: Q[eats, 0] = 2.000, and the queries of Cat and fish "
        "did not move.")
    typed = W_Q.copy()
    typed[1, 0] = 1.658
    assert exercise.check(typed).correct
    typed_by_hand = np.round(W_Q, 3)
    typed_by_hand[1, 0] = 1.658
    assert exercise.check(typed_by_hand.tolist()).correct


def test_02_2_named_slips():
    exercise = make_02_2()
    set_to_two = W_Q.copy()
    set_to_two[1, 0] = 2.0
    feedback = exercise.check(set_to_two)
    assert feedback.mistake == (
        "the weight set to the target instead of raised by the gap")
    assert feedback.message == (
        "Not yet: the weight set to the target instead of raised by the "
        "gap. Q[eats, 0] is now 2.342: it is a sum of d_model = 4 "
        "products, so the other features still add theirs. Raise the "
        "weight by the gap instead.")
    transposed = W_Q.T.copy()
    transposed[0, 1] += 0.933
    assert exercise.check(transposed).mistake == (
        "W transposed, shape (d_k, d_model)")


def test_02_2_wrong_row_wrong_column_and_short():
    exercise = make_02_2()
    small_row = W_Q.copy()
    small_row[3, 0] += 1.0
    assert exercise.check(small_row).message == (
        "Not yet: the queries of Cat and fish moved too: you edited the "
        'row of "small", and an edit in row m moves token i by X[i, m] '
        "times the change. hint() gives a hint.")
    column_1 = W_Q.copy()
    column_1[1, 1] += 0.933
    assert "edit column 0 only" in exercise.check(column_1).message
    short = W_Q.copy()
    short[1, 0] += 0.5
    assert exercise.check(short).message == (
        "Not yet: Q[eats, 0] is 1.567, not 2.000, though nothing else "
        "moved: you have the right place, now the right amount.")
    assert "W_q as it is" in exercise.check(W_Q).message
    assert exercise.check(X @ W_Q).message == (
        "Not yet: the answer should be W_q_target, shape (d_model, d_k) "
        "= (4, 3); got shape (3, 3).")
    assert_junk_is_incorrect(exercise)


# --- 02.3 · Count the parameters


def test_02_3_counts_of_the_toy_and_bert_base():
    exercise = qk.exercise("02.3")

    def count_params(d_model, d_k, d_v):
        return d_model * d_k + d_model * d_k + d_model * d_v

    assert count_params(4, 3, 3) == 36
    assert 12 * count_params(768, 64, 64) == 1_769_472
    assert count_params(768, 768, 768) == 3 * 768 ** 2 == 1_769_472
    assert exercise.check(count_params).message == (
        "Correct: count_params(4, 3, 3) = 36, and BERT-base's 12 heads "
        "give 12 * 147,456 = 1,769,472 = 3 * 768 ** 2.")
    assert exercise.check(
        lambda d_model, d_k, d_v: float(d_model * (2 * d_k + d_v))
    ).correct


def test_02_3_named_slips():
    exercise = qk.exercise("02.3")

    def two_matrices(d_model, d_k, d_v):
        return d_model * d_k * 2

    feedback = exercise.check(two_matrices)
    assert feedback.message == (
        "Not yet: W_v left out of the count. Attention has three "
        "matrices: W_q and W_k, and W_v with d_v columns.")
    slips = {
        "sizes added instead of multiplied":
            lambda d_model, d_k, d_v: d_model + d_k + d_v,
        "d_k used where d_v belongs":
            lambda d_model, d_k, d_v: d_model * d_k * 3,
        "the three sizes multiplied together":
            lambda d_model, d_k, d_v: d_model * d_k * d_v,
        "3 * d_model ** 2, true only when d_k = d_v = d_model":
            lambda d_model, d_k, d_v: 3 * d_model * d_model,
        "biases counted":
            lambda d_model, d_k, d_v: (d_model + 1) * (2 * d_k + d_v),
    }
    for name, function in slips.items():
        assert exercise.check(function).mistake == name


def test_02_3_other_wrong_functions():
    exercise = qk.exercise("02.3")
    assert exercise.check(lambda d_model, d_k, d_v: 45).message == (
        "Not yet: for count_params(4, 3, 3) (the toy), it returns 45, "
        "which is not the number of entries of W_q, W_k and W_v. hint() "
        "gives a hint.")
    assert exercise.check(36).message.startswith(
        "Not yet: the answer should be a function count_params(d_model, "
        "d_k, d_v), but it is int.")


# --- 03.1 · The value of fish


def make_03_1():
    return qk.exercise("03.1", tokens=TOKENS, X=X, W_q=W_Q, W_k=W_K,
                       W_v=W_V)


def test_03_1_typed_from_the_row_of_v():
    exercise = make_03_1()
    assert exercise.check([0.650, -0.343, 1.720]).message == (
        "Correct: v_fish = x_fish W_v is row 2 of V, what fish hands on "
        "when a query attends to it.")
    assert exercise.check(W_V.T @ X[FISH]).correct


def test_03_1_named_slips():
    exercise = make_03_1()
    x_fish = X[FISH]
    feedback = exercise.check(x_fish @ W_K)
    assert feedback.mistake == ex.W_K_FOR_W_V
    assert feedback.message == (
        "Not yet: W_k used where W_v belongs. x_fish @ W_k is the key of "
        "fish, what it offers to be found by; what it hands on comes "
        "from W_v.")
    assert exercise.check(x_fish @ W_Q).mistake == (
        "W_q used where W_v belongs")
    assert exercise.check([0.451, 0.377, 0.443]).message == (
        "Not yet: the value of another token. That is the value of eats; "
        "the row of fish is X[2].")
    assert exercise.check(X[CAT] @ W_V).mistake == (
        "the value of another token")
    V = X @ W_V
    assert exercise.check(V[:, 2]).mistake == (
        "a column where a row belongs")


def test_03_1_other_wrong_answers():
    exercise = make_03_1()
    assert exercise.check(X @ W_V).message == (
        "Not yet: the answer has shape (3, 3); it should have 3 numbers, "
        "shape (3,).")
    assert exercise.check([0.65, -0.34, 1.72]).message == (
        "Not yet: close, but further off than rounding to three "
        "decimals; give each number to at least three decimals.")
    assert_junk_is_incorrect(exercise)


# --- 03.2 · Make every query pick eats


def make_03_2():
    return qk.exercise("03.2", tokens=TOKENS, X=X, features=FEATURES,
                       W_q=W_Q, W_k=W_K)


def test_03_2_a_new_key_for_eats():
    exercise = make_03_2()
    W_k_target = W_K.copy()
    W_k_target[1] = [1.0, -1.5, 0.5]
    feedback = exercise.check(W_k_target)
    assert feedback.correct, feedback
    typed_by_hand = np.round(W_K, 3)
    typed_by_hand[1] = [1.0, -1.5, 0.5]
    assert exercise.check(typed_by_hand).correct
    S = qk.scores(X @ W_Q, X @ W_k_target)
    assert (S.argmax(axis=1) == EATS).all()
    margin = min(S[i, EATS] - np.delete(S[i], EATS).max() for i in range(3))
    assert feedback.message == (
        "Correct: every query now scores eats highest, by at least "
        f"{margin:.3f}, and only the key of eats moved.")


def test_03_2_named_slips():
    exercise = make_03_2()
    column_0 = W_K.copy()
    column_0[:, 0] += 2.0
    assert exercise.check(column_0).message == (
        "Not yet: a column where a row belongs. You edited column 0 of "
        "W_k, which feeds that entry of every key; a row of W_k belongs "
        "to one feature of x.")
    assert exercise.check(np.array(W_K.T)).mistake == (
        "W transposed, shape (d_k, d_model)")


def test_03_2_other_wrong_edits():
    exercise = make_03_2()
    plus_one = W_K.copy()
    plus_one[1] += 1.0
    S = qk.scores(X @ W_Q, X @ plus_one)
    assert exercise.check(plus_one).message == (
        f"Not yet: the query of Cat scores Cat ({S[0, 0]:.3f}) above "
        f"eats ({S[0, 1]:.3f}); 3 of 3 queries still prefer another key. "
        "hint() gives a hint.")
    animal = W_K.copy()
    animal[0] += [2.0, -2.0, 0.0]
    assert exercise.check(animal).message == (
        "Not yet: the keys of Cat and fish moved too: Cat and fish have "
        'some of "animal", a row you edited. Edit only a row for a feature '
        "that eats alone has.")
    # Two rows edited, "action" (Cat and fish have none) and "food":
    # only "food" is named.
    two_rows = W_K.copy()
    two_rows[1] += [2.0, -2.0, 0.0]
    two_rows[2] += [0.1, 0.0, 0.0]
    assert 'have some of "food", a row you edited.' in exercise.check(
        two_rows).message
    assert "W_k as it is" in exercise.check(W_K).message
    assert "that is W_q" in exercise.check(W_Q).message
    assert_junk_is_incorrect(exercise)


# --- 03.3 · A projection with two loops


def test_03_3_loops_as_readers_write_them():
    exercise = qk.exercise("03.3")

    def project_by_hand(X, W):
        n_tokens, d_model = X.shape
        out = np.zeros((n_tokens, W.shape[1]))
        for i in range(n_tokens):
            for c in range(W.shape[1]):
                for m in range(d_model):
                    out[i, c] += X[i, m] * W[m, c]
        return out

    def as_lists(X, W):
        return [[sum(x * w for x, w in zip(row, col)) for col in W.T]
                for row in X]

    assert exercise.check(project_by_hand).message == (
        "Correct: project_by_hand agrees with X @ W on every case, also "
        "when W has more columns than X.")
    assert exercise.check(as_lists).correct


def test_03_3_named_slips():
    exercise = qk.exercise("03.3")

    def token_columns(X, W):
        out = np.zeros((W.shape[1], X.shape[0]))
        for i in range(X.shape[0]):
            for c in range(W.shape[1]):
                out[c, i] = np.sum(W[:, c] * X[i])
        return out

    def running_sum(X, W):
        out = np.zeros((X.shape[0], W.shape[1]))
        total = 0
        for i in range(X.shape[0]):
            for c in range(W.shape[1]):
                total += np.sum(X[i] * W[:, c])
                out[i, c] = total
        return out

    def like_x(X, W):
        out = np.zeros(X.shape)
        for i in range(len(X)):
            for c in range(W.shape[1]):
                out[i, c] = np.sum(X[i] * W[:, c])
        return out

    def shared_rows(X, W):
        out = [[0] * W.shape[1]] * len(X)
        for i in range(len(X)):
            for c in range(W.shape[1]):
                out[i][c] = float(np.sum(X[i] * W[:, c]))
        return out

    assert exercise.check(token_columns).message == (
        "Not yet: one column per token instead of one row. Each token "
        "came out as a column, as W^T x does; row i of X W is token i, "
        "so fill entry (i, c).")
    assert exercise.check(running_sum).mistake == (
        "running sum not reset for each entry")
    assert exercise.check(like_x).mistake == (
        "result sized like X, not (n_tokens, d_out)")
    assert exercise.check(shared_rows).mistake == "every row the same list"


def test_03_3_stub_w_first_and_crash():
    exercise = qk.exercise("03.3")

    def project_by_hand(X, W):
        raise NotImplementedError  # your code here

    def w_first(X, W):
        return W @ X

    def transposed_w(X, W):
        return X @ W.T

    assert exercise.check(project_by_hand).status == "not attempted"
    assert exercise.check(w_first).message == (
        "Not yet: W @ X instead of X @ W. The rows of X are tokens, so X "
        "comes first: X W has shape (n_tokens, d_out), and W @ X only "
        "fits when the sizes happen to line up.")
    assert exercise.check(transposed_w).message.startswith(
        "Not yet: for X of shape (3, 4) and W of shape (4, 3), "
        "project_by_hand(X, W) raised ValueError: ")


@pytest.mark.parametrize("key", ["01.1", "01.2", "01.3", "02.1", "02.2",
                                 "02.3", "03.1", "03.2", "03.3"])
def test_the_notebook_cells_run_unsolved(key):
    context = {"tokens": TOKENS, "X": X, "features": FEATURES,
               "W_q": W_Q, "W_k": W_K, "W_v": W_V}
    needs = ex._core._REGISTRY[key].needs
    exercise = qk.exercise(key, **{n: context[n] for n in needs})
    assert exercise.check(None).message.startswith("Not attempted yet: ")
