"""Exercises of notebook 04 · Scores."""

import numpy as np

from ..attention import scores
from ._core import (
    DIVIDED_BY_D_K,
    MULTIPLIED,
    NO_TRANSPOSE,
    SCORES_TRANSPOSED,
    SQRT_D_MODEL,
    UNSCALED,
    Case,
    FunctionExercise,
    Mistake,
    ValueExercise,
    register,
)

QUERY_KEY_SWAPPED = "query and key swapped"
SQRT_N_TOKENS = "divided by sqrt(n_tokens) instead of sqrt(d_k)"
D_K_FIXED = "d_k written as the number 3"


def _scaling_mistakes(raw, d_k: int, d_model: int) -> list[Mistake]:
    """The wrong scalings of raw dot products, for any shape."""
    return [
        Mistake(UNSCALED,
                f"The raw dot product still has to be divided by "
                f"sqrt(d_k) = sqrt({d_k}).",
                raw),
        Mistake(SQRT_D_MODEL,
                f"d_model = {d_model} is the width of X; the dot product "
                f"runs over the d_k = {d_k} columns of Q and K.",
                raw / np.sqrt(d_model)),
        Mistake(DIVIDED_BY_D_K,
                "Dividing by d_k shrinks the spread of the scores too "
                "far; the variance of a dot product grows like d_k, so "
                "its spread grows like sqrt(d_k).",
                raw / d_k),
        Mistake(MULTIPLIED,
                "The scale makes the scores smaller: divide the dot "
                "product by sqrt(d_k).",
                raw * np.sqrt(d_k)),
    ]


@register
class OneScore(ValueExercise):
    """Read one entry of S, the other way round from section 2."""

    key = "04.1"
    title = "One score, the other way round"
    needs = ("tokens", "Q", "K", "d_model")
    asks_for = "S[fish, eats], the scaled score of query fish and key eats"
    hints = (
        "Row i of S is query i, column j is key j: S[fish, eats] takes "
        "the query of fish and the key of eats.",
        "Take the dot product Q[2] @ K[1], then scale it.",
        "The scale divides by sqrt(d_k), and d_k = Q.shape[1].",
    )
    solution_code = (
        'i, j = tokens.index("fish"), tokens.index("eats")\n'
        "answer = Q[i] @ K[j] / np.sqrt(Q.shape[1])"
    )
    solution_note = (
        "The query of fish meets the key of eats; the result differs "
        "from S[eats, fish] because a query and a key come from "
        "different matrices."
    )

    def _pair(self, tokens, Q, K):
        i, j = tokens.index("fish"), tokens.index("eats")
        return Q[i] @ K[j], Q[j] @ K[i], Q.shape[1]

    def expected(self, tokens, Q, K, d_model):
        raw, _, d_k = self._pair(tokens, Q, K)
        return raw / np.sqrt(d_k)

    def mistakes(self, tokens, Q, K, d_model):
        raw, swapped, d_k = self._pair(tokens, Q, K)
        return [
            Mistake(QUERY_KEY_SWAPPED,
                    "That is S[eats, fish]: the query of eats against "
                    "the key of fish. The row names the query.",
                    swapped / np.sqrt(d_k)),
            *_scaling_mistakes(raw, d_k, d_model),
        ]

    def praise(self, tokens, Q, K, d_model):
        raw, swapped, d_k = self._pair(tokens, Q, K)
        return (f"S[fish, eats] = {raw / np.sqrt(d_k):.3f}, while "
                f"S[eats, fish] = {swapped / np.sqrt(d_k):.3f}.")


@register
class AllScores(ValueExercise):
    """Build S from Q and K with numpy, without qk.scores."""

    key = "04.2"
    title = "All the scores with one product"
    needs = ("Q", "K", "d_model")
    asks_for = "S = Q K^T / sqrt(d_k) as an (n_tokens, n_tokens) array"
    hints = (
        "Every query meets every key: that is one matrix product.",
        "Row i of the product should be query i dotted with each key, "
        "so the keys have to stand as columns: K.T.",
        "Q @ K.T, then divide by np.sqrt(d_k) with d_k = Q.shape[1].",
    )
    solution_code = "answer = Q @ K.T / np.sqrt(Q.shape[1])"
    solution_note = (
        "K.T turns each key into a column, so entry (i, j) of Q @ K.T "
        "is the dot product of query i and key j."
    )

    def expected(self, Q, K, d_model):
        return scores(Q, K)

    def mistakes(self, Q, K, d_model):
        d_k = Q.shape[1]
        mistakes = [
            Mistake(NO_TRANSPOSE,
                    "Q @ K multiplies the rows of Q with the columns of "
                    "K, which are features, not keys. numpy does not "
                    "complain here only because n_tokens = d_k = "
                    f"{d_k}; write Q @ K.T.",
                    Q @ K / np.sqrt(d_k)),
            Mistake(SCORES_TRANSPOSED,
                    "K @ Q.T puts the keys in the rows; the rows of S "
                    "are queries. Write Q @ K.T.",
                    K @ Q.T / np.sqrt(d_k)),
        ]
        return mistakes + _scaling_mistakes(Q @ K.T, d_k, d_model)

    def diagnose(self, answer, Q, K, d_model):
        return ("each entry (i, j) should be the dot product of query i "
                "and key j, divided by sqrt(d_k)")

    def praise(self, Q, K, d_model):
        return ("Q @ K.T / sqrt(d_k) equals qk.scores(Q, K) in every "
                "entry.")


def _no_transpose(Q, K):
    return Q @ K / np.sqrt(Q.shape[1])


@register
class ScoresFunction(FunctionExercise):
    """Write the scores for any number of queries and keys."""

    key = "04.3"
    title = "A scores function for any shapes"
    needs = ()
    signature = "my_scores(Q, K)"
    hints = (
        "Q has shape (n_queries, d_k) and K has shape (n_keys, d_k); the "
        "result has shape (n_queries, n_keys).",
        "Read d_k from the arrays, Q.shape[1], rather than writing 3: "
        "the check also calls the function with d_k = 5.",
        "return Q @ K.T / np.sqrt(Q.shape[1])",
    )
    solution_code = (
        "def my_scores(Q, K):\n"
        "    d_k = Q.shape[1]\n"
        "    return Q @ K.T / np.sqrt(d_k)"
    )
    solution_note = "It agrees with qk.scores for any shapes that fit."

    def cases(self):
        rng = np.random.default_rng(4)
        square = rng.normal(size=(2, 3, 3))
        return [
            Case("Q and K of shape (3, 3)", (square[0], square[1])),
            Case("2 queries and 4 keys with d_k = 5",
                 (rng.normal(size=(2, 5)), rng.normal(size=(4, 5)))),
            Case("one query and one key with d_k = 1",
                 (np.array([[2.0]]), np.array([[3.0]]))),
        ]

    def reference(self, Q, K):
        return scores(Q, K)

    def mistakes(self):
        return [
            Mistake(NO_TRANSPOSE,
                    "Q @ K pairs queries with the columns of K, and "
                    "fails as soon as n_keys differs from d_k. Use K.T.",
                    _no_transpose),
            Mistake(SCORES_TRANSPOSED,
                    "K @ Q.T gives one row per key; S needs one row per "
                    "query. Use Q @ K.T.",
                    lambda Q, K: K @ Q.T / np.sqrt(Q.shape[1])),
            Mistake(D_K_FIXED,
                    "It is right for Cat eats fish only; read d_k from "
                    "the arrays, Q.shape[1].",
                    lambda Q, K: Q @ K.T / np.sqrt(3)),
            Mistake(SQRT_N_TOKENS,
                    "Q.shape[0] counts the queries; d_k is Q.shape[1], "
                    "the length of each query.",
                    lambda Q, K: Q @ K.T / np.sqrt(Q.shape[0])),
            Mistake(UNSCALED,
                    "Divide the product by sqrt(d_k).",
                    lambda Q, K: Q @ K.T),
            Mistake(DIVIDED_BY_D_K,
                    "Divide by the square root of d_k, np.sqrt(d_k).",
                    lambda Q, K: Q @ K.T / Q.shape[1]),
            Mistake(MULTIPLIED,
                    "The scale makes scores smaller: divide by "
                    "sqrt(d_k).",
                    lambda Q, K: Q @ K.T * np.sqrt(Q.shape[1])),
        ]
