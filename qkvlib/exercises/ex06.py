"""Exercises of notebook 06 · Weighted sum and the whole pipeline."""

import numpy as np

from ..attention import self_attention
from ..examples import load_example
from ..projection import init_weights
from ..softmax import softmax
from ._answers import read_number, read_weights
from ._core import (
    UNSCALED,
    W_K_FOR_W_V,
    WRONG_AXIS,
    Case,
    Exercise,
    FunctionExercise,
    Mistake,
    register,
)

COLUMN_OF_WEIGHTS = "column i of the weights instead of row i"
PAIR_SWAPPED = "W_k_new and W_q_new in the other order"
SQRT_D_V = "divided by sqrt(d_v) instead of sqrt(d_k)"
D_K_FIXED = "sqrt(d_k) written as the number sqrt(3)"
NOT_NORMALISED = "exps not divided by their sum"


@register
class LookAtYourself(Exercise):
    """Find the edit of W_q[1, 1] that makes eats look at itself."""

    key = "06.1"
    title = "Eats looks at itself"
    needs = ("tokens", "X", "W_q", "W_k", "W_v")
    asks_for = ("the amount to add to W_q[1, 1] so that eats puts more "
                "than 0.6 of its weight on itself")
    hints = (
        "Section 8 added 2.0 and eats gave itself 0.372; a larger "
        "amount pushes further the same way.",
        "Try a few amounts with qk.self_attention(X, W_q_edited, W_k, "
        "W_v).A[1, 1], each time on a fresh copy of W_q.",
        "Adding 3 gives 0.494 and adding 5 gives 0.716: the amount you "
        "need lies in between.",
    )
    solution_code = "answer = 4.0"
    solution_note = (
        "Adding 4.0 raises column 1 of the query of eats, and the key of "
        "eats is the one with a large entry in that column."
    )

    def _self_weight(self, delta: float) -> float:
        c = self.context
        W_q = np.array(c["W_q"], dtype=float)
        W_q[1, 1] += delta
        result = self_attention(c["X"], W_q, c["W_k"], c["W_v"])
        eats = c["tokens"].index("eats")
        return float(result.A[eats, eats])

    def assess(self, answer):
        delta, feedback = read_number(self, answer,
                                      "the amount added to W_q[1, 1]")
        if feedback is not None:
            return feedback
        if not np.isfinite(delta) or abs(delta) > 1e3:
            return self.incorrect(
                f"{delta} is not a usable amount; try a number between "
                "-10 and 10."
            )
        weight = self._self_weight(delta)
        base = float(self.context["W_q"][1, 1])
        if weight > 0.6:
            return self.correct(
                f"adding {delta:g} makes W_q[1, 1] = {base + delta:.3f}, "
                f"and eats gives itself {weight:.3f} of its weight."
            )
        way = ("A negative amount lowers it; add a positive one."
               if delta < 0 else "A larger amount pushes further.")
        return self.incorrect(
            f"with {delta:g} added, eats gives itself {weight:.3f}, not "
            f"more than 0.6. {way}"
        )


@register
class LookupFish(Exercise):
    """Edit W_q and W_k so that the output of eats is V[fish]."""

    key = "06.2"
    title = "An exact lookup of fish"
    needs = ("tokens", "X", "W_q", "W_k", "W_v")
    asks_for = ("a pair (W_q_new, W_k_new) that makes Z[eats] lie within "
                "0.05 of V[fish] in every entry")
    hints = (
        "Z[eats] equals V[fish] when eats puts (nearly) all of its "
        "weight on fish: a one-hot row, as in section 3.",
        "The food feature tells the three tokens apart (0.1, 0.4, 0.9): "
        "let one query column and one key column both read food.",
        "Add a large number, such as 5, to W_q[1, 2] and to W_k[2, 2]: "
        "the query of eats and the key of fish then meet in column 2.",
    )
    solution_code = (
        "W_q_new, W_k_new = W_q.copy(), W_k.copy()\n"
        "W_q_new[1, 2] += 5.0\n"
        "W_k_new[2, 2] += 5.0\n"
        "answer = (W_q_new, W_k_new)"
    )
    solution_note = (
        "The score of fish then beats the others by more than 9, so its "
        "weight is above 0.999 and Z[eats] is almost exactly V[fish]."
    )

    def assess(self, answer):
        c = self.context
        shape = np.shape(c["W_q"])
        if not isinstance(answer, (tuple, list)) or len(answer) != 2:
            return self.incorrect(
                "the answer should be a pair (W_q_new, W_k_new) of two "
                f"matrices of shape (d_model, d_k) = {shape}."
            )
        matrices = []
        for name, M in zip(("W_q_new", "W_k_new"), answer):
            M, feedback = read_weights(self, M, name, shape)
            if feedback is not None:
                return feedback
            if np.abs(M).max() > 1e3:
                return self.incorrect(
                    f"{name} holds entries above 1000; moderate entries "
                    "are enough."
                )
            matrices.append(M)
        eats, fish = c["tokens"].index("eats"), c["tokens"].index("fish")

        def lookup(W_q, W_k):
            result = self_attention(c["X"], W_q, W_k, c["W_v"])
            gap = float(np.abs(result.Z[eats] - result.V[fish]).max())
            return gap, float(result.A[eats, fish])

        gap, weight = lookup(*matrices)
        if gap > 0.05 and lookup(*matrices[::-1])[0] <= 0.05:
            return self.incorrect(
                "The pair goes in the order (W_q_new, W_k_new): the "
                "query matrix first; in the other order yours works.",
                PAIR_SWAPPED)
        if gap <= 0.05:
            return self.correct(
                f"eats gives fish {weight:.3f} of its weight, so Z[eats] "
                f"is within {gap:.3f} of V[fish]."
            )
        return self.incorrect(
            f"eats gives fish {weight:.3f} of its weight, and Z[eats] is "
            f"still {gap:.3f} away from V[fish] in one entry; the weight "
            "needs to come close to 1."
        )


def _cat_eats_fish_case():
    example = load_example("cat-eats-fish")
    rng = np.random.default_rng(55)
    return example.X, *init_weights(example.X.shape[1], 3, rng)


def _row_parts(i, X, W_q, W_k, W_v):
    Q, K, V = X @ W_q, X @ W_k, X @ W_v
    return Q, K, V, np.sqrt(Q.shape[1])


@register
class AttendRow(FunctionExercise):
    """Write one token's output row with numpy only."""

    key = "06.3"
    title = "One output row, from X to z"
    signature = "attend_row(i, X, W_q, W_k, W_v)"
    hints = (
        "Row i needs only query i, but every key and every value.",
        "s = K @ Q[i] / np.sqrt(d_k) holds one score per key; the "
        "softmax of s gives weights a, one per key.",
        "z = a @ V: the weights blend the value rows, not the keys.",
    )
    solution_code = (
        "def attend_row(i, X, W_q, W_k, W_v):\n"
        "    Q, K, V = X @ W_q, X @ W_k, X @ W_v\n"
        "    s = K @ Q[i] / np.sqrt(Q.shape[1])\n"
        "    a = np.exp(s - s.max())\n"
        "    return (a / a.sum()) @ V"
    )
    solution_note = "It equals qk.self_attention(X, W_q, W_k, W_v).Z[i]."

    def cases(self):
        X, W_q, W_k, W_v = _cat_eats_fish_case()
        rng = np.random.default_rng(6)
        wide = (rng.normal(size=(5, 6)), rng.normal(size=(6, 2)),
                rng.normal(size=(6, 2)), rng.normal(size=(6, 4)))
        return [
            *(Case(f"i = {i} on Cat eats fish", (i, X, W_q, W_k, W_v))
              for i in range(3)),
            Case("i = 3 of 5 tokens, d_k = 2 and d_v = 4", (3, *wide)),
        ]

    def reference(self, i, X, W_q, W_k, W_v):
        return self_attention(X, W_q, W_k, W_v).Z[i]

    def mistakes(self):
        def keys_blended(i, X, W_q, W_k, W_v):
            Q, K, V, scale = _row_parts(i, X, W_q, W_k, W_v)
            return softmax(K @ Q[i] / scale) @ K

        def unscaled(i, X, W_q, W_k, W_v):
            Q, K, V, scale = _row_parts(i, X, W_q, W_k, W_v)
            return softmax(K @ Q[i]) @ V

        def column(i, X, W_q, W_k, W_v):
            Q, K, V, scale = _row_parts(i, X, W_q, W_k, W_v)
            return softmax(Q @ K.T / scale, axis=-1)[:, i] @ V

        def wrong_axis(i, X, W_q, W_k, W_v):
            Q, K, V, scale = _row_parts(i, X, W_q, W_k, W_v)
            return softmax(Q @ K.T / scale, axis=0)[i] @ V

        def by_sqrt_d_v(i, X, W_q, W_k, W_v):
            Q, K, V, scale = _row_parts(i, X, W_q, W_k, W_v)
            return softmax(K @ Q[i] / np.sqrt(V.shape[1])) @ V

        def by_sqrt_3(i, X, W_q, W_k, W_v):
            Q, K, V, scale = _row_parts(i, X, W_q, W_k, W_v)
            return softmax(K @ Q[i] / np.sqrt(3)) @ V

        def exps_only(i, X, W_q, W_k, W_v):
            Q, K, V, scale = _row_parts(i, X, W_q, W_k, W_v)
            return np.exp(K @ Q[i] / scale) @ V

        return [
            Mistake(W_K_FOR_W_V,
                    "The weights blend the values V = X W_v; the keys "
                    "only decide the weights.",
                    keys_blended),
            Mistake(SQRT_D_V,
                    "The scores are dot products of d_k numbers, the "
                    "width of Q and K, so divide by sqrt(d_k) = "
                    "sqrt(Q.shape[1]); d_v, the width of V, plays no "
                    "part in the scores.",
                    by_sqrt_d_v),
            Mistake(D_K_FIXED,
                    "It is right for Cat eats fish only; read d_k from "
                    "the arrays, Q.shape[1], since the last case has "
                    "d_k = 2.",
                    by_sqrt_3),
            Mistake(NOT_NORMALISED,
                    "The weights of a row must sum to 1: divide the exps "
                    "by their sum before blending the values.",
                    exps_only),
            Mistake(UNSCALED,
                    "Divide the scores by sqrt(d_k) before the softmax.",
                    unscaled),
            Mistake(COLUMN_OF_WEIGHTS,
                    "Column i of A says how much every query takes from "
                    "key i; the output of token i uses row i, its own "
                    "weights.",
                    column),
            Mistake(WRONG_AXIS,
                    "The softmax ran down the columns, so your row does "
                    "not sum to 1; normalise over the keys, the last "
                    "axis.",
                    wrong_axis),
        ]
