"""rc normalisation per agent class, as Pacemaker's executor does it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from lrmd.codes import (
    AgentClass,
    OcfRc,
    class_action,
    heartbeat_to_ocf,
    lsb_to_ocf,
    normalise_rc,
    ocf_to_ocf,
)

VALID_OCF = {*range(10), 190, 191}


@given(st.integers(min_value=-300, max_value=300))
def test_ocf_normalisation_keeps_known_codes_and_maps_the_rest_to_error(rc: int) -> None:
    mapped = ocf_to_ocf(rc)
    assert mapped in VALID_OCF
    assert mapped == (rc if rc in VALID_OCF else 1)


@given(st.integers(min_value=0, max_value=255))
def test_lsb_non_status_actions_pass_0_to_7(rc: int) -> None:
    for action in ("start", "stop", "restart", "reload"):
        assert lsb_to_ocf(action, rc) == (rc if rc <= 7 else 1)


def test_lsb_status_mapping() -> None:
    table = {0: 0, 1: 7, 2: 7, 3: 7, 4: 1, 5: 1, 150: 5, 151: 4, 200: 1}
    for raw, expected in table.items():
        assert lsb_to_ocf("status", raw) == expected
        assert lsb_to_ocf("monitor", raw) == expected


def test_heartbeat_status_is_judged_from_stdout() -> None:
    assert heartbeat_to_ocf("status", 0, "INFO:  Running OK\n") == OcfRc.OK
    assert heartbeat_to_ocf("status", 7, "INFO:  Resource is stopped\n") == OcfRc.NOT_RUNNING
    assert heartbeat_to_ocf("status", 0, "apache is not running\n") == OcfRc.NOT_RUNNING
    assert heartbeat_to_ocf("status", 3, "all OK\n") == OcfRc.OK
    assert heartbeat_to_ocf("status", 0, "") == OcfRc.NOT_RUNNING
    assert heartbeat_to_ocf("status", 0, "something odd\n") == OcfRc.NOT_RUNNING
    # "OK" is case-sensitive, "running" is not.
    assert heartbeat_to_ocf("status", 0, "ok\n") == OcfRc.NOT_RUNNING
    assert heartbeat_to_ocf("monitor", 0, "RUNNING\n") == OcfRc.OK
    # Non-status actions use the LSB mapping.
    assert heartbeat_to_ocf("start", 0, "") == OcfRc.OK
    assert heartbeat_to_ocf("start", 42, "running") == OcfRc.ERR_GENERIC


def test_monitor_is_status_for_lsb_and_heartbeat_only() -> None:
    assert class_action(AgentClass.LSB, "monitor") == "status"
    assert class_action(AgentClass.HEARTBEAT, "monitor") == "status"
    assert class_action(AgentClass.OCF, "monitor") == "monitor"
    assert class_action(AgentClass.LSB, "start") == "start"
    assert normalise_rc("lsb", "monitor", 3) == OcfRc.NOT_RUNNING
    assert normalise_rc("ocf", "monitor", 3) == OcfRc.ERR_UNIMPLEMENTED


@given(st.dictionaries(st.integers(min_value=1, max_value=30).map(str), st.text(max_size=5), max_size=8))
def test_heartbeat_positional_arguments_follow_numeric_order(params: dict[str, str]) -> None:
    from lrmd.environment import heartbeat_args

    mixed = {**params, "name": "ignored", "CRM_meta_timeout": "1000"}
    assert heartbeat_args(mixed) == [params[k] for k in sorted(params, key=int)]
