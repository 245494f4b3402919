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


def padding_mask(n_tokens: int, n_valid: int) -> np.ndarray:
    """Build the mask that hides the padding tokens at the end.

    Parameters
    ----------
    n_tokens : int
        Number of tokens including the padding, at least 1.
    n_valid : int
        Number of real tokens, which come first; between 1 and
        ``n_tokens``. Tokens ``n_valid`` to ``n_tokens - 1`` are pads.

    Returns
    -------
    ndarray of bool, shape (n_tokens, n_tokens)
        ``allowed[i, j]`` is True where query i may attend to key j,
        that is where j < n_valid: the pad key columns are False in
        every row, and no query row is hidden.

    Raises
    ------
    TypeError
        If ``n_tokens`` or ``n_valid`` is not a whole number.
    ValueError
        If ``n_tokens`` is less than 1, or ``n_valid`` is outside 1 to
        ``n_tokens``.

    Notes
    -----
    Padding hides keys, not queries: no token may take anything from a
    pad, so the pad columns are False. A pad's own query row still
    attends to the real tokens; its output is simply ignored later.
    Hiding the pad rows as well would give them all-zero weights and
    change no real token's output. To combine with the causal mask,
    take the elementwise and: a pair is allowed only if both allow it.

    Examples
    --------
    >>> padding_mask(3, 2)
    array([[ True,  True, False],
           [ True,  True, False],
           [ True,  True, False]])
    >>> causal_mask(4) & padding_mask(4, 3)
    array([[ True, False, False, False],
           [ True,  True, False, False],
           [ True,  True,  True, False],
           [ True,  True,  True, False]])
    """
    n_tokens = require_positive_int("n_tokens", n_tokens)
    if isinstance(n_valid, bool) or not isinstance(
        n_valid, (int, np.integer)
    ):
        raise TypeError(
            f"n_valid must be a whole number; got "
            f"{type(n_valid).__name__} {n_valid!r}"
        )
    if not 1 <= n_valid <= n_tokens:
        raise ValueError(
            f"n_valid must be between 1 and n_tokens = {n_tokens}; "
            f"got {n_valid}"
        )
    allowed = np.zeros((n_tokens, n_tokens), dtype=bool)
    allowed[:, :n_valid] = True
    return allowed
