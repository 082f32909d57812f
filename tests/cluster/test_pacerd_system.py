"""System mode: pacerd finds its node in corosync.conf."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import pytest

from crm.cluster.node import NodeConfig
from crm.migrate import corosync_conf
from crm.pacerd import daemon, system
from crm.pacerd.system import SystemConfigError, find_local_node, parse_corosync_conf

CONF = """\
# a comment
totem {
    version: 2
    cluster_name: web
    transport: knet
}

nodelist {
    node {
        ring0_addr: 192.168.56.11
        ring1_addr: 10.0.0.11
        name: alpha
        nodeid: 1
    }
    node {
        ring0_addr: beta.example.org
        name: beta
        nodeid: 7
    }
}

quorum {
    provider: corosync_votequorum
    two_node: 1
}
"""


def test_parse_nodelist_and_quorum() -> None:
    conf = parse_corosync_conf(CONF)
    assert conf.cluster_name == "web"
    assert [(n.nodeid, n.name, n.addresses) for n in conf.nodes] == [
        (1, "alpha", ("192.168.56.11", "10.0.0.11")),
        (7, "beta", ("beta.example.org",)),
    ]
    assert conf.two_node and conf.expected_votes is None


def test_parse_what_hacf2corosync_writes() -> None:
    hacf = "node alpha beta\nbcast eth0\nkeepalive 1\ndeadtime 10\n"
    result = corosync_conf(hacf, addresses={"alpha": ["192.168.1.1"], "beta": ["192.168.1.2"]})
    conf = parse_corosync_conf(result.text)
    assert sorted(n.name for n in conf.nodes) == ["alpha", "beta"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("totem {\n version: 2\n}\n", "no nodelist"),
        ("nodelist {\n node {\n ring0_addr: a\n }\n}\n", "no valid nodeid"),
        ("nodelist {\n node {\n nodeid: 1\n }\n node {\n nodeid: 1\n }\n}\n", "repeats a nodeid"),
        ("nodelist {\n node {\n nodeid: 1\n }\n", "not closed"),
        ("}\n", "without a section"),
        ("nodelist { node {\n", "cannot read"),
    ],
)
def test_bad_configurations_say_why(text: str, message: str) -> None:
    with pytest.raises(SystemConfigError, match=message):
        parse_corosync_conf(text)


def test_find_by_nodeid_then_address_then_hostname() -> None:
    conf = parse_corosync_conf(CONF)
    assert find_local_node(conf, nodeid=7).name == "beta"
    with pytest.raises(SystemConfigError, match="node 3"):
        find_local_node(conf, nodeid=3)
    assert find_local_node(conf, addresses=["127.0.0.1", "10.0.0.11"], resolve=lambda a: {a}).name == "alpha"
    resolved = {"beta.example.org": {"192.0.2.7"}}
    assert find_local_node(conf, addresses=["192.0.2.7"], resolve=lambda a: resolved.get(a, {a})).name == "beta"
    assert find_local_node(conf, hostname="beta.example.org", resolve=lambda a: set()).name == "beta"
    with pytest.raises(SystemConfigError, match="not in the nodelist"):
        find_local_node(conf, addresses=["127.0.0.1"], hostname="gamma", resolve=lambda a: {a})


def test_local_addresses_include_loopback() -> None:
    assert "127.0.0.1" in system.local_addresses()


def test_system_mode_writes_node_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    conf = tmp_path / "corosync.conf"
    conf.write_text(CONF.replace("192.168.56.11", "127.0.0.1"))
    monkeypatch.setattr(system, "corosync_nodeid", lambda: None)
    args = argparse.Namespace(run_dir=tmp_path / "run", state_dir=tmp_path / "state", corosync_conf=conf)
    config, built = daemon._load_config(args)
    assert built
    assert (config.name, config.nodeid, config.transport, config.expected_votes) == ("alpha", 1, "corosync", 2)
    assert NodeConfig.load(tmp_path / "run") == config
    # the next start uses node.json as it is
    config2, built2 = daemon._load_config(args)
    assert config2 == config and not built2


def test_pacerd_without_configuration_exits_with_config_error(tmp_path: Path) -> None:
    rc = daemon.main(["--run-dir", str(tmp_path / "run"), "--corosync-conf", str(tmp_path / "missing.conf")])
    assert rc == daemon.EXIT_CONFIG


def test_system_mode_waits_for_corosync_then_gives_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if daemon.wait_for_corosync(0):
        pytest.skip("a corosync runs in this network namespace")
    conf = tmp_path / "corosync.conf"
    conf.write_text(CONF.replace("192.168.56.11", "127.0.0.1"))
    run_dir = tmp_path / "run"
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        rc = daemon.main(
            ["--run-dir", str(run_dir), "--state-dir", str(tmp_path / "state"), "--corosync-conf", str(conf),
             "--corosync-wait", "0.2", "--child", "x=sleep 100"]
        )
    finally:
        for handler in root.handlers:
            if handler not in handlers:
                handler.close()
        root.handlers[:] = handlers
        root.setLevel(level)
    assert rc == daemon.EXIT_UNAVAILABLE
    assert not (run_dir / "node.json").exists() and not (run_dir / "pacerd.pid").exists()
    assert "corosync is not running" in (tmp_path / "state" / "log" / "pacerd.log").read_text()
