"""Meta-data and calling conventions shared by every agent of ours."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from lxml import etree
from pacer_agent_fixtures import AGENT_NAMES, AGENTS_DIR

DTD_DIR = Path("/usr/share/resource-agents")
PROMOTABLE = {"drbd", "Stateful"}


def bare_run(agent: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run with an almost empty environment: no OCF variables at all."""
    return subprocess.run([str(AGENTS_DIR / agent), *args], env={"PATH": "/usr/bin:/bin"}, capture_output=True,
                          text=True, timeout=30, check=False)


@pytest.mark.parametrize("agent", AGENT_NAMES)
def test_metadata_is_ocf_1_1(agent: str) -> None:
    res = bare_run(agent, "meta-data")
    assert res.returncode == 0, res.stderr
    root = etree.fromstring(res.stdout.encode())
    assert root.tag == "resource-agent"
    assert root.get("name") == agent
    assert root.findtext("version") == "1.1"
    assert root.findtext("longdesc") and root.findtext("shortdesc")
    actions = {a.get("name") for a in root.iter("action")}
    assert {"start", "stop", "monitor", "meta-data", "validate-all"} <= actions
    assert ({"promote", "demote"} <= actions) == (agent in PROMOTABLE)
    for action in root.iter("action"):
        assert action.get("timeout", "").rstrip("s").isdigit()
    names = [p.get("name") for p in root.iter("parameter")]
    assert len(names) == len(set(names))
    for p in root.iter("parameter"):
        assert p.get("required") in {"0", "1"}
        content = p.find("content")
        assert content is not None and content.get("type") in {"string", "integer", "boolean", "time"}
        if p.get("required") == "1":
            assert content.get("default") is None


@pytest.mark.parametrize("agent", AGENT_NAMES)
def test_metadata_validates_against_the_ocf_1_0_dtd(agent: str) -> None:
    """ocf-tester checks this; OCF 1.1 content can still satisfy the 1.0 DTD."""
    if shutil.which("xmllint") is None or not (DTD_DIR / "ra-api-1.dtd").exists():
        pytest.skip("xmllint or ra-api-1.dtd not installed")
    xml = bare_run(agent, "meta-data").stdout
    res = subprocess.run(["xmllint", "--noout", "--valid", "-"], input=xml, cwd=DTD_DIR, capture_output=True,
                         text=True, check=False)
    assert res.returncode == 0, res.stderr


@pytest.mark.parametrize("agent", AGENT_NAMES)
def test_calling_conventions(agent: str) -> None:
    assert bare_run(agent).returncode == 2  # no action
    assert bare_run(agent, "meta-data", "extra").returncode == 0  # extra arguments are ignored
    assert bare_run(agent, "no-such-action").returncode == 3
    usage = bare_run(agent, "usage")
    assert usage.returncode == 0 and "start" in usage.stdout


@pytest.mark.parametrize("agent", [a for a in AGENT_NAMES if a not in ("Dummy", "Stateful")])  # no required parameters
def test_required_parameters_missing_is_rc_6(agent: str) -> None:
    res = subprocess.run([str(AGENTS_DIR / agent), "validate-all"], capture_output=True, text=True, timeout=30,
                         check=False, env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "OCF_RESOURCE_INSTANCE": "x",
                                           "OCF_RESKEY_configfile": "/nonexistent/httpd.conf"})
    expected = 5 if agent == "apache" else 6  # apache's only required input is a file
    assert res.returncode == expected, res.stderr
    assert "ocf-exit-reason:" in res.stderr


def test_installed_ocf_layout(tmp_path: Path) -> None:
    """Installed as $OCF_ROOT/resource.d/pacer/<agent> with the shared code in $OCF_ROOT/lib/pacer."""
    provider = tmp_path / "ocf" / "resource.d" / "pacer"
    lib = tmp_path / "ocf" / "lib" / "pacer"
    provider.mkdir(parents=True)
    lib.mkdir(parents=True)
    for name in AGENT_NAMES:
        shutil.copy2(AGENTS_DIR / name, provider / name)
    for module in (AGENTS_DIR / "lib").glob("*.py"):
        shutil.copy2(module, lib / module.name)
    for name in AGENT_NAMES:
        res = subprocess.run([str(provider / name), "meta-data"], capture_output=True, text=True, check=False)
        assert res.returncode == 0, res.stderr
    env = {"PATH": "/usr/bin:/bin", "OCF_RESOURCE_INSTANCE": "inst", "OCF_RESKEY_state": str(tmp_path / "s")}
    for action, rc in (("monitor", 7), ("start", 0), ("monitor", 0), ("stop", 0)):
        assert subprocess.run([str(provider / "Dummy"), action], env=env, check=False).returncode == rc
