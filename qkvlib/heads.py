"""Many heads: split the projections, attend per head, merge again."""

from dataclasses import dataclass

import numpy as np

from ._checks import (
    _describe,
    as_mask,
    as_matrix,
    as_numbers,
    finite_product,
    require_finite,
    require_positive_int,
)
from .projection import project_all
from .softmax import stable_softmax


def _split(M: np.ndarray, n_heads: int) -> np.ndarray:
    n_tokens, d_model = M.shape
    d_head = d_model // n_heads
    return M.reshape(n_tokens, n_heads, d_head).transpose(1, 0, 2).copy()


def _merge(H: np.ndarray) -> np.ndarray:
    n_heads, n_tokens, d_head = H.shape
    return H.transpose(1, 0, 2).reshape(n_tokens, n_heads * d_head).copy()


def split_heads(M, n_heads: int) -> np.ndarray:
    """Cut each token's row into n_heads pieces, one per head.

    Parameters
    ----------
    M : array_like, shape (n_tokens, d_model)
        A projection of all heads side by side, such as ``X @ W_q``:
        head h owns columns ``h * d_head`` to ``(h + 1) * d_head - 1``.
    n_heads : int
        Number of heads; it must divide d_model.

    Returns
    -------
    ndarray of float64, shape (n_heads, n_tokens, d_head)
        ``H[h]`` holds head h's columns of every token, d_head =
        d_model / n_heads. A new array: editing it leaves ``M`` alone.

    Raises
    ------
    TypeError
        If ``M`` does not hold real numbers or ``n_heads`` is not a
        whole number.
    ValueError
        If ``M`` is not 2-D or not finite, ``n_heads`` is less than 1,
        or d_model is not divisible by ``n_heads``.

    See Also
    --------
    merge_heads : the inverse.

    Notes
    -----
    H[h, i, c] = M[i, h * d_head + c]. The code reshapes M to
    (n_tokens, n_heads, d_head), which cuts every token's row into
    n_heads consecutive pieces, and then swaps the first two axes.

    A plain ``M.reshape(n_heads, n_tokens, d_head)`` is wrong. numpy
    stores M row by row (token 0's d_model numbers, then token 1's,
    ...), and reshape only re-cuts that flat sequence: block h becomes
    the next n_tokens * d_head numbers, which are whole rows of a few
    tokens instead of head h's columns of every token. The shape is
    right, so nothing fails, but tokens and heads are mixed and each
    "head" attends over the wrong numbers.

    Examples
    --------
    >>> M = np.arange(8.0).reshape(2, 4)  # 2 tokens, d_model = 4
    >>> split_heads(M, 2)  # head 0: columns 0-1, head 1: columns 2-3
    array([[[0., 1.],
            [4., 5.]],
    <BLANKLINE>
           [[2., 3.],
            [6., 7.]]])
    >>> M.reshape(2, 2, 2)[0]  # the mistake: token 0's whole row
    array([[0., 1.],
           [2., 3.]])
    """
    M = as_matrix("M", M, "(n_tokens, d_model)")
    n_heads = require_positive_int("n_heads", n_heads)
    if M.shape[1] % n_heads:
        raise ValueError(
            "M must have shape (n_tokens, d_model) with d_model "
            f"divisible by n_heads = {n_heads}; got {M.shape}"
        )
    return _split(M, n_heads)


def merge_heads(H) -> np.ndarray:
    """Put the heads back side by side, one row per token.

    Parameters
    ----------
    H : array_like, shape (n_heads, n_tokens, d_head)
        One (n_tokens, d_head) matrix per head, such as the per-head
        outputs ``A V``.

    Returns
    -------
    ndarray of float64, shape (n_tokens, n_heads * d_head)
        Row i is head 0's row i, then head 1's row i, and so on: the
        concatenation of the heads along the columns.

    Raises
    ------
    TypeError
        If ``H`` does not hold real numbers.
    ValueError
        If ``H`` is not 3-D, has an empty axis or is not finite.

    See Also
    --------
    split_heads : the inverse.

    Notes
    -----
    merge_heads(H)[i, h * d_head + c] = H[h, i, c], so
    ``merge_heads(split_heads(M, n_heads))`` equals ``M`` and
    ``split_heads(merge_heads(H), n_heads)`` equals ``H``.

    Examples
    --------
    >>> H = np.array([[[0.0, 1.0], [4.0, 5.0]],
    ...               [[2.0, 3.0], [6.0, 7.0]]])
    >>> merge_heads(H)
    array([[0., 1., 2., 3.],
           [4., 5., 6., 7.]])
    """
    shape = "(n_heads, n_tokens, d_head)"
    H = as_numbers("H", H)
    if H.ndim != 3:
        raise ValueError(
            f"H must be a 3-D array of shape {shape}; got {_describe(H)}"
        )
    if 0 in H.shape:
        raise ValueError(
            f"H must have shape {shape} with no empty axis; got {H.shape}"
        )
    require_finite("H", H)
    return _merge(H)


@dataclass(frozen=True, repr=False)
class MultiHeadResult:
    """Every intermediate matrix of one multi-head attention call.

    Attributes
    ----------
    Q, K, V : ndarray, shape (n_heads, n_tokens, d_head)
        Per-head queries, keys and values: ``split_heads(X @ W_q)`` and
        so on.
    S : ndarray, shape (n_heads, n_tokens, n_tokens)
        Per-head scores ``Q[h] K[h]^T / sqrt(d_head)`` as fed to the
        softmax: ``-inf`` where the mask disallows a pair.
    A : ndarray, shape (n_heads, n_tokens, n_tokens)
        Per-head attention weights; each row sums to 1 (or is all zeros
        when its query may attend to nothing).
    Z : ndarray, shape (n_tokens, d_model)
        The heads' outputs ``A[h] V[h]`` merged side by side.
    Y : ndarray, shape (n_tokens, d_model)
        Output ``Z @ W_o``.

    The arrays are read-only; take ``.copy()`` to edit one.
    """

    Q: np.ndarray
    K: np.ndarray
    V: np.ndarray
    S: np.ndarray
    A: np.ndarray
    Z: np.ndarray
    Y: np.ndarray

    def __post_init__(self):
        for value in vars(self).values():
            value.setflags(write=False)

    def __repr__(self) -> str:
        parts = ", ".join(
            f"{name}{value.shape}" for name, value in vars(self).items()
        )
        return f"MultiHeadResult({parts})"


def _check_square_weight(name: str, W, d_model: int) -> np.ndarray:
    W = as_matrix(name, W, "(d_model, d_model)")
    if W.shape != (d_model, d_model):
        raise ValueError(
            f"{name} must have shape (d_model, d_model) = "
            f"({d_model}, {d_model}) from X, all heads side by side; "
            f"got {W.shape}"
        )
    return W


def multi_head_attention(
    X, W_q, W_k, W_v, W_o, n_heads: int, allowed=None
) -> MultiHeadResult:
    """Run n_heads heads of scaled dot-product self-attention on X.

    Parameters
    ----------
    X : array_like, shape (n_tokens, d_model)
        One embedding row per token.
    W_q, W_k, W_v : array_like, shape (d_model, d_model)
        Query, key and value projections of all heads side by side:
        head h owns columns ``h * d_head`` to ``(h + 1) * d_head - 1``,
        with d_head = d_model / n_heads.
    W_o : array_like, shape (d_model, d_model)
        Output projection applied to the merged heads.
    n_heads : int
        Number of heads; it must divide d_model.
    allowed : array_like of bool, optional
        Broadcastable to (n_tokens, n_tokens); True where query i may
        attend to key j, such as ``causal_mask(n_tokens)``. The same
        mask applies to every head. ``None`` allows every pair.

    Returns
    -------
    MultiHeadResult
        Frozen, with per-head ``Q, K, V, S, A``, the merged ``Z`` and
        ``Y = Z @ W_o``.

    Raises
    ------
    TypeError
        If an input does not hold real numbers, ``n_heads`` is not a
        whole number, or ``allowed`` is not boolean.
    ValueError
        If d_model is not divisible by ``n_heads``, a weight is not
        (d_model, d_model), ``allowed`` does not broadcast to
        (n_tokens, n_tokens), an input holds NaN or inf, or a product
        overflows.

    Notes
    -----
    Q = split_heads(X W_q, n_heads), likewise K and V; for each head h,
    S[h] = Q[h] K[h]^T / sqrt(d_head) with -inf where not allowed and
    A[h] = softmax(S[h]) row by row; Z = merge_heads(A V); Y = Z W_o.
    Head h gives exactly what ``self_attention`` gives with columns
    ``h * d_head`` to ``(h + 1) * d_head - 1`` of W_q, W_k and W_v.
    The scale is sqrt(d_head), not sqrt(d_model): each head's scores
    are dot products of d_head numbers.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(3, 4))
    >>> W_q, W_k, W_v, W_o = rng.normal(size=(4, 4, 4))
    >>> result = multi_head_attention(X, W_q, W_k, W_v, W_o, n_heads=2)
    >>> result.Q.shape, result.A.shape, result.Z.shape
    ((2, 3, 2), (2, 3, 3), (3, 4))
    >>> result.A.sum(axis=-1)
    array([[1., 1., 1.],
           [1., 1., 1.]])
    """
    X = as_matrix("X", X, "(n_tokens, d_model)")
    n_tokens, d_model = X.shape
    n_heads = require_positive_int("n_heads", n_heads)
    if d_model % n_heads:
        raise ValueError(
            f"n_heads must divide d_model = {d_model} from X, so every "
            f"head gets d_head = d_model / n_heads columns; got "
            f"n_heads = {n_heads}"
        )
    W_q, W_k, W_v, W_o = (
        _check_square_weight(name, W, d_model)
        for name, W in zip(("W_q", "W_k", "W_v", "W_o"), (W_q, W_k, W_v, W_o))
    )
    if allowed is not None:
        allowed = as_mask("allowed", allowed, (n_tokens, n_tokens))
    Q, K, V = (_split(M, n_heads) for M in project_all(X, W_q, W_k, W_v))
    S = finite_product(Q, K.transpose(0, 2, 1), "the scores Q K^T")
    S /= np.sqrt(d_model // n_heads)
    if allowed is not None:
        S = np.where(allowed, S, -np.inf)
    A = stable_softmax(S, axis=-1)
    Z = _merge(finite_product(A, V, "A V"))
    Y = finite_product(Z, W_o, "Z W_o")
    return MultiHeadResult(Q=Q, K=K, V=V, S=S, A=A, Z=Z, Y=Y)
