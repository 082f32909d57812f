"""Status-section edits: history entries, fail counts, node changes, operation keys."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from crm.transition.history import (
    HistoryError,
    NodeChange,
    OpResult,
    change_node,
    count_failure,
    ensure_node,
    ensure_resource_history,
    fence_node,
    next_call_id,
    parse_op_key,
    record_op,
    set_transient_attr,
)


def _cib() -> etree._Element:
    return etree.fromstring(
        '<cib><configuration><nodes><node id="1" uname="n1"/></nodes><resources/></configuration>'
        '<status><node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member"/>'
        "</status></cib>"
    )


def _entry(cib: etree._Element) -> etree._Element:
    return ensure_resource_history(ensure_node(cib, "n1"), "r", "r", "ocf", "Dummy", "pacemaker")


def test_success_is_recorded_as_last_and_recurring_under_its_key() -> None:
    cib = _cib()
    entry = _entry(cib)
    record_op(entry, OpResult("r", "start", 0, 0, call_id=next_call_id(entry)), 0)
    record_op(entry, OpResult("r", "monitor", 10000, 0, call_id=next_call_id(entry)), 0)
    ids = [op.get("id") for op in entry]
    assert ids == ["r_last_0", "r_monitor_10000"]
    start = entry[0]
    assert start.get("operation_key") == "r_start_0" and start.get("call-id") == "1"
    assert start.get("transition-magic") == "0:0;" + start.get("transition-key", "")
    assert entry[1].get("call-id") == "2"


def test_failure_writes_last_failure_and_last() -> None:
    cib = _cib()
    entry = _entry(cib)
    record_op(entry, OpResult("r", "stop", 0, 1, call_id=1, exit_reason="boom"), 0)
    ids = sorted(str(op.get("id")) for op in entry)
    assert ids == ["r_last_0", "r_last_failure_0"]
    assert all(op.get("rc-code") == "1" and op.get("exit-reason") == "boom" for op in entry)


def test_notify_entries_are_named_after_the_notification() -> None:
    cib = _cib()
    entry = _entry(cib)
    params = {"CRM_meta_notify_type": "pre", "CRM_meta_notify_operation": "start"}
    op = record_op(entry, OpResult("r", "notify", 0, 0, call_id=1, params=params), 0)
    assert op.get("id") == "r_pre_notify_start_0"


def test_fail_count_increments_and_probes_that_find_nothing_do_not_count() -> None:
    state = ensure_node(_cib(), "n1")
    assert count_failure(state, "r", "monitor", 0, 7, 100) == []
    for expected in ("1", "2"):
        count_failure(state, "r", "monitor", 10000, 1, 100)
        pairs = {nv.get("name"): nv.get("value") for nv in state.iter("nvpair")}
        assert pairs["fail-count-r#monitor_10000"] == expected
        assert pairs["last-failure-r#monitor_10000"] == "100"


def test_value_plus_plus_saturates_at_infinity() -> None:
    state = ensure_node(_cib(), "n1")
    set_transient_attr(state, "fail-count-r", "INFINITY")
    set_transient_attr(state, "fail-count-r", "value++")
    assert next(state.iter("nvpair")).get("value") == "INFINITY"


def test_node_changes_and_fencing() -> None:
    cib = _cib()
    state = change_node(cib, "n2", NodeChange.UP)
    assert (state.get("in_ccm"), state.get("crmd"), state.get("join")) == ("true", "online", "member")
    assert cib.find("configuration/nodes/node[@uname='n2']") is not None
    _entry(cib)
    fence_node(cib, "n1", "reboot")
    n1 = cib.find("status/node_state[@uname='n1']")
    assert n1 is not None and n1.find("lrm") is None
    assert (n1.get("in_ccm"), n1.get("crmd"), n1.get("expected")) == ("false", "offline", "down")
    failed = change_node(cib, "n2", NodeChange.FAIL)
    assert (failed.get("in_ccm"), failed.get("crmd")) == ("false", "online")


def test_result_entries_need_an_agent() -> None:
    state = ensure_node(_cib(), "n1")
    with pytest.raises(HistoryError, match="class and type"):
        ensure_resource_history(state, "x", "x", None, None, None)
    with pytest.raises(HistoryError, match="invalid class"):
        ensure_resource_history(state, "x", "x", "bogus", "t", None)


def test_results_do_not_configure_nodes_unless_asked() -> None:
    cib = _cib()
    ensure_node(cib, "guest-1", configure=False)
    assert cib.find("configuration/nodes/node[@uname='guest-1']") is None
    assert cib.find("status/node_state[@uname='guest-1']") is not None


@given(
    st.from_regex(r"[a-z][a-z0-9_:-]{0,12}", fullmatch=True),
    st.sampled_from(["start", "stop", "monitor", "promote", "migrate_to", "migrate_from", "notify"]),
    st.integers(0, 10**7),
)
def test_operation_keys_round_trip(rsc: str, task: str, interval: int) -> None:
    assert parse_op_key(f"{rsc}_{task}_{interval}") == (rsc, task, interval)
