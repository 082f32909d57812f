"""crm_simulate command line: options, layouts, errors, files."""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from simulate_helpers import DATA, ORACLE, fixed_scheduler, run_ours

from crm.cli import crm_simulate

EMPTY_GRAPH = '<transition_graph cluster-delay="60s" transition_id="0"/>\n'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2005-020", datetime(2005, 1, 20, tzinfo=UTC)),
        ("2005-020T12:30", datetime(2005, 1, 20, 12, 30, tzinfo=UTC)),
        ("2014-05-07 00:28:00", datetime(2014, 5, 7, 0, 28, tzinfo=UTC)),
        ("2009-W01-1", datetime(2008, 12, 29, tzinfo=UTC)),
        ("2010-03-01T10:00:00Z", datetime(2010, 3, 1, 10, tzinfo=UTC)),
        ("2010-03-01T12:00:00+02:00", datetime(2010, 3, 1, 10, tzinfo=UTC)),
    ],
)
def test_iso8601_forms(text: str, expected: datetime) -> None:
    assert crm_simulate.parse_iso8601(text) == expected


@pytest.mark.parametrize("text", ["2005-400", "yesterday", "2005-13-01", "2005-01-01T25:00"])
def test_bad_dates_are_rejected_before_any_output(text: str, tmp_path: Path) -> None:
    graph = tmp_path / "g.xml"
    run = run_ours(["-x", str(DATA / "xml" / "simple1.xml"), "-S", "-G", str(graph), "-t", text])
    assert run.rc == crm_simulate.EXIT_USAGE
    assert "invalid date" in run.stderr
    assert run.stdout == ""
    assert not graph.exists()


def test_missing_input_file(tmp_path: Path) -> None:
    run = run_ours(["-x", str(tmp_path / "nope.xml"), "-S"])
    assert run.rc == crm_simulate.EXIT_NOINPUT
    assert "nope.xml" in run.stderr


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("<cib>", "well-formed"),
        ("<foo/>", "expected <cib>"),
        ("", "empty"),
        # Pacemaker validates <cib/> with no schema at all (validation is off); this one names one
        ('<cib validate-with="pacemaker-3.0"/>', "Relax-NG validity error"),
    ],
)
def test_bad_input_leaves_no_graph(content: str, reason: str, tmp_path: Path) -> None:
    src, graph = tmp_path / "in.xml", tmp_path / "g.xml"
    src.write_text(content)
    run = run_ours(["-x", str(src), "-S", "-G", str(graph)])
    assert run.rc != 0
    assert reason in run.stderr
    assert not graph.exists()


def test_unwritable_graph_path_fails_cleanly(tmp_path: Path) -> None:
    run = run_ours(["-x", str(DATA / "xml" / "simple1.xml"), "-G", str(tmp_path / "missing" / "g.xml")])
    assert run.rc == crm_simulate.EXIT_CANTCREAT
    assert list(tmp_path.iterdir()) == []


def test_write_atomic_replaces_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "f"
    target.write_text("old content that is longer")
    crm_simulate.write_atomic(str(target), "new")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["f"]


def test_graph_dot_input_and_output_files(tmp_path: Path) -> None:
    xml = DATA / "xml" / "simple1.xml"
    g, d, i, o = (tmp_path / n for n in ("g.xml", "g.dot", "in.xml", "out.xml"))
    run = run_ours(["-x", str(xml), "-S", "-G", str(g), "-D", str(d), "-I", str(i), "-O", str(o), "-u", "node9"],
                   fixed_scheduler(EMPTY_GRAPH))
    assert run.rc == 0
    assert g.read_text() == EMPTY_GRAPH
    assert d.read_text().startswith("digraph")
    assert 'uname="node9"' in i.read_text() and 'uname="node9"' in o.read_text()


def test_xml_pipe(monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    data = (DATA / "xml" / "simple1.xml").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    run = run_ours(["-p", "-S"], fixed_scheduler(EMPTY_GRAPH))
    assert run.rc == 0
    assert "Current cluster status:" in run.stdout and "Revised Cluster Status:" in run.stdout


def test_bad_op_spec(tmp_path: Path) -> None:
    run = run_ours(["-x", str(DATA / "xml" / "simple1.xml"), "-S", "-F", "rsc1_start_0=1"])
    assert run.rc == crm_simulate.EXIT_DATAERR
    assert "invalid operation spec" in run.stderr


def test_main_entry_point(capsys: pytest.CaptureFixture[str]) -> None:
    rc = crm_simulate.main(["-x", "/nonexistent/cib.xml", "-S"])
    assert rc == crm_simulate.EXIT_NOINPUT
    assert "cannot read" in capsys.readouterr().err


# --- layouts, against Debian's crm_simulate fed the same graph, summary and scores ---------

LAYOUT_CASES = ["bug-1718", "utilization-order1", "promoted-1", "notify-1", "bug-5143-ms-shuffle"]
LAYOUT_FLAGS = [[], ["-S"], ["-Q"], ["-SQ"], ["-s"], ["-sS"], ["-sQ"], ["-sSQ"],
                ["-S", "-u", "newnode", "-F", "nothing_start_0@x=1"]]


def _oracle(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(ORACLE), *args], capture_output=True, text=True, timeout=60,
                          env={"LC_ALL": "C", "PATH": "/usr/bin:/bin"})


@pytest.mark.oracle
@pytest.mark.skipif(not ORACLE.exists(), reason="Debian's crm_simulate is not installed")
@pytest.mark.parametrize("case", LAYOUT_CASES)
@pytest.mark.parametrize("flags", LAYOUT_FLAGS, ids=lambda f: "".join(f) or "plain")
def test_layout_matches_pacemaker(case: str, flags: list[str], tmp_path: Path) -> None:
    xml = str(DATA / "xml" / f"{case}.xml")
    graph = tmp_path / "g.xml"
    injections = [f for f in flags if f not in ("-S", "-s", "-Q", "-sS", "-sQ", "-SQ", "-sSQ")]
    _oracle(["-x", xml, "-S", "-G", str(graph), *injections])
    scores_run = _oracle(["-x", xml, "-sQ", *injections])
    summary_run = _oracle(["-x", xml, "-S", *injections])
    m = re.search(r"Transition Summary:\n(.*?)Executing Cluster Transition:", summary_run.stdout, re.S)
    summary = [line for line in (m.group(1).splitlines() if m else []) if line.strip()]
    scores = [line for line in scores_run.stdout.splitlines() if " score on " in line]
    scheduler = fixed_scheduler(graph.read_text(), summary, scores)
    theirs = _oracle(["-x", xml, *flags])
    ours = run_ours(["-x", xml, *flags], scheduler)
    strip = re.compile(r"^.*(last-failure|Pretending).*$", re.M)
    assert strip.sub("", ours.stdout) == strip.sub("", theirs.stdout)


def test_scheduler_warnings_only_with_verbose() -> None:
    from pengine import Result

    def scheduler(cib, *, now=None, options=None):  # type: ignore[no-untyped-def]
        return Result(EMPTY_GRAPH, "digraph {}\n", (), (), (), ("Node n1 is unclean but cannot be fenced",))

    xml = str(DATA / "xml" / "simple1.xml")
    quiet = run_ours(["-x", xml, "-S"], scheduler)
    loud = run_ours(["-x", xml, "-S", "-V"], scheduler)
    assert "unclean" not in quiet.stdout + quiet.stderr
    assert "Node n1 is unclean but cannot be fenced" in loud.stderr
