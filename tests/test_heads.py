"""Many heads and padding: against single-head runs and hand results."""

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import qkvlib as qk

N_TOKENS, D_MODEL, N_HEADS = 5, 6, 3
D_HEAD = D_MODEL // N_HEADS

# Small inputs for the refusals at the end.
X = np.ones((3, 4))
W = np.ones((4, 4))


@pytest.fixture
def inputs():
    rng = np.random.default_rng(55)
    X = rng.normal(size=(N_TOKENS, D_MODEL))
    W_q, W_k, W_v, W_o = rng.normal(size=(4, D_MODEL, D_MODEL)) / 2
    return X, W_q, W_k, W_v, W_o


@given(
    n_tokens=st.integers(1, 6),
    n_heads=st.integers(1, 4),
    d_head=st.integers(1, 4),
    seed=st.integers(0, 2**32 - 1),
)
def test_split_and_merge_are_inverse(n_tokens, n_heads, d_head, seed):
    rng = np.random.default_rng(seed)
    M = rng.normal(size=(n_tokens, n_heads * d_head))
    H = qk.split_heads(M, n_heads)
    assert H.shape == (n_heads, n_tokens, d_head)
    np.testing.assert_array_equal(qk.merge_heads(H), M)
    np.testing.assert_array_equal(qk.split_heads(qk.merge_heads(H), n_heads),
                                  H)


def test_split_gives_each_head_its_columns_of_every_token():
    M = np.arange(12.0).reshape(2, 6)
    H = qk.split_heads(M, 3)
    for h in range(3):
        np.testing.assert_array_equal(H[h], M[:, 2 * h:2 * h + 2])


def test_split_and_merge_leave_their_input_alone():
    M = np.arange(8.0).reshape(2, 4)
    H = qk.split_heads(M, 2)
    H[0, 0, 0] = 99.0
    assert M[0, 0] == 0.0
    Z = qk.merge_heads(H)
    Z[0, 0] = -1.0
    assert H[0, 0, 0] == 99.0


def per_head_runs(X, W_q, W_k, W_v, allowed=None):
    """Run every head on its own, with its columns of W_q, W_k, W_v."""
    return [
        qk.self_attention(
            X,
            W_q[:, h * D_HEAD:(h + 1) * D_HEAD],
            W_k[:, h * D_HEAD:(h + 1) * D_HEAD],
            W_v[:, h * D_HEAD:(h + 1) * D_HEAD],
            allowed=allowed,
        )
        for h in range(N_HEADS)
    ]


@pytest.mark.parametrize("allowed", [None, qk.causal_mask(N_TOKENS)])
def test_heads_run_separately_equal_multi_head_attention(inputs, allowed):
    X, W_q, W_k, W_v, W_o = inputs
    result = qk.multi_head_attention(X, W_q, W_k, W_v, W_o, N_HEADS,
                                     allowed=allowed)
    heads = per_head_runs(X, W_q, W_k, W_v, allowed=allowed)
    for h, head in enumerate(heads):
        for name in "QKVSA":
            np.testing.assert_allclose(
                getattr(result, name)[h], getattr(head, name),
                rtol=1e-12, atol=1e-12, err_msg=f"{name} of head {h}",
            )
    Z = np.concatenate([head.Z for head in heads], axis=1)
    np.testing.assert_allclose(result.Z, Z, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(result.Y, Z @ W_o, rtol=1e-12, atol=1e-12)
    assert result.Z.shape == result.Y.shape == (N_TOKENS, D_MODEL)
    assert result.A.shape == result.S.shape == (N_HEADS, N_TOKENS, N_TOKENS)


def test_one_head_is_self_attention(inputs):
    X, W_q, W_k, W_v, W_o = inputs
    result = qk.multi_head_attention(X, W_q, W_k, W_v, W_o, 1)
    single = qk.self_attention(X, W_q, W_k, W_v, W_o=W_o)
    np.testing.assert_allclose(result.A[0], single.A, rtol=1e-12)
    np.testing.assert_allclose(result.Y, single.Y, rtol=1e-12, atol=1e-12)


def test_a_plain_reshape_mixes_tokens_and_heads(inputs):
    X, W_q, W_k, W_v, W_o = inputs
    result = qk.multi_head_attention(X, W_q, W_k, W_v, W_o, N_HEADS)
    shape = (N_HEADS, N_TOKENS, D_HEAD)
    Q, K, V = ((X @ W).reshape(shape) for W in (W_q, W_k, W_v))
    assert not np.allclose(Q, result.Q)
    S = Q @ K.transpose(0, 2, 1) / np.sqrt(D_HEAD)
    A = qk.softmax(S)
    assert not np.allclose(A, result.A)
    Z = qk.merge_heads(A @ V)
    assert not np.allclose(Z, result.Z)


def test_scale_is_sqrt_d_head_not_sqrt_d_model(inputs):
    X, W_q, W_k, W_v, W_o = inputs
    result = qk.multi_head_attention(X, W_q, W_k, W_v, W_o, N_HEADS)
    raw = result.Q @ result.K.transpose(0, 2, 1)
    np.testing.assert_allclose(result.S, raw / np.sqrt(D_HEAD))


def test_the_mask_applies_to_every_head(inputs):
    X, W_q, W_k, W_v, W_o = inputs
    allowed = qk.causal_mask(N_TOKENS) & qk.padding_mask(N_TOKENS, 3)
    result = qk.multi_head_attention(X, W_q, W_k, W_v, W_o, N_HEADS,
                                     allowed=allowed)
    assert (result.A[:, ~allowed] == 0.0).all()
    assert np.isneginf(result.S[:, ~allowed]).all()
    np.testing.assert_allclose(result.A.sum(axis=-1), 1.0)


def test_result_is_frozen_read_only_and_inputs_unchanged(inputs):
    X, W_q, W_k, W_v, W_o = inputs
    copies = [M.copy() for M in inputs]
    result = qk.multi_head_attention(X, W_q, W_k, W_v, W_o, N_HEADS)
    for before, after in zip(copies, inputs):
        np.testing.assert_array_equal(before, after)
    with pytest.raises(AttributeError):
        result.A = None
    for name in "QKVSAZY":
        with pytest.raises(ValueError, match="read-only"):
            getattr(result, name).flat[0] = 1.0
    assert repr(result).startswith("MultiHeadResult(Q(3, 5, 2), ")


def test_padding_mask_values():
    np.testing.assert_array_equal(
        qk.padding_mask(4, 2),
        [[True, True, False, False]] * 4,
    )
    np.testing.assert_array_equal(qk.padding_mask(3, 3), np.ones((3, 3)))
    assert qk.padding_mask(1, 1).dtype == bool


def test_causal_and_padding_combined():
    np.testing.assert_array_equal(
        qk.causal_mask(4) & qk.padding_mask(4, 2),
        [
            [True, False, False, False],
            [True, True, False, False],
            [True, True, False, False],
            [True, True, False, False],
        ],
    )


def test_padding_hides_keys_so_real_tokens_ignore_the_pads(inputs):
    X, W_q, W_k, W_v, W_o = inputs
    n_valid = 3
    allowed = qk.padding_mask(N_TOKENS, n_valid)
    padded = qk.multi_head_attention(X, W_q, W_k, W_v, W_o, N_HEADS,
                                     allowed=allowed)
    other = X.copy()
    other[n_valid:] = 100.0  # change the pads: real rows must not move
    changed = qk.multi_head_attention(other, W_q, W_k, W_v, W_o, N_HEADS,
                                      allowed=allowed)
    np.testing.assert_allclose(padded.Y[:n_valid], changed.Y[:n_valid])
    short = qk.multi_head_attention(X[:n_valid], W_q, W_k, W_v, W_o,
                                    N_HEADS)
    np.testing.assert_allclose(padded.Y[:n_valid], short.Y)


CASES = [
    # (call, error type, text the message must contain)
    (lambda: qk.split_heads(np.ones((2, 4)), 3), ValueError,
     "M must have shape (n_tokens, d_model) with d_model divisible by "
     "n_heads = 3; got (2, 4)"),
    (lambda: qk.split_heads(np.ones(4), 2), ValueError,
     "M must be a 2-D array of shape (n_tokens, d_model); "
     "got a 1-D array of shape (4,)"),
    (lambda: qk.split_heads(W, 0), ValueError,
     "n_heads must be at least 1; got 0"),
    (lambda: qk.split_heads(W, 2.0), TypeError,
     "n_heads must be a whole number; got float 2.0"),
    (lambda: qk.merge_heads(W), ValueError,
     "H must be a 3-D array of shape (n_heads, n_tokens, d_head); "
     "got a 2-D array of shape (4, 4)"),
    (lambda: qk.merge_heads(np.ones((2, 0, 3))), ValueError,
     "H must have shape (n_heads, n_tokens, d_head) with no empty axis; "
     "got (2, 0, 3)"),
    (lambda: qk.merge_heads(np.full((1, 1, 1), np.nan)), ValueError,
     "H must hold finite numbers; found nan at [0, 0, 0]"),
    (lambda: qk.merge_heads([[["a"]]]), TypeError,
     "H must hold real numbers"),
    (lambda: qk.multi_head_attention(X, W, W, W, W, 3), ValueError,
     "n_heads must divide d_model = 4 from X, so every head gets "
     "d_head = d_model / n_heads columns; got n_heads = 3"),
    (lambda: qk.multi_head_attention(X, W, W, W, W, "2"), TypeError,
     "n_heads must be a whole number; got str '2'"),
    (lambda: qk.multi_head_attention(X, np.ones((4, 2)), W, W, W, 2),
     ValueError, "W_q must have shape (d_model, d_model) = (4, 4) from X, "
     "all heads side by side; got (4, 2)"),
    (lambda: qk.multi_head_attention(X, W, W, np.ones((3, 4)), W, 2),
     ValueError, "W_v must have shape (d_model, d_model) = (4, 4)"),
    (lambda: qk.multi_head_attention(X, W, W, W, np.ones((2, 4)), 2),
     ValueError, "W_o must have shape (d_model, d_model) = (4, 4) from X, "
     "all heads side by side; got (2, 4)"),
    (lambda: qk.multi_head_attention(X, W, W, W, W, 2,
                                     allowed=np.ones((3, 4), bool)),
     ValueError, "allowed must have shape (n_queries, n_keys) = (3, 3) "
     "or broadcast to it; got a 2-D array of shape (3, 4)"),
    (lambda: qk.multi_head_attention(X, W, W, W, W, 2,
                                     allowed=np.ones((2, 3, 3), bool)),
     ValueError, "allowed must have shape (n_queries, n_keys) = (3, 3) "
     "or broadcast to it; got a 3-D array of shape (2, 3, 3)"),
    (lambda: qk.multi_head_attention(X, W, W, W, W, 2,
                                     allowed=np.ones((3, 3))),
     TypeError, "allowed must be a boolean array (True = may attend); "
     "got dtype float64"),
    (lambda: qk.multi_head_attention(X, W, W, W, W, 2, allowed=[[1]]),
     TypeError, "allowed must be a boolean array (True = may attend); "
     "got dtype int"),
    (lambda: qk.multi_head_attention([[1e200] * 4], W * 1e200, W, W, W, 2),
     ValueError, "Q = X W_q overflowed float64"),
    (lambda: qk.padding_mask(4, 0), ValueError,
     "n_valid must be between 1 and n_tokens = 4; got 0"),
    (lambda: qk.padding_mask(4, 5), ValueError,
     "n_valid must be between 1 and n_tokens = 4; got 5"),
    (lambda: qk.padding_mask(4, 2.5), TypeError,
     "n_valid must be a whole number; got float 2.5"),
    (lambda: qk.padding_mask(4, True), TypeError,
     "n_valid must be a whole number; got bool True"),
    (lambda: qk.padding_mask(0, 1), ValueError,
     "n_tokens must be at least 1; got 0"),
]


@pytest.mark.parametrize(
    ("call", "error", "text"), CASES,
    ids=[re.sub(r"\W+", "-", text)[:48] for _, _, text in CASES],
)
def test_refusal_names_the_argument(call, error, text):
    with pytest.raises(error) as caught:
        call()
    assert text in str(caught.value)
