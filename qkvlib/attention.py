"""Scores, weights and weighted sum: scaled dot-product attention."""

from dataclasses import dataclass

import numpy as np

from ._checks import as_mask, as_matrix, finite_product
from .projection import check_qkv_inputs, project_all
from .softmax import stable_softmax


def _check_scale(scale) -> bool:
    if not isinstance(scale, (bool, np.bool_)):
        raise TypeError(f"scale must be True or False; got {scale!r}")
    return bool(scale)


def _check_query_key(Q, K) -> tuple[np.ndarray, np.ndarray]:
    Q = as_matrix("Q", Q, "(n_queries, d_k)")
    K = as_matrix("K", K, "(n_keys, d_k)")
    if K.shape[1] != Q.shape[1]:
        raise ValueError(
            f"K must have shape (n_keys, d_k) with d_k = {Q.shape[1]} "
            f"from Q; got {K.shape}"
        )
    return Q, K


def _raw_scores(Q: np.ndarray, K: np.ndarray, scale: bool) -> np.ndarray:
    S = finite_product(Q, K.T, "the scores Q K^T")
    if scale:
        S /= np.sqrt(Q.shape[1])
    return S


def _masked_weights(S: np.ndarray, allowed) -> tuple[np.ndarray, np.ndarray]:
    if allowed is not None:
        allowed = as_mask("allowed", allowed, S.shape)
        S = np.where(allowed, S, -np.inf)
    return S, stable_softmax(S, axis=-1)


def scores(Q, K, scale: bool = True) -> np.ndarray:
    """Score every query against every key.

    Parameters
    ----------
    Q : array_like, shape (n_queries, d_k)
        One query row per token that asks.
    K : array_like, shape (n_keys, d_k)
        One key row per token that can be looked at.
    scale : bool, default True
        Divide by sqrt(d_k). ``False`` returns the raw dot products.

    Returns
    -------
    S : ndarray of float64, shape (n_queries, n_keys)
        ``S[i, j]`` says how well query i matches key j.

    Raises
    ------
    TypeError
        If an input does not hold real numbers, or ``scale`` is not a
        bool.
    ValueError
        If an input is not 2-D or not finite, Q and K differ in d_k, or
        the products overflow float64.

    Notes
    -----
    S = Q K^T / sqrt(d_k). Q and K may have different numbers of rows.
    S is not symmetric in general: query i against key j uses row i of
    Q and row j of K, while S[j, i] uses row j of Q and row i of K.

    Examples
    --------
    >>> scores([[1.0, 0.0]], [[1.0, 0.0], [0.0, 2.0]], scale=False)
    array([[1., 0.]])
    """
    scale = _check_scale(scale)
    Q, K = _check_query_key(Q, K)
    return _raw_scores(Q, K, scale)


def attention_weights(Q, K, allowed=None, scale: bool = True) -> np.ndarray:
    """Turn queries and keys into attention weights, row by row.

    Parameters
    ----------
    Q : array_like, shape (n_queries, d_k)
    K : array_like, shape (n_keys, d_k)
    allowed : array_like of bool, optional
        Broadcastable to (n_queries, n_keys); True where query i may
        attend to key j. ``None`` allows every pair.
    scale : bool, default True
        Divide the scores by sqrt(d_k) before the softmax.

    Returns
    -------
    A : ndarray of float64, shape (n_queries, n_keys)
        Each row sums to 1 over the keys it may attend to; a query with
        no allowed key gets a row of zeros (not NaN).

    Raises
    ------
    TypeError
        If ``allowed`` is not boolean, or as for ``scores``.
    ValueError
        If ``allowed`` does not broadcast to (n_queries, n_keys), or as
        for ``scores``.

    Notes
    -----
    A = softmax(S) over each row, where S = Q K^T / sqrt(d_k) and
    S[i, j] is replaced by -inf wherever ``allowed[i, j]`` is False.

    Examples
    --------
    >>> attention_weights([[0.0, 1.0]], [[0.0, 1.0], [0.0, 1.0]])
    array([[0.5, 0.5]])
    """
    scale = _check_scale(scale)
    Q, K = _check_query_key(Q, K)
    return _masked_weights(_raw_scores(Q, K, scale), allowed)[1]


def weighted_sum(A, V) -> np.ndarray:
    """Blend the value rows with the attention weights.

    Parameters
    ----------
    A : array_like, shape (n_queries, n_keys)
        Attention weights.
    V : array_like, shape (n_keys, d_v)
        One value row per key token.

    Returns
    -------
    Z : ndarray of float64, shape (n_queries, d_v)
        Row i is sum_j A[i, j] V[j]: the values, mixed by how much query
        i attends to each key.

    Raises
    ------
    TypeError
        If an input does not hold real numbers.
    ValueError
        If an input is not 2-D or not finite, or A has a column count
        other than V's row count.

    Examples
    --------
    >>> weighted_sum([[0.5, 0.5]], [[1.0, 0.0], [0.0, 4.0]])
    array([[0.5, 2. ]])
    """
    A = as_matrix("A", A, "(n_queries, n_keys)")
    V = as_matrix("V", V, "(n_keys, d_v)")
    if V.shape[0] != A.shape[1]:
        raise ValueError(
            f"V must have shape (n_keys, d_v) with n_keys = {A.shape[1]} "
            f"from A; got {V.shape}"
        )
    return finite_product(A, V, "A V")


@dataclass(frozen=True, repr=False)
class AttentionResult:
    """Every intermediate matrix of one self-attention call.

    Attributes
    ----------
    Q, K : ndarray, shape (n_tokens, d_k)
        Queries ``X @ W_q`` and keys ``X @ W_k``.
    V : ndarray, shape (n_tokens, d_v)
        Values ``X @ W_v``.
    S : ndarray, shape (n_tokens, n_tokens)
        Scores ``Q K^T / sqrt(d_k)`` as fed to the softmax: ``-inf``
        where the mask disallows a pair, so ``A == softmax(S)`` always.
    A : ndarray, shape (n_tokens, n_tokens)
        Attention weights; each row sums to 1 (or is all zeros when its
        query may attend to nothing).
    Z : ndarray, shape (n_tokens, d_v)
        Output ``A @ V``.
    Y : ndarray, shape (n_tokens, d_model), or None
        ``Z @ W_o`` when an output projection was given.

    The arrays are read-only; take ``.copy()`` to edit one.
    """

    Q: np.ndarray
    K: np.ndarray
    V: np.ndarray
    S: np.ndarray
    A: np.ndarray
    Z: np.ndarray
    Y: np.ndarray | None = None

    def __post_init__(self):
        for value in vars(self).values():
            if value is not None:
                value.setflags(write=False)

    def __repr__(self) -> str:
        parts = ", ".join(
            f"{name}{value.shape}"
            for name, value in vars(self).items()
            if value is not None
        )
        return f"AttentionResult({parts})"


def self_attention(X, W_q, W_k, W_v, allowed=None, W_o=None):
    """Run one head of scaled dot-product self-attention on X.

    Parameters
    ----------
    X : array_like, shape (n_tokens, d_model)
        One embedding row per token.
    W_q, W_k : array_like, shape (d_model, d_k)
        Query and key projections.
    W_v : array_like, shape (d_model, d_v)
        Value projection.
    allowed : array_like of bool, optional
        Broadcastable to (n_tokens, n_tokens); True where query i may
        attend to key j, such as ``causal_mask(n_tokens)``.
    W_o : array_like, shape (d_v, d_model), optional
        Output projection; when given, ``Y = Z @ W_o``.

    Returns
    -------
    AttentionResult
        Frozen, with fields ``Q, K, V, S, A, Z`` and ``Y`` (None without
        ``W_o``).

    Raises
    ------
    TypeError
        If an input does not hold real numbers or ``allowed`` is not
        boolean.
    ValueError
        If a shape disagrees with X (the message names the argument and
        the expected shape), an input holds NaN or inf, or the scores
        overflow.

    Notes
    -----
    Q = X W_q, K = X W_k, V = X W_v; S = Q K^T / sqrt(d_k) with -inf
    where not allowed; A = softmax(S) row by row; Z = A V. A query row
    with no allowed key gets all-zero weights, so its Z row is zero.

    Examples
    --------
    >>> X = np.eye(3)
    >>> W = np.ones((3, 2))
    >>> result = self_attention(X, W, W, W)
    >>> result.A
    array([[0.33333333, 0.33333333, 0.33333333],
           [0.33333333, 0.33333333, 0.33333333],
           [0.33333333, 0.33333333, 0.33333333]])
    """
    X, W_q, W_k, W_v = check_qkv_inputs(X, W_q, W_k, W_v)
    if W_o is not None:
        d_v, d_model = W_v.shape[1], X.shape[1]
        W_o = as_matrix("W_o", W_o, "(d_v, d_model)")
        if W_o.shape != (d_v, d_model):
            raise ValueError(
                f"W_o must have shape (d_v, d_model) = ({d_v}, {d_model}) "
                f"from W_v and X; got {W_o.shape}"
            )
    Q, K, V = project_all(X, W_q, W_k, W_v)
    S, A = _masked_weights(_raw_scores(Q, K, scale=True), allowed)
    Z = finite_product(A, V, "A V")
    Y = None if W_o is None else finite_product(Z, W_o, "Z W_o")
    return AttentionResult(Q=Q, K=K, V=V, S=S, A=A, Z=Z, Y=Y)
