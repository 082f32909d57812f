"""lrm_rsc_op records: ids, every field, fake transition keys, special cases."""

from __future__ import annotations

from dataclasses import replace

from lrmd.codes import ExecStatus
from lrmd.history import (
    FAKE_TE_ID,
    HistoryContext,
    history_ids,
    lrm_resource_element,
    lrm_rsc_op_attrs,
    record_result,
)
from lrmd.metadata import parse_metadata
from lrmd.operation import OpResult

BASE = OpResult(
    rsc_id="web",
    action="start",
    interval_ms=0,
    call_id=12,
    rc=0,
    op_status=0,
    exit_reason="",
    t_run=1700000000.7,
    t_rcchange=1700000000.7,
    exec_time_ms=31,
    queue_time_ms=2,
    params={"configfile": "/etc/apache2/apache2.conf", "CRM_meta_timeout": "40000"},
    target_rc=0,
    agent_class="ocf",
    provider="heartbeat",
    agent_type="apache",
)
META = parse_metadata(
    """<resource-agent name="apache"><version>1.0</version><parameters>
    <parameter name="configfile" unique="1"/><parameter name="user"/><parameter name="port"/></parameters>
    <actions><action name="start"/><action name="reload"/></actions></resource-agent>"""
)
CTX = HistoryContext(node="node1", metadata=META)
FIELDS = [
    "id", "operation_key", "operation", "crm-debug-origin", "crm_feature_set", "transition-key",
    "transition-magic", "exit-reason", "on_node", "call-id", "rc-code", "op-status", "interval",
    "last-rc-change", "exec-time", "queue-time", "op-digest",
]


def test_successful_start_has_every_field() -> None:
    attrs = lrm_rsc_op_attrs(BASE, "web_last_0", CTX)
    assert list(attrs)[: len(FIELDS)] == FIELDS
    assert attrs["operation_key"] == "web_start_0"
    assert attrs["transition-key"] == f"12:-1:0:{FAKE_TE_ID}"
    assert attrs["transition-magic"] == f"0:0;12:-1:0:{FAKE_TE_ID}"
    assert attrs["last-rc-change"] == "1700000000"
    assert (attrs["exec-time"], attrs["queue-time"], attrs["call-id"]) == ("31", "2", "12")
    assert attrs["op-force-restart"] == "  configfile  "
    assert attrs["op-secure-params"] == "  user  "
    assert len(attrs["op-digest"]) == 32 and attrs["exit-reason"] == ""


def test_history_ids() -> None:
    assert history_ids(BASE) == ["web_last_0"]
    failed = replace(BASE, rc=1, exit_reason="boom")
    assert history_ids(failed) == ["web_last_failure_0", "web_last_0"]
    assert lrm_rsc_op_attrs(failed, "web_last_failure_0", CTX)["exit-reason"] == "boom"
    monitor = replace(BASE, action="monitor", interval_ms=10000)
    assert history_ids(monitor) == ["web_monitor_10000"]
    assert history_ids(replace(monitor, rc=7)) == ["web_last_failure_0"]
    probe = replace(BASE, action="monitor", rc=7, target_rc=7)
    assert history_ids(probe) == ["web_last_0"]
    assert history_ids(replace(BASE, op_status=int(ExecStatus.TIMEOUT), rc=1)) == ["web_last_failure_0", "web_last_0"]
    migrate = replace(BASE, action="migrate_to", params={"CRM_meta_migrate_source": "a", "CRM_meta_migrate_target": "b"})
    assert history_ids(migrate) == ["web_migrate_to_0"]
    attrs = lrm_rsc_op_attrs(migrate, "web_migrate_to_0", CTX)
    assert (attrs["migrate_source"], attrs["migrate_target"]) == ("a", "b")


def test_notify_is_recorded_as_success_and_reload_as_start() -> None:
    notify = replace(
        BASE, action="notify", rc=1, params={"CRM_meta_notify_type": "post", "CRM_meta_notify_operation": "start"}
    )
    assert history_ids(notify) == ["web_post_notify_start_0"]
    attrs = lrm_rsc_op_attrs(notify, "web_post_notify_start_0", CTX)
    assert attrs["rc-code"] == "0" and attrs["op-status"] == "0"
    reload_ok = replace(BASE, action="reload")
    assert lrm_rsc_op_attrs(reload_ok, "web_last_0", CTX)["operation"] == "start"
    reload_bad = replace(BASE, action="reload", op_status=int(ExecStatus.ERROR), rc=1)
    assert lrm_rsc_op_attrs(reload_bad, "web_last_0", CTX)["operation"] == "monitor"


def test_transition_key_from_the_controller_and_rc_change() -> None:
    key = "3:7:8:0f0e0d0c-aaaa-bbbb-cccc-000000000000"
    monitor = replace(BASE, action="monitor", interval_ms=5000, rc=8, target_rc=8, transition_key=key, t_rcchange=1600000000.0)
    attrs = lrm_rsc_op_attrs(monitor, "web_monitor_5000", CTX)
    assert attrs["transition-key"] == key and attrs["transition-magic"] == f"0:8;{key}"
    assert attrs["last-rc-change"] == "1600000000"
    assert "op-force-restart" not in attrs  # recurring ops carry no restart digest


def test_history_table_and_resource_element() -> None:
    table: dict[str, OpResult] = {}
    monitor = replace(BASE, action="monitor", interval_ms=10000, call_id=13)
    record_result(table, BASE)
    record_result(table, monitor)
    assert set(table) == {"web_last_0", "web_monitor_10000"}
    record_result(table, replace(monitor, op_status=int(ExecStatus.CANCELLED)))
    assert set(table) == {"web_last_0"}
    record_result(table, replace(BASE, action="stop", call_id=20))
    element = lrm_resource_element("web", "ocf", "heartbeat", "apache", table.items(), CTX)
    assert element.get("id") == "web" and element.get("provider") == "heartbeat"
    ops = element.findall("lrm_rsc_op")
    assert [op.get("operation") for op in ops] == ["stop"]
