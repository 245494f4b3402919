"""Projections: the learned matrices W_q, W_k, W_v applied to X."""

import numpy as np

from ._checks import as_matrix, finite_product, require_positive_int


def check_weight(
    name: str, W, d_model: int, cols: str, n_cols: int | None = None
) -> np.ndarray:
    """Return weight ``W`` as float64 if it has shape (d_model, cols).

    ``cols`` is the symbolic name of the column count (``"d_k"``); when
    ``n_cols`` is given, the column count must equal it too.
    """
    W = as_matrix(name, W, f"(d_model, {cols})")
    if W.shape[0] != d_model:
        raise ValueError(
            f"{name} must have shape (d_model, {cols}) with d_model = "
            f"{d_model} from X; got {W.shape}"
        )
    if n_cols is not None and W.shape[1] != n_cols:
        raise ValueError(
            f"{name} must have shape (d_model, {cols}) = "
            f"({d_model}, {n_cols}) to match W_q; got {W.shape}"
        )
    return W


def project(X, W) -> np.ndarray:
    """Project every token's embedding row through one weight matrix.

    Parameters
    ----------
    X : array_like, shape (n_tokens, d_model)
        One embedding row per token.
    W : array_like, shape (d_model, d_out)
        A projection such as W_q, W_k or W_v.

    Returns
    -------
    ndarray of float64, shape (n_tokens, d_out)
        ``X @ W``: row i is token i's embedding mapped to a new space.

    Raises
    ------
    TypeError
        If an input does not hold real numbers.
    ValueError
        If an input is not 2-D, holds NaN or inf, or the inner sizes
        (d_model) do not agree.

    Notes
    -----
    (X W)[i, c] = sum_m X[i, m] W[m, c]: column c of W says how much of
    each embedding feature goes into output feature c.

    Examples
    --------
    >>> project([[1, 0], [0, 1], [1, 1]], [[1, 2, 0], [0, 1, 3]])
    array([[1., 2., 0.],
           [0., 1., 3.],
           [1., 3., 3.]])
    """
    X = as_matrix("X", X, "(n_tokens, d_model)")
    W = check_weight("W", W, X.shape[1], "d_out")
    return finite_product(X, W, "X W")


def qkv(X, W_q, W_k, W_v) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Compute the queries, keys and values of every token.

    Parameters
    ----------
    X : array_like, shape (n_tokens, d_model)
        One embedding row per token.
    W_q, W_k : array_like, shape (d_model, d_k)
        Query and key projections; they must share d_k, because scores
        are dot products of a query with a key.
    W_v : array_like, shape (d_model, d_v)
        Value projection.

    Returns
    -------
    Q, K : ndarray of float64, shape (n_tokens, d_k)
        ``X @ W_q`` and ``X @ W_k``.
    V : ndarray of float64, shape (n_tokens, d_v)
        ``X @ W_v``.

    Raises
    ------
    TypeError
        If an input does not hold real numbers.
    ValueError
        If an input is not 2-D or not finite, a weight's rows differ
        from d_model, or W_k's columns differ from W_q's.

    Examples
    --------
    >>> Q, K, V = qkv(np.eye(2), np.ones((2, 3)), np.ones((2, 3)),
    ...               np.ones((2, 1)))
    >>> Q.shape, K.shape, V.shape
    ((2, 3), (2, 3), (2, 1))
    """
    return project_all(*check_qkv_inputs(X, W_q, W_k, W_v))


def project_all(X, W_q, W_k, W_v):
    """Return Q, K, V from inputs that check_qkv_inputs passed."""
    return (
        finite_product(X, W_q, "Q = X W_q"),
        finite_product(X, W_k, "K = X W_k"),
        finite_product(X, W_v, "V = X W_v"),
    )


def check_qkv_inputs(X, W_q, W_k, W_v):
    """Validate X and the three projections; return them as float64."""
    X = as_matrix("X", X, "(n_tokens, d_model)")
    d_model = X.shape[1]
    W_q = check_weight("W_q", W_q, d_model, "d_k")
    W_k = check_weight("W_k", W_k, d_model, "d_k", W_q.shape[1])
    W_v = check_weight("W_v", W_v, d_model, "d_v")
    return X, W_q, W_k, W_v


def init_weights(
    d_model: int, d_k: int, rng: np.random.Generator, d_v: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draw small random W_q, W_k, W_v, as at the start of training.

    Parameters
    ----------
    d_model : int
        Width of an embedding row.
    d_k : int
        Width of a query and a key.
    rng : numpy.random.Generator
        The notebook's seeded generator; the draws come from it in the
        order W_q, W_k, W_v.
    d_v : int, optional
        Width of a value; defaults to ``d_k``.

    Returns
    -------
    W_q, W_k : ndarray of float64, shape (d_model, d_k)
    W_v : ndarray of float64, shape (d_model, d_v)

    Raises
    ------
    TypeError
        If a size is not a whole number or ``rng`` is not a Generator.
    ValueError
        If a size is less than 1.

    Notes
    -----
    Entries are normal with mean 0 and standard deviation
    1 / sqrt(d_model), so a projected entry sum_m X[i, m] W[m, c] of an
    embedding with unit-size entries has about unit size too. Real
    models learn these matrices by backpropagation; this series never
    trains them.

    Examples
    --------
    >>> W_q, W_k, W_v = init_weights(4, 3, np.random.default_rng(0))
    >>> W_q.shape, W_v.shape
    ((4, 3), (4, 3))
    """
    d_model = require_positive_int("d_model", d_model)
    d_k = require_positive_int("d_k", d_k)
    d_v = d_k if d_v is None else require_positive_int("d_v", d_v)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            "rng must be a numpy.random.Generator, such as "
            f"np.random.default_rng(0); got {type(rng).__name__}"
        )
    std = 1.0 / np.sqrt(d_model)
    W_q = rng.normal(0.0, std, size=(d_model, d_k))
    W_k = rng.normal(0.0, std, size=(d_model, d_k))
    W_v = rng.normal(0.0, std, size=(d_model, d_v))
    return W_q, W_k, W_v
