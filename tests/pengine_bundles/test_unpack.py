"""Model tests of bundle unpacking (``pengine.bundles.unpack``); the graphs made from these
resources are compared with Pacemaker's in tests/conformance."""

from __future__ import annotations

import pytest
from lxml import etree

from pengine.bundles.unpack import BundleError, bundle_xml


def _bundle(inner: str) -> etree._Element:
    return etree.fromstring(f'<bundle id="web">{inner}</bundle>')


def _params(elem: etree._Element) -> dict[str, str]:
    return {nv.get("name", ""): nv.get("value", "") for nv in elem.iterfind("instance_attributes/nvpair")}


def test_replicas_are_named_after_the_bundle_and_runtime() -> None:
    layout = bundle_xml(_bundle('<podman image="img" replicas="2"/><network control-port="3121"/>'
                                '<primitive id="app" class="ocf" provider="heartbeat" type="Dummy"/>'), set())
    assert [m.container.get("id") for m in layout.members] == ["web-podman-0", "web-podman-1"]
    assert [m.remote.get("id") for m in layout.members if m.remote is not None] == ["web-0", "web-1"]
    assert all(m.container.get("type") == "podman" for m in layout.members)
    assert layout.clone is not None and layout.clone.get("id") == "web-clone"
    inner = layout.clone.find("primitive")
    assert inner is not None and inner.get("id") == "app"


def test_promoted_max_makes_a_master_and_sets_the_replica_count() -> None:
    layout = bundle_xml(_bundle('<docker image="img" promoted-max="2"/><network control-port="3121"/>'
                                '<primitive id="db" class="ocf" provider="heartbeat" type="Dummy"/>'), set())
    assert layout.replicas == 2 and layout.promoted_max == 2
    assert layout.clone is not None and layout.clone.tag == "master"
    meta = {nv.get("name"): nv.get("value") for nv in layout.clone.iter("nvpair")}
    assert meta["promoted-max"] == "2" and meta["clone-max"] == "2" and meta["globally-unique"] == "false"


def test_addresses_follow_the_range_and_every_container_knows_every_replica() -> None:
    layout = bundle_xml(_bundle('<docker image="img" replicas="3"/>'
                                '<network ip-range-start="10.0.0.253" control-port="9999"/>'
                                '<primitive id="app" class="ocf" provider="heartbeat" type="Dummy"/>'), set())
    assert [m.address for m in layout.members] == ["10.0.0.253", "10.0.0.254", "10.0.1.1"]
    assert [m.ip.get("id") for m in layout.members if m.ip is not None] == [
        "web-ip-10.0.0.253", "web-ip-10.0.0.254", "web-ip-10.0.1.1"]
    for member in layout.members:
        run_opts = _params(member.container)["run_opts"]
        assert run_opts.count("--add-host=") == 3
        assert f" -p {member.address}:9999:9999" in run_opts
        assert member.remote is not None and _params(member.remote)["addr"] == member.address


def test_a_naked_container_has_no_connection_nor_clone() -> None:
    layout = bundle_xml(_bundle('<rkt image="img" replicas="2" run-command="/bin/app"/>'), set())
    assert layout.clone is None
    assert all(m.remote is None for m in layout.members)
    params = _params(layout.members[0].container)
    assert params["run_cmd"] == "/bin/app" and params["mount_points"] == ""
    assert params["run_opts"].startswith(" --environment=PCMK_stderr=1")


def test_a_connection_id_already_taken_gets_the_internal_name() -> None:
    layout = bundle_xml(_bundle('<docker image="img"/><network control-port="3121"/>'
                                '<primitive id="app" class="ocf" provider="heartbeat" type="Dummy"/>'), {"web-0"})
    assert layout.members[0].remote is not None
    assert layout.members[0].remote.get("id") == "pcmk-internal-app-remote-0"


@pytest.mark.parametrize("inner", [
    '<network control-port="3121"/>',  # no container runtime
    '<docker image="img"/><primitive id="app" class="ocf" provider="heartbeat" type="Dummy"/>',  # no network
])
def test_bundles_pacemaker_refuses_are_errors(inner: str) -> None:
    with pytest.raises(BundleError):
        bundle_xml(_bundle(inner), set())
