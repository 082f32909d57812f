"""``crm_resource -a``/``-A`` (``--constraints``/``--stack``) in text and XML against Debian's
Pacemaker 2.1.5 on generated CIBs: random colocation chains (with loops) and location
constraints among primitives, a group and a clone; same stdout, stderr and exit code."""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

ORACLE = Path("/usr/sbin/crm_resource")
SCHEMA = Path(__file__).resolve().parents[2] / "crm" / "schemas" / "api" / "crm_resource-constraints.rng"


def generated_cib(seed: int) -> str:
    rng = random.Random(seed)
    prims = [f"p{i}" for i in range(rng.randint(3, 8))]
    cib = etree.Element("cib", {"validate-with": "pacemaker-3.9", "epoch": "1", "num_updates": "0",
                                "admin_epoch": "0"})
    config = etree.SubElement(cib, "configuration")
    etree.SubElement(config, "crm_config")
    nodes = etree.SubElement(config, "nodes")
    for n in (1, 2, 3):
        etree.SubElement(nodes, "node", id=str(n), uname=f"node{n}")
    resources = etree.SubElement(config, "resources")
    for name in prims:
        etree.SubElement(resources, "primitive", {"id": name, "class": "ocf", "provider": "pacemaker",
                                                  "type": "Dummy"})
    group = etree.SubElement(resources, "group", id="g")
    for name in ("g1", "g2"):
        etree.SubElement(group, "primitive", {"id": name, "class": "ocf", "provider": "pacemaker", "type": "Dummy"})
    clone = etree.SubElement(resources, "clone", id="c")
    etree.SubElement(clone, "primitive", {"id": "c1", "class": "ocf", "provider": "pacemaker", "type": "Dummy"})
    constraints = etree.SubElement(config, "constraints")
    targets = [*prims, "g", "c"]
    pairs: set[tuple[str, str]] = set()
    for _ in range(rng.randint(1, 10)):
        a, b = rng.sample(targets, 2)
        if (a, b) in pairs:
            continue
        pairs.add((a, b))
        score = rng.choice(["INFINITY", "-INFINITY", "100", "-50"])
        etree.SubElement(constraints, "rsc_colocation", {"id": f"col-{a}-{b}", "rsc": a, "with-rsc": b,
                                                         "score": score})
    for i in range(rng.randint(0, 5)):
        rsc = rng.choice(targets)
        etree.SubElement(constraints, "rsc_location", {"id": f"loc{i}-{rsc}", "rsc": rsc,
                                                       "node": f"node{rng.randint(1, 3)}",
                                                       "score": rng.choice(["INFINITY", "-INFINITY", "10"])})
    etree.SubElement(cib, "status")
    return etree.tostring(cib, pretty_print=True).decode()


def _run(cmd: list[str], cib: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIB_")}
    env["CIB_file"] = str(cib)
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)


CASES = [(seed, option, rsc, fmt) for seed in range(12)
         for option, rsc, fmt in [("-a", "p0", "text"), ("-A", "p1", "text"), ("-A", "p2", "xml"),
                                  ("-a", "g2", "text"), ("-A", "c", "xml"), ("-A", "g", "text")]]


@pytest.mark.oracle
@pytest.mark.parametrize(("seed", "option", "rsc", "fmt"), CASES,
                         ids=[f"{s}{o}{r}-{f}" for s, o, r, f in CASES])
def test_like_pacemaker(seed: int, option: str, rsc: str, fmt: str, tmp_path: Path) -> None:
    if not ORACLE.exists():
        pytest.skip(f"{ORACLE} is not installed")
    cib = tmp_path / "cib.xml"
    cib.write_text(generated_cib(seed))
    args = [option, "-r", rsc, f"--output-as={fmt}"]
    theirs = _run([str(ORACLE), *args], cib)
    ours = _run([sys.executable, "-c", "import sys; from crm.cli.crm_resource import main; "
                 f"sys.argv = ['crm_resource', *{args!r}]; sys.exit(main())"], cib)
    mask = re.compile(r'request="[^"]*"')
    assert (ours.returncode, mask.sub("", ours.stdout)) == (theirs.returncode, mask.sub("", theirs.stdout))
    if fmt == "xml":
        schema = etree.RelaxNG(etree.parse(str(SCHEMA)))
        assert schema.validate(etree.fromstring(ours.stdout.encode())), schema.error_log
