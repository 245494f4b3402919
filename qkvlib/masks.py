"""Masks: which keys each query may attend to."""

import numpy as np

from ._checks import require_positive_int


def causal_mask(n_tokens: int) -> np.ndarray:
    """Build the mask that lets each token see itself and earlier ones.

    Parameters
    ----------
    n_tokens : int
        Number of tokens, at least 1.

    Returns
    -------
    ndarray of bool, shape (n_tokens, n_tokens)
        ``allowed[i, j]`` is True where query i may attend to key j,
        that is where j <= i: the diagonal and everything below it.

    Raises
    ------
    TypeError
        If ``n_tokens`` is not a whole number.
    ValueError
        If ``n_tokens`` is less than 1.

    Examples
    --------
    >>> causal_mask(3)
    array([[ True, False, False],
           [ True,  True, False],
           [ True,  True,  True]])
    """
    n_tokens = require_positive_int("n_tokens", n_tokens)
    return np.tri(n_tokens, dtype=bool)
