"""Write matplotlib's colour maps into the browser heatmap as numbers.

Usage::

    python ci/colour_tables.py          # rewrite the tables in place
    python ci/colour_tables.py --check  # exit 1 if they are stale

The browser-side heatmap (``qkvlib/widgets/heatmap.js``) colours its
cells from two small lookup tables: viridis for weights and the
diverging RdBu_r for signed matrices, the same maps ``qkvlib.heatmap``
uses. Each table holds ``STOPS`` colours sampled evenly from 0 to 1;
the browser interpolates linearly between neighbours. The tables sit
between two marker comments in the JavaScript file, and this script
is the only thing that writes them.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "qkvlib" / "widgets" / "heatmap.js"
STOPS = 64
MAPS = {"VIRIDIS": "viridis", "RDBU_R": "RdBu_r"}
BEGIN = "// BEGIN COLOUR TABLES (written by ci/colour_tables.py)"
END = "// END COLOUR TABLES"


def table(name: str, stops: int = STOPS) -> list[tuple[int, int, int]]:
    """Sample a matplotlib colour map as 0-255 RGB triples."""
    from matplotlib import colormaps

    cmap = colormaps[name]
    triples = []
    for k in range(stops):
        red, green, blue, _ = cmap(k / (stops - 1))
        triples.append(tuple(round(255 * c) for c in (red, green, blue)))
    return triples


def block() -> str:
    """Return the JavaScript text that goes between the markers."""
    lines = [BEGIN]
    for const, name in MAPS.items():
        lines.append(f"// {name}, {STOPS} stops from 0 to 1, RGB 0-255.")
        lines.append(f"const {const} = [")
        triples = table(name)
        for start in range(0, len(triples), 4):
            row = ", ".join(
                f"[{r}, {g}, {b}]" for r, g, b in triples[start:start + 4]
            )
            lines.append(f"  {row},")
        lines.append("];")
    lines.append(END)
    return "\n".join(lines)


def current(text: str) -> str:
    """Return the block now stored between the markers in ``text``."""
    match = re.search(re.escape(BEGIN) + ".*?" + re.escape(END), text,
                      re.S)
    if match is None:
        raise ValueError(f"{SCRIPT.name} has no colour-table markers")
    return match.group(0)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="only report whether the tables are current")
    args = parser.parse_args(argv)
    text = SCRIPT.read_text(encoding="utf-8")
    stored, fresh = current(text), block()
    if args.check:
        if stored != fresh:
            print(f"{SCRIPT.relative_to(REPO)}: colour tables are stale; "
                  "run python ci/colour_tables.py", file=sys.stderr)
            return 1
        return 0
    if stored != fresh:
        SCRIPT.write_text(text.replace(stored, fresh), encoding="utf-8")
        print(f"rewrote the colour tables in {SCRIPT.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
