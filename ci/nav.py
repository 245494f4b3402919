"""Write or check the navigation line of every notebook in the series.

Each notebook ``notebooks/NN-short-title.ipynb`` opens with a title
cell ``# NN · Title`` and then a markdown cell tagged ``navigation``
that links to the previous notebook, the start page and the next one.
This script owns that cell: authors never edit it by hand.

Usage::

    python ci/nav.py            # rewrite stale navigation cells
    python ci/nav.py --check    # exit 1 if any is missing or stale
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = REPO / "notebooks"
NAME_RE = re.compile(r"^(\d\d)-[a-z0-9][a-z0-9-]*\.ipynb$")
TITLE_RE = re.compile(r"^#\s+(\d\d\s+·\s+\S.*?)\s*$")
NAV_TAG = "navigation"
SEP = " · "


def notebook_paths(folder: Path = NOTEBOOK_DIR) -> list[Path]:
    """Return the series notebooks in ``folder``, sorted by name."""
    return sorted(
        p for p in folder.glob("*.ipynb") if NAME_RE.match(p.name)
    )


def read(path: Path) -> nbformat.NotebookNode:
    """Read a notebook as nbformat 4 without converting it."""
    return nbformat.read(path, as_version=nbformat.NO_CONVERT)


def title_of(nb: nbformat.NotebookNode) -> str | None:
    """Return the ``NN · Title`` text of the first cell, or None."""
    if not nb.cells or nb.cells[0].cell_type != "markdown":
        return None
    lines = nb.cells[0].source.splitlines()
    match = TITLE_RE.match(lines[0]) if lines else None
    return match.group(1) if match else None


def nav_cell_index(nb: nbformat.NotebookNode) -> int | None:
    """Return the index of the cell tagged ``navigation``, or None."""
    for index, cell in enumerate(nb.cells):
        if NAV_TAG in cell.get("metadata", {}).get("tags", []):
            return index
    return None


def navigation_line(
    names: list[str], titles: list[str], index: int
) -> str:
    """Build the navigation text for notebook ``names[index]``.

    The start page is the notebook numbered 00. When the previous
    notebook is the start page, its link stands in for the start
    page link, so no line links to the same page twice.
    """
    start = next((n for n in names if n.startswith("00-")), None)
    parts = []
    if index > 0:
        parts.append(f"[← {titles[index - 1]}]({names[index - 1]})")
    if start is not None and names[index] != start:
        if index == 0 or names[index - 1] != start:
            parts.append(f"[Start page]({start})")
    if index < len(names) - 1:
        parts.append(f"[{titles[index + 1]} →]({names[index + 1]})")
    return SEP.join(parts)


def expected_navigation(paths: Iterable[Path]) -> dict[Path, str]:
    """Return the navigation text each notebook in ``paths`` must have.

    Parameters
    ----------
    paths : iterable of Path
        Every notebook of the series; order does not matter.

    Returns
    -------
    dict
        Maps each path to its navigation line.

    Raises
    ------
    ValueError
        If a notebook's first cell is not a ``# NN · Title`` heading.
    """
    ordered = sorted(paths, key=lambda p: p.name)
    titles = []
    for path in ordered:
        title = title_of(read(path))
        if title is None:
            raise ValueError(
                f"{path.name}: cell 0 must be a title '# NN · Title'"
            )
        titles.append(title)
    names = [p.name for p in ordered]
    return {
        path: navigation_line(names, titles, i)
        for i, path in enumerate(ordered)
    }


def stale(paths: Iterable[Path]) -> list[str]:
    """Return a problem line per notebook with a wrong navigation."""
    problems = []
    for path, text in expected_navigation(paths).items():
        nb = read(path)
        index = nav_cell_index(nb)
        if index is None:
            problems.append(f"{path.name}: no cell tagged '{NAV_TAG}'")
        elif nb.cells[index].source != text:
            problems.append(f"{path.name}: navigation line is stale")
    return problems


def update(paths: Iterable[Path]) -> list[Path]:
    """Rewrite stale navigation cells in place; return changed paths.

    A notebook without a navigation cell gets one after its title.
    Files whose navigation is already right are not rewritten.
    """
    changed = []
    for path, text in expected_navigation(paths).items():
        nb = read(path)
        index = nav_cell_index(nb)
        if index is None:
            cell = nbformat.v4.new_markdown_cell(text)
            cell.metadata["tags"] = [NAV_TAG]
            if nb.nbformat_minor < 5:
                del cell["id"]
            nb.cells.insert(1, cell)
        elif nb.cells[index].source == text:
            continue
        else:
            nb.cells[index].source = text
        nbformat.write(nb, path)
        changed.append(path)
    return changed


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="report missing or stale navigation cells; change nothing",
    )
    args = parser.parse_args(argv)
    paths = notebook_paths()
    if not paths:
        print(f"no notebooks NN-*.ipynb in {NOTEBOOK_DIR}", file=sys.stderr)
        return 1
    try:
        if args.check:
            problems = stale(paths)
            for line in problems:
                print(line)
            if problems:
                print("run: python ci/nav.py", file=sys.stderr)
            return 1 if problems else 0
        for path in update(paths):
            print(f"updated navigation: {path.relative_to(REPO)}")
    except ValueError as err:
        print(err, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
