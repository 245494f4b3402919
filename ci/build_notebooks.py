"""Execute notebooks in fresh kernels and store their outputs.

Usage::

    python ci/build_notebooks.py [notebooks/NN-title.ipynb ...]

With no paths, every notebook of the series is built. First the
navigation lines of the whole series are brought up to date (see
``ci/nav.py``). Then each notebook runs top to bottom in a new
``python3`` kernel started in ``notebooks/``, so its execution
counts read 1..n. Only cells tagged ``raises-exception`` may raise.
Before the notebook is written back, adjacent stream outputs are
merged, widget state and widget views are dropped (their text form
and any static picture stay) and the kernelspec is set to ``python3``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import nav
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError

CELL_TIMEOUT = 120
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
KERNELSPEC = {
    "name": "python3",
    "display_name": "Python 3 (ipykernel)",
    "language": "python",
}


def merge_adjacent_streams(nb: nbformat.NotebookNode) -> None:
    """Join back-to-back stdout (or stderr) outputs of each cell.

    The kernel may split one print across messages at random, so
    merging keeps stored outputs the same from build to build. Order
    relative to figures and other outputs is kept.
    """
    for cell in nb.cells:
        merged = []
        for out in cell.get("outputs", []):
            last = merged[-1] if merged else None
            if (out.output_type == "stream" and last is not None
                    and last.output_type == "stream"
                    and last.name == out.name):
                last.text += out.text
            else:
                merged.append(out)
        if "outputs" in cell:
            cell.outputs = merged


def drop_widget_views(nb: nbformat.NotebookNode) -> None:
    """Drop the live view of each widget output; keep the rest.

    A widget view needs its live model; stored without one, JupyterLab
    shows an error where the widget was. What else the output holds
    stays: the text form (a sentence for the qkvlib widgets) and, for
    the explorers of ``qkvlib.widgets``, a PNG of their opening state,
    so GitHub and a fresh JupyterLab show a picture where the widget
    will be once the cell runs again.
    """
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            out.get("data", {}).pop(WIDGET_VIEW, None)


def build(path: Path) -> None:
    """Execute one notebook and write it back with clean metadata.

    Raises
    ------
    nbclient.exceptions.CellExecutionError
        If a cell without the ``raises-exception`` tag raises.
    """
    nb = nav.read(path)
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        record_timing=False,
        store_widget_state=False,
        resources={"metadata": {"path": str(nav.NOTEBOOK_DIR)}},
    )
    client.execute()
    merge_adjacent_streams(nb)
    drop_widget_views(nb)
    nb.metadata.pop("widgets", None)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nbformat.write(nb, path)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        help="notebooks to build (default: all in notebooks/)",
    )
    args = parser.parse_args(argv)
    series = nav.notebook_paths()
    paths = [p.resolve() for p in args.paths] or series
    if not paths:
        print(f"no notebooks NN-*.ipynb in {nav.NOTEBOOK_DIR}",
              file=sys.stderr)
        return 1
    missing = [p for p in paths if not p.is_file()]
    if missing:
        for path in missing:
            print(f"no such notebook: {path}", file=sys.stderr)
        return 1

    # The kernel inherits this environment; a backend set outside
    # (say Agg in CI) would stop figures from appearing inline.
    os.environ.pop("MPLBACKEND", None)

    try:
        for path in nav.update(series):
            print(f"updated navigation: {path.relative_to(nav.REPO)}")
    except ValueError as err:
        print(err, file=sys.stderr)
        return 1

    failed = []
    for path in paths:
        shown = os.path.relpath(path)
        start = time.perf_counter()
        try:
            build(path)
        except (CellExecutionError, CellTimeoutError) as err:
            seconds = time.perf_counter() - start
            print(f"FAILED {shown} after {seconds:.1f} s", flush=True)
            print(err, file=sys.stderr)
            failed.append(shown)
            continue
        seconds = time.perf_counter() - start
        print(f"built {shown} in {seconds:.1f} s", flush=True)
    if failed:
        print(f"{len(failed)} notebook(s) failed: {', '.join(failed)}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
