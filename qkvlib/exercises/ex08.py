"""Exercises of notebook 08 · Masks."""

import numpy as np

from ..attention import self_attention
from ..masks import causal_mask, padding_mask
from ..softmax import softmax
from ._core import (
    DEAD_ROW_NAN,
    MASK_AFTER_SOFTMAX,
    MASK_TRANSPOSED,
    MASKED_WITH_ZERO,
    WRONG_AXIS,
    Case,
    FunctionExercise,
    Mistake,
    ValueExercise,
    register,
)

NO_MASK = "no mask at all"
NO_PADDING = "padding mask missing"
NO_CAUSAL = "causal mask missing"
N_VALID_UNCHANGED = "n_valid left at 3"
ZERO_WEIGHT = "0, the weight of a hidden pair"
LARGE_NEGATIVE = "a large negative score instead of -inf"
MASKS_OR = "| instead of &"
PADDING_ROWS = "the pad query rows hidden"
SEES_FUTURE = "upper triangle: each token sees the future"
NO_DIAGONAL = "diagonal missing: a token may not see itself"
NOT_BOOL = "a mask of 0.0 and 1.0 instead of True and False"
N_FIXED = "n written as the number 3"
MASK_INVERTED = "True read as hidden instead of allowed"

# The padded sentence of notebook 08: Cat eats fish and two [PAD] rows.
N_PADDED, N_VALID = 5, 3


_TOKENS = ("Cat", "eats", "fish", "[PAD]", "[PAD]")


def _who(i: int, tokens) -> str:
    """Name token i counted from 1, with its word when known."""
    if not tokens:
        return f"token {i + 1}"
    word = tokens[i]
    word = word if word.startswith("[") else f"'{word}'"
    return f"token {i + 1} ({word})"


def _first_wrong_pair(got, want, tokens=()) -> str:
    """Say which (query, key) pair of a mask is the first one wrong."""
    wrong = np.asarray(got, dtype=bool) != want
    if not wrong.any():
        return ""
    i, j = (int(k) for k in np.argwhere(wrong)[0])
    query, key = _who(i, tokens), _who(j, tokens)
    if want[i, j]:
        what = f"hides {key} from {query}, which should be allowed"
    else:
        what = f"lets {query} look at {key}, which should be hidden"
    return (f"your mask {what}; {int(wrong.sum())} of {wrong.size} "
            "entries differ")


def _padded(X):
    X = np.asarray(X, dtype=np.float64)
    return np.vstack([X, np.zeros((N_PADDED - len(X), X.shape[1]))])


@register
class PadWeight(ValueExercise):
    """Change n_valid to 2 and read one weight of a pad's row."""

    key = "08.1"
    title = "One weight of a pad"
    needs = ("X", "W_q", "W_k", "W_v")
    asks_for = ("the weight token 4 (the first [PAD]) gives 'eats' under "
                "causal & padding with n_valid = 2, as one number")
    hints = (
        "With n_valid = 2, only 'Cat' and 'eats' are real; 'fish' counts "
        "as padding, so its key column is hidden too.",
        "Token 4's row of X is zero, so its query is zero and all its "
        "scores are 0: its weight is shared evenly among the keys it "
        "may look at.",
        "Build allowed = qk.causal_mask(n_padded) & "
        "qk.padding_mask(n_padded, 2), run qk.self_attention on X_pad "
        "with it and read A[3, 1].",
    )
    solution_code = (
        "X_pad = np.vstack([X, np.zeros((2, X.shape[1]))])\n"
        "allowed = qk.causal_mask(5) & qk.padding_mask(5, 2)\n"
        "A = qk.self_attention(X_pad, W_q, W_k, W_v, allowed=allowed).A\n"
        "answer = A[3, 1]"
    )
    solution_note = (
        "Token 4 may look at tokens 1 and 2 only, and its scores are all "
        "0, so each gets 0.5. Padding never hides its query row."
    )

    def _weight(self, X, W_q, W_k, W_v, allowed):
        result = self_attention(_padded(X), W_q, W_k, W_v, allowed=allowed)
        return result.A[3, 1]

    def expected(self, X, W_q, W_k, W_v):
        allowed = causal_mask(N_PADDED) & padding_mask(N_PADDED, 2)
        return self._weight(X, W_q, W_k, W_v, allowed)

    def mistakes(self, X, W_q, W_k, W_v):
        def weight(allowed):
            return self._weight(X, W_q, W_k, W_v, allowed)

        causal = causal_mask(N_PADDED)
        return [
            Mistake(N_VALID_UNCHANGED,
                    "That is the weight with 3 real tokens, the mask of "
                    "section 5; set n_valid = 2, so 'fish' is hidden too.",
                    weight(causal & padding_mask(N_PADDED, N_VALID))),
            Mistake(NO_PADDING,
                    "With the causal mask alone, token 4 still sees "
                    "'fish' and itself; the padding mask hides every key "
                    "column from n_valid on.",
                    weight(causal)),
            Mistake(NO_MASK,
                    "Without any mask token 4 shares its weight among "
                    "all 5 keys; take causal & padding.",
                    weight(None)),
            Mistake(ZERO_WEIGHT,
                    "Padding hides key columns, not query rows: token 4 "
                    "still looks at the real keys, and 'eats' is one of "
                    "them. Its weight for 'eats' is A[3, 1], row 3 for "
                    "the query and column 1 for the key; A[1, 3], what "
                    "'eats' gives the pad, is the hidden 0.",
                    0.0),
        ]

    def praise(self, X, W_q, W_k, W_v):
        return ("token 4 looks at 'Cat' and 'eats' only, with equal "
                "scores of 0, so each gets 0.5.")


@register
class BothMasks(ValueExercise):
    """Build causal & padding for the padded sentence."""

    key = "08.2"
    title = "Both masks for the padded sentence"
    asks_for = ("the boolean mask allowed of shape (5, 5) for the causal "
                "mask and 3 real tokens out of 5")
    hints = (
        "A pair (query i, key j) is allowed only if both masks allow "
        "it: combine them with the elementwise and, &.",
        "qk.padding_mask(n_padded, n_valid) hides the pad key columns; "
        "qk.causal_mask(n_padded) hides everything above the diagonal.",
        "answer = qk.causal_mask(5) & qk.padding_mask(5, 3)",
    )
    solution_code = "answer = qk.causal_mask(5) & qk.padding_mask(5, 3)"
    solution_note = (
        "The real rows are the causal triangle; each pad row sees the 3 "
        "real tokens and no pad."
    )

    def expected(self):
        return causal_mask(N_PADDED) & padding_mask(N_PADDED, N_VALID)

    def mistakes(self):
        causal = causal_mask(N_PADDED)
        pad = padding_mask(N_PADDED, N_VALID)
        return [
            Mistake(MASKS_OR,
                    "| allows a pair that either mask allows, so every "
                    "token sees the future; a pair must pass both masks, "
                    "which is &.",
                    causal | pad),
            Mistake(PADDING_ROWS,
                    "Padding hides the pad key columns in every row and "
                    "nothing else: the pad rows still look at the real "
                    "tokens. Under the causal mask, padding_mask(5, 3).T "
                    "and padding & padding.T both give this mask "
                    "instead.",
                    causal & pad.T),
            Mistake(NO_PADDING,
                    "The pad rows still see the pads; take the and with "
                    "qk.padding_mask(5, 3).",
                    causal),
            Mistake(NO_CAUSAL,
                    "Every real token sees the tokens after it; take the "
                    "and with qk.causal_mask(5).",
                    pad),
            Mistake(SEES_FUTURE,
                    "True must stand on and below the diagonal (key j <= "
                    "query i), so each token sees itself and the tokens "
                    "before it.",
                    causal.T & pad),
            Mistake(NO_DIAGONAL,
                    "Each token may look at itself: the diagonal belongs "
                    "to the causal mask, so 'Cat' has a key to look at.",
                    np.tri(N_PADDED, k=-1, dtype=bool) & pad),
        ]

    def diagnose(self, answer):
        return _first_wrong_pair(answer, self.expected(), _TOKENS)

    def praise(self):
        return ("a pair is allowed only where both masks allow it; the "
                "pads' columns are False in every row.")


def _upper(n):
    return np.triu(np.ones((n, n), dtype=bool))


def _strict(n):
    return np.tri(n, k=-1, dtype=bool)


def _floats(n):
    return np.tril(np.ones((n, n)))


def _three(n):
    return causal_mask(3)


@register
class CausalFunction(FunctionExercise):
    """Write the causal mask for any number of tokens."""

    key = "08.3"
    title = "A causal mask for n tokens"
    signature = "my_causal_mask(n)"
    hints = (
        "Entry (i, j) is True where key j comes no later than query i: "
        "j <= i.",
        "np.arange(n) gives the positions; comparing a column of them "
        "with a row of them gives an (n, n) boolean array.",
        "positions = np.arange(n); return positions[None, :] <= "
        "positions[:, None]",
    )
    solution_code = (
        "def my_causal_mask(n):\n"
        "    positions = np.arange(n)\n"
        "    return positions[None, :] <= positions[:, None]"
    )
    solution_note = (
        "Row i is True from key 0 to key i; np.tri(n, dtype=bool) and "
        "qk.causal_mask(n) give the same array."
    )

    def cases(self):
        return [Case("n = 3", (3,)), Case("n = 5", (5,)),
                Case("n = 1", (1,))]

    def reference(self, n):
        return causal_mask(n)

    def mistakes(self):
        return [
            Mistake(SEES_FUTURE,
                    "np.triu keeps the diagonal and everything above it, "
                    "so token 1 may look at every later token; the "
                    "causal mask is the lower triangle, np.tril or "
                    "np.tri.",
                    _upper),
            Mistake(NO_DIAGONAL,
                    "With j < i no token may look at itself, and token 1 "
                    "may look at nothing; use j <= i.",
                    _strict),
            Mistake(NOT_BOOL,
                    "The pattern is right, but a mask holds True and "
                    "False: pass dtype=bool, or build it from a "
                    "comparison. qkvlib refuses a float mask.",
                    _floats),
            Mistake(N_FIXED,
                    "It is right for Cat eats fish only; build the mask "
                    "from n.",
                    _three),
        ]

    def diagnose(self, case, got):
        return _first_wrong_pair(got, self.reference(*case.args))


def _after_softmax(S, allowed):
    return softmax(S) * allowed


def _zero_scores(S, allowed):
    return softmax(np.where(allowed, S, 0.0))


def _dead_nan(S, allowed):
    masked = np.where(allowed, S, -np.inf)
    exps = np.exp(masked - masked.max(axis=-1, keepdims=True))
    return exps / exps.sum(axis=-1, keepdims=True)


def _inverted(S, allowed):
    return softmax(np.where(allowed, -np.inf, S))


def _transposed(S, allowed):
    return softmax(np.where(allowed.T, S, -np.inf))


def _large_negative(S, allowed):
    return softmax(np.where(allowed, S, -1e9), axis=-1)


def _columns(S, allowed):
    return softmax(np.where(allowed, S, -np.inf), axis=0)


# The scores of Cat eats fish in notebooks 05 and 08, to 3 decimals.
_S_CAT = np.array([[0.219, -1.187, -0.424],
                   [0.094, -1.030, -0.471],
                   [0.242, -1.498, -0.524]])


@register
class MaskedWeights(FunctionExercise):
    """Turn scores and a mask into weights, masking before softmax."""

    key = "08.4"
    title = "Masked weights from scores"
    signature = "masked_weights(S, allowed)"
    hints = (
        "The mask belongs in the scores, before the softmax: a hidden "
        "score becomes -inf, and exp(-inf) = 0.",
        "np.where(allowed, S, -np.inf) keeps the allowed scores; then "
        "take the softmax of each row.",
        "A row that may look at nothing is all -inf; qk.softmax gives "
        "it zeros, while exp(-inf - (-inf)) is NaN.",
    )
    solution_code = (
        "def masked_weights(S, allowed):\n"
        "    return qk.softmax(np.where(allowed, S, -np.inf), axis=-1)"
    )
    solution_note = (
        "Each row sums to 1 over its allowed keys, and a row that may "
        "look at nothing gets zeros, never NaN."
    )

    def cases(self):
        rng = np.random.default_rng(8)
        dead = np.array([[False, False, False], [True, False, True],
                         [True, True, True]])
        return [
            Case("the Cat eats fish scores with the causal mask",
                 (_S_CAT, causal_mask(3))),
            Case("5 x 5 scores with padding_mask(5, 3)",
                 (rng.normal(size=(5, 5)), padding_mask(5, 3))),
            Case("a mask whose first row may look at nothing",
                 (rng.normal(size=(3, 3)), dead)),
        ]

    def reference(self, S, allowed):
        return softmax(np.where(allowed, S, -np.inf))

    def mistakes(self):
        return [
            Mistake(MASK_AFTER_SOFTMAX,
                    "Zeroing weights after the softmax leaves rows that "
                    "sum to less than 1, because the hidden keys took "
                    "their share first. Put -inf into the scores, then "
                    "take the softmax.",
                    _after_softmax),
            Mistake(MASKED_WITH_ZERO,
                    "A score of 0 still gets exp(0) = 1 in the softmax; "
                    "a hidden score must be -inf to get weight 0.",
                    _zero_scores),
            Mistake(DEAD_ROW_NAN,
                    "A row that may look at nothing divides 0 by 0 and "
                    "gives NaN; give it all-zero weights (qk.softmax "
                    "does).",
                    _dead_nan),
            Mistake(MASK_INVERTED,
                    "allowed is True where query i MAY attend to key j, "
                    "so keep S where allowed is True.",
                    _inverted),
            Mistake(MASK_TRANSPOSED,
                    "allowed[i, j] is about query i (row) and key j "
                    "(column), as S is; use allowed, not allowed.T.",
                    _transposed),
            Mistake(WRONG_AXIS,
                    "Each query's weights are a row; take the softmax "
                    "over axis=-1, the keys.",
                    _columns),
            Mistake(LARGE_NEGATIVE,
                    "A score of -1e9 works like -inf wherever a row "
                    "allows some key, but a row that may look at "
                    "nothing then gets even weights instead of zeros; "
                    "use -np.inf and give such a row zeros.",
                    _large_negative),
        ]
