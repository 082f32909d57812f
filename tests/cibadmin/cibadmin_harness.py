"""Run our cibadmin in-process and Debian's as a subprocess, on CIB_file copies."""

from __future__ import annotations

import io
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from crm.cib.document import same_xml
from crm.cli.cibadmin import Streams, run

DEBIAN = "/usr/sbin/cibadmin"
DATA = Path(__file__).with_name("data")
CONFORMANCE = Path(__file__).resolve().parents[1] / "conformance" / "data" / "xml"
CLOCK_ATTRIBUTES = frozenset({"cib-last-written", "update-origin", "update-client", "update-user"})


@dataclass(frozen=True)
class Result:
    rc: int
    stdout: str
    stderr: str


def ours(args: list[str], cib_file: Path | None, stdin: str = "") -> Result:
    out, err = io.StringIO(), io.StringIO()
    environ = {} if cib_file is None else {"CIB_file": str(cib_file)}
    rc = run(args, environ, Streams(io.StringIO(stdin), out, err))
    return Result(rc, out.getvalue(), err.getvalue())


def debian(args: list[str], cib_file: Path | None, stdin: str = "") -> Result:
    env = {"PATH": "/usr/sbin:/usr/bin:/bin"}
    if cib_file is not None:
        env["CIB_file"] = str(cib_file)
    done = subprocess.run([DEBIAN, *args], input=stdin, capture_output=True, text=True, env=env, check=False)
    return Result(done.returncode, done.stdout, done.stderr)


def load(path: Path) -> etree._Element:
    return etree.parse(str(path), etree.XMLParser(remove_blank_text=True)).getroot()


def same_cib(a: Path, b: Path, ignore: frozenset[str] = frozenset()) -> bool:
    return same_xml(load(a), load(b), CLOCK_ATTRIBUTES | ignore)


def copy_base(base: Path, directory: Path, name: str) -> Path:
    target = directory / name
    shutil.copyfile(base, target)
    return target
