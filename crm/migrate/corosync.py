"""``corosync_conf()``: Heartbeat ``ha.cf`` + ``authkeys`` -> corosync 3 ``corosync.conf`` + ``authkey``.

Mapping:

* ``node`` lines -> ``nodelist`` (nodeid 1..N in file order; ``ring0_addr`` is the node
  name unless ``addresses`` maps it: ``{"ha1": ("10.0.0.1", "192.168.1.1")}`` gives one
  address per link);
* media -> knet links, one per distinct interface of ``bcast``/``ucast``/``mcast``
  (Corosync 3 knet is unicast: broadcast and multicast are not used); a link after the
  first needs an address per node, else it is left out with a warning; ``serial`` has no
  Corosync equivalent (warning);
* ``deadtime`` -> ``token`` in milliseconds (``keepalive`` is only checked against it);
* two nodes -> ``two_node: 1``; crypto is always on (aes256 / sha256) with a freshly
  generated 256-byte key: Heartbeat's crc/md5/sha1 secrets are never reused;
* ``logfacility`` -> ``syslog_facility``.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import jinja2

from crm.migrate.authkeys import parse_authkeys
from crm.migrate.diagnostics import Diagnostic, MigrationError, error, warning
from crm.migrate.hacf import HaCf, Medium, parse_hacf

KEY_BYTES = 256
_CLUSTER_NAME = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_SYSLOG_FACILITIES = frozenset(
    {"daemon", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"}
)


@dataclass(frozen=True)
class CorosyncResult:
    """``text``: corosync.conf; ``key``: the authkey bytes; ``warnings``: diagnostics."""

    text: str
    key: bytes
    warnings: tuple[Diagnostic, ...]


@dataclass(frozen=True)
class _Link:
    number: int
    origin: str
    medium: int


@dataclass(frozen=True)
class _Node:
    name: str
    nodeid: int
    addrs: tuple[str, ...]


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("crm.migrate", "templates"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )


def _media_links(hacf: HaCf, warnings: list[Diagnostic]) -> list[tuple[str, list[Medium]]]:
    """Distinct interfaces in file order, with the media lines that use them."""
    links: dict[str, list[Medium]] = {}
    for medium in hacf.media:
        if medium.kind == "serial":
            warnings.append(
                warning(hacf.file, medium.line, f"serial {medium.interface}: Corosync has no serial links; "
                                                "use a second network link instead")
            )
            continue
        if medium.kind == "mcast":
            warnings.append(
                warning(hacf.file, medium.line, f"mcast on {medium.interface}: knet links are unicast; "
                                                "the multicast group is not used")
            )
        links.setdefault(medium.interface, []).append(medium)
    return list(links.items())


# Why some common ha.cf directives have no counterpart in the generated files.
_IGNORED_BECAUSE: dict[str, str] = {
    "crm": "Pacemaker runs as its own service (systemctl enable pacemaker)",
    "pacemaker": "Pacemaker runs as its own service (systemctl enable pacemaker)",
    "initdead": "corosync's votequorum waits for all nodes at the first start (wait_for_all) instead",
    "warntime": "corosync has no late-heartbeat warning",
    "logfile": "corosync.conf logs to /var/log/corosync/corosync.log and syslog",
    "debugfile": "corosync.conf logs to /var/log/corosync/corosync.log and syslog",
    "use_logd": "corosync.conf logs to /var/log/corosync/corosync.log and syslog",
    "watchdog": "use a fence device or sbd with stonith-watchdog-timeout",
    "apiauth": "Pacemaker's daemons authenticate their clients themselves",
    "compression": "knet links have their own knet_compression_model option",
    "autojoin": "corosync.conf lists every node (nodelist)",
}


def _ignored_directives(hacf: HaCf) -> list[Diagnostic]:
    """A warning for each ha.cf directive that neither corosync.conf nor the CIB carries over."""
    return [
        warning(hacf.file, line, f"'{directive}' is ignored: "
                                 f"{_IGNORED_BECAUSE.get(directive, 'no equivalent in corosync.conf or the CIB')}")
        for line, directive in hacf.ignored
    ]


def _check_addresses(
    hacf: HaCf, addresses: Mapping[str, Sequence[str]], errors: list[Diagnostic]
) -> dict[str, tuple[str, ...]]:
    checked: dict[str, tuple[str, ...]] = {}
    for node, addrs in addresses.items():
        if node not in hacf.nodes:
            errors.append(error("--addr", 0, f"{node!r} is not a node of {hacf.file} "
                                             f"(nodes: {', '.join(hacf.nodes) or 'none'})"))
            continue
        good = []
        for addr in addrs:
            try:
                good.append(str(ipaddress.ip_address(addr)))
            except ValueError:
                errors.append(error("--addr", 0, f"{node}={addr}: not an IP address"))
        checked[node] = tuple(good)
    return checked


def corosync_conf(
    hacf_text: str,
    authkeys_text: str | None = None,
    *,
    cluster_name: str = "pacer",
    addresses: Mapping[str, Sequence[str]] | None = None,
    hacf_name: str = "ha.cf",
    authkeys_name: str = "authkeys",
    authkeys_mode: int | None = None,
    key: bytes | None = None,
    keyfile: str | None = None,
) -> CorosyncResult:
    """Build corosync.conf text and a fresh authkey from ha.cf (and authkeys, if given).

    ``authkeys_mode`` is the file's ``st_mode``, checked like Heartbeat did (no group or
    other access).  ``key`` replaces the random key (tests); ``keyfile`` adds a ``keyfile:``
    line (default location /etc/corosync/authkey otherwise).  Raises MigrationError.
    """
    errors: list[Diagnostic] = []
    warnings: list[Diagnostic] = []
    hacf = parse_hacf(hacf_text, file=hacf_name, strict=True)
    warnings.extend(hacf.warnings)
    if not _CLUSTER_NAME.match(cluster_name):
        errors.append(error("--cluster-name", 0, f"{cluster_name!r}: use 1-32 letters, digits, '_' or '-'"))
    if not hacf.nodes:
        errors.append(error(hacf_name, 0, "no 'node' lines: corosync needs a nodelist"))
    checked = _check_addresses(hacf, addresses or {}, errors)

    if authkeys_text is None:
        warnings.append(warning(authkeys_name, 0, "no authkeys given: a fresh corosync key was generated"))
    else:
        try:
            auth = parse_authkeys(authkeys_text, file=authkeys_name, mode=authkeys_mode)
        except MigrationError as exc:
            errors.extend(exc.diagnostics)
        else:
            if auth.active.method == "crc":
                warnings.append(warning(authkeys_name, auth.active.line,
                                        "crc was never security: anyone on the network could forge cluster "
                                        "messages; corosync now encrypts and authenticates with a fresh key"))
            else:
                warnings.append(warning(authkeys_name, auth.active.line,
                                        f"the {auth.active.method} secret is not reused: corosync needs a "
                                        f"{KEY_BYTES}-byte random key; a fresh one was generated"))
    if key is not None and len(key) != KEY_BYTES:
        errors.append(error("key", 0, f"a corosync key has {KEY_BYTES} bytes, got {len(key)}"))
    if errors:
        raise MigrationError(errors)

    warnings.extend(_ignored_directives(hacf))
    notes: list[str] = []
    media = _media_links(hacf, warnings)
    links: list[_Link] = []
    for number, (iface, used) in enumerate(media or [("", [])]):
        kinds = ", ".join(sorted({m.kind for m in used}))
        origin = (f"ha.cf {kinds} on {iface} (line {used[0].line})" if used
                  else "ha.cf names no network medium; corosync picks the route to each address")
        if number == 0:
            links.append(_Link(0, origin, 0))
            continue
        missing = [n for n in hacf.nodes if len(checked.get(n, ())) <= number]
        if missing:
            warnings.append(warning(hacf_name, used[0].line,
                                    f"{kinds} on {iface}: no address of {', '.join(missing)} for link {number} "
                                    f"(give --addr NODE=IP0,IP{number}); link left out"))
            continue
        links.append(_Link(len(links), origin, number))
    nodes = []
    for nodeid, name in enumerate(hacf.nodes, 1):
        given = checked.get(name, ())
        addrs = [given[0] if given else name]
        addrs.extend(given[link.medium] for link in links[1:])
        nodes.append(_Node(name, nodeid, tuple(addrs)))
    if not checked:
        notes.append("ringX_addr are node names: they must resolve to each node's address on that link.")
        peers = [f"{m.args[0]} ({m.interface})" for m in hacf.media if m.kind == "ucast" and m.args]
        if peers:
            notes.append(f"ha.cf ucast peers: {', '.join(peers)}; give them with --addr NODE=IP.")

    token: int | None = None
    token_origin = ""
    if hacf.deadtime is not None:
        token = hacf.deadtime.milliseconds
        token_origin = f"from ha.cf deadtime (line {hacf.deadtime.line}); failures are detected after about 2.2 x token"
        if hacf.keepalive is not None and hacf.keepalive.milliseconds * 2 > token:
            warnings.append(warning(hacf_name, hacf.deadtime.line,
                                    "deadtime is less than twice keepalive; Heartbeat warned about this too"))
        if token > 10000:
            warnings.append(warning(hacf_name, hacf.deadtime.line,
                                    f"token {token} ms: Corosync declares a node dead after about "
                                    f"{round(token * 2.2 / 1000)} s (token + consensus); consider 1000-5000"))
    elif hacf.keepalive is not None:
        warnings.append(warning(hacf_name, hacf.keepalive.line,
                                "keepalive without deadtime: token stays at the corosync default (3000 ms)"))
    if hacf.udpport is not None:
        notes.append(f"ha.cf udpport {hacf.udpport} is not used: knet uses port 5405 (UDP) unless told otherwise.")
    facility = hacf.logfacility if hacf.logfacility in _SYSLOG_FACILITIES else None
    if hacf.logfacility and facility is None and hacf.logfacility != "none":
        warnings.append(warning(hacf_name, 0, f"logfacility {hacf.logfacility!r} is not a syslog facility "
                                              "corosync accepts; using the default"))
    if len(hacf.nodes) > 2:
        notes.append(f"{len(hacf.nodes)} nodes: quorum is a majority of votes.")

    text = _environment().get_template("corosync.conf.j2").render(
        source=hacf_name if authkeys_text is None else f"{hacf_name} and {authkeys_name}",
        notes=notes,
        cluster_name=cluster_name,
        keyfile=keyfile,
        token=token,
        token_origin=token_origin,
        links=links,
        nodes=nodes,
        two_node=hacf.two_node,
        syslog_facility=facility,
    )
    return CorosyncResult(text, key if key is not None else os.urandom(KEY_BYTES), tuple(warnings))
