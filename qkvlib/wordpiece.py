"""WordPiece: how a BERT-style model cuts a sentence into tokens.

The uncased BERT recipe, which the model of notebook 09 was trained
with: clean and lower-case the text, strip accents, split it into words
at spaces and punctuation, then cut each word into the longest pieces
the vocabulary holds, reading left to right. A piece that continues a
word starts with ``##``. Pure Python; no numpy needed.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from pathlib import Path

CLS = "[CLS]"
SEP = "[SEP]"
UNK = "[UNK]"
CONTINUATION = "##"


def _is_punctuation(char: str) -> bool:
    code = ord(char)
    # Every ASCII symbol counts, $ ^ ` + < = > | ~ included, although
    # Unicode files some of them as symbols rather than punctuation.
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96:
        return True
    if 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def _is_whitespace(char: str) -> bool:
    return char in " \t\n\r" or unicodedata.category(char) == "Zs"


def _is_control(char: str) -> bool:
    if char in "\t\n\r":
        return False
    return unicodedata.category(char) in ("Cc", "Cf", "Cn", "Co", "Cs")


def _is_cjk(code: int) -> bool:
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x20000 <= code <= 0x2A6DF
        or 0x2A700 <= code <= 0x2B73F
        or 0x2B740 <= code <= 0x2B81F
        or 0x2B820 <= code <= 0x2CEAF
        or 0xF900 <= code <= 0xFAFF
        or 0x2F800 <= code <= 0x2FA1F
    )


def basic_split(text: str) -> list[str]:
    """Split text into lower-case words and punctuation marks.

    Parameters
    ----------
    text : str
        Any text.

    Returns
    -------
    list of str
        The words, accents stripped, with every punctuation mark and
        every Chinese, Japanese or Korean ideograph a word of its own.

    Raises
    ------
    TypeError
        If ``text`` is not a str.

    Notes
    -----
    The steps of uncased BERT, in its order: drop NUL, U+FFFD and
    control characters and turn every kind of white space into a
    space; put spaces around ideographs; lower-case; decompose (NFD)
    and drop the combining marks, so "é" becomes "e"; split at spaces;
    split each word before and after every punctuation mark.

    Examples
    --------
    >>> basic_split("Café owners, open!")
    ['cafe', 'owners', ',', 'open', '!']
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str; got {type(text).__name__}")
    cleaned = []
    for char in text:
        code = ord(char)
        if code == 0 or code == 0xFFFD or _is_control(char):
            continue
        if _is_whitespace(char):
            cleaned.append(" ")
        elif _is_cjk(code):
            cleaned.append(f" {char} ")
        else:
            cleaned.append(char)
    lowered = unicodedata.normalize("NFD", "".join(cleaned).lower())
    stripped = "".join(
        char for char in lowered if unicodedata.category(char) != "Mn"
    )
    words = []
    for chunk in stripped.split():
        current = ""
        for char in chunk:
            if _is_punctuation(char):
                if current:
                    words.append(current)
                words.append(char)
                current = ""
            else:
                current += char
        if current:
            words.append(current)
    return words


def read_vocab(path: str | Path) -> dict[str, int]:
    """Read a vocabulary file: one piece per line, id = line number.

    Parameters
    ----------
    path : str or Path
        A ``vocab.txt`` as BERT-style models ship it, in UTF-8.

    Returns
    -------
    dict of str to int
        Piece to id, in file order.

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    ValueError
        If a piece appears twice.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "vocab.txt"
    >>> _ = path.write_text("[UNK]\\nab\\n##c\\n")
    >>> read_vocab(path)
    {'[UNK]': 0, 'ab': 1, '##c': 2}
    """
    return parse_vocab(Path(path).read_text(encoding="utf-8"), str(path))


def parse_vocab(text: str, source: str = "the vocabulary") -> dict[str, int]:
    """Read a vocabulary from the text of a ``vocab.txt``.

    Parameters
    ----------
    text : str
        One piece per line; the id of a piece is its line number, from
        0. A final newline is optional.
    source : str, optional
        What to call the text in error messages.

    Returns
    -------
    dict of str to int
        Piece to id, in order.

    Raises
    ------
    ValueError
        If a piece appears twice.

    Examples
    --------
    >>> parse_vocab("[UNK]\\nab\\n##c\\n")
    {'[UNK]': 0, 'ab': 1, '##c': 2}
    """
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    vocab: dict[str, int] = {}
    for index, piece in enumerate(lines):
        if piece in vocab:
            raise ValueError(
                f"{source} lists {piece!r} twice (lines "
                f"{vocab[piece] + 1} and {index + 1}); a vocabulary "
                "needs unique pieces"
            )
        vocab[piece] = index
    return vocab


class WordPiece:
    """Cut text into the pieces of a fixed vocabulary, as BERT does.

    Parameters
    ----------
    vocab : mapping of str to int
        Piece to id. Pieces that continue a word start with ``"##"``.
        It must hold ``"[UNK]"``; ``encode`` also needs ``"[CLS]"`` and
        ``"[SEP]"``.
    max_chars : int, default 100
        A longer word becomes ``"[UNK]"`` without being cut.

    Raises
    ------
    TypeError
        If ``vocab`` is not a mapping.
    ValueError
        If ``vocab`` has no ``"[UNK]"``.

    Notes
    -----
    Each word from ``basic_split`` is cut greedily: the longest prefix
    in the vocabulary, then the longest ``"##"`` piece that continues
    it, and so on. If some position has no match at all, the whole word
    becomes one ``"[UNK]"``: the model never sees half a word.

    Examples
    --------
    >>> vocab = {"[UNK]": 0, "un": 1, "##able": 2, "able": 3}
    >>> WordPiece(vocab).tokenize("Unable able unknown")
    ['un', '##able', 'able', '[UNK]']
    """

    def __init__(self, vocab: Mapping[str, int], max_chars: int = 100):
        if not isinstance(vocab, Mapping):
            raise TypeError(
                "vocab must be a mapping of piece to id; got "
                f"{type(vocab).__name__}"
            )
        if UNK not in vocab:
            raise ValueError(f"vocab must hold {UNK!r}; it does not")
        self.vocab = dict(vocab)
        self.max_chars = max_chars

    def split_word(self, word: str) -> list[str]:
        """Cut one word (already lower-case, no spaces) into pieces.

        Parameters
        ----------
        word : str
            One word from ``basic_split``.

        Returns
        -------
        list of str
            Its pieces, or ``["[UNK]"]`` if it cannot be cut.

        Examples
        --------
        >>> WordPiece({"[UNK]": 0, "gi": 1, "##raf": 2, "##fe": 3}
        ...           ).split_word("giraffe")
        ['gi', '##raf', '##fe']
        """
        if len(word) > self.max_chars:
            return [UNK]
        pieces = []
        start = 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end]
                if start > 0:
                    piece = CONTINUATION + piece
                if piece in self.vocab:
                    break
                end -= 1
            if end == start:
                return [UNK]
            pieces.append(piece)
            start = end
        return pieces

    def words(self, text: str) -> list[tuple[str, list[str]]]:
        """Return every word of ``text`` with its pieces.

        Examples
        --------
        >>> WordPiece({"[UNK]": 0, "hi": 1}).words("Hi, you")
        [('hi', ['hi']), (',', ['[UNK]']), ('you', ['[UNK]'])]
        """
        return [(word, self.split_word(word)) for word in basic_split(text)]

    def tokenize(self, text: str) -> list[str]:
        """Cut ``text`` into pieces, without [CLS] and [SEP].

        Examples
        --------
        >>> WordPiece({"[UNK]": 0, "cat": 1, "##s": 2}).tokenize("Cats")
        ['cat', '##s']
        """
        return [piece for _, pieces in self.words(text) for piece in pieces]

    def encode(self, text: str) -> tuple[list[str], list[int]]:
        """Return the tokens the model reads, and their ids.

        Parameters
        ----------
        text : str
            One sentence.

        Returns
        -------
        tokens : list of str
            ``"[CLS]"``, the pieces of ``text``, ``"[SEP]"``.
        ids : list of int
            The vocabulary id of each token.

        Raises
        ------
        KeyError
            If the vocabulary has no ``"[CLS]"`` or ``"[SEP]"``.

        Examples
        --------
        >>> vocab = {"[UNK]": 0, "[CLS]": 1, "[SEP]": 2, "hi": 3}
        >>> WordPiece(vocab).encode("Hi")
        (['[CLS]', 'hi', '[SEP]'], [1, 3, 2])
        """
        tokens = [CLS, *self.tokenize(text), SEP]
        return tokens, [self.vocab[token] for token in tokens]
