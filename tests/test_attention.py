"""Scores, weights and self-attention against hand and loop results."""

import math

import numpy as np
import pytest

import qkvlib as qk


def loop_self_attention(X, W_q, W_k, W_v):
    """Self-attention with plain Python loops and math, no numpy maths.

    Written independently of qkvlib so that the two can only agree if
    both compute Q K^T / sqrt(d_k), a row softmax and A V.
    """
    X, W_q, W_k, W_v = (np.asarray(M).tolist() for M in (X, W_q, W_k, W_v))

    def matmul(left, right):
        return [
            [sum(a * b for a, b in zip(row, col)) for col in zip(*right)]
            for row in left
        ]

    Q, K, V = matmul(X, W_q), matmul(X, W_k), matmul(X, W_v)
    d_k = len(W_q[0])
    S = [
        [sum(q * k for q, k in zip(q_row, k_row)) / math.sqrt(d_k)
         for k_row in K]
        for q_row in Q
    ]
    A = []
    for row in S:
        top = max(row)
        exps = [math.exp(s - top) for s in row]
        total = sum(exps)
        A.append([e / total for e in exps])
    Z = matmul(A, V)
    return Q, K, V, S, A, Z


@pytest.fixture
def cat_eats_fish():
    example = qk.load_example("cat-eats-fish")
    weights = qk.init_weights(4, 3, np.random.default_rng(55))
    return example.X, weights


def test_self_attention_matches_the_loop_version(cat_eats_fish):
    X, (W_q, W_k, W_v) = cat_eats_fish
    result = qk.self_attention(X, W_q, W_k, W_v)
    expected = loop_self_attention(X, W_q, W_k, W_v)
    for name, want in zip("QKVSAZ", expected):
        np.testing.assert_allclose(
            getattr(result, name), want, rtol=1e-12, atol=1e-12,
            err_msg=name,
        )
    assert result.Y is None


def test_cat_eats_fish_data_are_the_shipped_numbers():
    example = qk.load_example("cat-eats-fish")
    assert example.tokens == ["Cat", "eats", "fish"]
    np.testing.assert_array_equal(
        example.X,
        [[1.0, 0.0, 0.1, 0.6], [0.1, 1.0, 0.4, 0.0], [0.7, 0.0, 0.9, 0.8]],
    )


def test_scores_by_hand_with_two_queries_and_three_keys():
    Q = [[1.0, 2.0], [0.0, -1.0]]
    K = [[1.0, 0.0], [1.0, 1.0], [-2.0, 4.0]]
    # By hand: q0.k = 1, 3, 6 and q1.k = 0, -1, -4; scaled by sqrt(2).
    raw = np.array([[1.0, 3.0, 6.0], [0.0, -1.0, -4.0]])
    np.testing.assert_allclose(qk.scores(Q, K, scale=False), raw)
    np.testing.assert_allclose(qk.scores(Q, K), raw / math.sqrt(2))
    assert qk.scores(Q, K).shape == (2, 3)


def test_attention_weights_with_a_causal_mask():
    Q = K = np.eye(3)
    A = qk.attention_weights(Q, K, allowed=qk.causal_mask(3), scale=False)
    np.testing.assert_allclose(A[0], [1.0, 0.0, 0.0])
    e = math.e
    np.testing.assert_allclose(A[1], [1 / (1 + e), e / (1 + e), 0.0])
    np.testing.assert_allclose(A.sum(axis=1), [1.0, 1.0, 1.0])


def test_a_query_with_no_allowed_key_gets_zero_weights_and_output():
    X = np.eye(3)
    allowed = np.ones((3, 3), dtype=bool)
    allowed[1] = False
    W = np.arange(9.0).reshape(3, 3) / 10
    result = qk.self_attention(X, W, W, W, allowed=allowed)
    np.testing.assert_array_equal(result.A[1], [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(result.Z[1], [0.0, 0.0, 0.0])
    assert np.isneginf(result.S[1]).all()
    np.testing.assert_allclose(result.A[[0, 2]].sum(axis=1), [1.0, 1.0])


def test_scores_field_is_what_the_softmax_saw(cat_eats_fish):
    X, (W_q, W_k, W_v) = cat_eats_fish
    result = qk.self_attention(X, W_q, W_k, W_v, allowed=qk.causal_mask(3))
    np.testing.assert_array_equal(result.A, qk.softmax(result.S))
    assert np.isneginf(result.S[0, 1:]).all()


def test_weighted_sum_by_hand():
    A = [[0.25, 0.75], [1.0, 0.0]]
    V = [[4.0, 0.0, 8.0], [0.0, 4.0, -4.0]]
    np.testing.assert_allclose(
        qk.weighted_sum(A, V), [[1.0, 3.0, -1.0], [4.0, 0.0, 8.0]]
    )


def test_output_projection(cat_eats_fish):
    X, (W_q, W_k, W_v) = cat_eats_fish
    W_o = np.arange(12.0).reshape(3, 4) / 12
    result = qk.self_attention(X, W_q, W_k, W_v, W_o=W_o)
    np.testing.assert_allclose(result.Y, result.Z @ W_o)
    assert result.Y.shape == (3, 4)


def test_result_is_frozen_and_read_only(cat_eats_fish):
    X, (W_q, W_k, W_v) = cat_eats_fish
    result = qk.self_attention(X, W_q, W_k, W_v)
    with pytest.raises(AttributeError):
        result.A = None
    with pytest.raises(ValueError, match="read-only"):
        result.A[0, 0] = 1.0


def test_inputs_are_not_modified_and_lists_and_ints_work():
    X = [[1, 0], [0, 1]]
    W = [[1, 2], [3, 4]]
    result = qk.self_attention(X, W, W, W)
    assert X == [[1, 0], [0, 1]] and W == [[1, 2], [3, 4]]
    assert result.Z.dtype == np.float64
    X_array = np.array(X, dtype=np.float64)
    qk.self_attention(X_array, W, W, W)
    np.testing.assert_array_equal(X_array, np.eye(2))


def test_qkv_and_project_agree(cat_eats_fish):
    X, (W_q, W_k, W_v) = cat_eats_fish
    Q, K, V = qk.qkv(X, W_q, W_k, W_v)
    np.testing.assert_allclose(Q, qk.project(X, W_q))
    np.testing.assert_allclose(K, qk.project(X, W_k))
    np.testing.assert_allclose(V, qk.project(X, W_v))


def test_init_weights_is_reproducible_and_small():
    first = qk.init_weights(64, 8, np.random.default_rng(1), d_v=5)
    second = qk.init_weights(64, 8, np.random.default_rng(1), d_v=5)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert [W.shape for W in first] == [(64, 8), (64, 8), (64, 5)]
    std = np.concatenate([W.ravel() for W in first]).std()
    assert 0.10 < std < 0.15  # 1 / sqrt(64) = 0.125


def test_causal_mask_values():
    np.testing.assert_array_equal(
        qk.causal_mask(3),
        [[True, False, False], [True, True, False], [True, True, True]],
    )
