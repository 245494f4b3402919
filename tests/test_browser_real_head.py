"""Type a sentence into notebook 09's real-model widget in Chromium.

The check a reader would make: open 09 in a real JupyterLab, restart
and run all, type a sentence of one's own into the widget's text box
with the keyboard, press Enter, and read the heatmap. The labels must
be the sentence's tokens, the numbers in the cells the ones
``model.attention(model.embed(text)[1], 0, head)`` gives, and the
summary and [UNK] lines must follow; a second head is picked from the
head selector.

It uses the server, browser and helpers of ``test_browser.py``; as a
module of its own it starts its own JupyterLab (a few seconds).
"""

from __future__ import annotations

import re
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from test_browser import (  # noqa: F401 (fixtures used by name)
    NOTEBOOKS,
    PAGE_READY_TIMEOUT,
    READ_NOTEBOOK_JS,
    RUN_ALL_TIMEOUT,
    WIDGET_TIMEOUT,
    KernelTraffic,
    _cell_with,
    _is_local,
    _log_tail,
    _problems,
    _raises_exception_cells,
    _run_all,
    _shown,
    _type_into,
    _wait_for,
    browser,
    chromium,
    lab,
)

from qkvlib.minilm import load_minilm
from qkvlib.widgets.real_head import unknown_note, weight_summary

NOTEBOOK = next((nb for nb in NOTEBOOKS if nb.name.startswith("09-")),
                None)
OPENING = "The kitten chased a moth across the kitchen."
# A sentence of our own, not in the notebook: two of its words are
# not in the shipped vocabulary.
TYPED = "My dog sleeps on the warm sofa"

# The heatmap's SVG: column labels, then row labels, as drawn.
LABELS_JS = """
(figure) => [...figure.querySelectorAll('svg > text.qkv-hm-label')]
  .map((node) => node.textContent)
"""


def _labels(panel, n_tokens):
    shown = panel.evaluate(LABELS_JS)
    return shown[:n_tokens], shown[n_tokens:2 * n_tokens]


def _expect_row(panel, A, row, timeout):
    from playwright.sync_api import expect

    for j in range(A.shape[1]):
        expect(panel.locator(f'g[data-row="{row}"][data-col="{j}"] text')
               ).to_have_text(_shown(A[row, j]), timeout=timeout)


@pytest.mark.skipif(NOTEBOOK is None, reason="no notebook 09 to test")
def test_typed_sentence_shows_the_real_head(
        browser, lab):  # noqa: F811 (the fixtures imported above)
    from playwright.sync_api import expect

    model = load_minilm()
    cells, tagged = _raises_exception_cells(NOTEBOOK)
    console, external = [], []
    context = browser.new_context(viewport={"width": 1280,
                                            "height": 900})

    def block(route):
        external.append(route.request.url)
        route.abort()

    context.route(lambda url: not _is_local(url), block)
    page = context.new_page()
    traffic = KernelTraffic()
    page.on("websocket", traffic.watch)
    page.on("console", lambda message: console.append(
        f"{message.type}: {message.text}")
        if message.type == "error" else None)
    page.on("pageerror", lambda exc: console.append(f"pageerror: {exc}"))
    page.set_default_timeout(PAGE_READY_TIMEOUT * 1000)
    timeout = WIDGET_TIMEOUT * 1000
    try:
        page.goto(f"{lab['url']}/lab/tree/{quote(NOTEBOOK.name)}"
                  f"?reset&token={lab['token']}")
        _wait_for(page, lambda s: len(s["cells"]) == len(cells)
                  and s["kernel_ready"] and s["status"] == "idle"
                  and traffic.quiet(), PAGE_READY_TIMEOUT,
                  "09 to open with an idle kernel")
        _run_all(page)
        started = time.monotonic()
        _wait_for(page, lambda s: page.evaluate("window.__qkvBusySeen") > 0
                  and s["status"] == "idle" and traffic.quiet()
                  and not any("*" in c["prompt"] for c in s["cells"]),
                  RUN_ALL_TIMEOUT, "09 to finish running all cells")
        page.wait_for_timeout(500)
        problems = _problems(page.evaluate(READ_NOTEBOOK_JS), cells,
                             tagged, console, external)
        assert not problems, "\n".join(problems)
        print(f"09: ran all cells in {time.monotonic() - started:.1f} s")

        cell = _cell_with(page, cells, "RealHeadExplorer(model, text")
        box = cell.locator(".widget-text input")
        panel = cell.locator('figure.qkv-hm[data-panel="A"]')
        summary = cell.locator('[role="status"]')
        note = cell.locator(".widget-html",
                            has_text=re.compile(r"^(Became|Every word)"))
        alert = cell.locator('[role="alert"]')

        # The opening state: notebook 09's typed sentence, head 2.
        tokens, X = model.embed(OPENING)
        A = model.attention(X, 0, 2)
        expect(box).to_have_value(OPENING, timeout=timeout)
        _expect_row(panel, A, tokens.index("kitchen"), timeout)
        assert _labels(panel, len(tokens)) == (tokens, tokens)

        # A sentence of our own, typed with the keyboard, then Enter.
        _type_into(page, box, TYPED)
        tokens, X = model.embed(TYPED)
        A = model.attention(X, 0, 2)
        assert tokens == ["[CLS]", "my", "dog", "[UNK]", "on", "the",
                          "warm", "[UNK]", "[SEP]"]
        expect(panel.locator("svg > text.qkv-hm-title")).to_have_text(
            f"A, layer 0 head 2  {A.shape}", timeout=timeout)
        assert _labels(panel, len(tokens)) == (tokens, tokens)
        for row in range(len(tokens)):
            _expect_row(panel, A, row, timeout)
        # The summary reads the last word, here an [UNK]; then the
        # query selector picks "warm".
        expect(summary).to_have_text(weight_summary(tokens, A, 7),
                                     timeout=timeout)
        q = tokens.index("warm")
        query = cell.locator(".widget-dropdown", has=page.locator(
            "label", has_text=re.compile(r"^query$"))).locator("select")
        query.select_option(label=f"{q} · warm")
        expect(summary).to_have_text(weight_summary(tokens, A, q),
                                     timeout=timeout)
        expect(summary).to_have_text(
            "'warm' gives 1.00 of its weight to 'the'.")
        expect(note).to_have_text(
            unknown_note(model.unknown_words(TYPED)), timeout=timeout)
        assert "'sleeps', 'sofa'" in note.inner_text()

        # Another head, from the head selector: numbers that are not
        # all 0 or 1.
        head = cell.locator(".widget-dropdown", has=page.locator(
            "label", has_text=re.compile(r"^head$"))).locator("select")
        head.select_option("5")
        A = model.attention(X, 0, 5)
        expect(panel.locator("svg > text.qkv-hm-title")).to_have_text(
            f"A, layer 0 head 5  {A.shape}", timeout=timeout)
        _expect_row(panel, A, q, timeout)
        assert 0.05 < A[q].max() < 0.95
        expect(summary).to_have_text(weight_summary(tokens, A, q),
                                     timeout=timeout)

        # Too long for the model: a message, and the heatmap kept.
        _type_into(page, box, " ".join(["word"] * 500))
        expect(alert).to_contain_text(
            "that text makes 502 tokens and the model takes at most 128",
            timeout=timeout)
        expect(alert).to_contain_text(f"still shows '{TYPED}'.")
        _expect_row(panel, A, q, timeout)
        assert _labels(panel, len(tokens)) == (tokens, tokens)
        page.wait_for_timeout(200)
        assert not console, "\n".join(console)
    except BaseException:
        shot = Path(tempfile.mkdtemp(prefix="qkv-browser-shots-")) / (
            "09-real-head.png")
        try:
            page.screenshot(path=str(shot), full_page=True)
            print(f"screenshot of the failure: {shot}")
        except Exception as exc:  # the page may be gone
            print(f"could not save a screenshot: {exc}")
        print("server log tail:\n" + _log_tail(lab["log"]))
        raise
    finally:
        context.close()
