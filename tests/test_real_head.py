"""Headless tests of qkvlib.widgets.real_head.RealHeadExplorer.

As in test_widgets.py, no browser and no kernel: ``set_text`` sets the
text box's value, which is what the page sends when the reader presses
Enter, and every matrix shown is compared, exactly, with
``model.attention(model.embed(text)[1], 0, head)``.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import build_notebooks
import nbformat
import numpy as np
import pytest
import test_hygiene

from qkvlib.minilm import load_minilm
from qkvlib.widgets.heatmap_view import cell_values
from qkvlib.widgets.real_head import RealHeadExplorer

NOTEBOOK = (Path(__file__).resolve().parent.parent / "notebooks"
            / "09-a-real-models-head.ipynb")
# The typed sentence of notebook 09's section 7, and its head.
TEXT = "The kitten chased a moth across the kitchen."
HEAD = 2


@pytest.fixture(scope="module")
def model():
    return load_minilm()


@pytest.fixture
def explorer(model):
    return RealHeadExplorer(model, TEXT, layer=0, head=HEAD)


def expected(model, text, head):
    tokens, X = model.embed(text)
    return tokens, model.attention(X, 0, head)


def assert_shows(explorer, model, text, head):
    """Assert every part of the widget shows ``text`` and ``head``."""
    tokens, A = expected(model, text, head)
    np.testing.assert_array_equal(explorer.matrix(), A)
    assert explorer.text == text and explorer.head == head
    assert explorer.tokens == tokens
    panel = explorer.panel
    assert panel.rows == tokens and panel.cols == tokens
    assert panel.values == cell_values(A)
    assert panel.kind == "weights"
    assert panel.title == f"A, layer 0 head {head}  {A.shape}"
    assert [label for label, _ in explorer.query_picker.options] == [
        f"{i} · {token}" for i, token in enumerate(tokens)]
    q = explorer.query_picker.value
    assert panel.selected_rows == [q]
    assert explorer.summary_line in explorer.summary.value
    assert explorer.note_line in explorer.note.value


# Opening state -------------------------------------------------------


def test_opens_on_the_static_figure_of_notebook_09(model, explorer):
    assert_shows(explorer, model, TEXT, HEAD)
    assert explorer.text_box.value == TEXT
    assert explorer.tokens[2] == "[UNK]"
    assert explorer.note_line == (
        "Became [UNK] (a piece not in the shipped vocabulary): 'kitten'; "
        "it shows as [UNK] in the heatmap.")
    assert explorer.message_line == ""
    # The last word is the query the summary reads.
    assert explorer.summary_line == (
        "'kitchen' gives 1.00 of its weight to 'the' (token 7).")


def test_notebook_09_opens_the_widget_on_its_typed_sentence():
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    sources = ["".join(cell["source"]) for cell in nb["cells"]]
    typed = next(i for i, s in enumerate(sources)
                 if s.startswith("text = "))
    assert sources[typed].startswith(f'text = "{TEXT}"')
    widget = next(i for i, s in enumerate(sources)
                  if "RealHeadExplorer(" in s)
    assert widget > typed
    assert f"head={HEAD}" in sources[widget]
    cell = nb["cells"][widget]
    assert "nbval-ignore-output" in cell["metadata"].get("tags", [])
    # The stored picture is the static figure above it, pixel for pixel.
    static = next(i for i in range(widget - 1, typed, -1)
                  if "qk.heatmap(A_own" in sources[i])
    pictures = [
        [out["data"]["image/png"] for out in nb["cells"][i]["outputs"]
         if "image/png" in out.get("data", {})]
        for i in (static, widget)
    ]
    assert pictures[0] and pictures[0] == pictures[1]


def test_the_text_box_applies_on_enter(explorer):
    assert explorer.text_box.continuous_update is False
    assert explorer.layer_label.value.startswith("layer 0 (fixed: ")
    assert "whole model" in explorer.layer_label.value
    assert explorer.head_picker.options == tuple(range(12))


# What a reader types -------------------------------------------------


def test_a_new_sentence_replaces_every_part(model, explorer):
    explorer.set_text("Queries look for keys")
    assert_shows(explorer, model, "Queries look for keys", HEAD)
    assert explorer.tokens == ["[CLS]", "que", "##ries", "look", "for",
                               "keys", "[SEP]"]
    assert explorer.note_line == (
        "Every word is in the shipped vocabulary: no [UNK].")
    assert explorer.summary_line == (
        "'keys' gives 1.00 of its weight to 'for'.")


@pytest.mark.parametrize("head", range(12))
def test_every_head_shows_the_model_exactly(model, explorer, head):
    explorer.set_head(head)
    assert_shows(explorer, model, TEXT, head)
    explorer.set_text("The cat sat on the mat")
    assert_shows(explorer, model, "The cat sat on the mat", head)


@pytest.mark.parametrize("text", ["", "   ", "\t"])
def test_an_empty_box_shows_cls_and_sep_alone(model, explorer, text):
    explorer.set_text(text)
    assert_shows(explorer, model, text, HEAD)
    assert explorer.tokens == ["[CLS]", "[SEP]"]
    assert explorer.message_line == (
        "The box is empty, so the model sees only [CLS] and [SEP]; type a "
        "sentence and press Enter.")
    assert explorer.note_line == ""
    assert explorer.summary_line == (
        "'[CLS]' gives 1.00 of its weight to '[CLS]'.")


def test_only_punctuation(model, explorer):
    explorer.set_text("?!...")
    assert_shows(explorer, model, "?!...", HEAD)
    assert explorer.tokens == ["[CLS]", "?", "!", ".", ".", ".", "[SEP]"]
    assert explorer.message_line == ""
    # No word: the summary reads the last mark.
    assert explorer.query_picker.value == 5
    assert explorer.summary_line.startswith("'.' (token 5) gives")


def test_a_text_too_long_keeps_the_last_good_state(model, explorer):
    explorer.set_text("The cat sat")
    before = explorer.matrix()
    note, summary = explorer.note_line, explorer.summary_line
    long_text = " ".join(["word"] * 500)
    explorer.set_text(long_text)
    assert explorer.text_box.value == long_text
    assert explorer.message_line == (
        "Not shown: that text makes 502 tokens and the shipped data cover "
        "at most 128 positions, [CLS] and [SEP] included. The heatmap "
        "still shows 'The cat sat'.")
    assert 'role="alert"' in explorer.message.value
    assert_shows(explorer, model, "The cat sat", HEAD)
    np.testing.assert_array_equal(explorer.matrix(), before)
    assert (explorer.note_line, explorer.summary_line) == (note, summary)
    # The kept sentence still follows the head selector.
    explorer.set_head(7)
    assert_shows(explorer, model, "The cat sat", 7)
    # 126 words fit exactly; the message goes away.
    fits = " ".join(["word"] * 126)
    explorer.set_text(fits)
    assert_shows(explorer, model, fits, 7)
    assert explorer.matrix().shape == (128, 128)
    assert explorer.message_line == explorer.message.value == ""


@pytest.mark.parametrize(
    ("text", "unknown"),
    [
        ("I like 🙂 tea", ["🙂"]),
        ("Привет, cat", ["привет"]),
        ("猫 and 犬", ["猫", "犬"]),
        ("a quokka, a quokka", ["quokka"]),
    ],
)
def test_unknown_words_show_as_unk_and_are_named(model, explorer, text,
                                                 unknown):
    explorer.set_text(text)
    assert_shows(explorer, model, text, HEAD)
    assert "[UNK]" in explorer.tokens
    named = ", ".join(repr(word) for word in unknown)
    assert f"shipped vocabulary): {named};" in explorer.note_line
    assert explorer.note_line.endswith("as [UNK] in the heatmap.")


def test_many_unknown_words_are_counted(explorer):
    faces = [chr(0x1F600 + i) for i in range(12)]
    explorer.set_text(" ".join(faces))
    assert explorer.tokens == ["[CLS]"] + ["[UNK]"] * 12 + ["[SEP]"]
    named = ", ".join(repr(face) for face in faces[:8])
    assert f"vocabulary): {named} and 4 more;" in explorer.note_line
    assert "and 4 more; they show as [UNK]" in explorer.note_line


def test_the_summary_follows_the_chosen_query(model, explorer):
    explorer.set_text("The cat sat")
    explorer.query_picker.value = 2
    A = expected(model, "The cat sat", HEAD)[1]
    assert explorer.summary_line == (
        f"'cat' gives {A[2].max():.2f} of its weight to 'the'.")
    assert explorer.panel.selected_rows == [2]
    assert explorer.panel.marked_cells == [[2, 1]]
    assert 'role="status"' in explorer.summary.value


def test_html_in_a_token_is_escaped_in_the_summary(explorer):
    explorer.set_text("a < b")
    explorer.query_picker.value = explorer.tokens.index("<")
    assert explorer.summary_line.startswith("'<' gives")
    assert "'&lt;' gives" in explorer.summary.value


# Refusals of the programmatic surface --------------------------------


@pytest.mark.parametrize(
    ("call", "error", "text"),
    [
        (lambda m: RealHeadExplorer(m, TEXT, layer=2), ValueError,
         "layer must be 0: a typed sentence reaches only layer 0"),
        (lambda m: RealHeadExplorer(m, TEXT, head=12), ValueError,
         "head must be one of 0 to 11; got 12"),
        (lambda m: RealHeadExplorer(m, 3), TypeError,
         "text must be a str; got int"),
        (lambda m: RealHeadExplorer("model"), TypeError,
         "model must be a MiniLM from qkvlib.load_minilm(); got str"),
        (lambda m: RealHeadExplorer(m).set_head(1.5), TypeError,
         "head must be a whole number; got float 1.5"),
        (lambda m: RealHeadExplorer(m).set_head(-1), ValueError,
         "head must be one of 0 to 11; got -1"),
    ],
)
def test_refusals_name_the_argument(model, call, error, text):
    with pytest.raises(error) as caught:
        call(model)
    assert text in str(caught.value)


# Stored form ---------------------------------------------------------


def test_bundle_keeps_a_picture_and_a_description(explorer):
    data = explorer._repr_mimebundle_()
    assert set(data) == {build_notebooks.WIDGET_VIEW, "image/png",
                         "text/plain"}
    assert base64.b64decode(data["image/png"]).startswith(b"\x89PNG")
    lines = data["text/plain"].splitlines()
    assert lines[0] == repr(explorer)
    assert lines[1].startswith(f"On {TEXT!r}, head 2: 'kitchen' gives")
    assert "'kitten'" in lines[1]
    assert lines[2].startswith(
        "Heatmap of A, layer 0 head 2, shape (11, 11)")

    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell(
        "explorer", execution_count=1,
        outputs=[nbformat.v4.new_output("display_data", data=data)]))
    assert test_hygiene.check_no_widget_state(nb)
    build_notebooks.drop_widget_views(nb)
    assert test_hygiene.check_no_widget_state(nb) == []
    assert set(nb.cells[0].outputs[0].data) == {"image/png", "text/plain"}
