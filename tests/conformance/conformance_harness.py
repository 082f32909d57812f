"""Runs one scheduler conformance case in-process and compares every view with the expected files.

Views: ``graph`` (exact: same actions, same edges, same key attributes), ``closure`` (same
actions and the same partial order), ``scores`` (score lines of ``crm_simulate -sSQ``),
``summary`` (``crm_simulate -S`` output) and ``dot``.
"""

from __future__ import annotations

import io
import shlex
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from graph_compare import (
    GraphFormatError,
    compare_dot,
    compare_graphs,
    compare_scores,
    compare_summary,
    parse_norm_graph,
)
from lxml import etree

from crm.cli import crm_simulate
from pengine import Result, ScheduleOptions, schedule

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
VIEWS = ("graph", "scores", "summary", "dot")
CASE_TIMEOUT = 30


def cases() -> list[str]:
    return [line.strip() for line in (DATA / "cases.txt").read_text().splitlines() if line.strip()]


def case_args() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in (DATA / "case_args.txt").read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, _, rest = line.partition("\t")
        out[name.strip()] = shlex.split(rest)
    return out


def families() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in (DATA / "case_families.tsv").read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        cols = line.split("\t")
        out[cols[0]] = cols[3].split(",") if len(cols) > 3 and cols[3] else []
    return out


def known_failures(view: str) -> set[str]:
    path = HERE / f"known_failures_{view}.txt"
    if not path.exists():
        return set()
    return {line.split("#", 1)[0].strip() for line in path.read_text().splitlines()} - {""}


@contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Raise TimeoutError in the main thread after ``seconds`` (no-op elsewhere)."""

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"case took longer than {seconds}s")

    try:
        previous = signal.signal(signal.SIGALRM, expire)
    except ValueError:  # not the main thread
        yield
        return
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@dataclass
class CaseResult:
    case: str
    ok: dict[str, bool] = field(default_factory=dict)  # graph, closure, scores, summary, dot
    detail: dict[str, str] = field(default_factory=dict)

    def failed_views(self) -> list[str]:
        return [v for v in VIEWS if not self.ok.get(v, False)]


def _now(args: list[str]) -> datetime | None:
    for i, arg in enumerate(args):
        if arg in ("-t", "--set-datetime") and i + 1 < len(args):
            return crm_simulate.parse_iso8601(args[i + 1])
    return None


def _summary(xml: Path, reuse: Result | None) -> str:
    parsed = crm_simulate.build_parser().parse_args(["-x", str(xml), "-S"])
    out, err = io.StringIO(), io.StringIO()

    def scheduler(cib: etree._Element, *, now: datetime | None = None, options: ScheduleOptions) -> Result:
        # The suite's summaries were made with the CIB's own time (no -t), like the graph run.
        return reuse if reuse is not None else schedule(cib, now=None, options=options)

    crm_simulate.simulate(parsed, out, err, scheduler=scheduler)
    return out.getvalue() + err.getvalue()


def evaluate(case: str, args: dict[str, list[str]] | None = None) -> CaseResult:
    """Schedule ``case`` and compare every view with the expected files."""
    args = case_args() if args is None else args
    res = CaseResult(case)
    xml = DATA / "xml" / f"{case}.xml"
    try:
        with time_limit(CASE_TIMEOUT):
            cib = etree.parse(str(xml), etree.XMLParser(remove_blank_text=True, huge_tree=True)).getroot()
            result = schedule(
                cib, now=_now(args.get(case, [])), options=ScheduleOptions(show_scores=True, show_utilization=True)
            )
    except Exception as exc:  # any crash of the scheduler is a failure of every view
        for view in (*VIEWS, "closure"):
            res.ok[view] = False
            res.detail[view] = f"{type(exc).__name__}: {exc}"
        return res
    try:
        verdict = compare_graphs(
            parse_norm_graph((DATA / "exp" / f"{case}.exp").read_bytes()), parse_norm_graph(result.graph_xml)
        )
        res.ok["graph"], res.ok["closure"] = verdict.exact, verdict.closure_equal
        res.detail["graph"] = res.detail["closure"] = verdict.detail
    except GraphFormatError as exc:
        res.ok["graph"] = res.ok["closure"] = False
        res.detail["graph"] = res.detail["closure"] = str(exc)
    scores_path = DATA / "scores" / f"{case}.scores"
    if scores_path.exists():
        res.ok["scores"], res.detail["scores"] = compare_scores(scores_path.read_text(), result.scores)
    else:
        res.ok["scores"], res.detail["scores"] = True, ""
    dot_path = DATA / "dot" / f"{case}.dot"
    res.ok["dot"], res.detail["dot"] = compare_dot(dot_path.read_text(), result.dot)
    summary_path = DATA / "summary" / f"{case}.summary"
    try:
        with time_limit(CASE_TIMEOUT):
            actual = _summary(xml, None if args.get(case) else result)
        res.ok["summary"], res.detail["summary"] = compare_summary(summary_path.read_text(), actual)
    except Exception as exc:
        res.ok["summary"], res.detail["summary"] = False, f"{type(exc).__name__}: {exc}"
    return res
