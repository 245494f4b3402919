"""The softmax: a row of scores becomes weights that sum to 1."""

import numpy as np

from ._checks import as_numbers


def softmax(S, axis: int = -1) -> np.ndarray:
    """Turn scores into weights along one axis, stably.

    Parameters
    ----------
    S : array_like, shape (n_queries, n_keys) or any shape
        Scores. ``-inf`` marks a masked entry, which gets weight 0.
    axis : int, default -1
        The axis the weights sum over: the keys, for attention.

    Returns
    -------
    ndarray of float64, same shape as ``S``
        Non-negative weights; each slice along ``axis`` sums to 1,
        except a slice that is entirely ``-inf``, which gives all zeros.

    Raises
    ------
    TypeError
        If ``S`` does not hold real numbers, or ``axis`` is not an int.
    ValueError
        If ``S`` is empty, holds NaN or ``+inf``, or ``axis`` is out of
        range.

    Notes
    -----
    softmax(s)_j = exp(s_j - m) / sum_l exp(s_l - m), m = max_l s_l.
    Subtracting the row maximum m changes nothing mathematically and
    keeps every exponent at or below 0, so ``exp`` cannot overflow even
    for scores like 1000. A row whose entries are all ``-inf`` has no
    finite maximum; it is defined here as all zeros, so a query that may
    look at nothing takes nothing, and NaN never appears.

    Examples
    --------
    >>> softmax([1.0, 2.0, 3.0]).round(4)
    array([0.09  , 0.2447, 0.6652])
    >>> softmax([[1000.0, 0.0], [-np.inf, -np.inf]])
    array([[1., 0.],
           [0., 0.]])
    """
    S = as_numbers("S", S)
    if S.size == 0:
        raise ValueError(f"S must not be empty; got shape {S.shape}")
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"axis must be an int; got {axis!r}")
    if not -S.ndim <= axis < S.ndim:
        raise ValueError(
            f"axis must be between {-S.ndim} and {S.ndim - 1} for S of "
            f"shape {S.shape}; got {axis}"
        )
    if not np.isfinite(S).all():
        if np.isnan(S).any():
            raise ValueError(
                "S must not hold NaN; a NaN score usually comes from "
                "inf - inf upstream"
            )
        if np.isposinf(S).any():
            raise ValueError(
                "S must not hold +inf; only -inf (masked) is allowed"
            )
    return stable_softmax(S, axis)


def stable_softmax(S: np.ndarray, axis: int) -> np.ndarray:
    """Softmax of a float64 array already checked to hold no NaN, +inf.

    The unchecked core of ``softmax``, for callers inside the package
    that have validated their inputs once already.
    """
    m = S.max(axis=axis, keepdims=True)
    dead = np.isneginf(m)
    if dead.any():
        m = np.where(dead, 0.0, m)
    exps = np.exp(S - m)
    total = exps.sum(axis=axis, keepdims=True)
    if dead.any():
        total = np.where(dead, 1.0, total)
    return exps / total
