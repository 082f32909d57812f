"""lrmd test configuration: the agent engineer's real-resource fixtures, when present."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_FIXTURES = Path(__file__).resolve().parents[1] / "agents" / "fixtures.py"

if _FIXTURES.exists():
    _module = sys.modules.get("pacer_agent_fixtures")
    if _module is None:
        _spec = importlib.util.spec_from_file_location("pacer_agent_fixtures", _FIXTURES)
        assert _spec is not None and _spec.loader is not None
        _module = importlib.util.module_from_spec(_spec)
        sys.modules["pacer_agent_fixtures"] = _module
        _spec.loader.exec_module(_module)
    netns_pair = _module.netns_pair
    loop_ext4 = _module.loop_ext4
    apache_site = _module.apache_site
