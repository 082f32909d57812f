"""The fencer keeps its copy of the CIB by applying the CIB daemon's change notifications
(as Pacemaker's fencer does) and reads the whole CIB again only when a change cannot be
applied.  Model test: the daemon's CIB-following methods, without sockets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lxml import etree

from crm.cib import patchset
from crm.cib.document import CibDocument
from crm.cib.version import CibVersion
from crm.cluster.node import NodeConfig
from crm.fenced.daemon import FencerDaemon


class _NoTransport:
    """Never used: the CIB-following code does not touch the transport."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"transport.{name} used")


def _daemon(tmp_path: Path) -> FencerDaemon:
    config = NodeConfig(name="node1", nodeid=1, run_dir=tmp_path / "run", state_dir=tmp_path / "state")
    return FencerDaemon(config, _NoTransport())  # type: ignore[arg-type]


def _cib() -> CibDocument:
    doc = CibDocument.empty(epoch=5)
    doc.ensure_section("status")
    return doc


def _changed(doc: CibDocument, edit: Any, *, config: bool = True) -> tuple[CibDocument, str]:
    after = doc.copy()
    edit(after)
    if config:
        after.version = doc.version.after_config_change()
    else:
        after.version = doc.version.after_status_change()
    return after, etree.tostring(patchset.diff(doc.root, after.root), encoding="unicode")


def _add_device(doc: CibDocument) -> None:
    resources = doc.ensure_section("resources")
    resources.append(etree.fromstring('<primitive id="fd1" class="stonith" type="fence_dummy"/>'))


def _disable_fencing(doc: CibDocument) -> None:
    crm_config = doc.ensure_section("crm_config")
    crm_config.append(etree.fromstring(
        '<cluster_property_set id="o"><nvpair id="o-se" name="stonith-enabled" value="false"/></cluster_property_set>'
    ))


def _status_change(doc: CibDocument) -> None:
    doc.ensure_section("status").append(etree.fromstring('<node_state id="1" uname="node1" in_ccm="true"/>'))


def test_changes_are_applied_to_the_copy_and_the_configuration_follows(tmp_path: Path) -> None:
    fenced = _daemon(tmp_path)
    base = _cib()
    fenced._copy = base.root
    one, first = _changed(base, _add_device)
    fenced._follow(first)
    assert not fenced._reload.is_set()
    assert fenced._signature is not None and "fd1" in str(fenced._signature)
    two, second = _changed(one, _status_change, config=False)
    fenced._follow(second)
    three, third = _changed(two, _disable_fencing)
    fenced._follow(third)
    assert not fenced._reload.is_set()
    assert fenced._copy is not None
    assert CibVersion.of(fenced._copy) == three.version
    assert fenced._copy.find("status/node_state[@id='1']") is not None
    assert "stonith-enabled" in etree.tostring(fenced._copy, encoding="unicode")


def test_a_missed_change_makes_it_read_the_whole_cib_again(tmp_path: Path) -> None:
    fenced = _daemon(tmp_path)
    base = _cib()
    fenced._copy = base.root
    one, _missed = _changed(base, _add_device)
    _, next_one = _changed(one, _disable_fencing)
    fenced._follow(next_one)  # made on a version our copy does not have
    assert fenced._reload.is_set() and fenced._copy is None


def test_changes_during_a_read_are_kept_and_those_the_read_has_are_skipped(tmp_path: Path) -> None:
    fenced = _daemon(tmp_path)
    base = _cib()
    one, first = _changed(base, _add_device)
    two, second = _changed(one, _disable_fencing)
    fenced._reading = True  # a read is on its way: changes wait for it
    fenced._follow(first)
    fenced._follow(second)
    assert fenced._during == [first, second] and not fenced._reload.is_set()
    fenced._copy = one.root  # the read returned version one: the first is in it already
    assert all(fenced._apply_change(text) for text in fenced._during)
    assert CibVersion.of(fenced._copy) == two.version


def test_an_unreadable_change_makes_it_read_again(tmp_path: Path) -> None:
    fenced = _daemon(tmp_path)
    fenced._copy = _cib().root
    fenced._follow("<diff format='2'><not-closed>")
    assert fenced._reload.is_set() and fenced._copy is None
