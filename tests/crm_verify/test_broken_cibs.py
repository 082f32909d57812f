"""Broken CIBs written for these tests: our crm_verify must give Pacemaker's verdict and
say what is wrong.  Each case is data/base.xml with one textual change.  The verdict
column is what Debian's crm_verify says; it is re-checked live when the oracle is installed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import etree
from verify_oracle import available, run_oracle

from crm.verify import verify

BASE = (Path(__file__).resolve().parent / "data" / "base.xml").read_text()


@dataclass(frozen=True)
class Case:
    name: str
    old: str
    new: str
    verdict: str
    says: str
    more: tuple[tuple[str, str], ...] = ()

    def text(self) -> str:
        text = BASE
        for old, new in ((self.old, self.new), *self.more):
            assert old in text, old
            text = text.replace(old, new, 1)
        return text


STATUS_NODES = (
    "<status>\n"
    '    <node_state id="1" uname="ha1" in_ccm="true" crmd="online" join="member" expected="member"/>\n'
    '    <node_state id="2" uname="ha2" in_ccm="true" crmd="online" join="member" expected="member"/>\n'
)

CASES = (
    Case("valid", "", "", "valid", ""),
    Case(
        "dangling-with-rsc",
        'with-rsc="p_ip"',
        'with-rsc="no_such_rsc"',
        "errors",
        "with-rsc='no_such_rsc' refers to an id",
    ),
    Case("dangling-first", 'first="p_ip"', 'first="ghost"', "errors", "first='ghost'"),
    Case(
        "location-of-an-attribute-set",
        '<rsc_location id="loc_web" rsc="g_web"',
        '<rsc_location id="loc_web" rsc="p_ip-params"',
        "errors",
        "Ignoring constraint 'loc_web' because 'p_ip-params' is not a valid resource or tag",
    ),
    Case(
        "order-with-an-nvpair",
        'then="g_web" kind="Mandatory"',
        'then="p_ip-ip" kind="Mandatory"',
        "errors",
        "Ignoring constraint 'ord_ip_web' because 'p_ip-ip' is not a valid resource or tag",
    ),
    Case(
        "dangling-attribute-set-reference",
        '<instance_attributes id="p_fs-params">',
        '<instance_attributes id-ref="nosuchset"/><instance_attributes id="p_fs-params">',
        "errors",
        "id-ref='nosuchset' refers to an id that does not exist",
    ),
    Case(
        "agent-not-installed-is-only-a-notice",
        'provider="heartbeat" type="apache"',
        'provider="nosuchprovider" type="NoSuchAgent"',
        "valid",
        "ocf:nosuchprovider:NoSuchAgent (used by p_apache) is not installed here",
    ),
    Case(
        "unknown-attribute",
        '<primitive id="p_apache"',
        '<primitive bogus="1" id="p_apache"',
        "errors",
        "bogus='1' is not allowed",
    ),
    Case("duplicate-id", 'id="p_fs-directory"', 'id="p_fs-device"', "errors", "ID p_fs-device redefined"),
    Case("bad-kind", 'kind="Mandatory"', 'kind="Mandatroy"', "errors", "Invalid attribute kind"),
    Case("bad-score", 'score="100"', 'score="lots"', "errors", "value 'lots'"),
    Case(
        "unknown-element",
        "<constraints>",
        '<constraints>\n      <rsc_affinity id="x" rsc="p_ip"/>',
        "errors",
        "rsc_affinity",
    ),
    Case("missing-id", '<primitive id="p_apache" ', "<primitive ", "errors", "primitive"),
    Case(
        "bad-class",
        'class="ocf" provider="heartbeat" type="apache"',
        'class="UNKNOWN" type="apache"',
        "errors",
        "class='UNKNOWN'",
    ),
    Case("bad-role", 'role="Promoted"', 'role="Leader"', "errors", "element op"),
    Case(
        "stonith-without-devices",
        '<nvpair id="opt-stonith-enabled" name="stonith-enabled" value="false"/>',
        "",
        "errors",
        "no STONITH resources have been defined",
    ),
    Case(
        "bad-no-quorum-policy",
        'value="ignore"',
        'value="bogus"',
        "errors",
        "'no-quorum-policy' because 'bogus' is invalid",
    ),
    Case(
        "duplicate-op",
        'interval="11s" role="Unpromoted"',
        'interval="10s" role="Unpromoted"',
        "errors",
        "is duplicate of",
    ),
    Case(
        "duplicate-op-other-spelling",
        'interval="11s" role="Unpromoted"',
        'interval="PT10S" role="Unpromoted"',
        "errors",
        "is duplicate of",
    ),
    Case(
        "on-fail-fence-without-fencing",
        'name="monitor" interval="10s" timeout="20s"',
        'name="monitor" interval="10s" timeout="20s" on-fail="fence"',
        "errors",
        "'fence' is not valid when fencing is disabled",
        (("<status/>", STATUS_NODES + "  </status>"),),
    ),
    Case(
        "on-fail-fence-without-fencing-nothing-scheduled",
        'name="monitor" interval="10s" timeout="20s"',
        'name="monitor" interval="10s" timeout="20s" on-fail="fence"',
        "valid",
        "",
    ),
    Case(
        "promoted-role-outside-promotable",
        '<instance_attributes id="p_ip-params">',
        '<meta_attributes id="p_ip-meta"><nvpair id="p_ip-role" name="target-role" value="Promoted"/></meta_attributes>\n'
        '        <instance_attributes id="p_ip-params">',
        "errors",
        "only makes sense for promotable clones",
    ),
    Case(
        "group-unordered",
        '<group id="g_web">',
        '<group id="g_web"><meta_attributes id="g_web-meta"><nvpair id="g_web-ordered" name="ordered" value="false"/></meta_attributes>',
        "warnings",
        "'ordered' group meta-attribute is deprecated",
    ),
    Case(
        "order-require-all-on-primitive",
        'kind="Mandatory"',
        'kind="Mandatory" require-all="false"',
        "valid",
        "",
    ),
    Case(
        "node-state-of-unknown-node",
        "<status/>",
        STATUS_NODES
        + '    <node_state id="9" uname="ha9" in_ccm="true" crmd="online" join="member" expected="member"/>\n  </status>',
        "warnings",
        "Ignoring recorded node state for 'ha9'",
    ),
    Case(
        "node-state-without-id",
        "<status/>",
        STATUS_NODES
        + '    <node_state uname="ha2" in_ccm="false" crmd="offline" join="down" expected="down"/>\n  </status>',
        "valid",
        "without id",
    ),
    Case(
        "clone-order-require-all",
        'first="p_ip" then="g_web" kind="Mandatory"',
        'first="c_dummy" then="g_web" kind="Mandatory" require-all="false"',
        "warnings",
        "require-all in ordering constraints is deprecated",
    ),
    Case(
        "node-lost-while-member",
        "<status/>",
        STATUS_NODES.replace('uname="ha2" in_ccm="true"', 'uname="ha2" in_ccm="false"') + "  </status>",
        "warnings",
        "will be fenced: peer is no longer part of the cluster",
        (
            ('value="false"/>', 'value="true"/>'),
            ("<resources>", '<resources>\n      <primitive id="fence1" class="stonith" type="fence_dummy"/>'),
        ),
    ),
    Case(
        "failed-stop-with-fencing",
        "<status/>",
        STATUS_NODES.replace(
            'uname="ha2" in_ccm="true" crmd="online" join="member" expected="member"/>',
            'uname="ha2" in_ccm="true" crmd="online" join="member" expected="member">\n'
            '      <lrm id="2"><lrm_resources><lrm_resource id="p_ip" class="ocf" provider="heartbeat" type="IPaddr2">\n'
            '        <lrm_rsc_op id="p_ip_last_0" operation="stop" call-id="3" rc-code="1" op-status="0" interval="0"\n'
            '          crm_feature_set="3.16.2" transition-key="1:1:0:x" transition-magic="0:1;1:1:0:x"/>\n'
            "      </lrm_resource></lrm_resources></lrm>\n    </node_state>",
        )
        + "  </status>",
        "warnings",
        "p_ip failed there",
        (
            ('value="false"/>', 'value="true"/>'),
            ("<resources>", '<resources>\n      <primitive id="fence1" class="stonith" type="fence_dummy"/>'),
        ),
    ),
    Case(
        "active-on-a-node-that-is-down",
        "<status/>",
        STATUS_NODES.replace(
            'uname="ha2" in_ccm="true" crmd="online" join="member" expected="member"/>',
            'uname="ha2" in_ccm="false" crmd="offline" join="down" expected="down">\n'
            '      <lrm id="2"><lrm_resources><lrm_resource id="p_ip" class="ocf" provider="heartbeat" type="IPaddr2">\n'
            '        <lrm_rsc_op id="p_ip_last_0" operation="start" call-id="3" rc-code="0" op-status="0" interval="0"\n'
            '          crm_feature_set="3.16.2" transition-key="1:1:0:x" transition-magic="0:0;1:1:0:x"/>\n'
            "      </lrm_resource></lrm_resources></lrm>\n    </node_state>",
        )
        + "  </status>",
        "warnings",
        "p_ip is thought to be active there",
        (
            ('value="false"/>', 'value="true"/>'),
            ("<resources>", '<resources>\n      <primitive id="fence1" class="stonith" type="fence_dummy"/>'),
        ),
    ),
    Case(
        "globally-unique-lsb-clone",
        "<resources>",
        '<resources>\n      <clone id="c_lsb"><meta_attributes id="c_lsb-meta">'
        '<nvpair id="c_lsb-unique" name="globally-unique" value="true"/></meta_attributes>'
        '<primitive id="p_cron" class="lsb" type="cron"/></clone>',
        "warnings",
        "Ignoring globally-unique for c_lsb because lsb resources such as p_cron:0",
    ),
    Case(
        "anonymous-clone-beyond-clone-max",
        "<status/>",
        "<status>\n"
        + "".join(
            f'    <node_state id="{n}" uname="ha{n}" in_ccm="true" crmd="online" join="member" expected="member">\n'
            f'      <lrm id="{n}"><lrm_resources><lrm_resource id="p_one" class="ocf" provider="heartbeat" type="Dummy">\n'
            f'        <lrm_rsc_op id="p_one_last_0" operation="start" call-id="3" rc-code="0" op-status="0" interval="0"\n'
            f'          crm_feature_set="3.16.2" transition-key="1:1:0:x" transition-magic="0:0;1:1:0:x"/>\n'
            "      </lrm_resource></lrm_resources></lrm>\n    </node_state>\n"
            for n in (1, 2)
        )
        + "  </status>",
        "warnings",
        "Detected active orphan p_one:1 running on ha2",
        (
            (
                "<resources>",
                '<resources>\n      <clone id="c_one"><meta_attributes id="c_one-meta">'
                '<nvpair id="c_one-max" name="clone-max" value="1"/></meta_attributes>'
                '<primitive id="p_one" class="ocf" provider="heartbeat" type="Dummy"/></clone>',
            ),
        ),
    ),
    Case(
        "active-orphan",
        "<status/>",
        STATUS_NODES.replace(
            'uname="ha2" in_ccm="true" crmd="online" join="member" expected="member"/>',
            'uname="ha2" in_ccm="true" crmd="online" join="member" expected="member">\n'
            '      <lrm id="2"><lrm_resources><lrm_resource id="p_gone" class="ocf" provider="heartbeat" type="Dummy">\n'
            '        <lrm_rsc_op id="p_gone_last_0" operation="start" call-id="3" rc-code="0" op-status="0" interval="0"\n'
            '          crm_feature_set="3.16.2" transition-key="1:1:0:x" transition-magic="0:0;1:1:0:x"/>\n'
            "      </lrm_resource></lrm_resources></lrm>\n    </node_state>",
        )
        + "  </status>",
        "warnings",
        "Detected active orphan p_gone running on ha2",
    ),
    Case(
        "node-lost-with-fencing",
        '<nvpair id="opt-stonith-enabled" name="stonith-enabled" value="false"/>',
        '<nvpair id="opt-stonith-enabled" name="stonith-enabled" value="true"/>',
        "errors",
        "no STONITH resources",
    ),
    Case("no-validate-with", ' validate-with="pacemaker-3.7"', "", "valid", ""),
    Case(
        "validation-disabled",
        'validate-with="pacemaker-3.7"',
        'validate-with="none"',
        "valid",
        "Schema validation of configuration is disabled",
    ),
    Case(
        "unknown-schema",
        'validate-with="pacemaker-3.7"',
        'validate-with="pacemaker-7.0"',
        "errors",
        "unknown schema",
    ),
    Case(
        "old-option-name-in-current-schema",
        'name="no-quorum-policy"',
        'name="no_quorum_policy"',
        "errors",
        "nvpair",
    ),
    Case(
        "old-schema-old-option-name",
        'validate-with="pacemaker-3.7"',
        'validate-with="pacemaker-2.0"',
        "valid",
        "",
        (
            ('name="no-quorum-policy"', 'name="no_quorum_policy"'),
            ('role="Promoted"', 'role="Master"'),
            ('role="Unpromoted"', 'role="Slave"'),
        ),
    ),
)


def _verdict(text: str) -> tuple[str, str]:
    report = verify(etree.fromstring(text.encode()))
    said = "\n".join([str(e) for e in report.schema_errors] + [f.message for f in report.findings])
    if report.has_errors:
        return "errors", said
    if report.has_warnings:
        return "warnings", said
    return "valid", said


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_broken_cib(case: Case) -> None:
    verdict, said = _verdict(case.text())
    assert verdict == case.verdict, said
    assert case.says in said


@pytest.mark.oracle
@pytest.mark.skipif(not available(), reason="Debian's crm_verify is not installed")
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_case_verdict_is_pacemakers(case: Case, tmp_path: Path) -> None:
    path = tmp_path / f"{case.name}.xml"
    path.write_text(case.text())
    _, oracle = run_oracle(path)
    assert oracle == case.verdict
