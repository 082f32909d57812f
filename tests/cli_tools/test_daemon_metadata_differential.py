"""``pacemaker-based|controld|fenced|schedulerd metadata``: pacer's documents against Pacemaker 2.1.5's
daemons (Debian's ``pacemaker`` package), byte for byte, and what they say against the options
pacer's own code reads."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from crm.common.daemon_options import DAEMONS, OPTIONS, metadata_xml
from tests.cli_tools.tool_oracle import base_env, pacer_tool, require_debian, run

DAEMON_NAMES = sorted(DAEMONS)


@pytest.mark.parametrize("daemon", DAEMON_NAMES)
def test_metadata_equals_pacemakers(daemon: str) -> None:
    theirs = run([require_debian(daemon), "metadata"], base_env())
    ours = run([pacer_tool(daemon), "metadata"], base_env())
    assert theirs.rc == 0
    assert (ours.rc, ours.stdout, ours.stderr) == (theirs.rc, theirs.stdout, theirs.stderr)


@pytest.mark.parametrize("daemon", DAEMON_NAMES)
def test_metadata_is_well_formed_and_complete(daemon: str) -> None:
    root = ET.fromstring(metadata_xml(daemon))
    names = [p.get("name") for p in root.iter("parameter")]
    assert names == list(DAEMONS[daemon].names)
    for parameter in root.iter("parameter"):
        option = OPTIONS[str(parameter.get("name"))]
        content = parameter.find("content")
        assert content is not None
        assert content.get("default") == option.default
        assert [o.get("value") for o in content.iter("option")] == list(option.values)


def test_select_defaults_are_allowed_values() -> None:
    for option in OPTIONS.values():
        if option.values:
            assert option.type == "select"
            assert option.default in option.values, option.name


@pytest.mark.parametrize("args", [[], ["--stand-alone"], ["metadata", "extra"], ["status"]])
def test_anything_but_metadata_is_a_usage_error(args: list[str]) -> None:
    for daemon in DAEMON_NAMES:
        outcome = run([pacer_tool(daemon), *args], base_env())
        assert (outcome.rc, outcome.stdout) == (64, ""), daemon
        assert outcome.stderr.startswith(f"{daemon}: ")


# (Pacemaker's CIB manager and controller have no --version; pacer's commands all answer it)
@pytest.mark.parametrize("daemon", ["pacemaker-fenced", "pacemaker-schedulerd"])
def test_version_equals_pacemakers(daemon: str) -> None:
    theirs = run([require_debian(daemon), "--version"], base_env())
    ours = run([pacer_tool(daemon), "--version"], base_env())
    assert (ours.rc, ours.stdout) == (theirs.rc, theirs.stdout)


def test_scheduler_options_match_what_the_verifier_checks() -> None:
    # the enumerations crm_verify checks are the ones the scheduler's metadata lists
    from crm.verify.options import ENUM_OPTIONS

    for name, allowed in ENUM_OPTIONS.items():
        assert frozenset(OPTIONS[name].values) == allowed, name
