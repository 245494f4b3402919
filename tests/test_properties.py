"""Properties that hold for every input, checked with hypothesis."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import qkvlib as qk

finite = st.floats(-10, 10, allow_nan=False, allow_infinity=False)


@st.composite
def attention_inputs(draw):
    n_tokens = draw(st.integers(1, 6))
    d_model = draw(st.integers(1, 5))
    d_k = draw(st.integers(1, 4))
    X = draw(arrays(np.float64, (n_tokens, d_model), elements=finite))
    W_q, W_k, W_v = (
        draw(arrays(np.float64, (d_model, d_k), elements=finite))
        for _ in range(3)
    )
    return X, W_q, W_k, W_v


@given(attention_inputs())
def test_rows_of_a_sum_to_one(inputs):
    A = qk.self_attention(*inputs).A
    np.testing.assert_allclose(A.sum(axis=1), 1.0, rtol=1e-12)
    assert (A >= 0).all()


@given(
    arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(1, 6)),
           elements=finite),
    st.floats(-100, 100, allow_nan=False),
)
def test_softmax_ignores_a_constant_added_to_a_row(S, constant):
    np.testing.assert_allclose(
        qk.softmax(S + constant), qk.softmax(S), rtol=1e-9, atol=1e-12
    )


@given(attention_inputs(), st.randoms(use_true_random=False))
def test_permuting_tokens_permutes_the_output_rows(inputs, random):
    X, W_q, W_k, W_v = inputs
    order = list(range(X.shape[0]))
    random.shuffle(order)
    Z = qk.self_attention(X, W_q, W_k, W_v).Z
    Z_permuted = qk.self_attention(X[order], W_q, W_k, W_v).Z
    np.testing.assert_allclose(Z_permuted, Z[order], rtol=1e-9, atol=1e-9)


@settings(max_examples=50)
@given(attention_inputs(), st.data())
def test_causal_mask_hides_the_future_from_earlier_tokens(inputs, data):
    X, W_q, W_k, W_v = inputs
    n_tokens = X.shape[0]
    new_last = data.draw(arrays(np.float64, X.shape[1], elements=finite))
    X_edited = X.copy()
    X_edited[-1] = new_last
    allowed = qk.causal_mask(n_tokens)
    Z = qk.self_attention(X, W_q, W_k, W_v, allowed=allowed).Z
    Z_edited = qk.self_attention(X_edited, W_q, W_k, W_v,
                                 allowed=allowed).Z
    np.testing.assert_array_equal(Z_edited[:-1], Z[:-1])
