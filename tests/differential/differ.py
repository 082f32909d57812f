"""Run our scheduler and Debian's ``crm_simulate`` on one CIB and compare what they decide.

Views compared: the transition graph (normalised as the conformance comparator does, with the
key ``CRM_meta_*`` attributes), the allocation / promotion scores (``-s``) and the transition
summary lines. Both run at :data:`generator.NOW`.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

HERE = Path(__file__).resolve().parent
_CONFORMANCE = HERE.parent / "conformance"
if str(_CONFORMANCE) not in sys.path:
    sys.path.insert(0, str(_CONFORMANCE))
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from generator import NOW, NOW_TEXT  # noqa: E402
from graph_compare import (  # noqa: E402
    GraphFormatError,
    compare_graphs,
    compare_scores,
    parse_norm_graph,
    reachable_pairs,
)

from pengine import ScheduleOptions, schedule  # noqa: E402

ORACLE = Path("/usr/sbin/crm_simulate")
VIEWS = ("graph", "scores", "summary")
ORACLE_TIMEOUT = 60
_SUMMARY_VERB = re.compile(
    r"^(?:\* )?(Start|Stop|Restart|Recover|Move|Migrate|Promote|Demote|Re-promote|Reload|Fence|Shutdown)\s"
)


@dataclass(frozen=True)
class Views:
    """What one scheduler decided (``error`` set when it could not run)."""

    graph: str
    scores: tuple[str, ...]
    summary: tuple[str, ...]
    error: str = ""


@dataclass(frozen=True)
class Difference:
    views: tuple[str, ...]  # the views that differ (or "error")
    detail: str

    @property
    def same(self) -> bool:
        return not self.views

    @property
    def oracle_failed(self) -> bool:
        """Pacemaker itself could not schedule the CIB (e.g. a failed assertion): nothing to compare."""
        return self.views == ("oracle",)


def summary_lines(lines: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Transition summary lines without list markers and with single spaces."""
    out = []
    for line in lines:
        text = re.sub(r"\s+", " ", line).strip()
        if _SUMMARY_VERB.match(text):
            out.append(text.removeprefix("* "))
    return tuple(out)


def run_ours(cib: etree._Element) -> Views:
    try:
        result = schedule(cib, now=NOW, options=ScheduleOptions(show_scores=True))
    except Exception as exc:  # a crash is a difference like any other
        return Views("", (), (), error=f"ours: {type(exc).__name__}: {exc}")
    return Views(result.graph_xml, tuple(result.scores), summary_lines(result.transition_summary))


def run_oracle(xml: bytes) -> Views:
    with tempfile.TemporaryDirectory(prefix="difftest-") as tmp:
        src, graph = Path(tmp) / "cib.xml", Path(tmp) / "graph.xml"
        src.write_bytes(xml)
        env = {**os.environ, "LC_ALL": "C", "CIB_file": str(src)}
        try:
            proc = subprocess.run(
                [str(ORACLE), "-x", str(src), "-s", "-G", str(graph), "-t", NOW_TEXT],
                capture_output=True, text=True, timeout=ORACLE_TIMEOUT, env=env, cwd=tmp,
            )
        except subprocess.TimeoutExpired:
            return Views("", (), (), error="oracle: timed out")
        if not graph.exists():
            return Views("", (), (), error=f"oracle: exit {proc.returncode}: {proc.stderr.strip()[-300:]}")
        lines = proc.stdout.splitlines()
        scores = tuple(line for line in lines if " score on " in line)
        return Views(graph.read_text(), scores, summary_lines(lines))


def compare(ours: Views, theirs: Views) -> Difference:
    if theirs.error:
        return Difference(("oracle",), theirs.error)
    if ours.error:
        return Difference(("error",), ours.error)
    views: list[str] = []
    details: list[str] = []
    try:
        expected = parse_norm_graph(theirs.graph)
        verdict = compare_graphs(expected, parse_norm_graph(ours.graph))
        # the comparator counts any cycle against the graph under test: the same graph as
        # Pacemaker's, cycle included, is agreement
        same_cycle = verdict.cycle and verdict.actions_ok and verdict.edges_ok and verdict.meta_ok \
            and reachable_pairs(expected)[1]
        if not verdict.exact and not same_cycle:
            views.append("graph")
            details.append(f"graph: {verdict.detail}")
    except GraphFormatError as exc:
        views.append("graph")
        details.append(f"graph: {exc}")
    ok, detail = compare_scores("\n".join(theirs.scores), ours.scores)
    if not ok:
        views.append("scores")
        details.append(detail)
    if theirs.summary != ours.summary:
        views.append("summary")
        missing = [s for s in theirs.summary if s not in ours.summary]
        extra = [s for s in ours.summary if s not in theirs.summary]
        details.append(f"summary: missing {missing[:3]} extra {extra[:3]}" if missing or extra
                       else "summary: order differs")
    return Difference(tuple(views), "; ".join(details))


def differential(cib: etree._Element) -> Difference:
    """Schedule ``cib`` with both schedulers and compare."""
    xml = etree.tostring(cib, encoding="UTF-8")
    return compare(run_ours(cib), run_oracle(xml))
