"""Operation digests: Pacemaker's recorded values reproduced, and the digest's laws."""

from __future__ import annotations

import hashlib
import json

import pytest
from digest_cases import GOLDEN, all_cases
from hypothesis import given
from hypothesis import strategies as st

from crm.common.digest import (
    ParamSpec,
    ReloadKind,
    filter_for_digest,
    op_digest,
    parameters_text,
    restart_digest,
    restart_digest_from_list,
    secure_digest,
    secure_digest_from_list,
    xml_digest,
)
from lrmd.metadata import parse_metadata


@pytest.fixture(scope="module")
def cases():  # type: ignore[no-untyped-def]
    return {c.key: c for c in all_cases()}


@pytest.fixture(scope="module")
def golden() -> dict[str, list[str]]:
    return json.loads(GOLDEN.read_text())  # type: ignore[no-any-return]


def test_op_digests_match_pacemaker_recorded_values(cases, golden) -> None:  # type: ignore[no-untyped-def]
    expected = golden["op_digest"]
    assert len(expected) > 8000
    wrong = [key for key in expected if op_digest(cases[key].params) != cases[key].op_digest]
    assert not wrong, wrong[:5]


def test_restart_and_secure_digests_match_pacemaker(cases, golden) -> None:  # type: ignore[no-untyped-def]
    assert len(golden["restart_digest"]) > 900 and len(golden["secure_digest"]) > 500
    for key in golden["restart_digest"]:
        c = cases[key]
        assert restart_digest_from_list(c.params, c.force_restart) == c.restart_digest, key
    for key in golden["secure_digest"]:
        c = cases[key]
        assert secure_digest_from_list(c.params, c.secure_params, c.feature_set, c.agent_class) == c.secure_digest, key


def test_known_values() -> None:
    # From restart-with-extra-op-params.xml (ocf:pacemaker:Dummy, Pacemaker 2.1).
    params = {"fake": "foo", "passwd": "whatever", "CRM_meta_timeout": "20000", "CRM_meta_on_node": "node1"}
    assert op_digest(params) == "457016173e548c394dcf3896e3066412"
    recurring = {**params, "CRM_meta_interval": "10000"}
    assert op_digest(recurring) == "f9a51bfe2c3d74c3b72202f3101682b7"
    specs = [
        ParamSpec("state"),
        ParamSpec("passwd", private=True),
        ParamSpec("fake", reloadable=True),
        ParamSpec("op_sleep"),
        ParamSpec("envfile"),
    ]
    # Old meta-data: passwd was not reloadable then.
    restart = restart_digest(params, specs, ReloadKind(agent=True, legacy=False))
    assert restart is not None
    assert restart.force_restart == "  state passwd op_sleep envfile  "
    assert restart.digest == "5de129d7fe42dbcfe537f2c63b1921b6"
    secure = secure_digest(recurring, specs)
    assert secure is not None
    assert secure.secure_params == "  passwd  "
    assert secure.digest == "5bdf174ed64795a495a62489f1057eff"
    assert restart_digest(recurring, specs, ReloadKind(True, False), interval_ms=10000) is None
    assert restart_digest(params, specs, ReloadKind(False, False)) is None
    assert xml_digest({}) == "f2317cad3d54cec5d7d7aa7d0bf35cf8"


def test_text_escaping_quirks() -> None:
    assert parameters_text({"a": '<&>"\''}) == ' <parameters a="&lt;&amp;&gt;&quot;&apos;"/>\n'
    assert parameters_text({"a": "x\ty\nz\r"}) == ' <parameters a="x    y\\nz\\r"/>\n'
    assert parameters_text({"a": "\x01"}) == ' <parameters a="\\001"/>\n'
    # A multi-byte character stops the escaping for the rest of the value (crm_xml_escape).
    assert parameters_text({"a": "é<"}) == ' <parameters a="é<"/>\n'


names = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True)
values = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=12)
param_maps = st.dictionaries(names, values, max_size=6)


@given(param_maps, st.dictionaries(st.sampled_from(["timeout", "on_node", "name", "op_target_rc"]), values))
def test_meta_attributes_never_change_a_non_recurring_digest(params: dict[str, str], meta: dict[str, str]) -> None:
    with_meta = {**params, **{f"CRM_meta_{k}": v for k, v in meta.items()}, "crm_feature_set": "3.16.2"}
    assert op_digest(with_meta) == op_digest(params)


@given(param_maps, st.integers(min_value=1, max_value=10**7), st.integers(min_value=1, max_value=10**6))
def test_recurring_digest_keeps_the_timeout(params: dict[str, str], interval: int, timeout: int) -> None:
    full = {**params, "CRM_meta_interval": str(interval), "CRM_meta_timeout": str(timeout)}
    assert filter_for_digest(full) == {**params, "CRM_meta_timeout": str(timeout)}
    assert op_digest(full) != op_digest({**full, "CRM_meta_timeout": str(timeout + 1)})


@given(param_maps)
def test_digest_is_order_independent_and_md5_of_sorted_text(params: dict[str, str]) -> None:
    reordered = dict(reversed(list(params.items())))
    assert op_digest(reordered) == op_digest(params)
    text = " <parameters" + "".join(f' {k}="{params[k]}"' for k in sorted(params)) + "/>\n"
    if not any(ch in v for v in params.values() for ch in "<>&\"'"):
        assert op_digest(params) == hashlib.md5(text.encode()).hexdigest()


def test_metadata_flags_drive_restart_lists() -> None:
    old = parse_metadata(
        """<resource-agent name="X"><version>1.0</version><parameters>
        <parameter name="state" unique="1"/><parameter name="fake" unique="0"/>
        <parameter name="password"/></parameters>
        <actions><action name="start"/><action name="reload"/></actions></resource-agent>"""
    )
    assert old.reload == ReloadKind(agent=False, legacy=True)
    restart = restart_digest({"state": "s", "fake": "f"}, old.params, old.reload)
    assert restart is not None and restart.force_restart == "  state  "
    assert restart.digest == xml_digest({"state": "s"})
    secure = secure_digest({"state": "s", "password": "p"}, old.params)
    assert secure is not None and secure.secure_params == "  password  "
    new = parse_metadata(
        """<resource-agent name="Y"><version>1.1</version><parameters>
        <parameter name="a" reloadable="1"/><parameter name="b"/></parameters>
        <actions><action name="reload-agent"/><action name="reload"/></actions></resource-agent>"""
    )
    assert new.reload == ReloadKind(agent=True, legacy=False)
    restart = restart_digest({"a": "1", "b": "2"}, new.params, new.reload)
    assert restart is not None and restart.force_restart == "  b  "
