"""Helpers for the attribute command tests: CIB copies and side-by-side runs against Debian's tools.

The CIB files come from the scheduler conformance data already in the project
(``tests/conformance/data/xml``, Pacemaker's regression inputs, GPL-2.0-or-later).
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import etree

from crm.attributes.sections import Section
from crm.attributes.store import AttrTarget, node_uuid, update
from crm.cli import crm_attribute, crm_failcount, crm_standby

DATA = Path(__file__).resolve().parents[1] / "conformance" / "data" / "xml"
SBIN = Path("/usr/sbin")
CLOCK_ATTRIBUTES = ("cib-last-written",)

Runner = Callable[[Sequence[str], io.StringIO, io.StringIO, dict[str, str]], int]
OURS: dict[str, Runner] = {
    "crm_attribute": crm_attribute.run,
    "crm_standby": crm_standby.run,
    "crm_failcount": crm_failcount.run,
}


@dataclass(frozen=True)
class RunResult:
    rc: int
    stdout: str
    stderr: str
    before: bytes
    after: bytes


def canonical(data: bytes) -> bytes:
    """The document without formatting whitespace and clock-set attributes."""
    parser = etree.XMLParser(remove_blank_text=True, remove_comments=True)
    root = etree.fromstring(data, parser)
    for name in CLOCK_ATTRIBUTES:
        root.attrib.pop(name, None)
    for element in root.iter():
        if element.text is not None and not element.text.strip():
            element.text = None
        if element.tail is not None and not element.tail.strip():
            element.tail = None
    return etree.tostring(root, method="c14n")


FAILCOUNT_ATTRS = (
    ("f20node1", "fail-count-vm#monitor_10000", "3"),
    ("f20node1", "fail-count-vm#start_0", "2"),
    ("f20node1", "last-failure-vm#start_0", "1700000000"),
    ("f20node2", "fail-count-vm", "INFINITY"),
    ("f20node2", "fail-count-myclone#monitor_0", "999999"),
    ("f20node2", "fail-count-myclone#start_0", "5"),
    ("f20node2", "fail-count-myclone:0#stop_0", "7"),
)


def write_fail_counts_cib(path: Path) -> Path:
    """A two-node CIB (f20node1, f20node2) with fail counts and a last failure in its status."""
    root = etree.parse(str(DATA / "10-a-then-bm-b-move-a-clone.xml")).getroot()
    for uname, name, value in FAILCOUNT_ATTRS:
        update(root, AttrTarget(Section.STATUS, name, node_uuid(root, uname)), value)
    path.write_bytes(etree.tostring(root))
    return path


class Harness:
    """Runs a command on a fresh copy of a CIB, ours in-process or Debian's by path."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.count = 0

    def copy(self, source: Path) -> Path:
        self.count += 1
        target = self.tmp_path / f"cib-{self.count}.xml"
        shutil.copyfile(source, target)
        return target

    def ours(self, tool: str, source: Path, args: Sequence[str], env: dict[str, str] | None = None) -> RunResult:
        path = self.copy(source)
        before = path.read_bytes()
        out, err = io.StringIO(), io.StringIO()
        environ = {"CIB_file": str(path), **(env or {})}
        rc = OURS[tool](list(args), out, err, environ)
        return RunResult(int(rc), out.getvalue(), err.getvalue(), before, path.read_bytes())

    def oracle(self, tool: str, source: Path, args: Sequence[str], env: dict[str, str] | None = None) -> RunResult:
        exe = SBIN / tool
        if not exe.exists():
            pytest.skip(f"{exe} is not installed")
        path = self.copy(source)
        before = path.read_bytes()
        environ = {k: v for k, v in os.environ.items() if k not in ("CIB_file", "OCF_RESOURCE_INSTANCE")}
        environ.update({"CIB_file": str(path), "PATH": "/usr/sbin:/usr/bin:/bin", **(env or {})})
        done = subprocess.run([str(exe), *args], env=environ, capture_output=True, text=True, timeout=60)
        return RunResult(done.returncode, done.stdout, done.stderr, before, path.read_bytes())
