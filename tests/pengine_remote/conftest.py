"""Makes the helper module beside these tests importable by bare name (pytest runs with
``--import-mode=importlib``, which does not add test directories to ``sys.path``)."""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
