"""Exercises of notebook 02 · Weight matrices."""

import numpy as np

from ._answers import (
    MOVED,
    moved_tokens,
    of_tokens,
    read_weights,
    same,
    words_and,
)
from ._core import (
    Case,
    Exercise,
    FunctionExercise,
    Mistake,
    ValueExercise,
    register,
    shown,
)

OLD_DELTA = "the change for delta = 0.5"
SIGN_FLIPPED = "the change for delta = +1.0"
Q_EDITED_FOR_CHANGE = "column 0 of Q_edited instead of Q_edited - Q"
ROW_FOR_COLUMN = "a row where a column belongs"
SET_TO_TARGET = "the weight set to the target instead of raised by the gap"
NO_W_V = "W_v left out of the count"
SIZES_ADDED = "sizes added instead of multiplied"
D_K_FOR_D_V = "d_k used where d_v belongs"
ALL_MULTIPLIED = "the three sizes multiplied together"
SQUARE_ONLY = "3 * d_model ** 2, true only when d_k = d_v = d_model"
BIASES_COUNTED = "biases counted"

_M, _C, _DELTA = 3, 0, -1.0


@register
class NegativeEdit(ValueExercise):
    """Rerun the edit of section 5 with delta = -1.0."""

    key = "02.1"
    title = "A negative edit"
    needs = ("X", "W_q")
    asks_for = ("column 0 of Q_edited - Q for delta = -1.0, as three "
                "numbers")
    hints = (
        "Row i of column 0 moves by X[i, 3] * delta, how small token i "
        "is times the edit.",
        "With delta = -1.0 every move has the opposite sign of the "
        '"small" feature.',
        "Set delta = -1.0 in section 5, rerun it, and read column 0 of "
        "Q_edited - Q: moved[:, 0].",
    )
    solution_code = (
        "W_q_edited = W_q.copy()\n"
        "W_q_edited[3, 0] += -1.0\n"
        "answer = (X @ W_q_edited - X @ W_q)[:, 0]"
    )
    solution_note = (
        "Each token moves by its \"small\" feature times -1.0: eats has "
        "0.0 of it and does not move."
    )

    def _moved(self, X, W_q, delta):
        W_q_edited = np.array(W_q, dtype=float)
        W_q_edited[_M, _C] += delta
        return X @ W_q_edited - X @ W_q

    def expected(self, X, W_q):
        return self._moved(X, W_q, _DELTA)[:, _C]

    def mistakes(self, X, W_q):
        moved = self._moved(X, W_q, _DELTA)
        return [
            Mistake(SIGN_FLIPPED,
                    "With delta = -1.0 the weight goes down; which way "
                    "does that move the queries?",
                    -moved[:, _C]),
            Mistake(OLD_DELTA,
                    "That is the move from section 5; set delta = -1.0 "
                    "and run the cell again.",
                    self._moved(X, W_q, 0.5)[:, _C]),
            Mistake(Q_EDITED_FOR_CHANGE,
                    "Those are the new queries themselves; the exercise "
                    "asks how far they moved, Q_edited - Q.",
                    (X @ W_q)[:, _C] + moved[:, _C]),
            Mistake(ROW_FOR_COLUMN,
                    "moved[0] is row 0, the move of Cat in each of the "
                    "d_k columns; column 0 is moved[:, 0], one number "
                    "per token.",
                    moved[0]),
        ]

    def praise(self, X, W_q):
        return ("each token moves by its \"small\" feature times -1.0, "
                "and eats, with 0.0 of it, stays put.")


@register
class HitOneEntry(Exercise):
    """Edit W_q so that Q[eats, 0] is 2.0 and nothing else moves."""

    key = "02.2"
    title = "Move one query entry to a target"
    needs = ("tokens", "X", "features", "W_q")
    asks_for = ("W_q_target, your copy of W_q with Q[eats, 0] = 2.000 and "
                "every other entry of Q unchanged")
    target = 2.0
    tolerance = 5e-3
    hints = (
        "An entry in row m of W_q moves each token by X[i, m] times the "
        "change, and only in its own column.",
        'Which feature do Cat and fish both have 0.0 of? Edit that row, '
        "in column 0.",
        'The row is "action", and eats has 1.0 of it: raise '
        "W_q_target[1, 0] by the gap 2.0 - Q[1, 0].",
    )
    solution_code = (
        'i = tokens.index("eats")\n'
        "W_q_target = W_q.copy()\n"
        "W_q_target[1, 0] += 2.0 - (X @ W_q)[i, 0]\n"
        "answer = W_q_target"
    )
    solution_note = (
        'Cat and fish have 0.0 of "action", so row 1 of W_q reaches '
        "the query of eats alone, and column 0 only its entry 0."
    )

    def assess(self, answer):
        tokens, X = self.context["tokens"], np.asarray(self.context["X"])
        features = self.context["features"]
        W_q = np.asarray(self.context["W_q"])
        got, feedback = read_weights(self, answer, "W_q_target", W_q.shape)
        if feedback is not None:
            return feedback
        i = tokens.index("eats")
        Q, Q_edited = X @ W_q, X @ got
        entry = Q_edited[i, 0]
        if same(got, W_q).all():
            return self.incorrect(
                f"that is W_q as it is, with Q[eats, 0] = {Q[i, 0]:.3f}; "
                "edit a copy of it.")
        others = moved_tokens([t for t in tokens if t != "eats"],
                               np.delete(Q, i, axis=0),
                               np.delete(Q_edited, i, axis=0))
        if others:
            rows = np.flatnonzero(~same(got, W_q).all(axis=1))
            edited = words_and([f'"{features[m]}"' for m in rows])
            return self.incorrect(
                f"{of_tokens('query', 'queries', others)} moved too: you "
                f"edited the row of {edited}, and an edit in row m moves "
                "token i by X[i, m] times the change. hint() gives a "
                "hint.")
        if not same(np.delete(Q_edited[i], 0), np.delete(Q[i], 0),
                     MOVED).all():
            return self.incorrect(
                "other entries of the query of eats moved too: column c "
                "of W_q feeds entry c of every query, so edit column 0 "
                "only.")
        edited = ~same(got, W_q)
        if (edited.sum() == 1 and np.isclose(got[edited][0], self.target)
                and not np.isclose(entry, self.target,
                                   atol=self.tolerance)):
            return self.incorrect(
                f"Q[eats, 0] is now {shown(entry)}: it is a sum of "
                f"d_model = {X.shape[1]} products, so the other features "
                "still add theirs. Raise the weight by the gap instead.",
                SET_TO_TARGET)
        if np.isclose(entry, self.target, atol=self.tolerance):
            return self.correct(
                f"Q[eats, 0] = {shown(entry)}, and the queries of Cat and "
                "fish did not move.")
        return self.incorrect(
            f"Q[eats, 0] is {shown(entry)}, not {self.target:.3f}, though "
            "nothing else moved: you have the right place, now the "
            "right amount.")


def _count(d_model, d_k, d_v):
    return 2 * d_model * d_k + d_model * d_v


@register
class CountParams(FunctionExercise):
    """Write count_params(d_model, d_k, d_v) for W_q, W_k and W_v."""

    key = "02.3"
    title = "Count the parameters"
    signature = "count_params(d_model, d_k, d_v)"
    hints = (
        "Each matrix holds (rows) * (columns) numbers; W_q and W_k have "
        "shape (d_model, d_k), W_v has shape (d_model, d_v).",
        "Add the three matrices; d_v may differ from d_k, and the check "
        "calls count_params(5, 2, 7).",
        "return d_model * d_k + d_model * d_k + d_model * d_v",
    )
    solution_code = (
        "def count_params(d_model, d_k, d_v):\n"
        "    return 2 * d_model * d_k + d_model * d_v"
    )
    solution_note = (
        "For our toy, count_params(4, 3, 3) = 36. One BERT-base layer "
        "has 12 heads with d_k = d_v = 64: 12 * count_params(768, 64, "
        "64) = 1,769,472 = count_params(768, 768, 768), the 12 heads "
        "side by side."
    )

    def cases(self):
        return [
            Case("count_params(4, 3, 3) (the toy)", (4, 3, 3)),
            Case("count_params(768, 64, 64) (one BERT-base head)",
                 (768, 64, 64)),
            Case("count_params(768, 768, 768) (BERT-base's 12 heads "
                 "side by side)", (768, 768, 768)),
            Case("count_params(5, 2, 7) (d_v unlike d_k)", (5, 2, 7)),
        ]

    def reference(self, d_model, d_k, d_v):
        return _count(d_model, d_k, d_v)

    def mistakes(self):
        return [
            Mistake(NO_W_V,
                    "Attention has three matrices: W_q and W_k, and W_v "
                    "with d_v columns.",
                    lambda d_model, d_k, d_v: 2 * d_model * d_k),
            Mistake(SIZES_ADDED,
                    "A matrix of shape (rows, columns) holds rows times "
                    "columns numbers.",
                    lambda d_model, d_k, d_v: d_model + d_k + d_v),
            Mistake(D_K_FOR_D_V,
                    "W_v has d_v columns, which may differ from d_k.",
                    lambda d_model, d_k, d_v: 3 * d_model * d_k),
            Mistake(ALL_MULTIPLIED,
                    "4 * 3 * 3 = 36 is a coincidence of the toy: each "
                    "matrix holds d_model times its own width, and the "
                    "three counts add up.",
                    lambda d_model, d_k, d_v: d_model * d_k * d_v),
            Mistake(SQUARE_ONLY,
                    "That holds when the heads stand side by side, "
                    "d_k = d_v = d_model; use d_k and d_v themselves.",
                    lambda d_model, d_k, d_v: 3 * d_model ** 2),
            Mistake(BIASES_COUNTED,
                    "This series projects with X W and no bias vector; "
                    "count the entries of W_q, W_k and W_v only.",
                    lambda d_model, d_k, d_v: _count(d_model, d_k, d_v)
                    + 2 * d_k + d_v),
        ]

    def diagnose(self, case, got):
        if got.ndim == 0:
            return (f"it returns {float(got):,g}, which is not the "
                    "number of entries of W_q, W_k and W_v")
        return "the result should be one number"

    def praise(self):
        return ("count_params(4, 3, 3) = 36, and BERT-base's 12 heads "
                "give 12 * 147,456 = 1,769,472 = 3 * 768 ** 2.")
