"""``<bundle>`` -> the XML of its implicit resources, as Pacemaker 2.1.5's ``pe__unpack_bundle``.

Each replica ``i`` of bundle ``B`` gets a container primitive ``B-<runtime>-i``
(``ocf:heartbeat:docker|podman|rkt``), with ``ip-range-start`` an address primitive
``B-ip-<address>`` (``ocf:heartbeat:IPaddr2``), and with an inner primitive a connection
primitive ``B-i`` (``ocf:pacemaker:remote``, ``container`` = the container) whose guest node
is named ``B-i``.  The inner primitive is wrapped in a clone ``B-clone`` (``B-master`` when
``promoted-max`` is set) with one instance per replica.  The elements made here are unpacked
as any configured resource (``pengine.unpack.resources``).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from lxml import etree

RUNTIMES = ("docker", "rkt", "podman")  # the order Pacemaker looks for them
DEFAULT_REMOTE_PORT = "3121"
REMOTE_KEY = "/etc/pacemaker/authkey"
BUNDLE_LOG_DIR = "/var/log/pacemaker/bundles"


class BundleError(ValueError):
    """A bundle Pacemaker refuses to unpack."""


@dataclass(frozen=True)
class Mount:
    source: str
    target: str
    options: str | None
    subdir: bool  # source-dir-root: one directory per replica below the source


@dataclass(frozen=True)
class Port:
    source: str
    target: str


@dataclass(frozen=True)
class ReplicaXml:
    index: int
    address: str | None
    container: etree._Element
    ip: etree._Element | None
    remote: etree._Element | None


@dataclass(frozen=True)
class BundleXml:
    id: str
    runtime: str
    image: str
    replicas: int
    replicas_per_host: int
    promoted_max: int
    clone: etree._Element | None  # the inner primitive wrapped in a clone / master
    members: tuple[ReplicaXml, ...]


def _min_int(text: str | None, minimum: int) -> int:
    try:
        value = int((text or "").strip())
    except ValueError:
        return minimum
    return max(value, minimum)


def _next_ip(last: str) -> str:
    parts = [int(p) for p in last.split(".")]
    if len(parts) != 4 or not all(0 <= p <= 255 for p in parts):
        raise BundleError(f"invalid ip-range-start address {last}")
    if parts[2] > 253:
        raise BundleError(f"ip range beyond {last}")
    if parts[3] > 253:
        parts[2] += 1
        parts[3] = 1
    else:
        parts[3] += 1
    return ".".join(str(p) for p in parts)


def _sanitize(rid: str) -> str:
    """``crm_xml_sanitize_id``."""
    out = "".join(c if c.isalnum() or c in "-_." else "_" for c in rid)
    return out if out[:1].isalpha() or out[:1] == "_" else f"_{out[1:]}" if out else out


def _resource(rid: str, provider: str, kind: str) -> etree._Element:
    return etree.Element("primitive", id=rid, attrib={"class": "ocf", "provider": provider, "type": kind})


def _nvpairs(parent: etree._Element, tag: str, set_id: str, pairs: list[tuple[str, str]]) -> None:
    sets = etree.SubElement(parent, tag, id=set_id)
    for name, value in pairs:
        etree.SubElement(sets, "nvpair", id=f"{set_id}-{name}", name=name, value=value)


def _op(parent: etree._Element, prefix: str, name: str, interval: str, timeout: str | None) -> None:
    ops = parent.find("operations")
    if ops is None:
        ops = etree.SubElement(parent, "operations")
    attrs = {"id": f"{prefix}-{name}-interval-{interval}", "name": name, "interval": interval}
    if timeout is not None:
        attrs["timeout"] = timeout
    etree.SubElement(ops, "op", attrib=attrs)


class _Spec:
    """What ``pe__unpack_bundle`` reads from the ``<bundle>`` element."""

    def __init__(self, elem: etree._Element) -> None:
        self.id = elem.get("id", "")
        runtime_el = None
        for name in RUNTIMES:
            runtime_el = elem.find(name)
            if runtime_el is not None:
                break
        if runtime_el is None:
            raise BundleError(f"bundle {self.id}: no docker, rkt or podman container")
        self.runtime = str(runtime_el.tag)
        promoted = runtime_el.get("promoted-max")
        if promoted is None:
            promoted = runtime_el.get("masters")
        self.promoted_max = _min_int(promoted, 0)
        replicas = runtime_el.get("replicas")
        self.replicas = self.promoted_max if replicas is None and self.promoted_max > 0 else _min_int(replicas, 1)
        self.per_host = _min_int(runtime_el.get("replicas-per-host"), 1)
        self.run_command = runtime_el.get("run-command")
        self.launcher_options = runtime_el.get("options")
        self.image = runtime_el.get("image", "")
        self.network = runtime_el.get("network")
        self.ip_start: str | None = None
        self.netmask: str | None = None
        self.host_interface: str | None = None
        self.control_port: str | None = None
        self.add_host = True
        self.ports: list[Port] = []
        net = elem.find("network")
        if net is not None:
            self.ip_start = net.get("ip-range-start")
            self.netmask = net.get("host-netmask")
            self.host_interface = net.get("host-interface")
            self.control_port = net.get("control-port")
            add_host = (net.get("add-host") or "").strip().lower()
            if add_host in ("false", "no", "off", "0", "n"):
                self.add_host = False
            for child in net:
                if not isinstance(child.tag, str):
                    continue
                source = child.get("port")
                target = None
                if source is None:
                    source = child.get("range")
                else:
                    target = child.get("internal-port")
                if source:
                    self.ports.append(Port(source, target or source))
        self.mounts: list[Mount] = []
        self.need_log_mount = True
        storage = elem.find("storage")
        if storage is not None:
            for child in storage:
                if not isinstance(child.tag, str):
                    continue
                source = child.get("source-dir")
                subdir = False
                if source is None:
                    source = child.get("source-dir-root")
                    subdir = True
                target = child.get("target-dir")
                if source and target:
                    self.mounts.append(Mount(source, target, child.get("options"), subdir))
                    if target == "/var/log":
                        self.need_log_mount = False
        self.child = elem.find("primitive")
        if self.child is not None and not self._valid_network():
            raise BundleError(f"bundle {self.id}: cannot control {self.child.get('id')} without either "
                              "ip-range-start or control-port")

    def _valid_network(self) -> bool:
        if self.ip_start:
            return True
        if self.control_port:
            self.per_host = 1
            return True
        return False


def _clone_xml(spec: _Spec) -> etree._Element:
    assert spec.child is not None
    tag = "master" if spec.promoted_max else "clone"
    clone = etree.Element(tag, id=f"{spec.id}-{tag}")
    meta = [("ordered", "true"), ("clone-max", str(spec.replicas)), ("clone-node-max", str(spec.per_host)),
            ("globally-unique", "true" if spec.per_host > 1 else "false")]
    if spec.promoted_max:
        meta += [("promotable", "true"), ("promoted-max", str(spec.promoted_max))]
    _nvpairs(clone, "meta_attributes", f"{spec.id}-{tag}-meta", meta)
    clone.append(_copy(spec.child))
    return clone


def _copy(elem: etree._Element) -> etree._Element:
    return etree.fromstring(etree.tostring(elem))


def _host_option(spec: _Spec, index: int, address: str) -> str:
    if spec.runtime in ("docker", "podman") and spec.add_host:
        return f" --add-host={spec.id}-{index}:{address}"
    return f" --hosts-entry={address}={spec.id}-{index}"


def _container_xml(spec: _Spec, index: int, address: str | None, host_options: str) -> etree._Element:
    rid = _sanitize(f"{spec.id}-{spec.runtime}-{index}")
    elem = _resource(rid, "heartbeat", spec.runtime)
    hostname_opt, env_opt = ("--hostname=", "--environment=") if spec.runtime == "rkt" else ("-h ", "-e ")
    opts = " --restart=no" if spec.runtime == "docker" else ""
    if spec.ip_start is not None:
        opts += f" {hostname_opt}{spec.id}-{index}"
    opts += f" {env_opt}PCMK_stderr=1"
    if spec.network:
        opts += f" --net={spec.network}"
    opts += f" {env_opt}PCMK_remote_port={spec.control_port or DEFAULT_REMOTE_PORT}"
    mount_points: list[str] = []
    volume = 0
    for mount in spec.mounts:
        source = mount.source
        if mount.subdir:
            source = f"{mount.source}/{spec.id}-{index}"
            mount_points.append(source)
        if spec.runtime == "rkt":
            opts += f" --volume vol{volume},kind=host,source={source}"
            if mount.options:
                opts += f",{mount.options}"
            opts += f" --mount volume=vol{volume},target={mount.target}"
            volume += 1
        elif mount.options:
            opts += f" -v {source}:{mount.target}:{mount.options}"
        else:
            opts += f" -v {source}:{mount.target}"
    for port in spec.ports:
        if spec.runtime == "rkt":
            opts += f" --port={port.target}:{address}:{port.source}" if address else \
                f" --port={port.target}:{port.source}"
        elif address:
            opts += f" -p {address}:{port.source}:{port.target}"
        elif spec.network != "host":
            opts += f" -p {port.source}:{port.target}"
    if spec.launcher_options is not None:
        opts += f" {spec.launcher_options}"
    opts += f" {host_options}"
    params = [("image", spec.image), ("allow_pull", "true"), ("force_kill", "false"), ("reuse", "false"),
              ("run_opts", opts)]
    params.append(("mount_points", ",".join(mount_points)))  # empty too (it counts in digests)
    if spec.child is not None:
        params.append(("run_cmd", spec.run_command or "/usr/sbin/pacemaker-remoted"))
    elif spec.run_command:
        params.append(("run_cmd", spec.run_command))
    params.append(("monitor_cmd", "/bin/true"))
    _nvpairs(elem, "instance_attributes", f"{spec.id}-attributes-{index}", params)
    _op(elem, rid, "monitor", "60s", None)
    return elem


def _ip_xml(spec: _Spec, index: int, address: str) -> etree._Element:
    rid = _sanitize(f"{spec.id}-ip-{address}")
    elem = _resource(rid, "heartbeat", "IPaddr2")
    params = [("ip", address)]
    if spec.host_interface:
        params.append(("nic", spec.host_interface))
    params.append(("cidr_netmask", spec.netmask or "32"))
    _nvpairs(elem, "instance_attributes", f"{spec.id}-attributes-{index}", params)
    _op(elem, rid, "monitor", "60s", None)
    return elem


def remote_xml(name: str, container: str | None, server: str | None, port: str | None,
               meta: tuple[tuple[str, str], ...] = (), start_timeout: str | None = None) -> etree._Element:
    """``pe_create_remote_xml``: the connection primitive of a guest node."""
    elem = _resource(name, "pacemaker", "remote")
    pairs: list[tuple[str, str]] = [("internal_rsc", "true")]
    if container:
        pairs.append(("container", container))
    _nvpairs(elem, "meta_attributes", f"{name}-meta_attributes", pairs + list(meta))
    if server or port:
        params: list[tuple[str, str]] = []
        if server:
            params.append(("addr", server))
        if port:
            params.append(("port", port))
        _nvpairs(elem, "instance_attributes", f"{name}-instance_attributes", params)
    _op(elem, name, "monitor", "30s", "30s")
    if start_timeout:
        _op(elem, name, "start", "0", start_timeout)
    return elem


def bundle_xml(elem: etree._Element, taken_ids: set[str]) -> BundleXml:
    """The implicit resources of ``elem``; ``taken_ids`` are the ids already configured."""
    spec = _Spec(elem)
    clone = _clone_xml(spec) if spec.child is not None else None
    if spec.child is not None:
        spec.mounts.append(Mount(REMOTE_KEY, REMOTE_KEY, None, False))
        if spec.need_log_mount:
            spec.mounts.append(Mount(BUNDLE_LOG_DIR, "/var/log", None, True))
        port = spec.control_port or DEFAULT_REMOTE_PORT
        spec.ports.append(Port(port, port))
    addresses: list[str | None] = []
    host_options = ""
    last: str | None = None
    for index in range(spec.replicas):
        if spec.ip_start is None:
            addresses.append(None)
            continue
        last = _next_ip(last) if last is not None else spec.ip_start
        addresses.append(last)
        host_options += _host_option(spec, index, last)
    members = []
    for index, address in enumerate(addresses):
        container = _container_xml(spec, index, address, host_options)
        ip = _ip_xml(spec, index, address) if address is not None else None
        remote = None
        if spec.child is not None:
            name = f"{spec.id}-{index}"
            if name in taken_ids:
                name = f"pcmk-internal-{spec.child.get('id')}-remote-{index}"
            remote = remote_xml(name, container.get("id"), address or "#uname",
                                spec.control_port or DEFAULT_REMOTE_PORT)
        members.append(ReplicaXml(index, address, container, ip, remote))
    return BundleXml(spec.id, spec.runtime, spec.image, spec.replicas, spec.per_host, spec.promoted_max, clone,
                     tuple(members))


_RESOURCE_TAGS = ("primitive", "group", "clone", "master", "bundle")


def implicit_ids(layout: BundleXml) -> set[str]:
    """The ids of the resources a bundle creates (its inner clone, instance and replicas')."""
    ids: set[str] = set()
    if layout.clone is not None:
        ids.update(e.get("id", "") for e in layout.clone.iter(*_RESOURCE_TAGS))
    for member in layout.members:
        for elem in (member.container, member.ip, member.remote):
            if elem is not None:
                ids.add(elem.get("id", ""))
    return ids


def taken_before(elem: etree._Element) -> set[str]:
    """The resource ids Pacemaker has unpacked when it reaches the top-level resource
    ``elem`` (``pe_find_resource`` on the resources before it): the ids configured before it
    and the implicit resources of the bundles before it."""
    taken: set[str] = set()
    parent = elem.getparent()
    if parent is None:
        return taken
    for sibling in parent:
        if sibling is elem:
            break
        if not isinstance(sibling.tag, str) or sibling.tag not in _RESOURCE_TAGS:
            continue
        taken.update(e.get("id", "") for e in sibling.iter(*_RESOURCE_TAGS))
        if sibling.tag == "bundle":
            with contextlib.suppress(BundleError):  # a bundle not unpacked adds nothing
                taken |= implicit_ids(bundle_xml(sibling, set(taken)))
    return taken
