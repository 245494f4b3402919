"""qkvlib: the attention arithmetic of the qkv-notebooks series.

The maths modules (projection, softmax, masks, attention, heads)
import only numpy. ``show`` and ``heatmap`` sit above them, and so do
the live widgets in ``qkvlib.widgets``, which ``import qkvlib`` does
not load. Importing qkvlib changes no settings. The trained
model of notebook 09 is in ``qkvlib.minilm`` (``load_minilm``) and its
tokenizer in ``qkvlib.wordpiece``. The exercises of notebooks 01 to 08
are made with ``exercise(key, **context)`` (see ``qkvlib.exercises``).
"""

from .attention import (
    AttentionResult,
    attention_weights,
    scores,
    self_attention,
    weighted_sum,
)
from .display import show
from .examples import Example, load_example
from .exercises import exercise
from .heads import (
    MultiHeadResult,
    merge_heads,
    multi_head_attention,
    split_heads,
)
from .masks import causal_mask, padding_mask
from .minilm import load_minilm
from .plotting import heatmap
from .projection import init_weights, project, qkv
from .softmax import softmax

__all__ = [
    "AttentionResult",
    "Example",
    "MultiHeadResult",
    "attention_weights",
    "causal_mask",
    "exercise",
    "heatmap",
    "init_weights",
    "load_example",
    "load_minilm",
    "merge_heads",
    "multi_head_attention",
    "padding_mask",
    "project",
    "qkv",
    "scores",
    "self_attention",
    "show",
    "softmax",
    "split_heads",
    "weighted_sum",
]
