"""Hygiene checks on the stored notebooks and the repository's links.

Each ``check_*`` function returns a list of problems, empty when all
is well, so one helper serves both the real notebooks and the broken
fixtures at the end of this file that prove the checks can fail.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote

import nav
import nbformat
import pytest

REPO = nav.REPO
NOTEBOOK_DIR = nav.NOTEBOOK_DIR
SERIES = nav.notebook_paths()
DOCS = [
    REPO / name
    for name in ("README.md", "CONTRIBUTING.md", "data/README.md")
    if (REPO / name).is_file()
]

MACHINE_PATH_RE = re.compile(
    r"/home/|/root/|/work/|/tmp/|/usr/|/opt/|/Users/|/var/folders/"
    r"|site-packages|\b[A-Za-z]:\\"
)
ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
BINARY_MIMES = {"image/png", "image/jpeg", "image/gif", "image/webp",
                "application/pdf"}
FENCE_RE = re.compile(r"^ {0,3}(```|~~~).*?^ {0,3}\1", re.M | re.S)
CODE_SPAN_RE = re.compile(r"(`+).+?\1", re.S)
INLINE_LINK_RE = re.compile(
    r"\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)"
)
REF_LINK_RE = re.compile(r"^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)", re.M)
HTML_LINK_RE = re.compile(r"""(?:href|src)\s*=\s*["']([^"']+)["']""")
SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def read(path: Path) -> nbformat.NotebookNode:
    """Read a notebook as stored, without converting it."""
    return nav.read(path)


def code_cells(nb: nbformat.NotebookNode) -> list[tuple[int, dict]]:
    """Return (index, cell) for every code cell."""
    return [
        (i, cell) for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
    ]


def tags(cell: dict) -> list[str]:
    """Return the cell tags of one cell."""
    return cell.get("metadata", {}).get("tags", [])


def check_name(path: Path) -> list[str]:
    """Check the file is named ``NN-short-title.ipynb``."""
    if nav.NAME_RE.match(path.name):
        return []
    return [f"{path.name}: name must look like NN-short-title.ipynb"]


def check_numbering(names: list[str]) -> list[str]:
    """Check the numbers start at 00 and never repeat.

    Gaps are allowed: the numbers follow the curriculum, and a later
    notebook (09) may be written before the ones between (07, 08).
    """
    numbers = sorted(int(name[:2]) for name in names)
    problems = []
    if not numbers or numbers[0] != 0:
        problems.append(f"notebook numbers are {numbers}; the series "
                        "must start with 00, the start page")
    repeated = sorted({n for n in numbers if numbers.count(n) > 1})
    if repeated:
        problems.append(f"notebook numbers repeat: {repeated}")
    return problems


def check_title(path: Path, nb: nbformat.NotebookNode) -> list[str]:
    """Check cell 0 is ``# NN · Title`` with the file's number."""
    title = nav.title_of(nb)
    if title is None:
        return ["cell 0 must be a markdown title '# NN · Title'"]
    if title[:2] != path.name[:2]:
        return [f"title number {title[:2]} differs from the file's "
                f"{path.name[:2]}"]
    return []


def check_executed(nb: nbformat.NotebookNode) -> list[str]:
    """Check every code cell ran and some stored outputs exist."""
    cells = code_cells(nb)
    problems = []
    idle = [i for i, cell in cells if cell.get("execution_count") is None]
    if idle:
        problems.append(f"code cells never executed: {idle} (run make "
                        f"notebooks; remove empty code cells)")
    if not any(cell.get("outputs") for _, cell in cells):
        problems.append("no code cell has stored outputs; "
                        "run make notebooks")
    return problems


def check_counts(nb: nbformat.NotebookNode) -> list[str]:
    """Check execution counts read exactly 1..n in cell order."""
    cells = code_cells(nb)
    counts = [cell.get("execution_count") for _, cell in cells]
    expected = list(range(1, len(cells) + 1))
    problems = []
    if counts != expected:
        problems.append(f"execution counts are {counts}; expected "
                        f"1..{len(cells)} (rebuild with make notebooks)")
    for i, cell in cells:
        for out in cell.get("outputs", []):
            count = out.get("execution_count", cell.get("execution_count"))
            if count != cell.get("execution_count"):
                problems.append(f"cell {i}: output count {count} differs "
                                f"from the cell's")
    return problems


def check_kernelspec(nb: nbformat.NotebookNode) -> list[str]:
    """Check the notebook asks for the ``python3`` kernel."""
    name = nb.metadata.get("kernelspec", {}).get("name")
    if name == "python3":
        return []
    return [f"kernelspec name is {name!r}; expected 'python3'"]


def check_no_widget_state(nb: nbformat.NotebookNode) -> list[str]:
    """Check no widget state or widget view is stored.

    A stored widget view without its state makes JupyterLab show an
    error before the cell runs; the text form must stand in for it.
    """
    problems = []
    if "widgets" in nb.metadata:
        problems.append("metadata holds widget state ('widgets'); "
                        "rebuild with make notebooks")
    for index, cell in code_cells(nb):
        for out in cell.get("outputs", []):
            if WIDGET_VIEW in out.get("data", {}):
                problems.append(f"cell {index}: output stores a widget "
                                "view (a notebook saved after running "
                                "its widgets?); restore it with git "
                                "checkout, or rebuild with make notebooks")
    return problems


def output_texts(out: dict) -> list[str]:
    """Return the text of one output, leaving out binary images."""
    kind = out.get("output_type")
    if kind == "stream":
        return [out.get("text", "")]
    if kind == "error":
        return [out.get("ename", ""), out.get("evalue", ""),
                *out.get("traceback", [])]
    texts = []
    for mime, value in out.get("data", {}).items():
        if mime in BINARY_MIMES:
            continue
        if not isinstance(value, str):
            value = json.dumps(value)
        texts.append(value)
    return texts


def check_machine_paths(nb: nbformat.NotebookNode) -> list[str]:
    """Check no output shows an absolute path of this machine."""
    problems = []
    for i, cell in code_cells(nb):
        for out in cell.get("outputs", []):
            for text in output_texts(out):
                match = MACHINE_PATH_RE.search(ANSI_RE.sub("", text))
                if match:
                    problems.append(f"cell {i}: output shows a machine "
                                    f"path ({match.group(0)!r})")
    return problems


def check_errors(nb: nbformat.NotebookNode) -> list[str]:
    """Check only cells tagged ``raises-exception`` stored an error."""
    problems = []
    for i, cell in code_cells(nb):
        if "raises-exception" in tags(cell):
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                problems.append(f"cell {i}: stored {out.get('ename')} "
                                f"without the raises-exception tag")
    return problems


def check_navigation(nb: nbformat.NotebookNode, expected: str) -> list[str]:
    """Check the ``navigation`` cell says what ci/nav.py would write."""
    index = nav.nav_cell_index(nb)
    if index is None:
        return ["no markdown cell tagged 'navigation'; run ci/nav.py"]
    cell = nb.cells[index]
    problems = []
    if cell.cell_type != "markdown":
        problems.append(f"navigation cell {index} is not markdown")
    if cell.source != expected:
        problems.append(f"navigation is {cell.source!r}; ci/nav.py "
                        f"writes {expected!r}")
    return problems


def link_targets(markdown: str) -> list[str]:
    """Return the link and image targets of a markdown text."""
    text = FENCE_RE.sub("", markdown)
    text = CODE_SPAN_RE.sub("", text)
    found = INLINE_LINK_RE.findall(text) + REF_LINK_RE.findall(text)
    found += HTML_LINK_RE.findall(text)
    return [t[1:-1] if t.startswith("<") else t for t in found]


def check_links(markdown: str, base: Path, repo: Path = REPO) -> list[str]:
    """Check every relative link in ``markdown`` names a real file.

    Links with a scheme (``https:``, ``mailto:``) and bare ``#anchors``
    are left alone; for ``file#anchor`` only the file is checked.
    """
    problems = []
    for target in link_targets(markdown):
        if SCHEME_RE.match(target) or target.startswith(("#", "//")):
            continue
        file_part = unquote(re.split(r"[#?]", target, maxsplit=1)[0])
        if not file_part:
            continue
        if file_part.startswith("/"):
            resolved = repo / file_part.lstrip("/")
        else:
            resolved = base / file_part
        resolved = resolved.resolve()
        if not resolved.is_relative_to(repo.resolve()):
            problems.append(f"link {target!r} leaves the repository")
        elif not resolved.exists():
            problems.append(f"link {target!r} names no file")
    return problems


def check_notebook_links(
    path: Path, nb: nbformat.NotebookNode, repo: Path = REPO
) -> list[str]:
    """Check the relative links of every markdown cell."""
    problems = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            found = check_links(cell.source, path.parent, repo)
            problems += [f"cell {i}: {p}" for p in found]
    return problems


def report(path: Path, problems: list[str]) -> str:
    """Format problems for an assertion message."""
    where = path.relative_to(REPO) if path.is_relative_to(REPO) else path
    return f"{where}:\n  " + "\n  ".join(problems)


def ids(paths: list[Path]) -> list[str]:
    """Name parametrized cases by file name."""
    return [p.name for p in paths]


# The real series --------------------------------------------------


def test_series_is_not_empty() -> None:
    assert SERIES, (f"no notebooks named NN-short-title.ipynb in "
                    f"{NOTEBOOK_DIR.relative_to(REPO)}/")


def test_notebook_names_and_numbers() -> None:
    stray = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
    problems = [p for path in stray for p in check_name(path)]
    problems += check_numbering([p.name for p in SERIES])
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", SERIES, ids=ids(SERIES))
def test_title(path: Path) -> None:
    problems = check_title(path, read(path))
    assert not problems, report(path, problems)


@pytest.mark.parametrize("path", SERIES, ids=ids(SERIES))
def test_executed_with_outputs(path: Path) -> None:
    nb = read(path)
    problems = check_executed(nb) + check_counts(nb)
    assert not problems, report(path, problems)


@pytest.mark.parametrize("path", SERIES, ids=ids(SERIES))
def test_metadata(path: Path) -> None:
    nb = read(path)
    problems = check_kernelspec(nb) + check_no_widget_state(nb)
    assert not problems, report(path, problems)


@pytest.mark.parametrize("path", SERIES, ids=ids(SERIES))
def test_outputs_are_clean(path: Path) -> None:
    nb = read(path)
    problems = check_machine_paths(nb) + check_errors(nb)
    assert not problems, report(path, problems)


@pytest.mark.parametrize("path", SERIES, ids=ids(SERIES))
def test_navigation(path: Path) -> None:
    expected = nav.expected_navigation(SERIES)[path]
    problems = check_navigation(read(path), expected)
    assert not problems, report(path, problems)


@pytest.mark.parametrize("path", SERIES, ids=ids(SERIES))
def test_notebook_links(path: Path) -> None:
    problems = check_notebook_links(path, read(path))
    assert not problems, report(path, problems)


@pytest.mark.parametrize(
    "path", DOCS, ids=[str(p.relative_to(REPO)) for p in DOCS]
)
def test_doc_links(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    problems = check_links(text, path.parent)
    assert not problems, report(path, problems)


# The checks themselves, on fixtures in a temporary folder ---------


def make_notebook(number: str, title: str) -> nbformat.NotebookNode:
    """Build a small notebook that passes every check."""
    v4 = nbformat.v4
    nb = v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python",
                                 "display_name": "Python 3 (ipykernel)"}
    nb.cells = [
        v4.new_markdown_cell(f"# {number} · {title}"),
        v4.new_markdown_cell("", metadata={"tags": ["navigation"]}),
        v4.new_markdown_cell("See [the start](00-start-here.ipynb#top)"
                             " and [the web](https://example.org)."),
        v4.new_code_cell("x = 1", execution_count=1),
        v4.new_code_cell("print(x)", execution_count=2, outputs=[
            v4.new_output("stream", name="stdout", text="1\n")]),
        v4.new_code_cell("1 / 0", execution_count=3, outputs=[
            v4.new_output("error", ename="ZeroDivisionError",
                          evalue="division by zero", traceback=[])],
            metadata={"tags": ["raises-exception"]}),
    ]
    return nb


@pytest.fixture
def series(tmp_path: Path) -> list[Path]:
    """Write a good three-notebook series; return its paths."""
    folder = tmp_path / "notebooks"
    folder.mkdir()
    names = [("00", "start-here", "Start here"),
             ("01", "tokens", "Tokens"), ("02", "scores", "Scores")]
    paths = []
    for number, slug, title in names:
        path = folder / f"{number}-{slug}.ipynb"
        nbformat.write(make_notebook(number, title), path)
        paths.append(path)
    nav.update(paths)
    return paths


def all_problems(path: Path, paths: list[Path]) -> list[str]:
    """Run every per-notebook check on one fixture notebook."""
    nb = read(path)
    expected = nav.expected_navigation(paths)[path]
    return (check_name(path) + check_title(path, nb) + check_executed(nb)
            + check_counts(nb) + check_kernelspec(nb)
            + check_no_widget_state(nb) + check_machine_paths(nb)
            + check_errors(nb) + check_navigation(nb, expected)
            + check_notebook_links(path, nb, path.parent.parent))


def test_good_fixture_passes(series: list[Path]) -> None:
    for path in series:
        assert all_problems(path, series) == [], path.name
    assert check_numbering([p.name for p in series]) == []


def test_nav_lines(series: list[Path]) -> None:
    lines = [read(p).cells[1].source for p in series]
    assert lines == [
        "[01 · Tokens →](01-tokens.ipynb)",
        "[← 00 · Start here](00-start-here.ipynb)"
        " · [02 · Scores →](02-scores.ipynb)",
        "[← 01 · Tokens](01-tokens.ipynb)"
        " · [Start page](00-start-here.ipynb)",
    ]
    before = [p.read_bytes() for p in series]
    assert nav.update(series) == []
    assert [p.read_bytes() for p in series] == before


def break_notebook(nb: nbformat.NotebookNode, fault: str) -> None:
    """Introduce one fault into a good fixture notebook in place."""
    cells = nb.cells
    if fault == "title":
        cells[0].source = "# 07 · Wrong number"
    elif fault == "unexecuted":
        cells[3].execution_count = None
    elif fault == "no-outputs":
        for cell in cells[3:]:
            cell.outputs = []
    elif fault == "counts":
        cells[4].execution_count = 5
    elif fault == "kernelspec":
        nb.metadata["kernelspec"]["name"] = "qkv-venv"
    elif fault == "widgets":
        nb.metadata["widgets"] = {"state": {}}
    elif fault == "widget-view":
        cells[4].outputs = [nbformat.v4.new_output(
            "display_data", data={WIDGET_VIEW: {"model_id": "0"},
                                  "text/plain": "IntSlider()"})]
    elif fault == "machine-path":
        cells[4].outputs[0].text = "saved to /tmp/x/out.json\n"
    elif fault == "traceback-path":
        cells[5].outputs[0].traceback = [
            "\x1b[0;32m/work/main/qkvlib/x.py\x1b[0m in f()"]
    elif fault == "untagged-error":
        cells[5].metadata["tags"] = []
    elif fault == "navigation":
        cells[1].source = "[Start page](00-start-here.ipynb)"
    elif fault == "no-navigation":
        cells[1].metadata["tags"] = []
    elif fault == "link":
        cells[2].source = "See [the gone](04-gone.ipynb#top)."
    else:
        raise ValueError(f"unknown fault {fault!r}")


# Each fault, and words the problem report must contain for it.
FAULTS = {
    "title": "title number 07",
    "unexecuted": "code cells never executed: [3]",
    "no-outputs": "no code cell has stored outputs",
    "counts": "execution counts are [1, 5, 3]",
    "kernelspec": "kernelspec name is 'qkv-venv'",
    "widgets": "widget state",
    "widget-view": "cell 4: output stores a widget view",
    "machine-path": "cell 4: output shows a machine path",
    "traceback-path": "cell 5: output shows a machine path",
    "untagged-error": "without the raises-exception tag",
    "navigation": "navigation is '[Start page]",
    "no-navigation": "no markdown cell tagged 'navigation'",
    "link": "link '04-gone.ipynb#top' names no file",
}


@pytest.mark.parametrize("fault", FAULTS)
def test_broken_fixture_fails(series: list[Path], fault: str) -> None:
    path = series[1]
    nb = read(path)
    break_notebook(nb, fault)
    nbformat.write(nb, path)
    problems = all_problems(path, series)
    assert any(FAULTS[fault] in p for p in problems), problems


def test_bad_names_and_numbers_fail(tmp_path: Path) -> None:
    assert check_name(tmp_path / "Softmax.ipynb")
    assert check_name(tmp_path / "5-softmax.ipynb")
    assert check_numbering(["00-a.ipynb", "02-b.ipynb"]) == []
    assert check_numbering(["00-a.ipynb", "00-b.ipynb"]) == [
        "notebook numbers repeat: [0]"]
    assert check_numbering(["01-a.ipynb", "02-b.ipynb"]) == [
        "notebook numbers are [1, 2]; the series must start with 00, "
        "the start page"]
    assert nav.notebook_paths(tmp_path) == []


def test_doc_link_check(tmp_path: Path) -> None:
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "00-a.ipynb").write_text("{}")
    good = ("[a](notebooks/00-a.ipynb) [b](#top) <https://x.org>\n"
            "`[c](gone.md)`\n\n[ref]: notebooks/00-a.ipynb#x\n")
    assert check_links(good, tmp_path, tmp_path) == []
    for bad in ("[a](notebooks/01-b.ipynb)", "![i](img.png)",
                "[r]: gone.md", '<img src="gone.png">', "[o](../x.md)"):
        assert check_links(bad, tmp_path, tmp_path), bad
