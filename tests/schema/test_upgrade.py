"""Upgrade of legacy (Heartbeat 2 / pacemaker-0.6) and pacemaker-1.x/2.x CIBs."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from crm.cib.schema import CURRENT_SCHEMA, validate
from crm.cib.upgrade import upgrade

HERE = Path(__file__).resolve().parent
LEGACY = sorted((HERE / "data" / "haresources2cib").glob("*.xml"))
CONFORMANCE = HERE.parent / "conformance" / "data" / "xml"
CIBADMIN = Path("/usr/sbin/cibadmin")


def canonical(doc: etree._Element | etree._ElementTree) -> bytes:
    return etree.tostring(doc, method="c14n")


def legacy_doc(configuration: str) -> etree._Element:
    return etree.fromstring(f"<cib><configuration>{configuration}</configuration><status/></cib>".encode())


def one(root: etree._Element, xpath: str) -> etree._Element:
    found = root.xpath(xpath)
    assert isinstance(found, list) and len(found) == 1, (xpath, found)
    element = found[0]
    assert isinstance(element, etree._Element)
    return element


def meta(root: etree._Element, rid: str) -> dict[str, str]:
    return {
        str(nv.get("name")): str(nv.get("value"))
        for nv in root.xpath(f"//*[@id='{rid}']/meta_attributes/nvpair")
        if isinstance(nv, etree._Element)
    }


@pytest.mark.parametrize("path", LEGACY, ids=lambda p: p.name)
def test_haresources2cib_output_upgrades_to_current(path: Path) -> None:
    tree = etree.parse(str(path))
    before = canonical(tree)
    upgraded = upgrade(tree)
    assert canonical(tree) == before
    root = upgraded.getroot()
    assert root.get("validate-with") == CURRENT_SCHEMA
    assert not root.xpath("//attributes|//master_slave|//*[@from]|//*[@to]")
    names = [str(n) for n in root.xpath("//cluster_property_set/nvpair/@name")]
    assert names and not [n for n in names if "_" in n]
    errors = validate(upgraded)
    text = path.read_text()
    if 'class="UNKNOWN"' in text or 'id="#' in text:
        # what haresources2cib could not translate stays wrong, and is reported
        assert errors and all(e.element == "primitive" or e.line is None or e.path != "/" for e in errors)
    else:
        assert errors == []


def test_extension_case_semantics() -> None:
    root = upgrade(
        etree.parse(
            str(HERE / "data" / "haresources2cib" / "g_extensions_ids_order_colo_clone.pcmk100.xml")
        ).getroot()
    )
    order = one(root, "//rsc_order")
    # "#rsc_order web start after db": web starts after db
    assert (order.get("first"), order.get("then")) == ("db", "web")
    assert (order.get("first-action"), order.get("then-action")) == ("start", "start")
    colocation = one(root, "//rsc_colocation")
    assert (colocation.get("rsc"), colocation.get("with-rsc"), colocation.get("score")) == (
        "web",
        "db",
        "-INFINITY",
    )
    assert meta(root, "dummyclone") == {"clone-max": "2", "clone-node-max": "1"}
    assert one(root, "//primitive[@id='httpd_2']").get("provider") is None
    defaults = {
        str(n.get("name")): str(n.get("value"))
        for n in root.iterfind("configuration/rsc_defaults/meta_attributes/nvpair")
    }
    assert defaults == {"resource-stickiness": "0", "is-managed": "true"}
    assert one(root, "//op_defaults/meta_attributes/nvpair").get("name") == "timeout"
    assert root.get("admin_epoch") == "1" and root.get("epoch") == "0"
    assert len(one(root, "/cib/status")) == 0


def test_stonith_prereq_becomes_requires() -> None:
    root = upgrade(
        etree.parse(str(HERE / "data" / "haresources2cib" / "h_stonith_hosts.pcmk100.xml")).getroot()
    )
    stonith = [p for p in root.iter("primitive") if p.get("class") == "stonith"]
    assert stonith
    for primitive in stonith:
        assert meta(root, str(primitive.get("id"))).get("requires") == "nothing"
        assert not primitive.xpath(".//op[@prereq]")


def test_heartbeat_205_underscores() -> None:
    root = upgrade(etree.parse(str(HERE / "data" / "haresources2cib" / "a_litsha21.hb205.xml")).getroot())
    names = {str(n) for n in root.xpath("//cluster_property_set/nvpair/@name")}
    assert {"symmetric-cluster", "no-quorum-policy", "stonith-enabled"} <= names
    assert validate(root) == []


MASTER_SLAVE = """
<crm_config><cluster_property_set id="cib-bootstrap-options"><attributes>
  <nvpair id="o1" name="stonith_enabled" value="false"/>
</attributes></cluster_property_set></crm_config>
<nodes><node id="n1-uuid" uname="n1" type="normal"/></nodes>
<resources>
  <master_slave id="ms_drbd" notify="true">
    <instance_attributes id="ms_drbd_ia"><attributes>
      <nvpair id="ms1" name="master_max" value="1"/>
      <nvpair id="ms2" name="clone_max" value="2"/>
    </attributes></instance_attributes>
    <primitive id="drbd0" class="ocf" provider="heartbeat" type="drbd" is_managed="true">
      <operations>
        <op id="drbd0_mon" name="monitor" interval="10s" role="master" on_fail="restart" disabled="true"/>
        <op id="drbd0_start" name="start" timeout="240s" start_delay="5s"/>
      </operations>
      <instance_attributes id="drbd0_ia"><attributes>
        <nvpair id="d1" name="drbd_resource" value="r0"/>
      </attributes></instance_attributes>
    </primitive>
  </master_slave>
  <primitive id="fs0" class="ocf" provider="heartbeat" type="Filesystem"/>
</resources>
<constraints>
  <rsc_order id="o_before" from="ms_drbd" action="promote" to="fs0" to_action="start" type="before"/>
  <rsc_colocation id="c_fs" from="fs0" to="ms_drbd" to_role="master" score="INFINITY"/>
  <rsc_location id="l_fs" rsc="fs0"><rule id="r1" score="100" boolean_op="and">
    <expression id="e1" attribute="#uname" operation="eq" value="n1"/></rule></rsc_location>
</constraints>
"""


def test_master_slave_document() -> None:
    source = legacy_doc(MASTER_SLAVE)
    assert validate(source) == []
    root = upgrade(source)
    assert validate(root) == [], validate(root)
    clone = one(root, "//clone[@id='ms_drbd']")
    assert meta(root, "ms_drbd") == {
        "promotable": "true",
        "promoted-max": "1",
        "clone-max": "2",
        "notify": "true",
    }
    assert clone.find("instance_attributes") is None
    assert meta(root, "drbd0") == {"is-managed": "true"}
    monitor, start = one(root, "//op[@id='drbd0_mon']"), one(root, "//op[@id='drbd0_start']")
    assert (monitor.get("role"), monitor.get("on-fail"), monitor.get("enabled")) == (
        "Master",
        "restart",
        "false",
    )
    assert (start.get("interval"), start.get("start-delay")) == ("0", "5s")
    order = one(root, "//rsc_order")
    assert (order.get("first"), order.get("first-action"), order.get("then"), order.get("then-action")) == (
        "ms_drbd",
        "promote",
        "fs0",
        "start",
    )
    colocation = one(root, "//rsc_colocation")
    assert (colocation.get("rsc"), colocation.get("with-rsc"), colocation.get("with-rsc-role")) == (
        "fs0",
        "ms_drbd",
        "Master",
    )
    assert one(root, "//rule").get("boolean-op") == "and"
    assert one(root, "//node").get("type") == "member"
    assert one(root, "//cluster_property_set/nvpair").get("name") == "stonith-enabled"


RESOURCES = "<resources><primitive id='a' class='ocf' provider='heartbeat' type='Dummy'/><primitive id='b' class='ocf' provider='heartbeat' type='Dummy'/></resources>"
ACTIONS = st.sampled_from([None, "start", "stop", "promote", "demote"])


def order_doc(
    source: str, target: str, kind: str | None, action: str | None, to_action: str | None
) -> etree._Element:
    attributes = f'id="o" from="{source}" to="{target}"'
    for name, value in (("type", kind), ("action", action), ("to_action", to_action)):
        if value is not None:
            attributes += f' {name}="{value}"'
    return legacy_doc(f"<crm_config/><nodes/>{RESOURCES}<constraints><rsc_order {attributes}/></constraints>")


def upgraded_order(doc: etree._Element) -> tuple[str | None, ...]:
    order = one(upgrade(doc), "//rsc_order")
    return tuple(order.get(name) for name in ("first", "first-action", "then", "then-action"))


@settings(deadline=None, max_examples=50)
@given(st.sampled_from([None, "after"]), ACTIONS, ACTIONS)
def test_after_is_before_reversed(kind: str | None, action: str | None, to_action: str | None) -> None:
    """'a after b' orders the same actions as 'b before a', with the actions swapped
    (Heartbeat's defaults: action is start, to_action is the same as action)."""
    effective_action = action or "start"
    effective_to_action = to_action or effective_action
    after = upgraded_order(order_doc("a", "b", kind, action, to_action))
    before = upgraded_order(order_doc("b", "a", "before", effective_to_action, effective_action))
    assert after[0] == before[0] == "b"
    assert after[2] == before[2] == "a"
    assert after == before


@settings(deadline=None, max_examples=50)
@given(st.sampled_from(LEGACY))
def test_upgrade_is_idempotent(path: Path) -> None:
    once = upgrade(etree.parse(str(path)).getroot())
    assert canonical(upgrade(once)) == canonical(once)


OLD_INPUTS = sorted(
    p.name
    for p in CONFORMANCE.glob("*.xml")
    if 'validate-with="pacemaker-1.' in p.read_text()[:600]
    or 'validate-with="pacemaker-2.' in p.read_text()[:600]
)


def configuration_text(root: etree._Element) -> bytes:
    configuration = root.find("configuration")
    assert configuration is not None
    configuration = etree.fromstring(etree.tostring(configuration), etree.XMLParser(remove_blank_text=True))
    return etree.tostring(configuration, method="c14n")


def test_old_inputs_exist() -> None:
    assert len(OLD_INPUTS) >= 5


@pytest.mark.oracle
@pytest.mark.skipif(not CIBADMIN.is_file(), reason="Debian's cibadmin is not installed")
@pytest.mark.parametrize("name", OLD_INPUTS)
def test_same_upgrade_as_cibadmin(name: str, tmp_path: Path) -> None:
    copy = tmp_path / name
    shutil.copy(CONFORMANCE / name, copy)
    env = {**os.environ, "CIB_file": str(copy)}
    subprocess.run(
        [str(CIBADMIN), "--upgrade", "--force"], env=env, capture_output=True, check=True, timeout=60
    )
    queried = subprocess.run(
        [str(CIBADMIN), "-Q"], env=env, capture_output=True, check=True, timeout=60
    ).stdout
    theirs = etree.fromstring(queried)
    ours = upgrade(etree.parse(str(CONFORMANCE / name)).getroot())
    assert ours.get("validate-with") == theirs.get("validate-with")
    assert int(ours.get("admin_epoch", "0")) == int(theirs.get("admin_epoch", "0"))
    assert configuration_text(ours) == configuration_text(theirs)


OLD_OPTIONS = (
    '<nvpair id="o-drs" name="default-resource-stickiness" value="100"/>'
    '<nvpair id="o-nqp" name="no_quorum_policy" value="freeze"/>'
    '<nvpair id="o-dat" name="default-action-timeout" value="60s"/>'
    '<nvpair id="o-eqv" name="expected-quorum-votes" value="2"/>'
    '<nvpair id="o-imd" name="is-managed-default" value="false"/>'
)


def schema_1_3_document(tmp_path: Path) -> Path:
    """A pacemaker-1.3 conformance input with options and op attributes that 3.0 dropped."""
    text = (CONFORMANCE / "priority-fencing-delay.xml").read_text()
    text = text.replace(
        '<cluster_property_set id="cib-bootstrap-options">',
        '<cluster_property_set id="cib-bootstrap-options">' + OLD_OPTIONS,
        1,
    )
    old_op = '<op id="dlm-start-timeout-90" interval="0s" name="start" timeout="90"/>'
    assert old_op in text
    text = text.replace(old_op, old_op.replace("/>", ' requires="quorum"/>'))
    path = tmp_path / "old-options.xml"
    path.write_text(text)
    return path


def test_options_dropped_by_schema_3(tmp_path: Path) -> None:
    source = etree.parse(str(schema_1_3_document(tmp_path)))
    assert validate(source) == []
    root = upgrade(source).getroot()
    assert validate(root) == []
    names = [str(n) for n in root.xpath("//cluster_property_set/nvpair/@name")]
    assert "no_quorum_policy" not in names and "expected-quorum-votes" not in names
    assert names.count("no-quorum-policy") == 2
    rsc_defaults = one(root, "/cib/configuration/rsc_defaults/meta_attributes[@id='_2TO3_-rsc-defaults']")
    assert [(n.get("name"), n.get("value")) for n in rsc_defaults] == [
        ("resource-stickiness", "100"),
        ("is-managed", "false"),
    ]
    op_defaults = one(root, "/cib/configuration/op_defaults/meta_attributes[@id='_2TO3_-op-defaults']")
    assert [(n.get("name"), n.get("value")) for n in op_defaults] == [("timeout", "60s")]
    requires = one(root, "//primitive[@id='dlm']/meta_attributes[@id='_2TO3_dlm-meta']/nvpair")
    assert (requires.get("id"), requires.get("value")) == (
        "_2TO3_dlm-start-timeout-90-meta-requires",
        "quorum",
    )
    assert not root.xpath("//op[@requires]")


@pytest.mark.oracle
@pytest.mark.skipif(not CIBADMIN.is_file(), reason="Debian's cibadmin is not installed")
def test_options_dropped_by_schema_3_as_cibadmin(tmp_path: Path) -> None:
    path = schema_1_3_document(tmp_path)
    ours = upgrade(etree.parse(str(path)).getroot())
    env = {**os.environ, "CIB_file": str(path)}
    subprocess.run(
        [str(CIBADMIN), "--upgrade", "--force"], env=env, capture_output=True, check=True, timeout=60
    )
    theirs = etree.fromstring(
        subprocess.run([str(CIBADMIN), "-Q"], env=env, capture_output=True, check=True, timeout=60).stdout
    )
    assert configuration_text(ours) == configuration_text(theirs)


OLD_ACLS = (
    '<acls><acl_role id="admin"><write id="admin-w" xpath="/cib"/></acl_role>'
    '<acl_role id="ro"><read id="ro-r" tag="resources"/><deny id="ro-d" ref="dlm" attribute="target-role"/>'
    '<read id="ro-r2" tag="nvpair" ref="dlm"/></acl_role>'
    '<acl_user id="alice"><role_ref id="admin"/></acl_user>'
    '<acl_user id="bob"><read id="bob-r" xpath="//nodes"/></acl_user></acls>'
)


def schema_1_2_acls_document(tmp_path: Path) -> Path:
    text = (CONFORMANCE / "priority-fencing-delay.xml").read_text()
    text = text.replace("pacemaker-1.3", "pacemaker-1.2", 1).replace(
        "</constraints>", "</constraints>" + OLD_ACLS, 1
    )
    path = tmp_path / "old-acls.xml"
    path.write_text(text)
    return path


def test_old_acls(tmp_path: Path) -> None:
    source = etree.parse(str(schema_1_2_acls_document(tmp_path)))
    assert validate(source) == []
    root = upgrade(source).getroot()
    assert validate(root) == []
    assert not root.xpath("//acl_user|//role_ref|//acls//read|//acls//write|//acls//deny")
    assert [r.get("id") for r in root.iterfind("configuration/acls/acl_target/role")] == ["admin", "auto-bob"]
    permission = one(root, "//acl_permission[@id='ro-d']")
    assert (permission.get("kind"), permission.get("reference")) == ("deny", "dlm")
    assert one(root, "//acl_role[@id='auto-bob']/acl_permission").get("xpath") == "//nodes"


@pytest.mark.oracle
@pytest.mark.skipif(not CIBADMIN.is_file(), reason="Debian's cibadmin is not installed")
def test_old_acls_as_cibadmin(tmp_path: Path) -> None:
    path = schema_1_2_acls_document(tmp_path)
    ours = upgrade(etree.parse(str(path)).getroot())
    env = {**os.environ, "CIB_file": str(path)}
    subprocess.run(
        [str(CIBADMIN), "--upgrade", "--force"], env=env, capture_output=True, check=True, timeout=60
    )
    theirs = etree.fromstring(
        subprocess.run([str(CIBADMIN), "-Q"], env=env, capture_output=True, check=True, timeout=60).stdout
    )
    assert configuration_text(ours) == configuration_text(theirs)


def test_current_document_without_validate_with_keeps_its_status() -> None:
    text = (CONFORMANCE / "simple1.xml").read_text()
    root = etree.fromstring(text.encode())
    del root.attrib["validate-with"]
    upgraded = upgrade(root)
    assert upgraded.get("validate-with") == CURRENT_SCHEMA
    assert validate(upgraded) == []
    old_status, new_status = root.find("status"), upgraded.find("status")
    assert old_status is not None and new_status is not None and len(old_status) > 0
    assert canonical(new_status) == canonical(old_status)
