"""crm_resource --force-* and friends, compared with Pacemaker's own crm_resource."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from lrmd_helpers import write_script

REPO = Path(__file__).resolve().parents[2]
ORACLE = Path("/usr/sbin/crm_resource")
PCMK_DUMMY = Path("/usr/lib/ocf/resource.d/pacemaker/Dummy")
HB_DUMMY = Path("/usr/lib/ocf/resource.d/heartbeat/Dummy")

CIB = """<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="5" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config/>
    <nodes/>
    <resources>
      <primitive id="d1" class="ocf" provider="heartbeat" type="Dummy">
        <instance_attributes id="d1-ia">
          <nvpair id="d1-s" name="state" value="{work}/d1.state"/>
        </instance_attributes>
        <meta_attributes id="d1-meta">
          <nvpair id="d1-tr" name="target-role" value="Started"/>
        </meta_attributes>
        <operations>
          <op id="d1-mon" name="monitor" interval="10s" timeout="20s"/>
          <op id="d1-st" name="start" interval="0" timeout="33s"/>
        </operations>
      </primitive>
      <primitive id="p1" class="ocf" provider="pacemaker" type="Dummy">
        <instance_attributes id="p1-ia">
          <nvpair id="p1-s" name="state" value="{work}/p1.state"/>
          <nvpair id="p1-e" name="envfile" value="{work}/p1.env"/>
        </instance_attributes>
        <meta_attributes id="p1-meta">
          <nvpair id="p1-rs" name="resource-stickiness" value="100"/>
        </meta_attributes>
      </primitive>
      <group id="g1">
        <primitive id="g1a" class="ocf" provider="heartbeat" type="Dummy"/>
      </group>
    </resources>
    <constraints/>
  </configuration>
  <status/>
</cib>
"""


def _cib(tmp_path: Path) -> Path:
    path = tmp_path / "cib.xml"
    path.write_text(CIB.format(work=tmp_path))
    return path


def ours(cib: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("OCF_")}
    full.update({"CIB_file": str(cib), "PACER_AGENTS_DIR": str(cib.parent / "none")})
    full.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "crm.cli.crm_resource", *args],
        capture_output=True, text=True, env=full, cwd=REPO, timeout=60, check=False,
    )


def pacemaker(cib: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OCF_")}
    env["CIB_file"] = str(cib)
    return subprocess.run([str(ORACLE), *args], capture_output=True, text=True, env=env, timeout=60, check=False)


needs_oracle = pytest.mark.skipif(not ORACLE.exists() or not HB_DUMMY.exists(), reason="Pacemaker oracle missing")


@pytest.mark.oracle
@needs_oracle
def test_force_sequence_matches_pacemaker(tmp_path: Path) -> None:
    cib = _cib(tmp_path)
    sequence = ["--force-check", "--force-start", "--force-check", "--force-stop", "--force-check", "--force-promote"]
    for option in sequence:
        mine = ours(cib, "-r", "d1", option)
        theirs = pacemaker(cib, "-r", "d1", option)
        assert mine.returncode == theirs.returncode, (option, mine.stderr, theirs.stderr)
        assert mine.stdout.splitlines()[0] == theirs.stdout.splitlines()[0]
        # The error line is the same too (Pacemaker may log extra scheduler warnings before it).
        mine_err = [ln for ln in mine.stderr.splitlines() if "Error performing" in ln]
        theirs_err = [ln for ln in theirs.stderr.splitlines() if "Error performing" in ln]
        assert mine_err == theirs_err


@pytest.mark.oracle
@needs_oracle
def test_agent_environment_matches_pacemaker(tmp_path: Path) -> None:
    if not PCMK_DUMMY.exists():
        pytest.skip("ocf:pacemaker:Dummy missing")
    cib = _cib(tmp_path)

    def env_after(runner: object) -> dict[str, str]:
        envfile = tmp_path / "p1.env"
        envfile.unlink(missing_ok=True)
        proc = runner(cib, "-r", "p1", "--force-start")  # type: ignore[operator]
        assert proc.returncode == 0, proc.stderr
        values = {}
        for line in envfile.read_text().splitlines():
            name, _, value = line.partition("=")
            if name.startswith(("OCF_", "HA_", "PCMK_service")):
                values[name] = value
        return values

    theirs = env_after(pacemaker)
    mine = env_after(ours)
    mine.pop("HA_RSCTMP", None)
    assert mine == theirs


@pytest.mark.oracle
@needs_oracle
def test_errors_match_pacemaker(tmp_path: Path) -> None:
    cib = _cib(tmp_path)
    for args in (["-r", "g1", "--force-check"], ["-r", "ghost", "--force-start"]):
        mine, theirs = ours(cib, *args), pacemaker(cib, *args)
        assert mine.returncode == theirs.returncode
        assert [ln for ln in mine.stderr.splitlines() if "Error performing" in ln or "not found" in ln or "Sorry" in ln] == [
            ln for ln in theirs.stderr.splitlines() if "Error performing" in ln or "not found" in ln or "Sorry" in ln
        ]


@pytest.mark.oracle
@needs_oracle
def test_query_xml_and_list_match_pacemaker(tmp_path: Path) -> None:
    cib = _cib(tmp_path)
    for args in (["-r", "d1", "--query-xml"], ["-r", "g1", "--query-xml"], ["--list"]):
        assert ours(cib, *args).stdout == pacemaker(cib, *args).stdout, args


def test_lsb_and_exit_reason_and_timeout(tmp_path: Path) -> None:
    init = tmp_path / "init.d"
    write_script(init / "svc", 'case "$1" in status) echo "svc is stopped"; exit 3;; esac\nexit 0\n')
    ocf = tmp_path / "ocf"
    write_script(
        ocf / "resource.d" / "t" / "Fail",
        'echo "ocf-exit-reason:disk on fire" >&2\n[ "$1" = start ] && sleep "${OCF_RESKEY_delay:-0}"\nexit 1\n',
    )
    cib = tmp_path / "cib.xml"
    cib.write_text(
        '<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">'
        "<configuration><crm_config/><nodes/><resources>"
        '<primitive id="s" class="lsb" type="svc"/>'
        '<primitive id="f" class="ocf" provider="t" type="Fail"><instance_attributes id="f-ia">'
        '<nvpair id="f-d" name="delay" value="30"/></instance_attributes>'
        '<operations><op id="f-st" name="start" interval="0" timeout="1s"/></operations></primitive>'
        "</resources><constraints/></configuration><status/></cib>"
    )
    env = {"PACER_LSB_DIR": str(init), "OCF_ROOT": str(ocf)}
    lsb = ours(cib, "-r", "s", "--force-check", env=env)
    assert lsb.returncode == 7
    assert lsb.stdout.splitlines()[0] == "Operation force-check for s (lsb:svc) returned 7 (not running)"
    assert "svc is stopped" in lsb.stdout
    stop = ours(cib, "-r", "f", "--force-stop", env=env)
    assert stop.returncode == 1
    assert stop.stdout.splitlines()[0] == "Operation force-stop for f (ocf:t:Fail) returned 1 (error: disk on fire)"
    assert stop.stderr.strip() == "crm_resource: Error performing operation: Error occurred"
    start = ours(cib, "-r", "f", "--force-start", env=env)
    assert start.returncode == 1
    assert start.stderr.splitlines() == [
        "Operation force-start for f (ocf:t:Fail) could not be executed "
        "(Timed Out: Resource agent did not exit within specified timeout)",
        "crm_resource: Error performing operation: Error occurred",
    ]
    missing = ours(cib, "-r", "f", "--force-start", env={**env, "OCF_ROOT": str(tmp_path / "empty")})
    assert missing.returncode == 5
    assert missing.stderr.splitlines()[0] == (
        "Operation force-start for f (ocf:t:Fail) could not be executed (Not installed: Fail: No such file or directory)"
    )


def test_usage_errors(tmp_path: Path) -> None:
    cib = _cib(tmp_path)
    assert ours(cib, "--force-start").returncode == 64
    # a resource and no command lists the resources, exit 0, as Pacemaker's does
    listed = ours(cib, "-r", "d1")
    assert listed.returncode == 0 and "Full List of Resources:" in listed.stdout
    missing = ours(tmp_path / "absent.xml", "-r", "d1", "--force-check")
    assert missing.returncode != 0 and "absent.xml" in missing.stderr


CONFORMANCE = REPO / "tests" / "conformance" / "data" / "xml"


@pytest.mark.oracle
@pytest.mark.skipif(not ORACLE.exists(), reason="Pacemaker oracle missing")
@pytest.mark.parametrize("case", ["797", "10-a-then-bm-b-move-a-clone", "1494"])
def test_list_of_recorded_clusters_matches_pacemaker(case: str) -> None:
    cib = CONFORMANCE / f"{case}.xml"
    mine, theirs = ours(cib, "--list"), pacemaker(cib, "--list")
    assert mine.returncode == theirs.returncode == 0
    assert mine.stdout == theirs.stdout


@pytest.mark.oracle
@pytest.mark.skipif(not ORACLE.exists(), reason="Pacemaker oracle missing")
@pytest.mark.parametrize("rsc", ["DcIPaddr", "DoFencing", "child_DoFencing:3", "rsc_c001n08"])
def test_locate_matches_pacemaker(rsc: str) -> None:
    cib = CONFORMANCE / "797.xml"
    mine, theirs = ours(cib, "-r", rsc, "--locate"), pacemaker(cib, "-r", rsc, "--locate")
    assert mine.returncode == theirs.returncode
    assert sorted(mine.stdout.splitlines()) == sorted(theirs.stdout.splitlines())
    assert ("NOT running" in mine.stderr) == ("NOT running" in theirs.stderr)


@pytest.mark.oracle
@pytest.mark.skipif(not ORACLE.exists(), reason="Pacemaker oracle missing")
@pytest.mark.parametrize(("case", "rsc"), [("797", "DoFencing"), ("10-a-then-bm-b-move-a-clone", "myclone-clone")])
def test_clone_and_stonith_force_check_match_pacemaker(tmp_path: Path, case: str, rsc: str) -> None:
    cib = tmp_path / "cib.xml"
    cib.write_text((CONFORMANCE / f"{case}.xml").read_text())
    mine, theirs = ours(cib, "-r", rsc, "--force-check"), pacemaker(cib, "-r", rsc, "--force-check")
    assert mine.returncode == theirs.returncode
    keep = ("Operation", "Error performing")

    def lines(proc: subprocess.CompletedProcess[str]) -> list[str]:
        return sorted(ln for ln in (proc.stdout + proc.stderr).splitlines() if ln.startswith(keep))

    assert lines(mine) == lines(theirs)


@pytest.mark.oracle
@pytest.mark.skipif(not ORACLE.exists(), reason="Pacemaker oracle missing")
def test_parameter_commands_match_pacemaker(tmp_path: Path) -> None:
    from lxml import etree

    theirs_cib, mine_cib = tmp_path / "theirs.xml", tmp_path / "mine.xml"
    for path in (theirs_cib, mine_cib):
        path.write_text((CONFORMANCE / "797.xml").read_text())
    steps = [
        ["--get-parameter", "ip"],
        ["--get-parameter", "nope"],
        ["--meta", "--get-parameter", "nope"],
        ["--delete-parameter", "nope"],
        ["--meta", "--delete-parameter", "is-managed"],
        ["--set-parameter", "ip", "--parameter-value", "10.0.0.9"],
        ["--get-parameter", "ip"],
        ["--set-parameter", "newp", "-v", "v1"],
        ["--meta", "--set-parameter", "target-role", "-v", "Stopped"],
        ["--set-parameter", "x"],
    ]
    for step in steps:
        mine, theirs = ours(mine_cib, "-r", "DcIPaddr", *step), pacemaker(theirs_cib, "-r", "DcIPaddr", *step)
        assert (mine.returncode, mine.stdout, mine.stderr) == (theirs.returncode, theirs.stdout, theirs.stderr), step

    def canonical(path: Path) -> bytes:
        return etree.tostring(etree.parse(str(path), etree.XMLParser(remove_blank_text=True)), method="c14n")

    assert canonical(mine_cib) == canonical(theirs_cib)


@pytest.mark.oracle
@pytest.mark.skipif(not ORACLE.exists(), reason="Pacemaker oracle missing")
def test_ban_move_clear_match_pacemaker(tmp_path: Path) -> None:
    import re

    from lxml import etree

    theirs_cib, mine_cib = tmp_path / "theirs.xml", tmp_path / "mine.xml"
    for path in (theirs_cib, mine_cib):
        path.write_text((CONFORMANCE / "797.xml").read_text())
    steps = [
        ["-r", "DcIPaddr", "--ban", "-N", "c001n02"],
        ["-r", "DcIPaddr", "--move", "-N", "c001n01"],
        ["-r", "DcIPaddr", "--ban"],
        ["-r", "DcIPaddr", "--clear"],
        ["-r", "DcIPaddr", "--move"],
        ["-r", "DcIPaddr", "--ban", "-N", "c001n01"],
        ["-r", "DcIPaddr", "--move", "-N", "c001n01"],
        ["-r", "DcIPaddr", "--move", "-N", "c001n03"],
        ["-r", "DcIPaddr", "--move", "-N", "bogus"],
        ["-r", "DcIPaddr", "--clear", "-N", "c001n01"],
        ["-r", "DcIPaddr", "--ban", "-N", "c001n01", "--lifetime", "bogus"],
        ["-r", "rsc_c001n08", "--ban", "-N", "c001n02", "--lifetime", "P2W"],
        ["-r", "rsc_c001n08", "--move", "-N", "c001n01", "--lifetime", "P1DT2H"],
        ["-r", "DoFencing", "--ban"],
        ["-r", "child_DoFencing:3", "--ban"],
        ["-r", "DcIPaddr", "--clear"],
    ]
    stamp = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ")

    def norm(text: str) -> str:
        return stamp.sub("<time>", text)

    for step in steps:
        mine, theirs = ours(mine_cib, *step), pacemaker(theirs_cib, *step)
        assert mine.returncode == theirs.returncode, step
        assert norm(mine.stdout) == norm(theirs.stdout), step
        assert norm(mine.stderr) == norm(theirs.stderr), step

    def canonical(path: Path) -> str:
        doc = etree.parse(str(path), etree.XMLParser(remove_blank_text=True))
        return norm(etree.tostring(doc, method="c14n").decode())

    assert canonical(mine_cib) == canonical(theirs_cib)


@pytest.mark.oracle
@pytest.mark.skipif(not ORACLE.exists(), reason="Pacemaker oracle missing")
@pytest.mark.parametrize(
    "args",
    [
        ["--show-metadata", "ocf:heartbeat:Dummy"],
        ["--show-metadata", "ocf:pacemaker:Dummy"],
        ["--show-metadata", "lsb:apache2"],
        ["--show-metadata", "ocf:heartbeat:Nope"],
        ["--list-agents", "ocf:pacemaker"],
        ["--list-agents", "lsb"],
    ],
)
def test_agent_queries_match_pacemaker(tmp_path: Path, args: list[str]) -> None:
    cib = _cib(tmp_path)
    mine, theirs = ours(cib, *args, env={"OCF_ROOT": "/usr/lib/ocf"}), pacemaker(cib, *args)
    assert (mine.returncode, mine.stdout, mine.stderr) == (theirs.returncode, theirs.stdout, theirs.stderr)


def test_agent_queries_know_pacer_and_v1(tmp_path: Path) -> None:
    cib = _cib(tmp_path)
    agents = tmp_path / "agents"
    write_script(agents / "Thing", "exit 0\n")
    env = {"PACER_AGENTS_DIR": str(agents)}
    assert "pacer" in ours(cib, "--list-ocf-providers", env=env).stdout.split()
    assert "Thing" in ours(cib, "--list-agents", "ocf:pacer", env=env).stdout.split()
    assert ours(cib, "--list-ocf-alternatives", "Thing", env=env).stdout.split() == ["pacer"]
    assert "heartbeat" in ours(cib, "--list-standards").stdout.split()
