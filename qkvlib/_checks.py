"""Input checks shared by the public functions.

Every public function turns its inputs into float64 arrays here, so the
messages a reader sees all read the same way: they name the argument,
the expected symbolic shape and what arrived.
"""

import numpy as np


def _describe(arr: np.ndarray) -> str:
    """Say what an array is in words: ``a 1-D array of shape (4,)``."""
    return f"a {arr.ndim}-D array of shape {arr.shape}"


def as_matrix(name: str, value, shape: str) -> np.ndarray:
    """Return ``value`` as a finite float64 matrix, or raise.

    Parameters
    ----------
    name : str
        The argument's name, used in messages.
    value : array_like
        Anything numpy reads as a 2-D array of real numbers.
    shape : str
        The symbolic shape for messages: ``"(n_tokens, d_model)"``.

    Raises
    ------
    TypeError
        If ``value`` does not hold real numbers (strings, booleans,
        complex numbers, objects).
    ValueError
        If it is not 2-D, has a zero-length axis, or holds NaN or inf.
    """
    arr = as_numbers(name, value)
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array of shape {shape}; "
            f"got {_describe(arr)}"
        )
    if 0 in arr.shape:
        raise ValueError(
            f"{name} must have shape {shape} with no empty axis; "
            f"got {arr.shape}"
        )
    require_finite(name, arr)
    return arr


def as_numbers(name: str, value) -> np.ndarray:
    """Return ``value`` as a float64 array of any shape, or raise.

    The result is a new array when the input is not already float64, and
    callers never write into it, so inputs are never modified.
    """
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError) as err:
        raise TypeError(
            f"{name} must be an array of numbers; numpy could not read "
            f"it as one ({err})"
        ) from None
    if arr.dtype == bool:
        raise TypeError(
            f"{name} must hold numbers; got a boolean array "
            "(masks go in the 'allowed' argument)"
        )
    if not (
        np.issubdtype(arr.dtype, np.integer)
        or np.issubdtype(arr.dtype, np.floating)
    ):
        raise TypeError(
            f"{name} must hold real numbers; got an array of dtype "
            f"{arr.dtype} built from {type(value).__name__}"
        )
    return arr.astype(np.float64, copy=False)


def require_finite(name: str, arr: np.ndarray) -> None:
    """Raise ValueError naming the first NaN or infinite entry."""
    if np.isfinite(arr).all():
        return
    bad = np.argwhere(~np.isfinite(arr))[0]
    where = ", ".join(str(i) for i in bad)
    raise ValueError(
        f"{name} must hold finite numbers; found {arr[tuple(bad)]} "
        f"at [{where}]"
    )


def as_mask(name: str, value, shape: tuple[int, int]) -> np.ndarray:
    """Return a boolean mask broadcastable to ``shape``, or raise.

    Parameters
    ----------
    name : str
        The argument's name, used in messages.
    value : array_like of bool
        True where query i may attend to key j.
    shape : tuple of int
        ``(n_queries, n_keys)``.
    """
    arr = np.asarray(value)
    if arr.dtype != bool:
        raise TypeError(
            f"{name} must be a boolean array (True = may attend); "
            f"got dtype {arr.dtype}"
        )
    try:
        fits = np.broadcast_shapes(arr.shape, shape) == shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(
            f"{name} must have shape (n_queries, n_keys) = {shape} or "
            f"broadcast to it; got {_describe(arr)}"
        )
    return arr


def require_positive_int(name: str, value) -> int:
    """Return ``value`` as an int if it is a whole number >= 1."""
    if isinstance(value, bool) or not isinstance(
        value, (int, np.integer)
    ):
        raise TypeError(
            f"{name} must be a whole number; got "
            f"{type(value).__name__} {value!r}"
        )
    if value < 1:
        raise ValueError(f"{name} must be at least 1; got {value}")
    return int(value)


def finite_product(left: np.ndarray, right: np.ndarray, what: str):
    """Return ``left @ right``, or raise if it overflowed float64.

    ``what`` names the product in the message, such as ``"X W_q"``.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        product = left @ right
    if not np.isfinite(product).all():
        raise ValueError(
            f"{what} overflowed float64: the inputs are far too large "
            "(entries near 1e150 or more); scale them down"
        )
    return product
