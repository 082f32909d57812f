"""``crm_mon``'s display options against Debian's Pacemaker 2.1.5 ``crm_mon``: sections
(``--include``/``--exclude`` and the options standing for them), ``--show-detail``, ``--brief``,
``--group-by-node``, ``--timing-details``, and the ``--node``/``--resource`` limits, in text
and XML, on the CIBs of Pacemaker's CLI regression suite and on a sample of the scheduler
conformance inputs.  Same output apart from the clock, same exit code.

The ``--resource``/``--node`` cases are generated from each CIB: every resource id, every
clone instance name ``rsc:N`` and every node name and tag in it.  Inputs listed in
``data/known_differences_options.txt`` (``VARIANT/FILE``) still differ (xfail, not strict)."""

from __future__ import annotations

import io
import os
import re
import subprocess
from pathlib import Path

import pytest
from lxml import etree

from crm.cli import crm_mon

HERE = Path(__file__).resolve().parent
CLI_INPUTS = HERE.parent / "cli_regression" / "data" / "cli"
CONFORMANCE = HERE.parent / "conformance" / "data" / "xml"
ORACLE = Path("/usr/sbin/crm_mon")

VARIANTS = {
    "include_all": ["-1", "--include=all"],
    "detail": ["-1", "-R", "-r", "--include=failcounts,bans"],
    "brief": ["-1", "-b", "-r", "-R"],
    "by_node": ["-1", "-n", "-r"],
    "by_node_brief": ["-1", "-n", "-b"],
    "timing": ["-1", "--exclude=all", "-t", "-A", "-c", "-L"],
    "sections": ["-1", "--exclude=summary", "--include=options,dc", "--exclude=resources"],
    "hide_headers": ["-1", "-D", "-f"],
}


def _known() -> set[str]:
    path = HERE / "data" / "known_differences_options.txt"
    return {line.strip() for line in path.read_text().splitlines() if line.strip()}


def _mask(text: str) -> str:
    text = re.sub(r"Last updated: .*", "Last updated:", text)
    return re.sub(r'<last_update time="[^"]*"/>', "<last_update/>", text)


def _filters(cib: Path) -> list[tuple[str, list[str]]]:
    """``--resource`` and ``--node`` variants for every resource, instance, node and tag."""
    out: list[tuple[str, list[str]]] = []
    try:
        root = etree.parse(str(cib)).getroot()
    except etree.XMLSyntaxError:  # an input made to be unreadable
        return out
    resources = root.find("configuration/resources")
    names: list[str] = []
    if resources is not None:
        for elem in resources.iter("primitive", "group", "clone", "master", "bundle"):
            names.append(str(elem.get("id")))
            if elem.getparent() is not None and elem.getparent().tag in ("clone", "master"):  # type: ignore[union-attr]
                names += [f"{elem.get('id')}:0", f"{elem.get('id')}:1"]
    for tag in root.iterfind("configuration/tags/tag"):
        names.append(str(tag.get("id")))
    for name in dict.fromkeys(names):
        out.append((f"resource={name}", ["-1", "-r", f"--resource={name}", "--include=all"]))
        out.append((f"resource-xml={name}", ["--output-as=xml", f"--resource={name}"]))
    nodes = [str(n.get("uname") or n.get("id")) for n in root.iterfind("configuration/nodes/node")]
    for name in [*nodes, *(str(t.get("id")) for t in root.iterfind("configuration/tags/tag")), "nowhere"]:
        out.append((f"node={name}", ["-1", "-r", f"--node={name}", "--include=all"]))
        out.append((f"node-xml={name}", ["--output-as=xml", f"--node={name}"]))
    return out


def _cases() -> list[object]:
    known = _known()
    cases: list[object] = []
    cli_inputs = sorted(CLI_INPUTS.glob("crm_mon*.xml"))
    sample = sorted(CONFORMANCE.glob("*.xml"))[::8]
    for cib in [*cli_inputs, *sample]:
        variants = list(VARIANTS.items())
        if cib.parent == CLI_INPUTS:
            variants += _filters(cib)
        for name, args in variants:
            key = f"{name}/{cib.name}"
            marks = [pytest.mark.xfail(strict=False, reason="known difference")] if key in known else []
            cases.append(pytest.param(args, cib, marks=marks, id=key))
    return cases


@pytest.mark.oracle
@pytest.mark.parametrize(("args", "cib"), _cases())
def test_crm_mon_options_like_pacemaker(args: list[str], cib: Path) -> None:
    if not ORACLE.exists():
        pytest.skip(f"{ORACLE} is not installed")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CIB_", "PCMK_"))}
    env["CIB_file"] = str(cib)
    theirs = subprocess.run([str(ORACLE), *args], env=env, capture_output=True, text=True, timeout=60)
    out, err = io.StringIO(), io.StringIO()
    rc = crm_mon.run(args, out, err, {"CIB_file": str(cib)})
    assert rc == theirs.returncode
    assert _mask(out.getvalue()) == _mask(theirs.stdout)
