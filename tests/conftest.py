"""Shared pytest set-up: make the scripts in ``ci/`` importable."""

import sys
from pathlib import Path

CI_DIR = Path(__file__).resolve().parent.parent / "ci"
if str(CI_DIR) not in sys.path:
    sys.path.insert(0, str(CI_DIR))
