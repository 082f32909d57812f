"""Fixtures for the fencer tests (the simulated cluster is in ``fenced_sim``)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
