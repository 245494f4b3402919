"""Exercises of notebook 05 · Softmax."""

import numpy as np

from ..masks import causal_mask
from ..softmax import softmax
from ._answers import read_number
from ._core import (
    DEAD_ROW_NAN,
    MASK_AFTER_SOFTMAX,
    MASK_TRANSPOSED,
    MASKED_WITH_ZERO,
    WRONG_AXIS,
    Case,
    Exercise,
    FunctionExercise,
    Mistake,
    ValueExercise,
    register,
)

NOT_NORMALISED = "exps not divided by their sum"
DIVIDED_BY_SCORE_SUM = "scores divided by their sum, no exp"
NO_MAX_SHIFT = "no subtraction of the row maximum"
GLOBAL_MAX = "the maximum of all of S subtracted, not each row's"
SCORES_AS_WEIGHTS = "the scores themselves, no softmax"
NO_SOFTMAX = "masked scores, no softmax"
NO_MASK = "no mask"
MASK_INVERTED = "mask inverted: True means may attend"

_ROW = np.array([1.0, 2.0, 3.0])


@register
class WeightsByHand(ValueExercise):
    """Change the scores of section 1 to [1, 2, 3] and softmax them."""

    key = "05.1"
    title = "Weights of three scores"
    asks_for = ("the weights of the row of scores [1, 2, 3], as three "
                "numbers")
    hints = (
        "Exponentiate each score first: np.exp([1.0, 2.0, 3.0]).",
        "Then divide each exp by the sum of all three.",
        "With s = np.array([1.0, 2.0, 3.0]): answer = np.exp(s) / "
        "np.exp(s).sum()",
    )
    solution_code = (
        "s = np.array([1.0, 2.0, 3.0])\n"
        "exps = np.exp(s)\n"
        "answer = exps / exps.sum()"
    )
    solution_note = "The weights are at least 0 and sum to 1."

    def expected(self):
        return softmax(_ROW)

    def mistakes(self):
        return [
            Mistake(SCORES_AS_WEIGHTS,
                    "Weights are at least 0 and sum to 1, and these sum "
                    "to 6: exponentiate each score, then divide by the "
                    "sum of the exps.",
                    _ROW),
            Mistake(NOT_NORMALISED,
                    "These are the exps; divide each by their sum so "
                    "the weights add up to 1.",
                    np.exp(_ROW)),
            Mistake(DIVIDED_BY_SCORE_SUM,
                    "Dividing the scores by their sum breaks for "
                    "negative scores; exponentiate first.",
                    _ROW / _ROW.sum()),
        ]

    def praise(self):
        return ("each score is exponentiated and divided by the sum of "
                f"the three exps, {np.exp(_ROW).sum():.2f}.")


@register
class SharpTemperature(Exercise):
    """Pick a temperature at which eats looks at Cat above 0.9."""

    key = "05.2"
    title = "A temperature for a sharp lookup"
    needs = ("tokens", "S")
    asks_for = ("a temperature tau > 0 for which softmax(S[1] / tau) "
                "gives Cat more than 0.9")
    hints = (
        "A small tau stretches the differences between scores, a large "
        "one flattens them.",
        "Try values below 1 and print qk.softmax(S[1] / tau).",
        "The table of section 5 shows tau = 0.05 gives Cat 1.000 to "
        "three decimals and tau = 0.5 less than 0.9; look in between.",
    )
    solution_code = "answer = 0.1"
    solution_note = (
        "Any tau up to about 0.24 works (at 0.25 Cat gets 0.896); the "
        "smaller it is, the closer the weights come to a one-hot lookup."
    )

    def assess(self, answer):
        tokens, S = self.context["tokens"], np.asarray(self.context["S"])
        tau, feedback = read_number(self, answer, "tau")
        if feedback is not None:
            return feedback
        if not np.isfinite(tau) or tau <= 0:
            return self.incorrect(
                f"tau must be a positive, finite number; got {tau:g}. "
                "Dividing by 0 or a negative tau turns the lookup around."
            )
        query, key = tokens.index("eats"), tokens.index("Cat")
        # Shifted by the row maximum first, so that a tiny tau sends the
        # other scores to -inf instead of the top one to +inf.
        shifted = S[query] - S[query].max()
        with np.errstate(over="ignore"):
            weight = softmax(shifted / tau)[key]
        if weight > 0.9:
            return self.correct(
                f"with tau = {tau:g}, eats gives Cat {weight:.3f} of its "
                "weight."
            )
        way = "a lower tau" if tau < 1 else "a tau below 1, not above it"
        return self.incorrect(
            f"with tau = {tau:g}, eats gives Cat {weight:.3f}, not more "
            f"than 0.9. Try {way}."
        )


@register
class CausalWeights(ValueExercise):
    """Mask the future by hand, then take the softmax."""

    key = "05.3"
    title = "Weights under a causal mask, by hand"
    needs = ("S",)
    asks_for = ("A under the causal mask as an (n_tokens, n_tokens) "
                "array, built with np.where and qk.softmax")
    hints = (
        "The mask goes into the scores, before the softmax: a masked "
        "score becomes -inf, and exp(-inf) = 0.",
        "allowed = qk.causal_mask(len(S)) is True where a query may "
        "look; np.where(allowed, S, -np.inf) keeps those scores.",
        "answer = qk.softmax(np.where(allowed, S, -np.inf), axis=-1)",
    )
    solution_code = (
        "allowed = qk.causal_mask(len(S))\n"
        "answer = qk.softmax(np.where(allowed, S, -np.inf), axis=-1)"
    )
    solution_note = (
        "Each row still sums to 1, spread over the keys the mask allows."
    )

    def expected(self, S):
        allowed = causal_mask(len(S))
        return softmax(np.where(allowed, S, -np.inf))

    def mistakes(self, S):
        allowed = causal_mask(len(S))
        return [
            Mistake(MASK_AFTER_SOFTMAX,
                    "Zeroing weights after the softmax leaves rows that "
                    "sum to less than 1. Put -inf into the scores first, "
                    "then take the softmax.",
                    softmax(S) * allowed),
            Mistake(MASKED_WITH_ZERO,
                    "A score of 0 still gets exp(0) = 1 in the softmax; "
                    "a masked score must be -inf to get weight 0.",
                    softmax(np.where(allowed, S, 0.0))),
            Mistake(MASK_TRANSPOSED,
                    "True must stand on and below the diagonal, so each "
                    "token sees itself and the tokens before it, not "
                    "the ones after.",
                    softmax(np.where(allowed.T, S, -np.inf))),
            Mistake(WRONG_AXIS,
                    "axis=0 makes each column (one key) sum to 1; the "
                    "weights of one query are a row, so use axis=-1.",
                    softmax(np.where(allowed, S, -np.inf), axis=0)),
            Mistake(NO_SOFTMAX,
                    "These are the masked scores; the weights are their "
                    "softmax, row by row.",
                    np.where(allowed, S, -np.inf)),
            Mistake(MASK_INVERTED,
                    "allowed[i, j] is True where query i may look at key "
                    "j; with ~allowed each token sees only the tokens "
                    "after it.",
                    softmax(np.where(~allowed, S, -np.inf))),
            Mistake(NO_MASK,
                    "These are the weights of section 2, without the "
                    "mask; the causal mask hides the keys after each "
                    "query.",
                    softmax(S)),
        ]

    def praise(self, S):
        return ("every row sums to 1 over the keys the mask allows, and "
                "the keys after each query get 0.")


def _wrong_axis(S):
    exps = np.exp(S - S.max(axis=0, keepdims=True))
    return exps / exps.sum(axis=0, keepdims=True)


def _no_shift(S):
    exps = np.exp(S)
    return exps / exps.sum(axis=-1, keepdims=True)


def _global_max(S):
    exps = np.exp(S - S.max())
    return exps / exps.sum(axis=-1, keepdims=True)


def _dead_row_nan(S):
    exps = np.exp(S - S.max(axis=-1, keepdims=True))
    return exps / exps.sum(axis=-1, keepdims=True)


@register
class SoftmaxFunction(FunctionExercise):
    """Write a softmax that overflows never and survives dead rows."""

    key = "05.4"
    title = "Your own softmax"
    signature = "my_softmax(S)"
    hints = (
        "Work row by row: every reduction takes axis=-1 and "
        "keepdims=True, so the result still lines up with S.",
        "Subtract each row's maximum before np.exp, so the largest exp "
        "is exp(0) = 1 and nothing overflows.",
        "A row that is all -inf has maximum -inf, and -inf - (-inf) is "
        "NaN: find those rows with np.isneginf(S).all(axis=-1) and "
        "return zeros for them.",
    )
    solution_code = (
        "def my_softmax(S):\n"
        "    S = np.asarray(S, dtype=float)\n"
        "    dead = np.isneginf(S).all(axis=-1, keepdims=True)\n"
        "    top = np.where(dead, 0.0, S.max(axis=-1, keepdims=True))\n"
        "    exps = np.exp(S - top)\n"
        "    total = exps.sum(axis=-1, keepdims=True)\n"
        "    return np.where(dead, 0.0, exps / np.where(dead, 1.0, total))"
    )
    solution_note = (
        "Shifting by the maximum changes no weight, because the shift "
        "cancels between numerator and denominator."
    )

    def cases(self):
        return [
            Case("the scores [[0.5, -1.0, 2.0], [1.0, 1.0, 0.0]]",
                 (np.array([[0.5, -1.0, 2.0], [1.0, 1.0, 0.0]]),)),
            Case("one row of scores [[1000.0, 0.0]]",
                 (np.array([[1000.0, 0.0]]),)),
            Case("two rows of very different sizes, [[1000.0, 999.0], "
                 "[0.0, -1.0]]",
                 (np.array([[1000.0, 999.0], [0.0, -1.0]]),)),
            Case("a row with every score -inf above a normal row",
                 (np.array([[-np.inf, -np.inf], [0.0, -np.inf]]),)),
        ]

    def reference(self, S):
        return softmax(S, axis=-1)

    def mistakes(self):
        return [
            Mistake(WRONG_AXIS,
                    "Your columns sum to 1; each row is one query's "
                    "weights, so reduce over axis=-1.",
                    _wrong_axis),
            Mistake(NO_MAX_SHIFT,
                    "exp(1000) overflows to inf and inf / inf is NaN; "
                    "subtract each row's maximum before np.exp.",
                    _no_shift),
            Mistake(GLOBAL_MAX,
                    "Subtracting the largest score of all S keeps the "
                    "row of 1000s finite, but sends exp of a row of "
                    "small scores to 0 and its weights to NaN; subtract "
                    "each row's own maximum, with axis=-1 and "
                    "keepdims=True.",
                    _global_max),
            Mistake(DEAD_ROW_NAN,
                    "A row of all -inf has maximum -inf, and "
                    "-inf - (-inf) is NaN; give such a row all-zero "
                    "weights.",
                    _dead_row_nan),
        ]
