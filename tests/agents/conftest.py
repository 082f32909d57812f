"""Fixtures for the resource-agent tests (defined in fixtures.py, loaded under a unique name)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_spec = importlib.util.spec_from_file_location("pacer_agent_fixtures", Path(__file__).with_name("fixtures.py"))
assert _spec is not None and _spec.loader is not None
fixtures = importlib.util.module_from_spec(_spec)
sys.modules["pacer_agent_fixtures"] = fixtures
_spec.loader.exec_module(fixtures)

ocf_root = fixtures.ocf_root
recorder = fixtures.recorder
netns_pair = fixtures.netns_pair
loop_ext4 = fixtures.loop_ext4
apache_site = fixtures.apache_site
