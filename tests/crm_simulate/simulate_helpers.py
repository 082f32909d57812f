"""Helpers: run our crm_simulate in-process with a given graph in place of the scheduler."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from lxml import etree

from crm.cli import crm_simulate
from pengine import Result, ScheduleOptions

DATA = Path(__file__).resolve().parents[1] / "conformance" / "data"
ORACLE = Path("/usr/sbin/crm_simulate")


@dataclass(frozen=True)
class Run:
    rc: int
    stdout: str
    stderr: str


def fixed_scheduler(graph_xml: str, summary: Sequence[str] = (), scores: Sequence[str] = ()):  # type: ignore[no-untyped-def]
    """A stand-in for pengine.schedule that always answers with ``graph_xml``."""

    def scheduler(cib: etree._Element, *, now: datetime | None = None, options: ScheduleOptions) -> Result:
        return Result(
            graph_xml=graph_xml,
            dot='digraph "g" {\n}\n',
            scores=tuple(scores) if options.show_scores else (),
            utilization=(),
            transition_summary=tuple(summary),
            messages=(),
        )

    return scheduler


def run_ours(argv: Sequence[str], scheduler=None) -> Run:  # type: ignore[no-untyped-def]
    out, err = io.StringIO(), io.StringIO()
    if scheduler is None:
        rc = crm_simulate.run(list(argv), out, err)
    else:
        rc = crm_simulate.run(list(argv), out, err, scheduler=scheduler)
    return Run(rc, out.getvalue(), err.getvalue())


def expected_transition_summary(case: str) -> list[str]:
    text = (DATA / "summary" / f"{case}.summary").read_text()
    m = re.search(r"Transition Summary:\n(.*?)\n\nExecuting", text, re.S)
    return [line for line in (m.group(1).splitlines() if m else []) if line.strip()]


def normalised_status(path: Path) -> list[tuple[str, tuple[tuple[str, str], ...]]]:
    """The status section as sorted (path, attributes) pairs, wall-clock stamps removed."""
    root = etree.parse(str(path), etree.XMLParser(remove_blank_text=True)).getroot()
    status = root.find("status")
    assert status is not None
    out = []
    for el in status.iter():
        attrs = {str(k): str(v) for k, v in el.attrib.items() if k not in ("last-rc-change", "last-run")}
        if el.tag == "nvpair" and attrs.get("name", "").startswith("last-failure"):
            attrs.pop("value", None)
        steps = []
        cur: etree._Element | None = el
        while cur is not None and cur is not status:
            steps.append(f"{cur.tag}[{cur.get('id')}]")
            cur = cur.getparent()
        out.append(("/".join(reversed(steps)), tuple(sorted(attrs.items()))))
    return sorted(out)
