"""Exercises of notebook 03 · Building Q, K and V."""

import numpy as np

from ..projection import project
from ._answers import moved_tokens, of_tokens, read_weights, same, words_and
from ._core import (
    COLUMN_FOR_ROW,
    W_K_FOR_W_V,
    Case,
    Exercise,
    FunctionExercise,
    Mistake,
    ValueExercise,
    register,
    shown,
)

W_Q_FOR_W_V = "W_q used where W_v belongs"
OTHER_TOKEN = "the value of another token"
RESULT_TRANSPOSED = "one column per token instead of one row"
SUM_NOT_RESET = "running sum not reset for each entry"
SIZED_LIKE_X = "result sized like X, not (n_tokens, d_out)"
ROWS_SHARED = "every row the same list"
W_FIRST = "W @ X instead of X @ W"


@register
class ValueOfFish(ValueExercise):
    """Build the value of fish by hand, as section 2 builds q_eats."""

    key = "03.1"
    title = "The value of fish"
    needs = ("tokens", "X", "W_q", "W_k", "W_v")
    asks_for = "v_fish, the value of fish, as three numbers"
    hints = (
        "Section 2 takes the row of eats and W_q; the value of fish "
        "takes another row and another matrix.",
        'A value comes from W_v, and the row of fish is '
        'X[tokens.index("fish")].',
        "v_fish = x_fish @ W_v, shape (d_v,).",
    )
    solution_code = (
        'x_fish = X[tokens.index("fish")]\n'
        "answer = x_fish @ W_v"
    )
    solution_note = (
        "It is row 2 of V = X W_v: what fish hands on to a query that "
        "attends to it."
    )

    def expected(self, tokens, X, W_q, W_k, W_v):
        return X[tokens.index("fish")] @ W_v

    def mistakes(self, tokens, X, W_q, W_k, W_v):
        fish = tokens.index("fish")
        others = [
            Mistake(OTHER_TOKEN,
                    f"That is the value of {token}; the row of fish is "
                    f"X[{fish}].",
                    X[i] @ W_v)
            for i, token in enumerate(tokens) if i != fish
        ]
        return [
            Mistake(W_K_FOR_W_V,
                    "x_fish @ W_k is the key of fish, what it offers to "
                    "be found by; what it hands on comes from W_v.",
                    X[fish] @ W_k),
            Mistake(W_Q_FOR_W_V,
                    "x_fish @ W_q is the query of fish, what it looks "
                    "for; what it hands on comes from W_v.",
                    X[fish] @ W_q),
            Mistake(COLUMN_FOR_ROW,
                    f"That is column {fish} of V, one entry of every "
                    f"token's value. The value of fish is a row: row "
                    f"{fish} of V.",
                    (X @ W_v)[:, fish]),
            *others,
        ]

    def praise(self, tokens, X, W_q, W_k, W_v):
        return ("v_fish = x_fish W_v is row 2 of V, what fish hands on "
                "when a query attends to it.")


@register
class KeyOfEats(Exercise):
    """Edit W_k so that every query scores eats highest."""

    key = "03.2"
    title = "Make every query pick eats"
    needs = ("tokens", "X", "features", "W_q", "W_k")
    asks_for = ("W_k_target, your copy of W_k with which every query gives "
                "eats its highest score and only the key of eats moves")
    hints = (
        "Only the key of eats may move, so edit the row of W_k for a "
        "feature that eats has and Cat and fish do not.",
        'That feature is "action" (row 1): eats has 1.0 of it, so '
        "adding a vector to row 1 adds it to the key of eats.",
        "S[i, eats] = q_i · k_eats / sqrt(d_k): every query has a "
        "positive entry 0 and a negative entry 1, so add something "
        "like [2, -2, 0] to row 1.",
    )
    solution_code = (
        "W_k_target = W_k.copy()\n"
        "W_k_target[1] += [2.0, -2.0, 0.0]\n"
        "answer = W_k_target"
    )
    solution_note = (
        "The key of eats now points the way every query points, so "
        "each query scores it highest; Cat and fish have 0.0 of "
        '"action", so their keys stay put.'
    )

    def assess(self, answer):
        tokens, X = self.context["tokens"], np.asarray(self.context["X"])
        features = self.context["features"]
        W_q, W_k = self.context["W_q"], np.asarray(self.context["W_k"])
        got, feedback = read_weights(self, answer, "W_k_target", W_k.shape)
        if feedback is not None:
            return feedback
        if same(got, W_k).all():
            return self.incorrect(
                "that is W_k as it is: every query gives eats its "
                "lowest score. Edit a copy of it.")
        if same(got, W_q).all():
            return self.incorrect(
                "that is W_q; the exercise edits a copy of W_k, the "
                "matrix that makes the keys.")
        eats = tokens.index("eats")
        K, K_edited = X @ W_k, X @ got
        others = moved_tokens([t for t in tokens if t != "eats"],
                               np.delete(K, eats, axis=0),
                               np.delete(K_edited, eats, axis=0))
        if others:
            edited = ~same(got, W_k)
            columns = np.flatnonzero(edited.any(axis=0))
            if len(columns) == 1 and edited[:, columns[0]].sum() > 1:
                return self.incorrect(
                    f"You edited column {int(columns[0])} of W_k, which "
                    "feeds that entry of every key; a row of W_k belongs "
                    "to one feature of x.", COLUMN_FOR_ROW)
            # Name only the edited features the moved tokens have.
            moved = [tokens.index(t) for t in others]
            rows = [m for m in np.flatnonzero(edited.any(axis=1))
                    if np.abs(X[moved, m]).max() > 0]
            names = words_and([f'"{features[m]}"' for m in rows])
            return self.incorrect(
                f"{of_tokens('key', 'keys', others)} moved too: "
                f"{words_and(others)} {'have' if len(others) > 1 else 'has'} "
                f"some of {names}, a row you edited. Edit only a row for "
                "a feature that eats alone has.")
        S = X @ W_q @ K_edited.T / np.sqrt(W_k.shape[1])
        losers = [(tokens[i], tokens[int(np.argmax(S[i]))])
                  for i in range(len(tokens)) if np.argmax(S[i]) != eats]
        if not losers:
            low = min(S[i, eats] - np.delete(S[i], eats).max()
                      for i in range(len(tokens)))
            return self.correct(
                "every query now scores eats highest, by at least "
                f"{shown(low)}, and only the key of eats moved.")
        query, winner = losers[0]
        i = tokens.index(query)
        return self.incorrect(
            f"the query of {query} scores {winner} "
            f"({shown(S[i, tokens.index(winner)])}) above eats "
            f"({shown(S[i, eats])}); {len(losers)} of {len(tokens)} queries "
            "still prefer another key. hint() gives a hint.")


def _transposed(X, W):
    return project(X, W).T


def _not_reset(X, W):
    out = np.zeros((X.shape[0], W.shape[1]))
    total = 0.0
    for i in range(X.shape[0]):
        for c in range(W.shape[1]):
            for m in range(X.shape[1]):
                total += X[i, m] * W[m, c]
            out[i, c] = total
    return out


def _sized_like_x(X, W):
    out = np.zeros_like(X, dtype=float)
    for i in range(X.shape[0]):
        for c in range(W.shape[1]):
            out[i, c] = X[i] @ W[:, c]
    return out


def _rows_shared(X, W):
    out = [[0.0] * W.shape[1]] * X.shape[0]
    for i in range(X.shape[0]):
        for c in range(W.shape[1]):
            out[i][c] = X[i] @ W[:, c]
    return out


@register
class ProjectByHand(FunctionExercise):
    """Write X W with two loops, one sum of products per entry."""

    key = "03.3"
    title = "A projection with two loops"
    signature = "project_by_hand(X, W)"
    hints = (
        "The result has shape (n_tokens, d_out) = (X.shape[0], "
        "W.shape[1]); start from np.zeros of that shape.",
        "Loop over the tokens i and the columns c; entry (i, c) is the "
        "sum over m of X[i, m] * W[m, c], as in section 2.",
        "out[i, c] = np.sum(X[i] * W[:, c])",
    )
    solution_code = (
        "def project_by_hand(X, W):\n"
        "    out = np.zeros((X.shape[0], W.shape[1]))\n"
        "    for i in range(X.shape[0]):\n"
        "        for c in range(W.shape[1]):\n"
        "            out[i, c] = np.sum(X[i] * W[:, c])\n"
        "    return out"
    )
    solution_note = (
        "Each entry is one token's row times one column of W, the sum "
        "section 2 writes out for q_eats[0]; X @ W does all of them at "
        "once."
    )

    def cases(self):
        rng = np.random.default_rng(3)
        return [
            Case("X of shape (3, 4) and W of shape (4, 3)",
                 (rng.normal(size=(3, 4)), rng.normal(size=(4, 3)))),
            Case("X of shape (2, 5) and W of shape (5, 2)",
                 (rng.normal(size=(2, 5)), rng.normal(size=(5, 2)))),
            Case("X of shape (4, 2) and W of shape (2, 3)",
                 (rng.normal(size=(4, 2)), rng.normal(size=(2, 3)))),
            Case("X = [[2.0]] and W = [[3.0]]",
                 (np.array([[2.0]]), np.array([[3.0]]))),
        ]

    def reference(self, X, W):
        return project(X, W)

    def mistakes(self):
        return [
            Mistake(RESULT_TRANSPOSED,
                    "Each token came out as a column, as W^T x does; "
                    "row i of X W is token i, so fill entry (i, c).",
                    _transposed),
            Mistake(SUM_NOT_RESET,
                    "Each entry carries the sums of the entries before "
                    "it; start the sum at 0 for every (i, c).",
                    _not_reset),
            Mistake(SIZED_LIKE_X,
                    "np.zeros_like(X) has d_model columns; X W has "
                    "W.shape[1] of them, one per column of W.",
                    _sized_like_x),
            Mistake(W_FIRST,
                    "The rows of X are tokens, so X comes first: X W "
                    "has shape (n_tokens, d_out), and W @ X only fits "
                    "when the sizes happen to line up.",
                    lambda X, W: W @ X),
            Mistake(ROWS_SHARED,
                    "[[0.0] * d_out] * n_tokens repeats one list, so "
                    "writing one row writes them all; build the result "
                    "with np.zeros((n_tokens, d_out)).",
                    _rows_shared),
        ]

    def praise(self):
        return ("project_by_hand agrees with X @ W on every case, also "
                "when W has more columns than X.")
