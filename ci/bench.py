"""Print how fast the series runs; never fail on time.

Part (a) times each ``notebooks/NN-*.ipynb`` under nbval, once, as a
pytest subprocess, beside an empty notebook timed the same way (the
median of three runs): the empty one estimates the fixed cost
(interpreter, pytest, kernel start), so "beyond baseline" is what the
notebook itself costs. It also runs each notebook once through nbclient
and sums the kernel-side time of its cells, the same cost measured
without the noise of two separate process starts.

Part (b) compares ``qkvlib.self_attention`` with the bare numpy
expression for the same maths, in the same process, and prints the
median time per call of each and their ratio.

Run it as ``.venv/bin/python ci/bench.py`` (``make bench``). Each
figure is printed with the target it is judged against; nothing here
asserts, because timings on a shared two-core machine are noisy.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from datetime import datetime
from pathlib import Path

import nbformat
import numpy as np
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = REPO / "notebooks"

N_TOKENS = 512
D_MODEL = 64
D_K = 64
REPEATS = 200
NUMBER = 5
BASELINE_RUNS = 3


def time_nbval(notebook):
    """Return the wall seconds and exit code of nbval on notebook."""
    command = [
        sys.executable, "-m", "pytest", "--nbval", "-q",
        "-p", "no:randomly", "-p", "no:cacheprovider",
        str(notebook),
    ]
    started = time.perf_counter()
    done = subprocess.run(
        command, cwd=notebook.parent, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    return time.perf_counter() - started, done.returncode


def time_cells(notebook):
    """Return the kernel-side seconds the notebook's cells take.

    The notebook runs once more through nbclient with timing recorded;
    for each code cell the time from the kernel starting the cell to
    its reply is summed, so kernel start and pytest are left out.
    """
    nb = nbformat.read(notebook, as_version=4)
    client = NotebookClient(
        nb, timeout=120, kernel_name="python3", record_timing=True,
        allow_errors=True,
        resources={"metadata": {"path": str(notebook.parent)}},
    )
    client.execute()
    total = 0.0
    for cell in nb.cells:
        stamps = cell.metadata.get("execution", {})
        if "iopub.execute_input" in stamps:
            start = datetime.fromisoformat(stamps["iopub.execute_input"])
            end = datetime.fromisoformat(stamps["shell.execute_reply"])
            total += (end - start).total_seconds()
    return total


def write_empty_notebook(folder):
    """Write a notebook with one empty code cell; return its path."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells.append(nbformat.v4.new_code_cell(""))
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    path = Path(folder) / "empty.ipynb"
    nbformat.write(notebook, path)
    return path


def bench_notebooks():
    """Print part (a): nbval wall time per notebook."""
    print("== notebooks under nbval (one run each) ==")
    notebooks = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]-*.ipynb"))
    if not notebooks:
        print(f"no notebooks matching NN-*.ipynb in {NOTEBOOK_DIR}; "
              "nothing to time")
        return
    with tempfile.TemporaryDirectory(prefix="qkv-bench-") as folder:
        empty = write_empty_notebook(folder)
        # The first run warms the file cache and is not counted; the
        # median of the next few steadies the baseline on a busy box.
        time_nbval(empty)
        runs = [time_nbval(empty) for _ in range(BASELINE_RUNS)]
    baseline = statistics.median(seconds for seconds, _ in runs)
    codes = {code for _, code in runs}
    print(f"{'empty notebook (baseline, median of 3)':40s} "
          f"{baseline:8.2f}"
          + ("" if codes == {0} else f"  (exit {sorted(codes)})"))
    print(f"{'notebook':40s} {'seconds':>8s} {'beyond':>8s} "
          f"{'cells':>8s}")
    total = total_beyond = total_cells = 0.0
    slowest = 0.0
    for notebook in notebooks:
        seconds, code = time_nbval(notebook)
        beyond = seconds - baseline
        cells = time_cells(notebook)
        total += seconds
        total_beyond += beyond
        total_cells += cells
        slowest = max(slowest, cells)
        status = "" if code == 0 else f"  nbval FAILED (exit {code})"
        print(f"{notebook.name:40s} {seconds:8.2f} {beyond:8.2f} "
              f"{cells:8.2f}{status}")
    print(f"{'total':40s} {total:8.2f} {total_beyond:8.2f} "
          f"{total_cells:8.2f}")
    print("seconds: nbval wall time; beyond: minus the empty notebook; "
          "cells: kernel-side time of the cells alone")
    print(f"mean beyond baseline: {total_beyond / len(notebooks):.2f} s; "
          f"cells: mean {total_cells / len(notebooks):.2f} s, slowest "
          f"{slowest:.2f} s per notebook")
    print("target: under 1.5 s per notebook beyond kernel start")


def bare_attention(X, W_q, W_k, W_v):
    """Compute Z with plain numpy, the expression we compare against."""
    d_k = W_k.shape[1]
    Q = X @ W_q
    K = X @ W_k
    V = X @ W_v
    S = Q @ K.T / np.sqrt(d_k)
    exp_scores = np.exp(S - S.max(axis=1, keepdims=True))
    A = exp_scores / exp_scores.sum(axis=1, keepdims=True)
    Z = A @ V
    return Z


def bench_self_attention():
    """Print part (b): qkvlib.self_attention against bare numpy."""
    print()
    print("== qkvlib.self_attention against bare numpy ==")
    try:
        import qkvlib
    except ImportError as exc:
        print(f"qkvlib is not importable ({exc}); nothing to time")
        return
    rng = np.random.default_rng(0)
    X = rng.standard_normal((N_TOKENS, D_MODEL))
    W_q = rng.standard_normal((D_MODEL, D_K))
    W_k = rng.standard_normal((D_MODEL, D_K))
    W_v = rng.standard_normal((D_MODEL, D_K))

    result = qkvlib.self_attention(X, W_q, W_k, W_v)
    same = np.allclose(result.Z, bare_attention(X, W_q, W_k, W_v))

    def library():
        qkvlib.self_attention(X, W_q, W_k, W_v)

    def bare():
        bare_attention(X, W_q, W_k, W_v)

    # Interleave the two, one batch each per round, so that a slow
    # patch of the shared machine hits both alike.
    library_times = []
    bare_times = []
    for _ in range(REPEATS):
        library_times += timeit.repeat(library, number=NUMBER, repeat=1)
        bare_times += timeit.repeat(bare, number=NUMBER, repeat=1)
    library_ms = statistics.median(library_times) / NUMBER * 1e3
    bare_ms = statistics.median(bare_times) / NUMBER * 1e3

    print(f"n_tokens = {N_TOKENS}, d_model = {D_MODEL}, d_k = {D_K}, "
          f"float64, {REPEATS} x number={NUMBER} each, interleaved")
    print(f"os.cpu_count() = {os.cpu_count()}; BLAS threads left at "
          "their default")
    print(f"Z agrees with the bare expression: {same}")
    print(f"qkvlib.self_attention: {library_ms:8.3f} ms per call "
          "(median)")
    print(f"bare numpy:            {bare_ms:8.3f} ms per call (median)")
    print(f"ratio: {library_ms / bare_ms:.3f}")
    print("target: at most 1.15")


def main():
    bench_notebooks()
    bench_self_attention()
    return 0


if __name__ == "__main__":
    sys.exit(main())
