"""Every refusal: its error type, and a message naming the argument."""

import re
import shutil

import numpy as np
import pytest

import qkvlib as qk
from qkvlib import examples

X = np.ones((3, 4))
W = np.ones((4, 3))
rng = np.random.default_rng(0)

CASES = [
    # (call, error type, text the message must contain)
    (lambda: qk.project(np.ones(4), W), ValueError,
     "X must be a 2-D array of shape (n_tokens, d_model); "
     "got a 1-D array of shape (4,)"),
    (lambda: qk.project([["a", "b"]], W), TypeError,
     "X must hold real numbers"),
    (lambda: qk.project([[1, 2], [3]], W), TypeError,
     "X must be an array of numbers"),
    (lambda: qk.project(X > 0, W), TypeError,
     "X must hold numbers; got a boolean array"),
    (lambda: qk.project(np.ones((0, 4)), W), ValueError,
     "X must have shape (n_tokens, d_model) with no empty axis"),
    (lambda: qk.project(X, np.ones((3, 3))), ValueError,
     "W must have shape (d_model, d_out) with d_model = 4 from X; "
     "got (3, 3)"),
    (lambda: qk.project(X, [[1.0, np.nan]] * 4), ValueError,
     "W must hold finite numbers; found nan at [0, 1]"),
    (lambda: qk.project(np.full((3, 4), np.inf), W), ValueError,
     "X must hold finite numbers; found inf at [0, 0]"),
    (lambda: qk.project(X, np.ones((4, 3), dtype=complex)), TypeError,
     "W must hold real numbers"),
    (lambda: qk.qkv(X, np.ones((3, 3)), W, W), ValueError,
     "W_q must have shape (d_model, d_k) with d_model = 4 from X; "
     "got (3, 3)"),
    (lambda: qk.qkv(X, W, np.ones((4, 2)), W), ValueError,
     "W_k must have shape (d_model, d_k) = (4, 3) to match W_q; "
     "got (4, 2)"),
    (lambda: qk.qkv(X, W, W, np.ones((5, 3))), ValueError,
     "W_v must have shape (d_model, d_v) with d_model = 4 from X; "
     "got (5, 3)"),
    (lambda: qk.scores(np.ones(3), W), ValueError,
     "Q must be a 2-D array of shape (n_queries, d_k)"),
    (lambda: qk.scores(np.ones((2, 3)), np.ones((2, 4))), ValueError,
     "K must have shape (n_keys, d_k) with d_k = 3 from Q; got (2, 4)"),
    (lambda: qk.scores(W, W, scale="yes"), TypeError,
     "scale must be True or False; got 'yes'"),
    (lambda: qk.scores([[1e200]], [[1e200]]), ValueError,
     "the scores Q K^T overflowed float64"),
    (lambda: qk.attention_weights(W, W, allowed=np.ones((4, 4))),
     TypeError, "allowed must be a boolean array (True = may attend); "
     "got dtype float64"),
    (lambda: qk.attention_weights(W, W, allowed=np.ones((3, 4), bool)),
     ValueError, "allowed must have shape (n_queries, n_keys) = (4, 4) "
     "or broadcast to it; got a 2-D array of shape (3, 4)"),
    (lambda: qk.attention_weights(W, W, allowed=np.ones((1, 4, 4), bool)),
     ValueError, "allowed must have shape (n_queries, n_keys) = (4, 4)"),
    (lambda: qk.weighted_sum(np.ones((2, 3)), np.ones((2, 3))),
     ValueError,
     "V must have shape (n_keys, d_v) with n_keys = 3 from A; got (2, 3)"),
    (lambda: qk.weighted_sum([[np.nan]], [[1.0]]), ValueError,
     "A must hold finite numbers"),
    (lambda: qk.self_attention(X, W, W, W, W_o=np.ones((4, 3))),
     ValueError, "W_o must have shape (d_v, d_model) = (3, 4) from W_v "
     "and X; got (4, 3)"),
    (lambda: qk.self_attention(X, W, W, W, allowed=[[1]]), TypeError,
     "allowed must be a boolean array"),
    (lambda: qk.causal_mask(0), ValueError,
     "n_tokens must be at least 1; got 0"),
    (lambda: qk.causal_mask(2.5), TypeError,
     "n_tokens must be a whole number; got float 2.5"),
    (lambda: qk.causal_mask(True), TypeError,
     "n_tokens must be a whole number; got bool True"),
    (lambda: qk.init_weights(4, 3, 0), TypeError,
     "rng must be a numpy.random.Generator"),
    (lambda: qk.init_weights(0, 3, rng), ValueError,
     "d_model must be at least 1; got 0"),
    (lambda: qk.init_weights(4, "3", rng), TypeError,
     "d_k must be a whole number; got str '3'"),
    (lambda: qk.init_weights(4, 3, rng, d_v=-1), ValueError,
     "d_v must be at least 1; got -1"),
    (lambda: qk.show("Q", np.ones((3, 2)), "(n_tokens, d_k)", d_k=3),
     ValueError, "Q has shape (3, 2), which does not fit (n_tokens, d_k) "
     "with d_k = 3"),
    (lambda: qk.show("S", np.ones((3, 2)), "(n_tokens, n_tokens)"),
     ValueError, "S has shape (3, 2), which does not fit "
     "(n_tokens, n_tokens) with n_tokens = 3"),
    (lambda: qk.show("X", np.ones((3, 2)), "(n_tokens,)"), ValueError,
     "X has shape (3, 2), which has 2 axes; (n_tokens,) has 1"),
    (lambda: qk.show("X", X, "n_tokens, d_model"), ValueError,
     "shape must be a symbolic shape such as '(n_tokens, d_k)'"),
    (lambda: qk.show("X", X, "(n_tokens, d_model)", rows=["a"]),
     ValueError, "rows must have 3 labels for X of shape (3, 4); got 1"),
    (lambda: qk.show("X", np.ones((2, 2, 2)), "(a, b, c)"), ValueError,
     "X must be 1-D or 2-D to show"),
    (lambda: qk.heatmap(X, kind="rainbow"), ValueError,
     "kind must be one of ('weights', 'signed'); got 'rainbow'"),
    (lambda: qk.heatmap(X * 2), ValueError,
     "M must hold values in [0, 1] for kind='weights'"),
    (lambda: qk.heatmap(X, rows=["a", "b"]), ValueError,
     "rows must have 3 labels, one per matrix row; got 2"),
    (lambda: qk.heatmap([[np.nan]]), ValueError,
     "M must not hold NaN or +inf"),
    (lambda: qk.heatmap(np.ones(3)), ValueError,
     "M must be a 2-D array of shape (n_rows, n_cols)"),
    (lambda: qk.load_example("cat"), ValueError,
     "name must be one of ['cat-eats-fish', 'cat-sat-mat']; got 'cat'"),
]


@pytest.mark.parametrize(
    ("call", "error", "text"), CASES,
    ids=[re.sub(r"\W+", "-", text)[:48] for _, _, text in CASES],
)
def test_refusal_names_the_argument(call, error, text):
    with pytest.raises(error) as caught:
        call()
    assert text in str(caught.value)


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    for path in examples.DATA_DIR.iterdir():
        if path.is_file():
            shutil.copy(path, tmp_path / path.name)
    monkeypatch.setattr(examples, "DATA_DIR", tmp_path)
    return tmp_path


def test_an_altered_data_file_is_refused(data_copy):
    path = data_copy / "cat-eats-fish.json"
    path.write_text(path.read_text().replace("0.9", "0.8", 1))
    with pytest.raises(ValueError, match="does not match its SHA-256"):
        qk.load_example("cat-eats-fish")
    assert qk.load_example("cat-sat-mat").X.shape == (10, 6)


def test_a_missing_data_file_is_named(data_copy):
    (data_copy / "cat-sat-mat.json").unlink()
    with pytest.raises(FileNotFoundError,
                       match="data/cat-sat-mat.json is missing"):
        qk.load_example("cat-sat-mat")


def test_a_missing_manifest_is_named(data_copy):
    (data_copy / "SHA256SUMS").unlink()
    with pytest.raises(FileNotFoundError,
                       match="data/SHA256SUMS is missing"):
        qk.load_example("cat-eats-fish")


@pytest.mark.parametrize(
    ("call", "text"),
    [
        (lambda: qk.project([[1e300]], [[1e300]]), "X W overflowed"),
        (lambda: qk.qkv([[1e300]], [[1.0]], [[1.0]], [[1e300]]),
         "V = X W_v overflowed"),
        (lambda: qk.weighted_sum([[1e300]], [[1e300]]), "A V overflowed"),
        (lambda: qk.self_attention([[1.0]], [[1.0]], [[1.0]], [[1e300]],
                                   W_o=[[1e300]]), "Z W_o overflowed"),
    ],
)
def test_overflow_is_refused_without_a_warning(call, text, recwarn):
    with pytest.raises(ValueError, match=text):
        call()
    assert not [w for w in recwarn if w.category is RuntimeWarning]


def test_example_data_cannot_be_edited_in_place():
    example = qk.load_example("cat-eats-fish")
    with pytest.raises(ValueError, match="read-only"):
        example.X[0, 0] = 5.0
    with pytest.raises(ValueError, match="read-only"):
        example.vocabulary["cat"][0] = 5.0
    assert qk.load_example("cat-eats-fish").X[0, 0] == 1.0
