"""The grammars accept what Pacemaker writes and reject real mistakes, naming the element,
its line and the reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from crm.cib.schema import Grammar, SchemaError, UnknownSchema, grammar_for, validate

HERE = Path(__file__).resolve().parent
BASE = (HERE.parent / "crm_verify" / "data" / "base.xml").read_text()
LEGACY = sorted((HERE / "data" / "haresources2cib").glob("*.xml"))


def errors_of(text: str) -> list[SchemaError]:
    return validate(etree.fromstring(text.encode()))


def test_base_document_is_valid() -> None:
    assert errors_of(BASE) == []


@pytest.mark.parametrize(
    ("old", "new", "element", "line", "reason"),
    [
        ('kind="Mandatory"', 'kind="Mandatroy"', "rsc_order", 47, "kind='Mandatroy'"),
        ('<primitive id="p_apache" ', "<primitive ", "primitive", 30, "failed to validate attributes"),
        ("<constraints>", "<constraints><rsc_affinity id='x'/>", "rsc_affinity", 44, "rsc_affinity"),
        ('score="INFINITY"', 'score="infinite"', "rsc_colocation", 46, "infinite"),
        (
            'with-rsc="p_ip"',
            'with-rsc="nope"',
            "rsc_colocation",
            46,
            "with-rsc='nope' refers to an id that does not exist",
        ),
        (
            'id="p_fs-directory"',
            'id="p_fs-device"',
            "nvpair",
            26,
            "ID p_fs-device redefined (first defined by nvpair at line 25)",
        ),
        ('<nvpair id="p_ip-ip"', "<nvpair", "nvpair", 16, "failed to validate attributes"),
        (
            'interval="10s" timeout="20s"',
            'interval="10s" timeout="20s" on-fail="explode"',
            "op",
            19,
            "on-fail='explode'",
        ),
    ],
)
def test_mistakes_are_named(old: str, new: str, element: str, line: int, reason: str) -> None:
    assert old in BASE
    errors = errors_of(BASE.replace(old, new, 1))
    assert errors, "the mistake was accepted"
    matching = [e for e in errors if e.element == element and reason in e.reason]
    assert matching, errors
    assert matching[0].line == line
    assert matching[0].path.startswith("/cib/")
    assert str(matching[0]).startswith(f"line {line}: element {element}: ")


@pytest.mark.parametrize(
    ("value", "grammar"),
    [
        (None, Grammar.HEARTBEAT_2),
        ("pacemaker-0.6", Grammar.HEARTBEAT_2),
        ("transitional-0.6", Grammar.HEARTBEAT_2),
        ("pacemaker-0.7", Grammar.PACEMAKER_1_2),
        ("pacemaker-1.0", Grammar.PACEMAKER_1_2),
        ("pacemaker-2.10", Grammar.PACEMAKER_1_2),
        ("pacemaker-3.0", Grammar.CURRENT),
        ("pacemaker-3.9", Grammar.CURRENT),
        ("pacemaker-next", Grammar.CURRENT),
        ("none", None),
    ],
)
def test_grammar_choice(value: str | None, grammar: Grammar | None) -> None:
    assert grammar_for(value) is grammar


@pytest.mark.parametrize(
    "value", ["pacemaker-3.10", "pacemaker-4.0", "pacemaker-2.11", "pacemaker-0.5", "pacemaker", "xyz", ""]
)
def test_unknown_schema(value: str) -> None:
    with pytest.raises(UnknownSchema):
        grammar_for(value)
    errors = errors_of(BASE.replace('validate-with="pacemaker-3.7"', f'validate-with="{value}"'))
    assert len(errors) == 1 and errors[0].element == "cib" and "unknown schema" in errors[0].reason


def test_none_skips_validation() -> None:
    text = BASE.replace('validate-with="pacemaker-3.7"', 'validate-with="none"').replace(
        "<constraints>", "<constraints><anything/>"
    )
    assert errors_of(text) == []


def test_not_a_cib() -> None:
    errors = errors_of("<configuration/>")
    assert len(errors) == 1 and "expected <cib>" in errors[0].reason


def test_old_option_names_only_in_old_schemas() -> None:
    old_name = BASE.replace('name="no-quorum-policy"', 'name="no_quorum_policy"')
    assert errors_of(old_name) != []
    old_doc = old_name.replace("pacemaker-3.7", "pacemaker-2.5")
    assert errors_of(old_doc) == []


def test_validate_does_not_modify_document() -> None:
    root = etree.fromstring(BASE.replace('kind="Mandatory"', 'kind="Mandatroy"').encode())
    before = etree.tostring(root)
    validate(root)
    validate(root.getroottree())
    assert etree.tostring(root) == before


@pytest.mark.parametrize("path", LEGACY, ids=lambda p: p.name)
def test_haresources2cib_output_against_legacy_grammar(path: Path) -> None:
    text = path.read_text()
    errors = validate(etree.parse(str(path)))
    # haresources2cib marks resources it could not classify with class="UNKNOWN": a real
    # mistake that the legacy grammar must reject; everything else it wrote is valid.
    if 'class="UNKNOWN"' in text:
        assert errors and all(e.line for e in errors if e.element == "primitive")
        assert any("UNKNOWN" in e.reason for e in errors)
    else:
        assert errors == []


def _mutated(path: Path, xpath: str, change: str) -> list[SchemaError]:
    root = etree.parse(str(path)).getroot()
    target = root.xpath(xpath)[0]
    kind, _, arg = change.partition(":")
    if kind == "rename":
        target.tag = arg
    elif kind == "drop":
        del target.attrib[arg]
    else:
        name, _, value = arg.partition("=")
        target.set(name, value)
    return validate(root)


@pytest.mark.parametrize(
    ("xpath", "change", "element"),
    [
        ("//attributes", "rename:attribs", "attribs"),
        ("//primitive", "set:class=ocff", "primitive"),
        ("//group", "rename:grupo", "grupo"),
        ("//nvpair", "drop:id", "nvpair"),
        ("//op", "set:on_fail=explode", "op"),
        ("//rsc_location", "drop:rsc", "rsc_location"),
    ],
)
def test_legacy_grammar_rejects_mistakes(xpath: str, change: str, element: str) -> None:
    legacy = HERE / "data" / "haresources2cib" / "b_ha1_drbd_apache.pcmk100.xml"
    assert validate(etree.parse(str(legacy))) == []
    errors = _mutated(legacy, xpath, change)
    assert errors, "the mistake was accepted"
    assert any(e.element == element or element in e.reason for e in errors), errors


SCORES = st.one_of(
    st.integers(min_value=-(10**9), max_value=10**9).map(str),
    st.sampled_from(["INFINITY", "+INFINITY", "-INFINITY"]),
)
NOT_SCORES = st.text(alphabet="abcINFTYxyz+-. ", min_size=1, max_size=8).filter(
    lambda s: s not in ("INFINITY", "+INFINITY", "-INFINITY")
)


@settings(deadline=None, max_examples=50)
@given(SCORES)
def test_any_score_is_accepted(score: str) -> None:
    assert errors_of(BASE.replace('score="100"', f'score="{score}"')) == []


@settings(deadline=None, max_examples=50)
@given(NOT_SCORES)
def test_non_scores_are_rejected(score: str) -> None:
    errors = errors_of(BASE.replace('score="100"', f'score="{score}"'))
    assert any(e.element == "rsc_location" for e in errors)


def test_many_mistakes_are_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    import crm.cib.schema as schema

    text = BASE.replace('<primitive id="p_apache" ', '<primitive bogus="1" id="p_apache" ', 1)
    everything = errors_of(text)
    assert len(everything) > 2
    monkeypatch.setattr(schema, "MAX_ERRORS", 2)
    capped = errors_of(text)
    assert capped[:2] == everything[:2]
    assert len(capped) == 3 and "more errors not shown" in capped[-1].reason


def test_current_document_without_validate_with() -> None:
    text = BASE.replace(' validate-with="pacemaker-3.7"', "")
    assert errors_of(text) == []
    broken = text.replace('kind="Mandatory"', 'kind="Mandatroy"')
    assert any(e.element == "rsc_order" for e in errors_of(broken))


def test_legacy_syntax_without_validate_with_uses_the_legacy_grammar() -> None:
    legacy = (HERE / "data" / "haresources2cib" / "b_ha1_drbd_apache.pcmk100.xml").read_text()
    assert "validate-with" not in legacy
    assert errors_of(legacy) == []
    mixed = legacy.replace(
        "<resources>",
        '<resources><primitive id="x" class="ocf" provider="heartbeat" type="Dummy" bogus="1"/>',
    )
    assert any(e.element == "primitive" for e in errors_of(mixed))
