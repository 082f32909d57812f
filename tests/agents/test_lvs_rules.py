"""The IPVS table the director wants and the ipvsadm commands that get there (agents/lib/lvs_rules.py).

Command sequences are played on tests/agents/ipvsadm_model.py, a model of ipvsadm and the
kernel table that fails where ipvsadm fails; the VM tests check the same tables on real IPVS.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import sys
from pathlib import Path
from types import ModuleType

from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "agents" / "lib"))
from lvs_config import Config, RealServer, Virtual
from lvs_rules import (
    Destination,
    Service,
    commands,
    desired_service,
    desired_table,
    health_key,
    parse_saved,
    real_key,
    removal_commands,
)


def load_model() -> ModuleType:
    spec = importlib.util.spec_from_file_location("pacer_ipvsadm_model", Path(__file__).with_name("ipvsadm_model.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MODEL = load_model()

# recorded from ipvsadm 1.31 on Debian 12's 6.1 kernel (a guest of the VM tests)
REAL_SAVE = """\
-A -t 10.99.0.100:80 -s rr
-a -t 10.99.0.100:80 -r 10.99.0.2:80 -m -w 1
-a -t 10.99.0.100:80 -r 10.99.0.12:80 -m -w 1
-A -t 10.99.0.100:443 -s wrr -p 300 -M 255.255.255.0
-a -t 10.99.0.100:443 -r 10.99.0.2:443 -g -w 3
-a -t 10.99.0.100:443 -r 10.99.0.12:443 -i -w 0 --tun-type ipip
-A -t 10.99.0.100:444 -s wrr -p 360
-A -f 5 -s rr
-a -f 5 -r 10.99.0.2:0 -g -w 1
"""


def test_reads_what_ipvsadm_saves() -> None:
    table = parse_saved(REAL_SAVE)
    assert table == {
        "-t 10.99.0.100:80": Service("rr", None, None, {"10.99.0.2:80": Destination("masq", 1),
                                                         "10.99.0.12:80": Destination("masq", 1)}),
        "-t 10.99.0.100:443": Service("wrr", 300, "255.255.255.0", {"10.99.0.2:443": Destination("gate", 3),
                                                                     "10.99.0.12:443": Destination("ipip", 0)}),
        "-t 10.99.0.100:444": Service("wrr", 360, None, {}),
        "-f 5": Service("rr", None, None, {"10.99.0.2:0": Destination("gate", 1)}),
    }


def virtual(reals: tuple[RealServer, ...], **kw: object) -> Virtual:
    return Virtual("tcp", "10.0.0.100", 80, reals, **kw)  # type: ignore[arg-type]


A = RealServer("10.0.0.1", 80, "masq", 2)
B = RealServer("10.0.0.2", 8080, "gate", 1)
FALLBACK = RealServer("127.0.0.1", 80, "gate", 1)


def test_down_servers_leave_or_stay_with_weight_zero() -> None:
    v = virtual((A, B), quiescent=False, checktype="connect")
    up = {health_key(v, A): True, health_key(v, B): False}
    assert desired_service(v, up).reals == {"10.0.0.1:80": Destination("masq", 2)}
    q = virtual((A, B), quiescent=True, checktype="connect")
    assert desired_service(q, up).reals == {"10.0.0.1:80": Destination("masq", 2),
                                            "10.0.0.2:80": Destination("gate", 0)}  # gate: the service's port


def test_fallback_only_while_nothing_can_serve() -> None:
    v = virtual((A, B), quiescent=True, fallback=FALLBACK, checktype="connect")
    down = {health_key(v, A): False, health_key(v, B): False}
    assert desired_service(v, down).reals["127.0.0.1:80"] == Destination("gate", 1)
    one_up = {**down, health_key(v, B): True}
    assert "127.0.0.1:80" not in desired_service(v, one_up).reals
    zero = virtual((RealServer("10.0.0.1", 80, "masq", 0),), fallback=FALLBACK, checktype="on")
    assert "127.0.0.1:80" in desired_service(zero, {}).reals  # weight 0 serves nobody


def test_checktype_on_and_off() -> None:
    assert set(desired_service(virtual((A, B), checktype="on"), {}).reals) == {"10.0.0.1:80", "10.0.0.2:80"}
    off = virtual((A, B), checktype="off", quiescent=False, fallback=FALLBACK)
    assert desired_service(off, {}).reals == {}


ipv4 = st.integers(min_value=0x0A000001, max_value=0x0A0000FE).map(lambda n: str(ipaddress.IPv4Address(n)))
real_servers = st.builds(RealServer, ipv4, st.one_of(st.none(), st.integers(1, 65535)),
                         st.sampled_from(["gate", "masq", "ipip"]), st.integers(0, 65535))
virtuals = st.builds(
    Virtual,
    st.sampled_from(["tcp", "udp"]), ipv4, st.integers(1, 65535),
    st.lists(real_servers, max_size=5, unique_by=lambda r: (r.address, r.port if r.forwarding == "masq" else None)
             ).map(tuple),
    scheduler=st.sampled_from(["rr", "wrr", "lc", "sh"]),
    persistent=st.one_of(st.none(), st.integers(1, 3600)),
    fallback=st.one_of(st.none(), real_servers),
    checktype=st.sampled_from(["connect", "on", "off", "negotiate"]),
    quiescent=st.booleans(),
)


@st.composite
def situations(draw: st.DrawFn) -> tuple[Config, dict[str, bool], dict[str, Service], set[str]]:
    vs = draw(st.lists(virtuals, min_size=1, max_size=4, unique_by=lambda v: v.key))
    config = Config(tuple(vs))
    keys = [health_key(v, r) for v in vs for r in v.reals]
    up = {k: draw(st.booleans()) for k in keys}
    # the kernel's table before: some of ours in any state, and services that are not ours
    current: dict[str, Service] = {}
    for v in vs:
        if draw(st.booleans()):
            reals = {real_key(v, r): Destination(r.forwarding, draw(st.integers(0, 9)))
                     for r in v.reals if draw(st.booleans())}
            current[v.key] = Service(draw(st.sampled_from(["rr", "wlc"])), None, None, reals)
    foreign = {f"-t 192.168.0.{n}:80": Service("wlc", None, None, {"192.168.1.1:80": Destination("masq", 1)})
               for n in range(draw(st.integers(0, 2)))}
    current.update(foreign)
    gone = {f"-u 172.16.0.{n}:53" for n in range(draw(st.integers(0, 2)))}  # owned before, no longer configured
    for key in gone:
        current[key] = Service("rr", None, None, {})
    return config, up, current, gone


@settings(max_examples=300, deadline=None)
@given(situations())
def test_commands_reach_the_desired_table_and_touch_nothing_else(case: tuple) -> None:  # type: ignore[type-arg]
    config, up, current, gone = case
    desired = desired_table(config, up)
    table = dict(current)
    for argv in commands(current, desired, owned=gone):
        table = MODEL.apply(table, argv)  # raises where ipvsadm would fail
    ours = {v.key for v in config.virtuals}
    assert {k: table[k] for k in ours} == desired
    assert {k: v for k, v in table.items() if k not in ours} == {k: v for k, v in current.items()
                                                                  if k not in ours and k not in gone}
    assert commands(table, desired, owned=gone) == []  # nothing left to do
    assert parse_saved(MODEL.saved_text(table)) == table


@settings(max_examples=100, deadline=None)
@given(situations())
def test_removal_deletes_exactly_the_listed_services(case: tuple) -> None:  # type: ignore[type-arg]
    config, _, current, _ = case
    keys = {v.key for v in config.virtuals}
    table = dict(current)
    for argv in removal_commands(current, keys):
        table = MODEL.apply(table, argv)
    assert table == {k: v for k, v in current.items() if k not in keys}
