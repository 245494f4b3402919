"""The trained model's data in data/minilm/, read without PyTorch.

Every figure asserted here was measured on the shipped files; the bands
around them are tight enough that a rebuilt data set with a different
meaning would fail, and loose enough for float rounding across
machines.
"""

import shutil

import numpy as np
import pytest

from qkvlib import minilm
from qkvlib.minilm import head_attention, load_minilm
from qkvlib.wordpiece import WordPiece, basic_split, parse_vocab

CAT = "The cat sat on the mat because it was comfortable"
CONTROL = "The cat sat on the mat because it was tired"


@pytest.fixture(scope="module")
def model():
    return load_minilm()


def test_what_ships(model):
    assert (model.n_layers, model.n_heads) == (6, 12)
    assert (model.d_model, model.d_head) == (384, 32)
    assert model.layers == (0, 2, 5)
    assert model.value_layers == (0,)
    assert len(model.sentences) == 20
    assert CAT in model.texts and CONTROL in model.texts
    assert "Cat eats fish" in model.texts
    for sentence in model.sentences:
        n_tokens = len(sentence.tokens)
        assert sentence.tokens[0] == "[CLS]"
        assert sentence.tokens[-1] == "[SEP]"
        assert sentence.attention.shape == (6, 12, n_tokens, n_tokens)
        np.testing.assert_allclose(
            sentence.attention.sum(axis=-1), 1.0, atol=1e-6
        )
        for layer in model.layers:
            assert sentence.X(layer).shape == (n_tokens, 384)


def test_heads_have_the_series_shapes(model):
    head = model.head(0, 2)
    assert head.W_q.shape == head.W_k.shape == head.W_v.shape == (384, 32)
    assert head.b_q.shape == head.b_k.shape == head.b_v.shape == (32,)
    later = model.head(5, 3)
    assert later.W_v is None and later.b_v is None
    assert not head.W_q.flags.writeable
    assert not model.sentences[0].X(0).flags.writeable
    assert repr(head) == (
        "Head(layer=0, head=2: W_q(384, 32), b_q, W_k, b_k, W_v, b_v)"
    )


def test_every_shipped_head_reproduces_the_model(model):
    worst = 0.0
    count = 0
    for sentence in model.sentences:
        for layer in model.layers:
            X = sentence.X(layer)
            for head in range(model.n_heads):
                A = model.attention(X, layer, head)
                A_model = sentence.attention[layer, head]
                worst = max(worst, float(np.abs(A - A_model).max()))
                count += 1
    assert count == 20 * 3 * 12
    # Measured: 7.96e-07, float32 rounding in the model's own output.
    assert worst <= 1e-5
    assert 1e-7 < worst < 2e-6


def test_the_attention_is_the_series_own_arithmetic(model):
    sentence = model.sentence(CAT)
    X = sentence.X(0)
    head = model.head(0, 5)
    Q = X @ head.W_q + head.b_q
    K = X @ head.W_k + head.b_k
    S = Q @ K.T / np.sqrt(32)
    A = np.exp(S - S.max(axis=1, keepdims=True))
    A /= A.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(A, model.attention(X, 0, 5), atol=1e-12)
    np.testing.assert_allclose(A, sentence.attention[0, 5], atol=1e-5)


def test_the_key_bias_changes_nothing_and_the_query_bias_does(model):
    X = model.sentence(CAT).X(0)
    head = model.head(0, 2)
    full = head_attention(X, head.W_q, head.W_k, head.b_q, head.b_k)
    no_key_bias = head_attention(X, head.W_q, head.W_k, head.b_q, None)
    no_query_bias = head_attention(X, head.W_q, head.W_k, None, head.b_k)
    assert np.abs(full - no_key_bias).max() < 1e-12
    assert np.abs(full - no_query_bias).max() > 0.01


def test_embed_rebuilds_the_layer_0_input(model):
    worst_x = worst_a = 0.0
    for sentence in model.sentences:
        tokens, X = model.embed(sentence.text)
        assert tokens == sentence.tokens
        worst_x = max(worst_x, float(np.abs(X - sentence.X(0)).max()))
        for head in range(model.n_heads):
            A = model.attention(X, 0, head)
            diff = np.abs(A - sentence.attention[0, head]).max()
            worst_a = max(worst_a, float(diff))
    # Measured: X within 1.20e-03 and A within 2.48e-04 of the model's;
    # the gap is the float16 rounding of the shipped word embeddings.
    assert 1e-4 < worst_x < 2e-3
    assert 1e-5 < worst_a < 5e-4


def test_embed_takes_any_sentence(model):
    tokens, X = model.embed("Hello, my name is Ada and I like tea.")
    assert tokens == ["[CLS]", "hello", ",", "my", "name", "is", "[UNK]",
                      "and", "i", "like", "tea", ".", "[SEP]"]
    assert model.unknown_words("Hello, my name is Ada") == ["ada"]
    assert X.shape == (13, 384)
    assert not X.flags.writeable
    assert np.isfinite(X).all()


def test_tokenizer_matches_the_model_on_every_curated_sentence(model):
    pieces = WordPiece(model.vocabulary)
    distinct = set()
    for sentence in model.sentences:
        tokens, ids = pieces.encode(sentence.text)
        assert tokens == sentence.tokens
        assert ids == sentence.ids.tolist()
        assert model.tokenize(sentence.text) == sentence.tokens
        distinct.update(ids)
    # Coverage: every token of the curated sentences ships.
    assert len(distinct) == 103
    assert distinct <= model.shipped_ids
    assert len(model.shipped_ids) == 6059


@pytest.mark.parametrize(
    ("text", "pieces"),
    [
        ("Hello, world!", ["hello", ",", "world", "!"]),
        ("isn't it?", ["isn", "'", "t", "it", "?"]),
        ("naïve café", ["naive", "cafe"]),
        ("3.14 e-mail", ["3", ".", "14", "e", "-", "mail"]),
        ("Queries", ["que", "##ries"]),
        ("giraffe", ["gi", "##raf", "##fe"]),
        ("tab\tnew\nline", ["tab", "new", "line"]),
        ("a\x07b", ["ab"]),
        ("中文", ["中", "文"]),
        ("🙂 ok", ["[UNK]", "ok"]),
        ("x" * 101, ["[UNK]"]),
    ],
)
def test_tokenizer_hand_written_cases(model, text, pieces):
    assert WordPiece(model.vocabulary).tokenize(text) == pieces


def test_a_word_outside_the_shipped_vocabulary_is_one_unk(model):
    assert model.tokenize("The cat met a quokka.") == [
        "[CLS]", "the", "cat", "met", "a", "[UNK]", ".", "[SEP]"
    ]
    assert model.unknown_words("The cat met a quokka.") == ["quokka"]


def test_words_no_vocabulary_can_cut_are_unknown_too(model):
    text = "ok 🙂 Привет " + "x" * 101
    assert model.tokenize(text) == ["[CLS]", "ok", "[UNK]", "[UNK]",
                                    "[UNK]", "[SEP]"]
    assert model.unknown_words(text) == ["🙂", "привет", "x" * 101]


def test_wordpiece_is_greedy_longest_match_first():
    pieces = WordPiece(parse_vocab("[UNK]\nun\nuna\n##able\n##ble\nab\n"))
    assert pieces.tokenize("unable") == ["una", "##ble"]
    # A word that cannot be finished becomes one [UNK], not half a word.
    assert pieces.tokenize("abc un") == ["[UNK]", "un"]
    assert basic_split("Ça va?") == ["ca", "va", "?"]


@pytest.mark.parametrize(
    ("call", "error", "text"),
    [
        (lambda m: m.head(1, 0), ValueError,
         "layer must be one of the shipped layers (0, 2, 5); got 1"),
        (lambda m: m.head(0, 12), ValueError,
         "head must be one of the heads (0, 1, 2"),
        (lambda m: m.head(0, 1.5), TypeError,
         "head must be a whole number; got float 1.5"),
        (lambda m: m.sentences[0].X(3), ValueError,
         "layer must be one of the layers (0, 2, 5); got 3"),
        (lambda m: m.sentence("The cat"), ValueError,
         "text must be one of the 20 curated sentences"),
        (lambda m: m.embed("word " * 127), ValueError,
         "text must have at most 128 tokens, [CLS] and [SEP] included; "
         "got 129"),
        (lambda m: m.tokenize(3), TypeError, "text must be a str; got int"),
        (lambda m: head_attention(np.ones((2, 4)), np.ones((4, 3)),
                                  np.ones((4, 3)), b_q=np.ones(4)),
         ValueError, "b_q must have shape (d_k,) = (3,) to match the "
         "weights; got (4,)"),
        (lambda m: head_attention(np.ones((2, 4)), np.ones((3, 3)),
                                  np.ones((4, 3))),
         ValueError, "W_q must have shape (d_model, d_k) with d_model = 4"),
        (lambda m: WordPiece({"a": 0}), ValueError,
         "vocab must hold '[UNK]'"),
        (lambda m: parse_vocab("a\nb\na\n"), ValueError,
         "the vocabulary lists 'a' twice (lines 1 and 3)"),
    ],
)
def test_refusals_name_the_argument(model, call, error, text):
    with pytest.raises(error) as caught:
        call(model)
    assert text in str(caught.value)


def test_layer_0_head_2_looks_at_the_previous_token(model):
    on_previous = []
    over_all_rows = []
    for sentence in model.sentences:
        n_tokens = len(sentence.tokens)
        A = model.attention(sentence.X(0), 0, 2)
        previous = A[np.arange(1, n_tokens), np.arange(n_tokens - 1)]
        on_previous.extend(previous)
        # [CLS] has no previous token; counting its row as 0 gives the
        # per-sentence average over all rows.
        over_all_rows.append(previous.sum() / n_tokens)
    # Measured: 0.9998 on average over the 200 tokens that have a
    # previous token, never below 0.996; 0.904 when the [CLS] row of
    # each sentence counts too.
    assert len(on_previous) == 200
    assert 0.999 < np.mean(on_previous) <= 1.0
    assert min(on_previous) > 0.99
    assert 0.89 < np.mean(over_all_rows) < 0.92
    # No other head of layer 0 comes close.
    for head in range(12):
        if head != 2:
            weights = [
                s.attention[0, head][
                    np.arange(1, len(s.tokens)),
                    np.arange(len(s.tokens) - 1),
                ].mean()
                for s in model.sentences
            ]
            assert np.mean(weights) < 0.3


def test_heads_that_pile_weight_on_cls(model):
    on_cls = np.mean(
        [s.attention[:, :, :, 0].mean(axis=-1) for s in model.sentences],
        axis=0,
    )
    # Measured: (2, 7) 0.866, (4, 5) 0.863, (2, 9) 0.860, (1, 10) 0.810,
    # (1, 11) 0.807; no head of layer 0 above 0.41.
    heavy = {(int(layer), int(h)) for layer, h in np.argwhere(on_cls > 0.8)}
    assert heavy == {(1, 10), (1, 11), (2, 7), (2, 9), (4, 5)}
    assert on_cls[0].max() < 0.45
    for head in (7, 9):
        recomputed = np.mean([
            model.attention(s.X(2), 2, head)[:, 0].mean()
            for s in model.sentences
        ])
        assert 0.85 < recomputed < 0.88


def test_the_head_that_favours_mat_ignores_the_referent(model):
    for text in (CAT, CONTROL):
        sentence = model.sentence(text)
        it = sentence.tokens.index("it")
        mat = sentence.tokens.index("mat")
        cat = sentence.tokens.index("cat")
        on_mat = sentence.attention[:, :, it, mat]
        best = np.unravel_index(on_mat.argmax(), on_mat.shape)
        assert (int(best[0]), int(best[1])) == (5, 3)
        A = model.attention(sentence.X(5), 5, 3)
        # Measured: 0.310 on mat, 0.222 on cat ("comfortable", it =
        # mat); 0.370 on mat, 0.201 on cat ("tired", it = cat).
        assert A[it, mat] > A[it, cat] + 0.05


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    for path in minilm.MINILM_DIR.iterdir():
        if path.is_file():
            shutil.copy(path, tmp_path / path.name)
    monkeypatch.setattr(minilm, "MINILM_DIR", tmp_path)
    return tmp_path


def test_an_altered_file_is_refused(data_copy):
    path = data_copy / "weights.npz"
    raw = bytearray(path.read_bytes())
    raw[-100] ^= 1
    path.write_bytes(bytes(raw))
    with pytest.raises(ValueError) as caught:
        load_minilm()
    message = str(caught.value)
    assert "data/minilm/weights.npz does not match its SHA-256" in message
    assert "git checkout data/minilm/weights.npz" in message


def test_a_missing_file_is_named(data_copy):
    (data_copy / "sentences.npz").unlink()
    with pytest.raises(FileNotFoundError) as caught:
        load_minilm()
    message = str(caught.value)
    assert "data/minilm/sentences.npz is missing" in message
    assert "git checkout data/minilm/sentences.npz" in message


def test_a_missing_manifest_is_named(data_copy):
    (data_copy / "SHA256SUMS").unlink()
    with pytest.raises(FileNotFoundError,
                       match="data/minilm/SHA256SUMS is missing"):
        load_minilm()


def test_a_manifest_without_the_file_is_refused(data_copy):
    manifest = data_copy / "SHA256SUMS"
    lines = manifest.read_text().splitlines()
    manifest.write_text("\n".join(lines[:-1]) + "\n")
    with pytest.raises(ValueError,
                       match="SHA256SUMS has no line for weights.npz"):
        load_minilm()


def test_the_files_hold_no_pickles():
    for name in ("embeddings.npz", "sentences.npz", "weights.npz"):
        with np.load(minilm.MINILM_DIR / name, allow_pickle=False) as data:
            for key in data.files:
                assert data[key].dtype != object


def test_word_embedding_is_the_shipped_float16_row(model):
    table = model._embeddings["word_embeddings"]
    assert table.dtype == np.float16
    for word in ("cat", "##ries", "[CLS]", "mat", ","):
        row = model.word_embedding(word)
        assert row.shape == (384,) and row.dtype == np.float64
        assert not row.flags.writeable
        index = model._rows[model.vocabulary[word]]
        np.testing.assert_array_equal(row, table[index].astype(np.float64))
    # embed() starts from the same row: with the position and type rows
    # added and LayerNorm applied it gives embed's X row.
    e = model._embeddings
    summed = (model.word_embedding("cat") + e["position_embeddings"][1]
              + e["token_type_embeddings"][0])
    centred = summed - summed.mean()
    X_row = centred / np.sqrt((centred ** 2).mean() + e["layer_norm_eps"])
    X_row = X_row * e["layer_norm_weight"] + e["layer_norm_bias"]
    np.testing.assert_allclose(X_row, model.embed("cat")[1][1], atol=1e-12)
    assert not np.array_equal(model.word_embedding("cat"),
                              model.word_embedding("dog"))


@pytest.mark.parametrize(
    ("word", "error", "text"),
    [
        ("quokka", ValueError,
         "word must be one whole piece of the vocabulary; got 'quokka'"),
        ("Cat", ValueError, "got 'Cat', which the tokenizer cuts into "
         "['cat']"),
        ("the cat", ValueError, "got 'the cat'"),
        ("", ValueError, "got ''"),
        ("kitten", ValueError,
         "'kitten' is in the model's vocabulary, but its row is not "
         "among the 6059 shipped ones"),
        (3, TypeError, "word must be a str; got int"),
    ],
)
def test_word_embedding_refuses_what_is_not_a_shipped_piece(
        model, word, error, text):
    with pytest.raises(error) as caught:
        model.word_embedding(word)
    assert text in str(caught.value)
