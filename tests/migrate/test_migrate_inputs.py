"""Every haresources / ha.cf form quoted in the notes and cases, in both modes; bad input."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree
from migrate_support import AgentTree

from crm.cli.haresources2cib import main
from crm.migrate import MigrationError, Mode, convert
from crm.migrate.hacf import parse_hacf, parse_time_ms
from crm.migrate.haresources import logical_lines

HACF = "node litsha21 ha1 lb1 zeus.example.com node1 alpha beta n1\n"

LINES = [
    "litsha21 192.168.71.205/24/eth0/192.168.71.255",
    "ha1 192.168.75.150/24/eth0/192.168.75.255 drbddisk::r0 Filesystem::/dev/drbd0::/apache::ext3 apache",
    "lb1 IPaddr::172.16.1.254 \\\n\tdrbddisk::www Filesystem::/dev/drbd0::/var/www/html::ext3 \\\n"
    "\tdrbddisk::mysql Filesystem::/dev/drbd1::/var/lib/mysql::ext3 \\\n\tmysqld httpd",
    "zeus.example.com 192.168.43.53 httpd",
    "node1 193.68.121.200 datadisk::drbd0 httpd vsftpd",
    "alpha 10.0.0.10/24/eth0 Filesystem::/dev/sdb1::/srv/nfs::ext3 nfs-kernel-server",
    "beta IPaddr2::10.0.0.20/24/eth0/10.0.0.255 \\\n     apache::/etc/apache2/apache2.conf",
    "beta 10.0.0.30",
    "alpha MailTo::root@example.com::Failover",
    "n1 10.1.1.1/24/eth0 httpd #web",
    "n1 Dummy::/tmp/state #clone:dummyclone",
    "n1 10.0.0.1/24/10.0.0.255",
    "n1 10.0.0.1/eth0",
    "n1 IPaddr::1.2.3.4/24",
    "n1 IPaddr2::1.2.3.4/24/eth1 apache",
    "n1 10.0.0.1 mysqld vsftpd",
    "n1 drbddisk::r0",
]


@pytest.mark.parametrize("line", LINES)
def test_line_converts_in_compat_mode(line: str, agents: AgentTree) -> None:
    result = convert(line + "\n", HACF, mode=Mode.COMPAT, resource_dir=agents.resource_dir,
                     initd_dir=agents.initd_dir)
    assert result.warnings == ()
    assert result.cib.xpath("//primitive")
    assert etree.fromstring(result.to_xml().split("\n", 1)[1].encode()).tag == "cib"


@pytest.mark.parametrize("line", LINES)
def test_line_converts_in_default_mode(line: str, agents: AgentTree, tmp_path: Path) -> None:
    result = convert(line + "\n", HACF, resource_dir=agents.resource_dir, initd_dir=agents.initd_dir)
    cib = result.cib
    assert cib.xpath("//primitive")
    assert all(p.get("class") in ("ocf", "lsb", "heartbeat") for p in cib.iter("primitive"))
    assert not cib.xpath("//primitive[@type='IPaddr']")
    # Only the DRBD 0.6 script deserves a remark; nothing else on these lines is doubtful.
    assert not [w for w in result.warnings if "haresources" in str(w) and "datadisk" not in w.message]


@pytest.mark.oracle
def test_all_lines_together_pass_crm_verify(agents: AgentTree, crm_verify: Path, tmp_path: Path) -> None:
    # Several lines use the same address or DRBD resource; make each line's values unique.
    text = "\n".join(line.replace("10.0.0.1/", f"10.0.0.{100 + i}/").replace("10.0.0.1 ", f"10.0.0.{100 + i} ")
                     .replace("1.2.3.4", f"1.2.3.{i}") for i, line in enumerate(LINES))
    result = convert(text + "\n", HACF.replace("node ", "node n2 "), resource_dir=agents.resource_dir,
                     initd_dir=agents.initd_dir)
    path = tmp_path / "cib.xml"
    path.write_text(result.to_xml())
    done = subprocess.run([str(crm_verify), "-x", str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_continuations_and_comments_join_into_one_logical_line() -> None:
    text = "# head\n\nlb1 a \\\n  # inside\n\n  b \\\n c\nx y\n"
    assert [(n, line.split()) for n, line in logical_lines(text)] == [(3, ["lb1", "a", "b", "c"]), (8, ["x", "y"])]


def test_trailing_comment_is_a_comment_in_default_mode_only(agents: AgentTree) -> None:
    line = "n1 10.1.1.3 # the web address\n"
    compat = convert(line, HACF, mode=Mode.COMPAT, resource_dir=agents.resource_dir, initd_dir=agents.initd_dir)
    assert {p.get("type") for p in compat.cib.iter("primitive")} == {"IPaddr", "#", "the", "web", "address"}
    modern = convert(line, HACF, resource_dir=agents.resource_dir, initd_dir=agents.initd_dir)
    assert [p.get("type") for p in modern.cib.iter("primitive")] == ["IPaddr2"]
    assert any(str(w).startswith("haresources:1: trailing comment") for w in modern.warnings)


@pytest.mark.parametrize(
    ("text", "ms"), [("2", 2000), ("500ms", 500), ("1.5", 1500), ("30s", 30000), ("2000us", 2)]
)
def test_heartbeat_time_values(text: str, ms: int) -> None:
    assert parse_time_ms(text) == ms


def test_hacf_directives() -> None:
    hacf = parse_hacf(
        "keepalive 2\ndeadtime 30\nbcast eth0 eth1\nucast eth0 10.0.0.2\nmcast eth2 225.0.0.1 694 1 0\n"
        "serial /dev/ttyS0\nauto_failback off # stay\nnode a b\nnode c\nping 10.0.0.254\n"
        "ping_group gw 10.0.1.1 10.0.1.2\nrespawn hacluster /usr/lib/heartbeat/pingd -m 100 -d 5s\n"
        "stonith_host * external/ssh a,b,c\n"
    )
    assert hacf.nodes == ("a", "b", "c")
    assert hacf.keepalive is not None and hacf.keepalive.milliseconds == 2000
    assert hacf.deadtime is not None and hacf.deadtime.milliseconds == 30000
    assert [(m.kind, m.interface) for m in hacf.media] == [
        ("bcast", "eth0"), ("bcast", "eth1"), ("ucast", "eth0"), ("mcast", "eth2"), ("serial", "/dev/ttyS0")]
    assert hacf.auto_failback is not None and hacf.auto_failback.value == "off"
    assert [p.hosts for p in hacf.pings] == [("10.0.0.254",), ("10.0.1.1", "10.0.1.2")]
    assert hacf.respawns[0].program == "pingd"
    assert hacf.stonith_hosts[0].values == ("a,b,c",)


# ----------------------------------------------------------------------------- bad input

BAD_HARESOURCES = [
    ("lonelynode\n", "haresources:1: error: needs a node name and at least one resource"),
    ("n1 frobnicator::fast\n", "haresources:1: error: unknown resource agent 'frobnicator'"),
    ("n1 10.0.0.300/24\n", "haresources:1: error: bad IP spec: '10.0.0.300' is not an IPv4 address"),
    ("n1 10.0.0.1/33\n", "haresources:1: error: bad IP spec: netmask length 33 out of range"),
    ("n1 10.0.0.1/24/eth0/10.0.1.255\n", "haresources:1: error: bad IP spec: broadcast 10.0.1.255 is outside"),
    ("n1 a.b.c.d\n", "haresources:1: error: bad IP spec: 'a.b.c.d' is not an IPv4 address"),
    ("n1 10.0.0.1\nn1 10.0.0.1 httpd\n", "haresources:2: error: IP address 10.0.0.1 is already managed (line 1)"),
    ("n1 Filesystem::/dev/sdb1\n", "haresources:1: error: 'Filesystem::/dev/sdb1': Filesystem needs device"),
    ("n1 drbddisk\n", "haresources:1: error: 'drbddisk': drbddisk needs exactly one DRBD resource name"),
    ("n1 httpd #web\n#rsc_order web start after db\n", "haresources:2: error: unknown resource id(s) 'db'"),
    ("#rsc_order a b\n", "haresources:1: error: '#rsc_order' needs exactly"),
    ("n1 10.0.0.1 \\\n", "haresources:1: error: file ends inside a '\\' continuation"),
    ("n1 httpd #web\nn1 mysqld #web\n", "haresources:2: error: id 'web' is already used (line 1)"),
]


@pytest.mark.parametrize(("text", "message"), BAD_HARESOURCES)
def test_bad_haresources_is_reported_with_its_line_and_writes_nothing(
    text: str, message: str, agents: AgentTree, tmp_path: Path
) -> None:
    (tmp_path / "haresources").write_text(text)
    (tmp_path / "ha.cf").write_text("node n1 n2\n")
    target = tmp_path / "out" / "cib.xml"
    target.parent.mkdir()
    result = CliRunner().invoke(
        main, ["-c", str(tmp_path / "ha.cf"), "-o", str(target), *agents.cli_args(), str(tmp_path / "haresources")]
    )
    assert result.exit_code == 1
    assert result.stdout == ""
    assert any(line.startswith(f"{tmp_path}/{message}") for line in result.stderr.splitlines()), result.stderr
    assert list(target.parent.iterdir()) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("deadtime soon\n", "ha.cf:1: error: 'deadtime' needs one positive time value"),
        ("auto_failback maybe\n", "ha.cf:1: error: auto_failback must be on, off or legacy"),
        ("node\n", "ha.cf:1: error: 'node' needs at least one node name"),
        ("node n1 n2\nstonith_host *\n", "ha.cf:2: error: 'stonith_host' needs a host"),
        ("node n1 n2\nstonith_host n3 null n2\n", "ha.cf:2: error: stonith_host 'n3' is not a node"),
        ("node n1 n2\nudpport 99999\n", "ha.cf:2: error: 'udpport' needs a port number"),
    ],
)
def test_bad_hacf_is_reported_with_its_line(text: str, message: str, agents: AgentTree, tmp_path: Path) -> None:
    (tmp_path / "haresources").write_text("n1 10.0.0.1\n")
    (tmp_path / "ha.cf").write_text(text)
    result = CliRunner().invoke(
        main, ["--stdout", "-c", str(tmp_path / "ha.cf"), *agents.cli_args(), str(tmp_path / "haresources")]
    )
    assert result.exit_code == 1
    assert result.stdout == ""
    assert any(line.startswith(f"{tmp_path}/{message}") for line in result.stderr.splitlines()), result.stderr


@pytest.mark.parametrize("compat", [False, True])
def test_missing_or_unreadable_hacf(compat: bool, agents: AgentTree, tmp_path: Path) -> None:
    (tmp_path / "haresources").write_text("n1 10.0.0.1\n")
    flags = ["--compat"] if compat else []
    for hacf, reason in ((tmp_path / "missing.cf", "no such file"), (tmp_path, "is a directory")):
        result = CliRunner().invoke(
            main, [*flags, "--stdout", "-c", str(hacf), *agents.cli_args(), str(tmp_path / "haresources")]
        )
        assert result.exit_code == 1
        assert result.stderr == f"{hacf}: error: cannot read: {reason}\n"
        assert result.stdout == ""


def test_library_collects_every_error_at_once(agents: AgentTree) -> None:
    with pytest.raises(MigrationError) as caught:
        convert("n1 nosuch::arg\nn1 10.0.0.999\n", "node n1 n2\n", resource_dir=agents.resource_dir,
                initd_dir=agents.initd_dir)
    assert [d.line for d in caught.value.diagnostics] == [1, 2]


def test_agent_map_overrides_the_lookup(agents: AgentTree, tmp_path: Path) -> None:
    (tmp_path / "haresources").write_text("n1 10.0.0.1 httpd myapp::fast\n")
    (tmp_path / "ha.cf").write_text("node n1 n2\n")
    result = CliRunner().invoke(
        main, ["--stdout", "-c", str(tmp_path / "ha.cf"), *agents.cli_args(), "--map", "httpd=systemd:apache2",
               "--map", "myapp=heartbeat:myapp", str(tmp_path / "haresources")]
    )
    assert result.exit_code == 0, result.stderr
    cib = etree.fromstring(result.stdout.encode())
    assert [(p.get("class"), p.get("type")) for p in cib.iter("primitive")] == [
        ("ocf", "IPaddr2"), ("systemd", "apache2"), ("heartbeat", "myapp")]
    assert cib.xpath("//primitive[@type='myapp']//nvpair[@name='1']/@value") == ["fast"]


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"httpd": "upstart"}, "haresources:1: agent map httpd=upstart: expected ocf:PROVIDER:TYPE"),
        ({"myapp": "systemd:myapp"}, "haresources:1: 'myapp::fast': arguments cannot be mapped"),
    ],
)
def test_bad_agent_map(mapping: dict[str, str], message: str, agents: AgentTree) -> None:
    with pytest.raises(MigrationError) as caught:
        convert("n1 httpd myapp::fast\n", "node n1 n2\n", agent_map=mapping, resource_dir=agents.resource_dir,
                initd_dir=agents.initd_dir)
    assert any(str(d).startswith(message) for d in caught.value.diagnostics), caught.value
