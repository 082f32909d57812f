"""Default mode: golden files, Pacemaker's own crm_verify, and the mapping rules."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree
from migrate_support import CASES, EXAMPLES, GOLDEN, REFERENCE, AgentTree, hacf_text, regenerate

from crm.cli.haresources2cib import main
from crm.migrate import ConversionResult, MigrationError, convert, corosync_conf


def run_case(case: str, agents: AgentTree) -> ConversionResult:
    return convert(
        (REFERENCE / case / "haresources").read_text(), hacf_text(case),
        resource_dir=agents.resource_dir, initd_dir=agents.initd_dir,
    )


def outcome(case: str, agents: AgentTree) -> dict[str, str]:
    """What the default mode makes of a reference case: CIB + warnings (or errors), corosync.conf."""
    try:
        result = run_case(case, agents)
    except MigrationError as exc:
        text = "".join(f"{d}\n" for d in exc.diagnostics)
        return {"err": text.replace(str(agents.resource_dir.parent), "<agents>")}
    warnings = "".join(f"{d}\n" for d in result.warnings)
    produced = {"xml": result.to_xml(), "warnings": warnings.replace(str(agents.resource_dir.parent), "<agents>")}
    if (REFERENCE / case / "ha.cf").exists():
        produced["corosync"] = corosync_conf(hacf_text(case), None, key=bytes(256)).text
    return produced


@pytest.mark.parametrize("case", CASES)
def test_golden(case: str, agents: AgentTree) -> None:
    produced = outcome(case, agents)
    if regenerate():
        GOLDEN.mkdir(exist_ok=True)
        for old in GOLDEN.glob(f"{case}.*"):
            old.unlink()
        for suffix, text in produced.items():
            (GOLDEN / f"{case}.{suffix}").write_text(text)
    expected = {p.suffix[1:]: p.read_text() for p in GOLDEN.glob(f"{case}.*")}
    assert expected, f"no golden file for {case}; run with PACER_REGEN_GOLDEN=1"
    assert produced == expected


def verify(crm_verify: Path, xml: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "cib.xml"
    path.write_text(xml)
    return subprocess.run([str(crm_verify), "-x", str(path)], capture_output=True, text=True, timeout=60)


def assert_no_errors(done: subprocess.CompletedProcess[str]) -> None:
    # A new CIB with fencing enabled has no node status yet, so crm_verify schedules
    # startup fencing and says "Warnings found" (exit 78). Errors are what must not appear.
    assert "error" not in done.stderr.lower(), done.stderr
    assert done.returncode == 0 or "Warnings found" in done.stderr, done.stderr


@pytest.mark.oracle
@pytest.mark.parametrize("case", CASES)
def test_crm_verify_accepts_every_case(case: str, agents: AgentTree, crm_verify: Path, tmp_path: Path) -> None:
    # Case g uses an unknown agent 'myapp' (an error in default mode): give it one.
    agents.add_script(agents.resource_dir, "myapp")
    directory = REFERENCE / case
    haresources = (directory / "haresources").read_text()
    if case.startswith("j_"):
        haresources = "n1 10.9.9.9\n"  # the other two lines of case j are errors (tested below)
    result = convert(haresources, hacf_text(case), resource_dir=agents.resource_dir, initd_dir=agents.initd_dir)
    done = verify(crm_verify, result.to_xml(), tmp_path)
    assert_no_errors(done)
    if not result.cib.xpath("//primitive[@class='stonith']"):
        assert done.returncode == 0, done.stderr


@pytest.mark.oracle
def test_crm_verify_accepts_the_examples(crm_verify: Path, tmp_path: Path) -> None:
    result = convert((EXAMPLES / "haresources").read_text(), (EXAMPLES / "ha.cf").read_text())
    done = verify(crm_verify, result.to_xml(), tmp_path)
    assert done.returncode == 0, done.stderr


def test_example_maps_every_feature() -> None:
    result = convert((EXAMPLES / "haresources").read_text(), (EXAMPLES / "ha.cf").read_text())
    cib = result.cib
    assert [n.get("uname") for n in cib.iter("node")] == ["node1", "node2"]
    assert [n.get("id") for n in cib.iter("node")] == ["1", "2"]
    ip = cib.xpath("//primitive[@type='IPaddr2']")[0]
    params = {nv.get("name"): nv.get("value") for nv in ip.iter("nvpair")}
    assert params == {"ip": "192.168.122.100", "cidr_netmask": "24", "nic": "eth0", "broadcast": "192.168.122.255"}
    clone = cib.xpath("//clone[primitive/@type='drbd']")[0]
    assert clone.xpath("meta_attributes/nvpair[@name='promotable']/@value") == ["true"]
    assert clone.xpath(".//nvpair[@name='drbd_resource']/@value") == ["r0"]
    group = cib.xpath("//group")[0]
    assert [p.get("type") for p in group.iter("primitive")] == ["IPaddr2", "Filesystem", "apache"]
    colocation = cib.xpath("//rsc_colocation")[0]
    assert (colocation.get("rsc"), colocation.get("with-rsc"), colocation.get("with-rsc-role")) == (
        group.get("id"), clone.get("id"), "Promoted")
    order = cib.xpath("//rsc_order")[0]
    assert (order.get("first"), order.get("first-action"), order.get("then"), order.get("then-action")) == (
        clone.get("id"), "promote", group.get("id"), "start")
    preference = cib.xpath(f"//rsc_location[@rsc='{group.get('id')}' and @node]")[0]
    stickiness = int(cib.xpath("//rsc_defaults//nvpair[@name='resource-stickiness']/@value")[0])
    assert preference.get("node") == "node1"
    assert stickiness > int(preference.get("score"))  # auto_failback off
    ping = cib.xpath("//primitive[@type='ping']")[0]
    ping_params = {nv.get("name"): nv.get("value") for nv in ping.iter("nvpair")}
    assert ping_params["host_list"] == "192.168.122.1"
    assert ping_params["multiplier"] == "100"
    assert ping_params["dampen"] == "5s"
    rule = cib.xpath(f"//rsc_location[@rsc='{group.get('id')}']/rule")[0]
    assert rule.get("score") == "-INFINITY" and rule.get("boolean-op") == "or"
    assert [(e.get("attribute"), e.get("operation"), e.get("value")) for e in rule.iter("expression")] == [
        ("pingd", "not_defined", None), ("pingd", "lte", "0")]
    props = {nv.get("name"): nv.get("value") for nv in cib.xpath("//cluster_property_set/nvpair")}
    assert props["stonith-enabled"] == "false"
    assert props["no-quorum-policy"] == "ignore"
    assert any("fencing is unsafe" in str(w) for w in result.warnings)


@pytest.mark.parametrize(("value", "stickiness"), [("on", 0), ("legacy", 0), ("off", 200), (None, 0)])
def test_auto_failback(value: str | None, stickiness: int) -> None:
    hacf = "node a b\n" + (f"auto_failback {value}\n" if value else "")
    cib = convert("a Dummy\n", hacf).cib
    assert cib.xpath("//rsc_defaults//nvpair[@name='resource-stickiness']/@value") == [str(stickiness)]


def test_more_than_two_nodes_keep_quorum_policy_stop() -> None:
    cib = convert("a Dummy\n", "node a b c\n").cib
    assert cib.xpath("//nvpair[@name='no-quorum-policy']/@value") == ["stop"]


def test_stonith_hosts_enable_fencing() -> None:
    result = convert("a Dummy\n", "node a b\nstonith_host * external/ssh a,b\nstonith_host a null b\n")
    cib = result.cib
    assert cib.xpath("//nvpair[@name='stonith-enabled']/@value") == ["true"]
    devices = cib.xpath("//primitive[@class='stonith']")
    assert [d.get("type") for d in devices] == ["external/ssh", "null"]
    assert devices[0].xpath(".//nvpair[@name='hostlist']/@value") == ["a,b"]
    assert cib.xpath(f"//rsc_location[@rsc='{devices[1].get('id')}']/@node") == ["a"]
    assert not any("fencing is unsafe" in str(w) for w in result.warnings)


def test_ipfail_and_ping_group() -> None:
    hacf = "node a b\nping_group gw 10.0.0.1 10.0.0.2\nrespawn hacluster /usr/lib/heartbeat/ipfail\n"
    result = convert("a Dummy\n", hacf)
    ping = result.cib.xpath("//primitive[@type='ping']")[0]
    assert ping.xpath(".//nvpair[@name='host_list']/@value") == ["10.0.0.1 10.0.0.2"]
    assert any("ping_group gw" in str(w) for w in result.warnings)


def test_ping_without_pingd_is_reported_not_converted() -> None:
    result = convert("a Dummy\n", "node a b\nping 10.0.0.1\n")
    assert not result.cib.xpath("//primitive[@type='ping']")
    assert any(str(w).startswith("ha.cf:2: ") for w in result.warnings)


def test_command_writes_atomically_and_refuses_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "cib.xml"
    args = ["-c", str(EXAMPLES / "ha.cf"), "-o", str(target), str(EXAMPLES / "haresources")]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.stderr
    etree.fromstring(target.read_bytes())
    assert target.stat().st_mode & 0o777 == 0o600
    before = target.read_bytes()
    second = CliRunner().invoke(main, args)
    assert second.exit_code == 1
    assert "use --force" in second.stderr
    assert target.read_bytes() == before
    assert CliRunner().invoke(main, [*args, "--force"]).exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cib.xml"]
