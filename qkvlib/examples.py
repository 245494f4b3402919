"""The series' example sentences, read from the JSON files in data/."""

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
_FILES = {
    "cat-eats-fish": "cat-eats-fish.json",
    "cat-sat-mat": "cat-sat-mat.json",
}


@dataclass(frozen=True)
class Example:
    """One example sentence, embedded with a small hand-built table.

    Attributes
    ----------
    name : str
        The name ``load_example`` takes.
    sentence : str
        The sentence as a reader writes it.
    tokens : list of str
        One token per word, in order.
    X : ndarray of float64, shape (n_tokens, d_model)
        Row i is the embedding of ``tokens[i]`` (read-only).
    features : list of str
        What each of the d_model embedding columns stands for.
    vocabulary : dict of str to ndarray, shape (d_model,)
        The embedding table, by lower-case word (rows are read-only).
    description : str
        Where the numbers come from.
    """

    name: str
    sentence: str
    tokens: list[str]
    X: np.ndarray = field(repr=False)
    features: list[str]
    vocabulary: dict = field(repr=False)
    description: str = field(repr=False)


def _expected_digest(filename: str) -> str:
    manifest = DATA_DIR / "SHA256SUMS"
    if not manifest.is_file():
        raise FileNotFoundError(
            "data/SHA256SUMS is missing; qkvlib reads its example data "
            "from the repository's data/ folder (install with pip "
            "install -e . from a clone)"
        )
    for line in manifest.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        if name.strip() == filename:
            return digest.strip()
    raise ValueError(f"data/SHA256SUMS has no line for {filename}")


def load_example(name: str) -> Example:
    """Load an example sentence and its embedding matrix X.

    Parameters
    ----------
    name : {"cat-eats-fish", "cat-sat-mat"}
        ``"cat-eats-fish"``: "Cat eats fish", d_model = 4.
        ``"cat-sat-mat"``: "The cat sat on the mat because it was
        comfortable", d_model = 6.

    Returns
    -------
    Example
        The tokens, X, the feature names and the embedding table.

    Raises
    ------
    ValueError
        If ``name`` is unknown, or the file's SHA-256 differs from the
        one in ``data/SHA256SUMS`` (the file was altered).
    FileNotFoundError
        If the data file or the checksum manifest is missing.

    Examples
    --------
    >>> example = load_example("cat-eats-fish")
    >>> example.tokens
    ['Cat', 'eats', 'fish']
    >>> example.X.shape
    (3, 4)
    """
    if name not in _FILES:
        raise ValueError(
            f"name must be one of {sorted(_FILES)}; got {name!r}"
        )
    filename = _FILES[name]
    path = DATA_DIR / filename
    if not path.is_file():
        raise FileNotFoundError(
            f"data/{filename} is missing; restore it from the repository"
        )
    raw = path.read_bytes()
    if hashlib.sha256(raw).hexdigest() != _expected_digest(filename):
        raise ValueError(
            f"data/{filename} does not match its SHA-256 in "
            "data/SHA256SUMS: the file was changed. Restore it with "
            f"'git checkout data/{filename}'"
        )
    record = json.loads(raw)
    vocabulary = {}
    for word, vector in record["vocabulary"].items():
        row = np.array(vector, dtype=np.float64)
        row.setflags(write=False)
        vocabulary[word] = row
    tokens = record["sentence"].split()
    X = np.stack([vocabulary[token.lower()] for token in tokens])
    X.setflags(write=False)
    return Example(
        name=name,
        sentence=record["sentence"],
        tokens=tokens,
        X=X,
        features=list(record["features"]),
        vocabulary=vocabulary,
        description=record["description"],
    )
