"""ha.cf + authkeys -> corosync.conf + authkey."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from migrate_support import CASES, EXAMPLES, REFERENCE

from crm.cli.hacf2corosync import main
from crm.cli.haresources2cib import main as h2c_main
from crm.migrate import MigrationError, convert, corosync_conf
from crm.migrate.corosync_parse import CorosyncParseError, Section, parse_corosync_conf
from crm.migrate.hacf import parse_hacf

KEY = bytes(range(256))
HACF_CASES = [c for c in CASES if (REFERENCE / c / "ha.cf").exists()]


def nodes_of(conf: Section) -> list[dict[str, str]]:
    return [node.values for node in conf.section("nodelist").all("node")]


@pytest.mark.parametrize("case", HACF_CASES)
def test_reference_hacf_round_trips(case: str) -> None:
    text = (REFERENCE / case / "ha.cf").read_text()
    hacf = parse_hacf(text)
    result = corosync_conf(text, None, key=KEY, cluster_name="c1")
    conf = parse_corosync_conf(result.text)
    totem = conf.section("totem")
    assert totem.values["cluster_name"] == "c1"
    assert totem.values["transport"] == "knet"
    assert (totem.values["crypto_cipher"], totem.values["crypto_hash"]) == ("aes256", "sha256")
    if hacf.deadtime is not None:
        assert totem.values["token"] == str(hacf.deadtime.milliseconds)
    else:
        assert "token" not in totem.values
    assert [n["name"] for n in nodes_of(conf)] == list(hacf.nodes)
    assert [n["nodeid"] for n in nodes_of(conf)] == [str(i) for i in range(1, len(hacf.nodes) + 1)]
    quorum = conf.section("quorum")
    assert quorum.values["provider"] == "corosync_votequorum"
    assert (quorum.values.get("two_node") == "1") == (len(hacf.nodes) == 2)
    assert result.key == KEY
    # The CIB of the same ha.cf numbers its nodes like the nodelist.
    cib = convert("", text).cib
    assert [(n.get("id"), n.get("uname")) for n in cib.iter("node")] == [
        (n["nodeid"], n["name"]) for n in nodes_of(conf)]


def test_media_become_links_and_serial_is_reported() -> None:
    text = "deadtime 10\nserial /dev/ttyS0\nbcast eth0\nucast eth1 10.1.0.2\nmcast eth0 225.0.0.1 694 1 0\nnode a b\n"
    without = corosync_conf(text, key=KEY)
    assert len(parse_corosync_conf(without.text).section("totem").all("interface")) == 1
    messages = [str(w) for w in without.warnings]
    assert any(m.startswith("ha.cf:2: serial /dev/ttyS0") for m in messages)
    assert any(m.startswith("ha.cf:4: ucast on eth1: no address of a, b for link 1") for m in messages)
    assert any(m.startswith("ha.cf:5: mcast on eth0") for m in messages)
    with_addresses = corosync_conf(
        text, key=KEY, addresses={"a": ("10.0.0.1", "10.1.0.1"), "b": ("10.0.0.2", "10.1.0.2")}
    )
    conf = parse_corosync_conf(with_addresses.text)
    assert [i.values["linknumber"] for i in conf.section("totem").all("interface")] == ["0", "1"]
    assert nodes_of(conf) == [
        {"name": "a", "nodeid": "1", "ring0_addr": "10.0.0.1", "ring1_addr": "10.1.0.1"},
        {"name": "b", "nodeid": "2", "ring0_addr": "10.0.0.2", "ring1_addr": "10.1.0.2"},
    ]


@pytest.mark.parametrize(
    ("authkeys", "expected"),
    [
        ("auth 1\n1 crc\n", "authkeys:2: crc was never security"),
        ("auth 2\n1 crc\n2 sha1 secret\n", "authkeys:3: the sha1 secret is not reused"),
        ("auth 1\n1 md5 secret\n", "authkeys:2: the md5 secret is not reused"),
    ],
)
def test_heartbeat_keys_are_replaced_with_a_fresh_key(authkeys: str, expected: str) -> None:
    first = corosync_conf("node a b\n", authkeys)
    second = corosync_conf("node a b\n", authkeys)
    assert len(first.key) == 256
    assert first.key != second.key
    assert b"secret" not in first.key
    assert "secret" not in first.text
    assert any(str(w).startswith(expected) for w in first.warnings)


@pytest.mark.parametrize(
    ("authkeys", "mode", "expected"),
    [
        ("auth 1\n1 rot13 x\n", None, "authkeys:2: unknown method 'rot13'"),
        ("auth 3\n1 crc\n", None, "authkeys:1: 'auth 3' names a key that is not defined"),
        ("1 crc\n", None, "authkeys: no 'auth N' line"),
        ("auth 1\n1 sha1\n", None, "authkeys:2: method sha1 needs a key"),
        ("auth 1\n1 crc\n", 0o100644, "authkeys: permissions 0644 let others read the cluster secret"),
    ],
)
def test_bad_authkeys(authkeys: str, mode: int | None, expected: str) -> None:
    with pytest.raises(MigrationError) as caught:
        corosync_conf("node a b\n", authkeys, authkeys_mode=mode)
    assert any(str(d).startswith(expected) for d in caught.value.diagnostics), caught.value


def test_bad_hacf_and_addresses() -> None:
    with pytest.raises(MigrationError) as caught:
        corosync_conf("bcast eth0\n", None)
    assert str(caught.value.diagnostics[0]) == "ha.cf: no 'node' lines: corosync needs a nodelist"
    with pytest.raises(MigrationError) as caught:
        corosync_conf("node a b\n", None, addresses={"a": ("10.0.0.300",), "c": ("10.0.0.3",)})
    assert {str(d) for d in caught.value.diagnostics} == {
        "--addr: a=10.0.0.300: not an IP address", "--addr: 'c' is not a node of ha.cf (nodes: a, b)"}
    with pytest.raises(MigrationError):
        corosync_conf("node a b\n", None, cluster_name="two words")


def test_command_writes_conf_and_key_with_modes(tmp_path: Path) -> None:
    authkeys = tmp_path / "authkeys"
    authkeys.write_text((EXAMPLES / "authkeys").read_text())
    authkeys.chmod(0o600)
    out = tmp_path / "out"
    out.mkdir()
    result = CliRunner().invoke(main, ["-c", str(EXAMPLES / "ha.cf"), "-k", str(authkeys), "-o", str(out),
                                       "--addr", "node1=10.0.0.1", "--addr", "node2=10.0.0.2"])
    assert result.exit_code == 0, result.stderr
    assert f"{authkeys}:3: warning: the sha1 secret is not reused" in result.stderr
    key = out / "authkey"
    assert key.stat().st_mode & 0o777 == 0o400
    assert len(key.read_bytes()) == 256
    conf = parse_corosync_conf((out / "corosync.conf").read_text())
    assert [n["ring0_addr"] for n in nodes_of(conf)] == ["10.0.0.1", "10.0.0.2"]
    assert conf.section("totem").values["token"] == "5000"
    assert conf.section("logging").values["syslog_facility"] == "local0"
    again = CliRunner().invoke(main, ["-c", str(EXAMPLES / "ha.cf"), "-k", str(authkeys), "-o", str(out)])
    assert again.exit_code == 1 and "--force" in again.stderr


def test_command_with_bad_authkeys_writes_nothing(tmp_path: Path) -> None:
    authkeys = tmp_path / "authkeys"
    authkeys.write_text("auth 1\n1 sha1 secret\n")
    authkeys.chmod(0o644)
    out = tmp_path / "out"
    out.mkdir()
    result = CliRunner().invoke(main, ["-c", str(EXAMPLES / "ha.cf"), "-k", str(authkeys), "-o", str(out)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{authkeys}: error: permissions 0644")
    assert list(out.iterdir()) == []


def test_haresources2cib_can_write_corosync_too(tmp_path: Path) -> None:
    out = tmp_path / "corosync"
    out.mkdir()
    result = CliRunner().invoke(h2c_main, ["--stdout", "-c", str(EXAMPLES / "ha.cf"), "--corosync-out", str(out),
                                           "--cluster-name", "demo", str(EXAMPLES / "haresources")])
    assert result.exit_code == 0, result.stderr
    assert 'name="cluster-name" value="demo"' in result.stdout
    assert parse_corosync_conf((out / "corosync.conf").read_text()).section("totem").values["cluster_name"] == "demo"
    assert (out / "authkey").stat().st_mode & 0o777 == 0o400


@pytest.mark.parametrize(
    "text",
    ["totem { version: 2\n}\n", "totem {\n", "}\n", "totem {\n version 2\n}\n", "totem {\n a: 1\n a: 2\n}\n"],
)
def test_parser_rejects_what_corosync_rejects(text: str) -> None:
    with pytest.raises(CorosyncParseError):
        parse_corosync_conf(text)


@pytest.mark.oracle
@pytest.mark.parametrize("case", [*HACF_CASES, "examples"])
def test_corosync_accepts_the_generated_config(case: str, tmp_path: Path) -> None:
    corosync = shutil.which("corosync") or shutil.which("corosync", path="/usr/sbin")
    if corosync is None:
        pytest.skip("corosync is not installed")
    text = (EXAMPLES / "ha.cf" if case == "examples" else REFERENCE / case / "ha.cf").read_text()
    nodes = parse_hacf(text).nodes
    key = tmp_path / "authkey"
    # One node must be local for `corosync -t`: give the nodes loopback addresses.
    result = corosync_conf(
        text, None, keyfile=str(key), addresses={n: (f"127.0.0.{i}",) for i, n in enumerate(nodes, 1)}
    )
    key.write_bytes(result.key)
    key.chmod(0o400)
    conf = tmp_path / "corosync.conf"
    conf.write_text(result.text)
    done = subprocess.run([corosync, "-t", "-c", str(conf)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stdout + done.stderr
