"""A trained model's attention heads, read from data/minilm/.

The model is all-MiniLM-L6-v2 (the sentence-transformers team,
Apache-2.0): 6 layers of 12 heads, d_model = 384, d_head = 32. What it
takes to reproduce its attention with the series' own functions ships
as plain arrays; data/minilm/README.md says what was selected and how
it was made. Nothing here needs PyTorch.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ._checks import as_matrix, as_numbers
from .attention import attention_weights
from .projection import check_weight, project
from .wordpiece import UNK, WordPiece, parse_vocab

MINILM_DIR = Path(__file__).resolve().parent.parent / "data" / "minilm"
_FILES = ("embeddings.npz", "sentences.npz", "vocab.txt", "weights.npz")


def _restore_hint(name: str) -> str:
    return (
        f"restore it with 'git checkout data/minilm/{name}', or rebuild "
        "data/minilm/ as data/minilm/README.md says"
    )


def _manifest() -> dict[str, str]:
    path = MINILM_DIR / "SHA256SUMS"
    if not path.is_file():
        raise FileNotFoundError(
            "data/minilm/SHA256SUMS is missing; qkvlib reads the model "
            "data from the repository's data/minilm/ folder (install with "
            f"pip install -e . from a clone); {_restore_hint('SHA256SUMS')}"
        )
    digests = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        digests[name.strip()] = digest.strip()
    return digests


def _read_verified(name: str, digests: dict[str, str]) -> bytes:
    """Return the bytes of data/minilm/``name`` once they match."""
    path = MINILM_DIR / name
    if not path.is_file():
        raise FileNotFoundError(
            f"data/minilm/{name} is missing; {_restore_hint(name)}"
        )
    if name not in digests:
        raise ValueError(f"data/minilm/SHA256SUMS has no line for {name}")
    raw = path.read_bytes()
    if hashlib.sha256(raw).hexdigest() != digests[name]:
        raise ValueError(
            f"data/minilm/{name} does not match its SHA-256 in "
            "data/minilm/SHA256SUMS: the file was changed; "
            f"{_restore_hint(name)}"
        )
    return raw


def _arrays(raw: bytes) -> dict[str, np.ndarray]:
    with np.load(io.BytesIO(raw), allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    for value in arrays.values():
        value.setflags(write=False)
    return arrays


def _frozen(values: np.ndarray) -> np.ndarray:
    values = np.array(values, dtype=np.float64)
    values.setflags(write=False)
    return values


def _check_index(name: str, value, allowed: tuple[int, ...], what: str):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(
            f"{name} must be a whole number; got "
            f"{type(value).__name__} {value!r}"
        )
    if int(value) not in allowed:
        raise ValueError(
            f"{name} must be one of {what} {allowed}; got {value}"
        )
    return int(value)


def _check_bias(name: str, b, d_k: int) -> np.ndarray:
    b = as_numbers(name, b)
    if b.shape != (d_k,):
        raise ValueError(
            f"{name} must have shape (d_k,) = ({d_k},) to match the "
            f"weights; got {b.shape}"
        )
    if not np.isfinite(b).all():
        raise ValueError(f"{name} must hold finite numbers")
    return b


def head_attention(X, W_q, W_k, b_q=None, b_k=None) -> np.ndarray:
    """Compute one head's attention weights, biases included.

    Parameters
    ----------
    X : array_like, shape (n_tokens, d_model)
        The head's input, one row per token.
    W_q, W_k : array_like, shape (d_model, d_k)
        Query and key projections.
    b_q, b_k : array_like, shape (d_k,), optional
        Query and key biases, added to every row; ``None`` adds none.

    Returns
    -------
    A : ndarray of float64, shape (n_tokens, n_tokens)
        Row i: how query i spreads its weight over the keys.

    Raises
    ------
    TypeError
        If an input does not hold real numbers.
    ValueError
        If a shape disagrees (the message names the argument) or an
        input is not finite.

    Notes
    -----
    Q = X W_q + b_q, K = X W_k + b_k, A = softmax(Q K^T / sqrt(d_k)):
    the steps of notebooks 03 to 05 with one addition, a learned bias
    row added to every query and every key, as trained models have.
    Adding b_k adds the same number q_i . b_k to every score in row i,
    which the softmax ignores, so b_k never changes A; b_q does.

    Examples
    --------
    >>> X = np.eye(2)
    >>> W = np.ones((2, 1))
    >>> head_attention(X, W, W, b_q=[1.0], b_k=[0.0])
    array([[0.5, 0.5],
           [0.5, 0.5]])
    """
    X = as_matrix("X", X, "(n_tokens, d_model)")
    W_q = check_weight("W_q", W_q, X.shape[1], "d_k")
    W_k = check_weight("W_k", W_k, X.shape[1], "d_k", W_q.shape[1])
    Q = project(X, W_q)
    K = project(X, W_k)
    if b_q is not None:
        Q = Q + _check_bias("b_q", b_q, W_q.shape[1])
    if b_k is not None:
        K = K + _check_bias("b_k", b_k, W_k.shape[1])
    return attention_weights(Q, K)


@dataclass(frozen=True, repr=False)
class Head:
    """The learned projections of one attention head.

    Attributes
    ----------
    layer, head : int
        Where the head sits: layer 0 to 5, head 0 to 11.
    W_q, W_k : ndarray of float64, shape (d_model, d_head)
        Query and key projections, (384, 32).
    b_q, b_k : ndarray of float64, shape (d_head,)
        Query and key biases.
    W_v : ndarray of float64, shape (d_model, d_head), or None
        Value projection; shipped for layer 0 only, else None.
    b_v : ndarray of float64, shape (d_head,), or None
        Value bias, with ``W_v``.

    The arrays are read-only.
    """

    layer: int
    head: int
    W_q: np.ndarray
    b_q: np.ndarray
    W_k: np.ndarray
    b_k: np.ndarray
    W_v: np.ndarray | None = None
    b_v: np.ndarray | None = None

    def __repr__(self) -> str:
        value = "" if self.W_v is None else ", W_v, b_v"
        return (
            f"Head(layer={self.layer}, head={self.head}: "
            f"W_q{self.W_q.shape}, b_q, W_k, b_k{value})"
        )


@dataclass(frozen=True, repr=False)
class Sentence:
    """One curated sentence, as the model saw it.

    Attributes
    ----------
    text : str
        The sentence as written.
    tokens : list of str
        The model's tokens, ``[CLS]`` first and ``[SEP]`` last.
    ids : ndarray of int, shape (n_tokens,)
        Their vocabulary ids.
    layers : tuple of int
        The layers whose input X ships: see ``X``.
    attention : ndarray of float64, shape (n_layers, n_heads, n_tokens,
        n_tokens)
        The model's own attention weights, every layer and head
        (read-only): ``attention[layer, head]`` is that head's A.
    """

    text: str
    tokens: list[str]
    ids: np.ndarray
    layers: tuple[int, ...]
    attention: np.ndarray = field(repr=False)
    _inputs: np.ndarray = field(repr=False)

    def __repr__(self) -> str:
        return f"Sentence({self.text!r}, n_tokens={len(self.tokens)})"

    def X(self, layer: int) -> np.ndarray:
        """Return the exact input X of one layer for this sentence.

        Parameters
        ----------
        layer : int
            One of the shipped layers, ``Sentence.layers``.

        Returns
        -------
        X : ndarray of float64, shape (n_tokens, d_model)
            What the model fed into that layer's attention (read-only).

        Raises
        ------
        TypeError
            If ``layer`` is not a whole number.
        ValueError
            If the layer's input is not shipped.

        Examples
        --------
        >>> sentence = load_minilm().sentence("Cat eats fish")
        >>> sentence.X(0).shape
        (5, 384)
        """
        layer = _check_index("layer", layer, self.layers, "the layers")
        return self._inputs[self.layers.index(layer)]


@dataclass(frozen=True, repr=False)
class MiniLM:
    """The shipped parts of all-MiniLM-L6-v2; made by ``load_minilm``.

    Attributes
    ----------
    n_layers, n_heads, d_model, d_head : int
        6, 12, 384 and 32.
    layers : tuple of int
        The layers whose query and key weights ship: (0, 2, 5). The
        attention of all six layers ships for ``sentences``.
    value_layers : tuple of int
        The layers whose value weights ship too: (0,).
    sentences : tuple of Sentence
        The curated sentences.
    max_tokens : int
        The longest token list ``embed`` accepts, [CLS] and [SEP]
        included (the rows of the shipped position table).
    vocabulary : dict of str to int
        The model's whole vocabulary, piece to id.
    shipped_ids : frozenset of int
        The ids whose word embedding ships.
    """

    n_layers: int
    n_heads: int
    d_model: int
    d_head: int
    layers: tuple[int, ...]
    value_layers: tuple[int, ...]
    sentences: tuple[Sentence, ...]
    max_tokens: int
    vocabulary: dict = field(repr=False)
    shipped_ids: frozenset = field(repr=False)
    _weights: dict = field(repr=False)
    _embeddings: dict = field(repr=False)
    _rows: dict = field(repr=False)
    _wordpiece: WordPiece = field(repr=False)

    def __repr__(self) -> str:
        return (
            f"MiniLM(layers shipped {self.layers} of {self.n_layers}, "
            f"{self.n_heads} heads, d_model = {self.d_model}, d_head = "
            f"{self.d_head}, {len(self.sentences)} sentences, "
            f"{len(self.shipped_ids)} vocabulary pieces)"
        )

    @property
    def texts(self) -> list[str]:
        """The curated sentences' texts, in order."""
        return [sentence.text for sentence in self.sentences]

    def sentence(self, text: str) -> Sentence:
        """Return the curated sentence with this exact text.

        Raises
        ------
        ValueError
            If ``text`` is not one of ``texts``.

        Examples
        --------
        >>> load_minilm().sentence("Cat eats fish").tokens
        ['[CLS]', 'cat', 'eats', 'fish', '[SEP]']
        """
        for sentence in self.sentences:
            if sentence.text == text:
                return sentence
        raise ValueError(
            f"text must be one of the {len(self.sentences)} curated "
            f"sentences in MiniLM.texts; got {text!r} (embed() takes "
            "any sentence)"
        )

    def head(self, layer: int, head: int) -> Head:
        """Return one head's weights and biases.

        Parameters
        ----------
        layer : int
            One of ``layers``.
        head : int
            0 to ``n_heads - 1``.

        Returns
        -------
        Head
            W_q, W_k of shape (d_model, d_head), b_q, b_k of shape
            (d_head,); W_v and b_v for ``value_layers``, else None.

        Raises
        ------
        TypeError
            If ``layer`` or ``head`` is not a whole number.
        ValueError
            If the layer's weights are not shipped, or ``head`` is out
            of range.

        Notes
        -----
        The model stores each projection for all heads at once as a
        PyTorch weight of shape (out, in); the build transposed it and
        cut it into heads, so ``X @ W_q + b_q`` is this head's Q.

        Examples
        --------
        >>> load_minilm().head(0, 2).W_q.shape
        (384, 32)
        """
        layer = _check_index("layer", layer, self.layers,
                             "the shipped layers")
        head = _check_index("head", head, tuple(range(self.n_heads)),
                            "the heads")
        slot = self.layers.index(layer)
        w = self._weights
        values: dict = {}
        if layer in self.value_layers:
            v_slot = self.value_layers.index(layer)
            values = {"W_v": _frozen(w["W_v"][v_slot, head]),
                      "b_v": _frozen(w["b_v"][v_slot, head])}
        return Head(
            layer=layer, head=head,
            W_q=_frozen(w["W_q"][slot, head]),
            b_q=_frozen(w["b_q"][slot, head]),
            W_k=_frozen(w["W_k"][slot, head]),
            b_k=_frozen(w["b_k"][slot, head]),
            **values,
        )

    def attention(self, X, layer: int, head: int) -> np.ndarray:
        """Compute a shipped head's attention weights on input X.

        Parameters
        ----------
        X : array_like, shape (n_tokens, d_model)
            The layer's input: ``Sentence.X(layer)``, or for layer 0
            the X of ``embed``.
        layer, head : int
            As for ``head``.

        Returns
        -------
        A : ndarray of float64, shape (n_tokens, n_tokens)

        Raises
        ------
        TypeError, ValueError
            As for ``head`` and ``head_attention``.

        Examples
        --------
        >>> model = load_minilm()
        >>> sentence = model.sentence("Cat eats fish")
        >>> A = model.attention(sentence.X(0), 0, 2)
        >>> bool(np.abs(A - sentence.attention[0, 2]).max() < 1e-5)
        True
        """
        weights = self.head(layer, head)
        return head_attention(X, weights.W_q, weights.W_k,
                              weights.b_q, weights.b_k)

    def tokenize(self, text: str) -> list[str]:
        """Cut a sentence into the model's tokens, [CLS] ... [SEP].

        Parameters
        ----------
        text : str
            Any sentence.

        Returns
        -------
        list of str
            The model's own pieces, except that a word with any piece
            outside the shipped vocabulary becomes one ``"[UNK]"``.

        Raises
        ------
        TypeError
            If ``text`` is not a str.

        Examples
        --------
        >>> load_minilm().tokenize("Queries, keys!")
        ['[CLS]', 'que', '##ries', ',', 'keys', '!', '[SEP]']
        """
        return [token for token, _ in self._encode(text)[0]]

    def unknown_words(self, text: str) -> list[str]:
        """Return the words of ``text`` that ``tokenize`` makes [UNK].

        A word is listed once per occurrence, lower-cased and without
        accents as the tokenizer reads it: a word with a piece whose
        row does not ship, and a word that not even the model's full
        vocabulary can cut (an emoji, most other scripts).

        Examples
        --------
        >>> load_minilm().unknown_words("The cat met a quokka 🙂")
        ['quokka', '🙂']
        """
        return self._encode(text)[1]

    def _encode(self, text: str):
        pairs = [("[CLS]", self.vocabulary["[CLS]"])]
        unknown = []
        for word, pieces in self._wordpiece.words(text):
            ids = [self.vocabulary[piece] for piece in pieces]
            # [UNK] alone: not even the full vocabulary can cut the
            # word (an emoji, a rare script); it is unknown here too.
            if pieces != [UNK] and all(i in self.shipped_ids
                                       for i in ids):
                pairs.extend(zip(pieces, ids))
            else:
                unknown.append(word)
                pairs.append((UNK, self.vocabulary[UNK]))
        pairs.append(("[SEP]", self.vocabulary["[SEP]"]))
        return pairs, unknown

    def word_embedding(self, word: str) -> np.ndarray:
        """Return the learned word-embedding row of one shipped piece.

        Parameters
        ----------
        word : str
            One whole piece of the vocabulary as ``tokenize`` writes
            it, such as ``"cat"``, ``"##ries"`` or ``"[CLS]"``, whose
            row ships (its id is in ``shipped_ids``).

        Returns
        -------
        row : ndarray of float64, shape (d_model,)
            The model's learned row for that piece, before the
            position and type rows are added and before LayerNorm
            (read-only).

        Raises
        ------
        TypeError
            If ``word`` is not a str.
        ValueError
            If ``word`` is not a piece of the vocabulary, or its row
            does not ship; the message names the word.

        Notes
        -----
        The rows ship rounded to float16 (about 3 significant
        digits); this returns that float16 row exactly, as float64.
        It is the raw table entry: ``embed`` adds a position row and a
        type row to it and normalises the sum.

        Examples
        --------
        >>> model = load_minilm()
        >>> row = model.word_embedding("cat")
        >>> row.shape, row.dtype
        ((384,), dtype('float64'))
        >>> bool(row[0] == np.float16(row[0]))
        True
        """
        if not isinstance(word, str):
            raise TypeError(
                f"word must be a str; got {type(word).__name__}"
            )
        if word not in self.vocabulary:
            pieces = self.tokenize(word)[1:-1]
            raise ValueError(
                f"word must be one whole piece of the vocabulary; got "
                f"{word!r}, which the tokenizer cuts into {pieces}"
            )
        piece_id = self.vocabulary[word]
        if piece_id not in self.shipped_ids:
            raise ValueError(
                f"word must be a piece whose row ships; {word!r} is in "
                f"the model's vocabulary, but its row is not among the "
                f"{len(self.shipped_ids)} shipped ones"
            )
        row = self._embeddings["word_embeddings"][self._rows[piece_id]]
        return _frozen(row)

    def embed(self, text: str) -> tuple[list[str], np.ndarray]:
        """Turn any sentence into the model's layer-0 input X.

        Parameters
        ----------
        text : str
            A sentence of at most ``max_tokens`` tokens.

        Returns
        -------
        tokens : list of str
            As ``tokenize`` returns them.
        X : ndarray of float64, shape (n_tokens, d_model)
            Row i: LayerNorm(word + position + type embedding) of token
            i, the input of layer 0 (read-only).

        Raises
        ------
        TypeError
            If ``text`` is not a str.
        ValueError
            If the sentence has more than ``max_tokens`` tokens.

        Notes
        -----
        LayerNorm(x) = (x - mean(x)) / sqrt(var(x) + eps) * gamma + beta
        over the d_model entries of each row. The word embeddings ship
        rounded to float16, so on the curated sentences X differs from
        the model's own by up to 1.2e-3, and the layer-0 attention
        weights computed from it by up to 2.5e-4 (tests/test_minilm.py
        measures both). Only layer 0 can be run on a typed sentence:
        the inputs of later layers need parts of the model that do not
        ship.

        Examples
        --------
        >>> tokens, X = load_minilm().embed("Cat eats fish")
        >>> tokens, X.shape
        (['[CLS]', 'cat', 'eats', 'fish', '[SEP]'], (5, 384))
        """
        pairs, _ = self._encode(text)
        if len(pairs) > self.max_tokens:
            raise ValueError(
                f"text must have at most {self.max_tokens} tokens, "
                f"[CLS] and [SEP] included; got {len(pairs)}"
            )
        e = self._embeddings
        rows = [self._rows[i] for _, i in pairs]
        summed = (
            e["word_embeddings"][rows].astype(np.float64)
            + e["position_embeddings"][: len(pairs)]
            + e["token_type_embeddings"][0]
        )
        mean = summed.mean(axis=1, keepdims=True)
        var = ((summed - mean) ** 2).mean(axis=1, keepdims=True)
        X = (summed - mean) / np.sqrt(var + float(e["layer_norm_eps"]))
        X = X * e["layer_norm_weight"] + e["layer_norm_bias"]
        X.setflags(write=False)
        return [token for token, _ in pairs], X


def load_minilm() -> MiniLM:
    """Load the shipped parts of the trained model all-MiniLM-L6-v2.

    Returns
    -------
    MiniLM
        The curated sentences with each shipped layer's input and the
        model's attention, the query and key weights of the shipped
        layers, the tokenizer and the layer-0 embedding step.

    Raises
    ------
    FileNotFoundError
        If a file of data/minilm/ or its SHA256SUMS is missing; the
        message names the file and how to restore it.
    ValueError
        If a file's SHA-256 differs from the one in
        data/minilm/SHA256SUMS (the file was changed); the message
        names the file and how to restore it.

    Notes
    -----
    Every file is checked before it is read, and read with
    ``allow_pickle=False``: the data are plain arrays only. Loading
    takes well under a second.

    Examples
    --------
    >>> model = load_minilm()
    >>> model.layers, model.n_heads, model.d_head
    ((0, 2, 5), 12, 32)
    >>> model.sentences[0].text
    'The cat sat on the mat because it was comfortable'
    """
    digests = _manifest()
    raw = {name: _read_verified(name, digests) for name in _FILES}
    weights = _arrays(raw["weights.npz"])
    stored = _arrays(raw["sentences.npz"])
    embeddings = _arrays(raw["embeddings.npz"])
    vocabulary = parse_vocab(raw["vocab.txt"].decode("utf-8"),
                             "data/minilm/vocab.txt")
    layers = tuple(int(layer) for layer in weights["layers"])
    n_layers, n_heads, d_model = (
        int(weights["n_model_layers"]), *weights["W_q"].shape[1:3]
    )
    sentences = []
    for index, text in enumerate(stored["texts"]):
        key = f"s{index:02d}"
        sentences.append(Sentence(
            text=str(text),
            tokens=[str(token) for token in stored[f"{key}_tokens"]],
            ids=stored[f"{key}_ids"],
            layers=layers,
            attention=_frozen(stored[f"{key}_A"]),
            _inputs=_frozen(stored[f"{key}_X"]),
        ))
    vocab_ids = embeddings["vocab_ids"]
    return MiniLM(
        n_layers=n_layers,
        n_heads=n_heads,
        d_model=d_model,
        d_head=int(weights["W_q"].shape[3]),
        layers=layers,
        value_layers=tuple(int(v) for v in weights["value_layers"]),
        sentences=tuple(sentences),
        max_tokens=int(embeddings["position_embeddings"].shape[0]),
        vocabulary=vocabulary,
        shipped_ids=frozenset(int(i) for i in vocab_ids),
        _weights=weights,
        _embeddings=embeddings,
        _rows={int(i): row for row, i in enumerate(vocab_ids)},
        _wordpiece=WordPiece(vocabulary),
    )
