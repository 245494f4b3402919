"""Run every notebook in a real JupyterLab, driven by real Chromium.

One JupyterLab server and one headless Chromium serve the whole
module; each notebook gets a fresh browser context and page. For each
notebook the test restarts the kernel, runs all cells through the
Kernel menu as a reader would, and fails on a traceback outside cells
tagged ``raises-exception``, on "Error displaying widget", on a cell
that never ran, and on any browser console error or page error.

After a clean run, notebooks 05, 06 and 09 also have their live widgets
driven with the keyboard, as a reader would: 06 gets a new value typed
into a W_q entry of the pipeline explorer, and the test checks that the
pixels of the A panel change, that the number shown in one cell of A is
the one ``qkvlib.self_attention`` computes for the edited weights, and
that the summary line follows; it also prints how long the page takes
from the Enter key to the new numbers in the panel. 05 gets its
temperature slider moved with End and the arrow keys, and the weights
shown must be ``qkvlib.softmax(S / tau)`` for the new tau. 09 gets a
sentence of our own typed into the real-model widget: the heatmap's
labels must be its tokens and its numbers those of
``MiniLM.attention``; then another query and head are picked, and a
text too long for the model must leave a message and the last picture.

The notebooks are copied into a temporary folder that is the server's
root, so the test writes nothing into ``notebooks/``. Set
``QKV_BROWSER_NOTEBOOKS`` to test another folder of ``NN-*.ipynb``
files. Without Chromium the tests skip loudly, or fail when
``QKV_REQUIRE_BROWSER=1``.
"""

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import warnings
from pathlib import Path
from urllib.parse import quote, urlsplit

import numpy as np
import pytest

import qkvlib as qk
from qkvlib.plotting import cell_label
from qkvlib.widgets.explorer import attention_summary
from qkvlib.widgets.real_head import unknown_note, weight_summary

REPO = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = Path(
    os.environ.get("QKV_BROWSER_NOTEBOOKS", REPO / "notebooks")
).resolve()
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]-*.ipynb"))

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
NO_CHROMIUM = (
    "NO CHROMIUM: the real-browser smoke test did not run; "
    "install Debian's chromium"
)

SERVER_START_TIMEOUT = 90.0
PAGE_READY_TIMEOUT = 90.0
RUN_ALL_TIMEOUT = 120.0
WIDGET_TIMEOUT = 30.0

# Lab settings for this run only (they live in a throwaway config
# folder). "none" attaches every cell to the DOM, so cell i on the
# page is cell i of the file; the notification switches are a second
# guard, beside the server options, against news and update requests.
USER_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {
        "windowingMode": "none",
    },
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}

# What ipywidgets writes in place of a widget it cannot show: the first
# when it cannot build the view, the second when the view class fails.
PAGE_ERRORS = (
    "Error displaying widget",
    "Click to show javascript error",
)

# IPython tracebacks start with "Traceback (most recent call last)";
# a SyntaxError has no such line but ends with "SyntaxError: ...".
TRACEBACK = re.compile(
    r"Traceback \(most recent call last\)"
    r"|^\s*[A-Za-z_][\w.]*(Error|Exception|Interrupt|Exit)\b",
    re.MULTILINE,
)

# Reads the state of the open notebook: every cell's kind, prompt and
# stderr texts, the kernel status and the whole page text.
READ_NOTEBOOK_JS = """
() => {
  const panel = document.querySelector(
    '.jp-NotebookPanel:not(.lm-mod-hidden)');
  if (!panel) { return null; }
  const cells = [...panel.querySelectorAll('.jp-Notebook .jp-Cell')]
    .map((cell) => {
      const prompt = cell.querySelector('.jp-InputArea-prompt');
      const errors = [...cell.querySelectorAll(
        '.jp-OutputArea-output'
        + '[data-mime-type="application/vnd.jupyter.stderr"]')]
        .map((node) => node.innerText);
      return {
        code: cell.classList.contains('jp-CodeCell'),
        prompt: prompt ? prompt.innerText.trim() : '',
        stderr: errors,
      };
    });
  const indicator = panel.querySelector(
    '.jp-Notebook-ExecutionIndicator');
  // Enabled once the kernel has connected and answered; the status
  // reads "idle" earlier, before the kernel is even connected.
  const bug = panel.querySelector(
    '.jp-DebuggerBugButton[aria-disabled="false"]');
  return {
    cells: cells,
    status: indicator ? indicator.dataset.status : null,
    kernel_ready: bug !== null,
    text: document.body.innerText,
  };
}
"""

# Counts, from before the run starts, how often any prompt shows
# "[*]", so a run that finishes between two polls is still seen.
WATCH_BUSY_JS = """
() => {
  window.__qkvBusySeen = 0;
  const seen = () => {
    const prompts = document.querySelectorAll('.jp-InputArea-prompt');
    for (const prompt of prompts) {
      if (prompt.textContent.includes('*')) {
        window.__qkvBusySeen += 1;
        return;
      }
    }
  };
  new MutationObserver(seen).observe(document.body, {
    subtree: true, childList: true, characterData: true});
}
"""


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _chromium_path():
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    return shutil.which("chromium")


def _write_user_settings(config_dir):
    base = config_dir / "lab" / "user-settings"
    for rel, values in USER_SETTINGS.items():
        path = base / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")


def _api(lab, method, path):
    request = urllib.request.Request(
        lab["url"] + path,
        method=method,
        headers={"Authorization": "token " + lab["token"]},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        body = response.read()
    return json.loads(body) if body else None


def _stop(proc):
    """Stop the server: terminate, wait, then kill its whole group."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)
    # Kernels are in the server's own process group; catch orphans.
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _log_tail(path, n_lines=40):
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return "(no server log)"
    return "\n".join(lines[-n_lines:])


def test_notebooks_found():
    """An empty series must not pass as a clean browser run."""
    assert NOTEBOOKS, (
        f"no notebooks matching NN-*.ipynb in {NOTEBOOK_DIR}; the "
        "browser smoke test has nothing to run"
    )


@pytest.fixture(scope="module")
def chromium():
    path = _chromium_path()
    if path:
        return path
    if os.environ.get("QKV_REQUIRE_BROWSER") == "1":
        pytest.fail(
            "QKV_REQUIRE_BROWSER=1 but no Chromium at /usr/bin/chromium "
            "or on PATH; install Debian's chromium"
        )
    warnings.warn(NO_CHROMIUM, stacklevel=1)
    pytest.skip(NO_CHROMIUM)


@pytest.fixture(scope="module")
def browser(chromium):
    sync_api = pytest.importorskip("playwright.sync_api")
    manager = sync_api.sync_playwright().start()
    try:
        # launch() gives every run a fresh temporary profile.
        chrome = manager.chromium.launch(
            executable_path=chromium,
            headless=True,
            args=CHROMIUM_ARGS,
        )
        try:
            yield chrome
        finally:
            chrome.close()
    finally:
        manager.stop()


@pytest.fixture(scope="module")
def lab(chromium):
    """Start JupyterLab on a copy of the notebooks; always stop it."""
    work = Path(tempfile.mkdtemp(prefix="qkv-browser-lab-"))
    root = work / "root"
    root.mkdir()
    for notebook in NOTEBOOKS:
        shutil.copy2(notebook, root / notebook.name)
    config_dir = work / "config"
    _write_user_settings(config_dir)

    port = _free_port()
    token = secrets.token_hex(24)
    env = dict(os.environ)
    env.update(
        JUPYTER_TOKEN=token,
        JUPYTER_CONFIG_DIR=str(config_dir),
        JUPYTER_DATA_DIR=str(work / "data"),
        JUPYTER_RUNTIME_DIR=str(work / "runtime"),
        IPYTHONDIR=str(work / "ipython"),
        PATH=os.path.dirname(sys.executable) + os.pathsep
        + env.get("PATH", ""),
    )
    env.pop("JUPYTER_TOKEN_FILE", None)
    command = [
        sys.executable, "-m", "jupyter", "lab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        # CI runs as root; the server refuses root without this.
        "--ServerApp.allow_root=True",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.terminals_enabled=False",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class="
        "jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
    ]
    log_path = work / "server.log"
    url = f"http://127.0.0.1:{port}"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            command, cwd=root, env=env, stdin=subprocess.DEVNULL,
            stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(
                    f"JupyterLab exited with {proc.returncode}:\n"
                    + _log_tail(log_path)
                )
            try:
                with urllib.request.urlopen(
                    f"{url}/api/status?token={token}", timeout=2
                ) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"JupyterLab did not answer on {url} within "
                    f"{SERVER_START_TIMEOUT:.0f} s:\n"
                    + _log_tail(log_path)
                )
            time.sleep(0.25)
        yield {"url": url, "token": token, "root": root, "log": log_path}
    finally:
        _stop(proc)
        shutil.rmtree(work, ignore_errors=True)


def _decode_frame(payload):
    """Return (header, parent_header) of one kernel websocket frame.

    Lab speaks the binary v1 protocol (a count, offsets, then channel,
    header, parent header, metadata, content); the JSON one is kept
    for a server that does not offer v1.
    """
    if isinstance(payload, str):
        message = json.loads(payload)
        return message.get("header", {}), message.get("parent_header", {})
    count = int.from_bytes(payload[:8], "little")
    offsets = [
        int.from_bytes(payload[8 * (i + 1):8 * (i + 2)], "little")
        for i in range(count)
    ]
    header = payload[offsets[1]:offsets[2]]
    parent = payload[offsets[2]:offsets[3]]
    return json.loads(header or b"{}"), json.loads(parent or b"{}")


class KernelTraffic:
    """Track requests the page sent to a kernel and not yet answered.

    The kernel status reads idle while Lab's debugger is still asking
    the kernel for its state; restarting then cancels that request and
    Lab logs a console error. Lab sends those requests in bursts, so
    we wait for no unanswered request and a quiet second; this also
    confirms that every execute request got its reply.
    """

    def __init__(self):
        self.pending = {}
        self.last_frame = time.monotonic()

    def quiet(self, seconds=1.0):
        """Return whether nothing is pending nor moved for seconds."""
        idle_for = time.monotonic() - self.last_frame
        return not self.pending and idle_for >= seconds

    def watch(self, websocket):
        if "/api/kernels/" not in websocket.url:
            return
        websocket.on("framesent", self._sent)
        websocket.on("framereceived", self._received)

    def _sent(self, payload):
        self.last_frame = time.monotonic()
        try:
            header, _ = _decode_frame(payload)
        except (ValueError, IndexError):
            return
        if str(header.get("msg_type", "")).endswith("_request"):
            self.pending[header.get("msg_id")] = header["msg_type"]

    def _received(self, payload):
        self.last_frame = time.monotonic()
        try:
            header, parent = _decode_frame(payload)
        except (ValueError, IndexError):
            return
        if str(header.get("msg_type", "")).endswith("_reply"):
            self.pending.pop(parent.get("msg_id"), None)


def _is_local(url):
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    return parts.hostname in ("127.0.0.1", "localhost")


def _raises_exception_cells(notebook):
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return cells, {
        index for index, cell in enumerate(cells)
        if "raises-exception" in cell.get("metadata", {}).get("tags", [])
    }


def _wait_for(page, predicate, timeout, what):
    """Poll the notebook state until predicate(state) holds."""
    deadline = time.monotonic() + timeout
    state = None
    while time.monotonic() < deadline:
        state = page.evaluate(READ_NOTEBOOK_JS)
        if state is not None and predicate(state):
            return state
        page.wait_for_timeout(200)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


def _run_all(page):
    """Kernel > Restart Kernel and Run All Cells, then accept."""
    page.evaluate(WATCH_BUSY_JS)
    page.locator(".lm-MenuBar-itemLabel", has_text="Kernel").click()
    page.locator(
        ".lm-Menu-itemLabel",
        has_text=re.compile(r"^Restart Kernel and Run All Cells"),
    ).click()
    page.locator(".jp-Dialog .jp-Dialog-button.jp-mod-accept").click()


def _problems(state, cells, tagged, console, external):
    found = []
    dom_cells = state["cells"]
    if len(dom_cells) != len(cells):
        found.append(
            f"page shows {len(dom_cells)} cells, file has {len(cells)}"
        )
        return found
    for index, (dom, cell) in enumerate(zip(dom_cells, cells,
                                            strict=True)):
        if cell["cell_type"] != "code":
            continue
        if "".join(cell["source"]).strip() and not re.fullmatch(
            r"\[\d+\]:", dom["prompt"]
        ):
            found.append(
                f"cell {index} did not run (prompt {dom['prompt']!r})"
            )
        if index in tagged:
            continue
        for text in dom["stderr"]:
            if TRACEBACK.search(text):
                found.append(f"cell {index} shows an error:\n{text}")
    for phrase in PAGE_ERRORS:
        if phrase in state["text"]:
            found.append(f"the page shows {phrase!r}")
    found.extend(f"browser console: {line}" for line in console)
    found.extend(f"request left the machine: {u}" for u in external)
    return found


@pytest.mark.parametrize(
    "notebook", NOTEBOOKS, ids=[nb.name for nb in NOTEBOOKS]
)
def test_notebook_runs_clean_in_browser(notebook, browser, lab):
    cells, tagged = _raises_exception_cells(notebook)
    console = []
    external = []
    context = browser.new_context(viewport={"width": 1280,
                                            "height": 900})

    def block(route):
        external.append(route.request.url)
        route.abort()

    context.route(lambda url: not _is_local(url), block)
    page = context.new_page()
    traffic = KernelTraffic()
    page.on("websocket", traffic.watch)

    def on_console(message):
        if message.type == "error":
            console.append(f"{message.type}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: console.append(f"pageerror: {exc}"))
    page.set_default_timeout(PAGE_READY_TIMEOUT * 1000)
    url = (f"{lab['url']}/lab/tree/{quote(notebook.name)}"
           f"?reset&token={lab['token']}")
    opened = time.monotonic()
    try:
        page.goto(url)
        _wait_for(
            page,
            lambda s: len(s["cells"]) == len(cells)
            and s["kernel_ready"]
            and s["status"] == "idle"
            and traffic.quiet(),
            PAGE_READY_TIMEOUT,
            f"{notebook.name} to open with an idle kernel",
        )
        started = time.monotonic()
        _run_all(page)
        state = _wait_for(
            page,
            lambda s: page.evaluate("window.__qkvBusySeen") > 0
            and s["status"] == "idle"
            and traffic.quiet()
            and not any("*" in c["prompt"] for c in s["cells"]),
            RUN_ALL_TIMEOUT,
            f"{notebook.name} to finish running all cells",
        )
        # Let late renderers (widgets, images) report their errors.
        page.wait_for_timeout(500)
        state = page.evaluate(READ_NOTEBOOK_JS)
        print(f"{notebook.name}: ready in {started - opened:.1f} s, "
              f"ran all cells in {time.monotonic() - started:.1f} s")
        problems = _problems(state, cells, tagged, console, external)
        assert not problems, "\n".join(problems)
        live_check = LIVE_CHECKS.get(notebook.name[:2])
        if live_check is not None:
            live_check(page, cells)
            page.wait_for_timeout(200)
            assert not console, "\n".join(
                f"browser console while driving the widgets: {line}"
                for line in console)
    except BaseException:
        shots = Path(tempfile.mkdtemp(prefix="qkv-browser-shots-"))
        shot = shots / (notebook.stem + ".png")
        try:
            page.screenshot(path=str(shot), full_page=True)
            print(f"screenshot of the failure: {shot}")
        except Exception as exc:  # the page may be gone
            print(f"could not save a screenshot: {exc}")
        print("server log tail:\n" + _log_tail(lab["log"]))
        raise
    finally:
        context.close()
        # Free the kernel before the next notebook; a server that died
        # must not hide the failure that is already being reported.
        try:
            for session in _api(lab, "GET", "/api/sessions") or []:
                _api(lab, "DELETE", f"/api/sessions/{session['id']}")
        except (urllib.error.URLError, OSError) as exc:
            print(f"could not shut the kernel down: {exc}")


# Driving the live widgets ------------------------------------------

# Records, in the page, when Enter goes down and when the watched
# panel's SVG next changes, and the frame after that change.
WATCH_PANEL_JS = """
(figure) => {
  const watch = {enter: null, dom: [], frame: []};
  window.__qkvPanel = watch;
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') { watch.enter = performance.now(); }
  }, true);
  new MutationObserver(() => {
    if (watch.enter === null) { return; }
    const pressed = watch.enter;
    watch.enter = null;
    watch.dom.push(performance.now() - pressed);
    requestAnimationFrame(() => watch.frame.push(
      performance.now() - pressed));
  }).observe(figure, {subtree: true, childList: true,
                      characterData: true});
}
"""


def _cell_with(page, cells, text):
    """Return the first cell on the page whose source holds ``text``."""
    for index, cell in enumerate(cells):
        if cell["cell_type"] == "code" and text in "".join(cell["source"]):
            return page.locator(".jp-Notebook .jp-Cell").nth(index)
    pytest.fail(f"no code cell holds {text!r}")


def _cat_eats_fish():
    example = qk.load_example("cat-eats-fish")
    W_q, W_k, W_v = qk.init_weights(4, 3, np.random.default_rng(55))
    return example.tokens, example.X, W_q, W_k, W_v


def _shown(value):
    text = f"{value:.2f}"
    return "0.00" if text == "-0.00" else text


def _type_into(page, entry, text):
    """Focus an entry, select all, type, press Enter: the keyboard."""
    entry.focus()
    page.keyboard.press("Control+A")
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def _drive_explorer(page, cells):
    """06: type into W_q[1, 1]; check the A panel and the summary."""
    from playwright.sync_api import expect

    tokens, X, W_q, W_k, W_v = _cat_eats_fish()
    cell = _cell_with(page, cells, 'PipelineExplorer(tokens, X, W_q, W_k, '
                      'W_v, query="eats")')
    entry = cell.locator('input[title="W_q[1, 1]"]')
    panel = cell.locator('figure.qkv-hm[data-panel="A"]')
    chosen = panel.locator('g[data-row="1"][data-col="1"] text')
    summary = cell.locator(".widget-label",
                           has_text=re.compile(r"of its attention to"))
    timeout = WIDGET_TIMEOUT * 1000
    expect(chosen).to_have_text(_shown(qk.self_attention(
        X, W_q, W_k, W_v).A[1, 1]), timeout=timeout)
    expect(entry).to_have_value("-0.622", timeout=timeout)
    before = panel.screenshot()

    def edit(value):
        W_q_edited = W_q.copy()
        W_q_edited[1, 1] = float(value)
        A = qk.self_attention(X, W_q_edited, W_k, W_v).A
        _type_into(page, entry, value)
        expect(chosen).to_have_text(_shown(A[1, 1]), timeout=timeout)
        expect(summary).to_have_text(attention_summary(tokens, A, 1),
                                     timeout=timeout)
        return A

    A = edit("1.378")
    after = panel.screenshot()
    assert after != before, "the A panel's pixels did not change"
    # The edit of section 8 of the notebook: the row "after".
    assert [_shown(a) for a in A[1]] == ["0.32", "0.37", "0.31"]

    # Time Enter to new numbers, each edit on its own: a pause longer
    # than the 50 ms burst window lets each one redraw at once. While
    # timing, the page is polled only every 100 ms, not every frame,
    # so that the test itself does not slow the page down.
    page.evaluate(WATCH_PANEL_JS, panel.element_handle())
    values = ["-0.622", "2.5", "0.0", "1.0", "-1.5", "3.0", "0.5",
              "-0.5", "2.0", "1.378"]
    for k, value in enumerate(values, start=1):
        page.wait_for_timeout(150)
        _type_into(page, entry, value)
        page.wait_for_function(
            f"window.__qkvPanel.frame.length >= {k}", polling=100,
            timeout=timeout)
    W_q_edited = W_q.copy()
    W_q_edited[1, 1] = float(values[-1])
    A = qk.self_attention(X, W_q_edited, W_k, W_v).A
    expect(chosen).to_have_text(_shown(A[1, 1]), timeout=timeout)
    watch = page.evaluate("window.__qkvPanel")
    dom, frame = watch["dom"], watch["frame"]
    assert len(dom) == len(values), watch
    print(f"06 explorer, Enter to new text in the A panel: median "
          f"{np.median(dom):.1f} ms, max {max(dom):.1f} ms; to the next "
          f"frame: median {np.median(frame):.1f} ms over {len(dom)} "
          "edits (target: new pixels within 80 ms)")

    # A large entry: the Q panel labels its cells as qkvlib.heatmap
    # does, short enough to fit (300000 becomes 3e5).
    W_q_edited[1, 1] = 300000.0
    Q = X @ W_q_edited
    _type_into(page, entry, "300000")
    q_cell = cell.locator('figure.qkv-hm[data-panel="Q"] '
                          'g[data-row="1"][data-col="1"] text')
    expect(q_cell).to_have_text(cell_label(Q[1, 1]), timeout=timeout)
    assert cell_label(Q[1, 1]) == "3e5"


def _drive_temperature(page, cells):
    """05: move the tau slider with End and an arrow key."""
    from playwright.sync_api import expect

    tokens, X, W_q, W_k, W_v = _cat_eats_fish()
    S = qk.self_attention(X, W_q, W_k, W_v).S
    cell = _cell_with(page, cells, "TemperatureExplorer(tokens, S")
    handle = cell.locator(".noUi-handle")
    readout = cell.locator(".widget-readout")
    line = cell.locator(".widget-label", has_text=re.compile(r"^tau = "))
    panel = cell.locator('figure.qkv-hm[data-panel="A"]')
    timeout = WIDGET_TIMEOUT * 1000

    def check(tau):
        A = qk.softmax(S / tau)
        expect(readout).to_have_text(f"{tau:g}", timeout=timeout)
        for j in range(len(tokens)):
            expect(panel.locator(f'g[data-row="1"][data-col="{j}"] text')
                   ).to_have_text(_shown(A[1, j]), timeout=timeout)
        expect(line).to_contain_text(
            f"tau = {tau:g}: eats gives Cat {A[1, 0]:.3f}, eats "
            f"{A[1, 1]:.3f}, fish {A[1, 2]:.3f};", timeout=timeout)

    check(1.0)
    handle.focus()
    page.keyboard.press("End")
    check(50.0)
    page.keyboard.press("Home")
    check(0.05)
    page.keyboard.press("ArrowRight")
    check(0.1)


# 09: the heatmap's SVG labels, column labels first, then row labels.
LABELS_JS = """
(figure) => [...figure.querySelectorAll('svg > text.qkv-hm-label')]
  .map((node) => node.textContent)
"""
REAL_OPENING = "The kitten chased a moth across the kitchen."
# A sentence of our own, not in the notebook: two of its words are
# not in the shipped vocabulary.
REAL_TYPED = "My dog sleeps on the warm sofa"


def _labels(panel, n_tokens):
    shown = panel.evaluate(LABELS_JS)
    return shown[:n_tokens], shown[n_tokens:2 * n_tokens]


def _expect_row(panel, A, row, timeout):
    from playwright.sync_api import expect

    for j in range(A.shape[1]):
        expect(panel.locator(f'g[data-row="{row}"][data-col="{j}"] text')
               ).to_have_text(_shown(A[row, j]), timeout=timeout)


def _drive_real_head(page, cells):
    """09: type a sentence of our own; read the real head's heatmap."""
    from playwright.sync_api import expect

    model = qk.load_minilm()
    timeout = WIDGET_TIMEOUT * 1000
    cell = _cell_with(page, cells, "RealHeadExplorer(model, text")
    box = cell.locator(".widget-text input")
    panel = cell.locator('figure.qkv-hm[data-panel="A"]')
    summary = cell.locator('[role="status"]')
    note = cell.locator(".widget-html",
                        has_text=re.compile(r"^(Became|Every word)"))
    alert = cell.locator('[role="alert"]')

    # The opening state: notebook 09's typed sentence, head 2.
    tokens, X = model.embed(REAL_OPENING)
    A = model.attention(X, 0, 2)
    expect(box).to_have_value(REAL_OPENING, timeout=timeout)
    _expect_row(panel, A, tokens.index("kitchen"), timeout)
    assert _labels(panel, len(tokens)) == (tokens, tokens)

    # A sentence of our own, typed with the keyboard, then Enter.
    _type_into(page, box, REAL_TYPED)
    tokens, X = model.embed(REAL_TYPED)
    A = model.attention(X, 0, 2)
    assert tokens == ["[CLS]", "my", "dog", "[UNK]", "on", "the", "warm",
                      "[UNK]", "[SEP]"]
    expect(panel.locator("svg > text.qkv-hm-title")).to_have_text(
        f"A, layer 0 head 2  {A.shape}", timeout=timeout)
    assert _labels(panel, len(tokens)) == (tokens, tokens)
    for row in range(len(tokens)):
        _expect_row(panel, A, row, timeout)
    # The summary reads the last word, here an [UNK]; then the query
    # selector picks "warm".
    expect(summary).to_have_text(weight_summary(tokens, A, 7),
                                 timeout=timeout)
    q = tokens.index("warm")
    query = cell.locator(".widget-dropdown", has=page.locator(
        "label", has_text=re.compile(r"^query$"))).locator("select")
    query.select_option(label=f"{q} · warm")
    expect(summary).to_have_text(
        "'warm' gives 1.00 of its weight to 'the'.", timeout=timeout)
    expect(note).to_have_text(
        unknown_note(model.unknown_words(REAL_TYPED)), timeout=timeout)
    assert "'sleeps', 'sofa'" in note.inner_text()

    # Another head, from the head selector: numbers that are not all
    # 0 or 1.
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
        "that text makes 502 tokens and the shipped data cover at most "
        "128 positions",
        timeout=timeout)
    expect(alert).to_contain_text(f"still shows '{REAL_TYPED}'.")
    _expect_row(panel, A, q, timeout)
    assert _labels(panel, len(tokens)) == (tokens, tokens)


def _answer_exercise(page, cells):
    """05: answer exercise 05.1 in its cell, wrong, then right."""
    from playwright.sync_api import expect

    cell = _cell_with(page, cells, 'qk.exercise("05.1")')
    editor = cell.locator(".jp-InputArea-editor .cm-content")
    output = cell.locator(".jp-OutputArea-output")
    timeout = WIDGET_TIMEOUT * 1000
    expect(output).to_have_text(
        "… Exercise 05.1: Not attempted yet: replace None with the "
        "weights of the row of scores [1, 2, 3], as three numbers, then "
        "run the cell again.", timeout=timeout)

    def answer(text):
        editor.click()
        page.keyboard.press("Control+A")
        page.keyboard.insert_text(
            f'ex_1 = qk.exercise("05.1")\nanswer = {text}\n'
            "ex_1.check(answer)")
        page.keyboard.press("Shift+Enter")

    answer("np.exp([1.0, 2.0, 3.0])")
    expect(output).to_have_text(
        "✘ Exercise 05.1: Not yet: exps not divided by their sum. These "
        "are the exps; divide each by their sum so the weights add up "
        "to 1.", timeout=timeout)
    answer("[0.090, 0.245, 0.665]")
    expect(output).to_have_text(
        "✔ Exercise 05.1: Correct: each score is exponentiated and "
        "divided by the sum of the three exps, 30.19.", timeout=timeout)


def _drive_softmax(page, cells):
    """05: the temperature slider, then one exercise checked."""
    _drive_temperature(page, cells)
    _answer_exercise(page, cells)


LIVE_CHECKS = {"05": _drive_softmax, "06": _drive_explorer,
               "09": _drive_real_head}
