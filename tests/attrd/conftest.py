"""Fixtures for the attribute daemon tests (the simulated cluster is in ``attrd_sim``)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
