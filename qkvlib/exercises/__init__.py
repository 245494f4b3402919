"""Exercises with instant feedback for notebooks 01 to 08.

Each exercise has a key ``"NN.k"`` (notebook NN, exercise k). Make one
with the notebook's own matrices, then check an answer::

    ex_1 = qk.exercise("04.1", tokens=tokens, Q=Q, K=K, d_model=d_model)
    ex_1.check(answer)   # correct, not yet (and why), or not attempted
    ex_1.hint()          # the next hint, a little more each call
    ex_1.solution()      # one answer, as code

A check recognises the classic mistakes by name (see the constants in
``qkvlib.exercises``) and never raises on a wrong answer. The module
imports only numpy and the maths of ``qkvlib``.
"""

from . import ex01, ex02, ex03, ex04, ex05, ex06, ex07, ex08  # noqa: F401
from ._core import (
    COLUMN_FOR_ROW,
    DEAD_ROW_NAN,
    DIVIDED_BY_D_K,
    MASK_AFTER_SOFTMAX,
    MASK_TRANSPOSED,
    MASKED_WITH_ZERO,
    MULTIPLIED,
    NO_TRANSPOSE,
    RESHAPE_NO_TRANSPOSE,
    SCORES_TRANSPOSED,
    SQRT_D_MODEL,
    UNSCALED,
    W_K_FOR_W_V,
    W_TRANSPOSED,
    WRONG_AXIS,
    Case,
    Exercise,
    Feedback,
    FunctionExercise,
    Mistake,
    ValueExercise,
    catalogue,
    exercise,
    register,
)

__all__ = [
    "COLUMN_FOR_ROW",
    "DEAD_ROW_NAN",
    "DIVIDED_BY_D_K",
    "MASKED_WITH_ZERO",
    "MASK_AFTER_SOFTMAX",
    "MASK_TRANSPOSED",
    "MULTIPLIED",
    "NO_TRANSPOSE",
    "RESHAPE_NO_TRANSPOSE",
    "SCORES_TRANSPOSED",
    "SQRT_D_MODEL",
    "UNSCALED",
    "WRONG_AXIS",
    "W_K_FOR_W_V",
    "W_TRANSPOSED",
    "Case",
    "Exercise",
    "Feedback",
    "FunctionExercise",
    "Mistake",
    "ValueExercise",
    "catalogue",
    "exercise",
    "register",
]
