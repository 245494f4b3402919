"""Reading the answers of goal exercises, and saying what moved.

Shared by the exercises whose answer is one number or an edited weight
matrix: read a number, or a matrix of the right shape (naming a
transposed one), compare entries up to the rounding of a typed number,
and list tokens in words.
"""

import numbers

import numpy as np

from ._core import W_TRANSPOSED, Exercise, read_numbers, what_it_is


def is_number(value) -> bool:
    """True for one real number, such as 0.2, Fraction(1, 5) or a 0-D
    array; False for a bool."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    return isinstance(value, numbers.Real) and not isinstance(
        value, (bool, np.bool_))


def read_number(exercise: Exercise, answer, what: str):
    """Read one real number, or say what is wrong with it.

    Returns ``(float, None)`` or ``(None, feedback)``; ``what`` names
    the number for the message, such as ``"tau"``.
    """
    if not is_number(answer):
        return None, exercise.incorrect(
            f"{what} should be one number; got {what_it_is(answer)}.")
    try:
        return float(answer), None
    except OverflowError:
        return None, exercise.incorrect(
            f"{what} is too large to compute with; try a moderate "
            "number.")


def read_weights(exercise: Exercise, answer, name: str, shape: tuple):
    """Read an edited weight matrix, or say what is wrong with it.

    Returns ``(array, None)`` or ``(None, feedback)``.
    """
    got, why = read_numbers(answer)
    if got is None or got.dtype == bool:
        why = why or "it holds True and False"
        return None, exercise.incorrect(
            f"the answer should be {name}, an array of shape {shape}, "
            f"but {why}.")
    got = got.astype(float)
    if got.shape == shape[::-1] and shape[0] != shape[1]:
        return None, exercise.incorrect(
            f"{name} has one row per feature of x, shape (d_model, d_k) "
            f"= {shape}; this one has shape {got.shape}, the transpose.",
            W_TRANSPOSED)
    if got.shape != shape:
        return None, exercise.incorrect(
            f"the answer should be {name}, shape (d_model, d_k) = "
            f"{shape}; got shape {got.shape}.")
    if not np.isfinite(got).all():
        return None, exercise.incorrect("the answer holds NaN or "
                                        "infinity.")
    return got, None


# A weight typed with three decimals is off by up to 5e-4, and a
# projected entry sums d_model such slips, each times an entry of x.
TYPED, MOVED = 5e-4, 2e-3


def same(a, b, tolerance=TYPED):
    """Entry by entry: equal up to the rounding of a typed number."""
    return np.isclose(a, b, rtol=0.0, atol=tolerance)


def moved_tokens(tokens, before, after) -> list[str]:
    """The tokens whose row differs between two projections."""
    moved = ~same(before, after, MOVED).all(axis=1)
    return [t for t, m in zip(tokens, moved, strict=True) if m]


def words_and(words: list[str]) -> str:
    """'Cat', 'Cat and fish', or 'Cat, eats and fish'."""
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " and " + words[-1]


def of_tokens(noun: str, plural: str, tokens: list[str]) -> str:
    """'the query of Cat', or 'the queries of Cat and fish'."""
    noun = plural if len(tokens) > 1 else noun
    return f"the {noun} of {words_and(tokens)}"
