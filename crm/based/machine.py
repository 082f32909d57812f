"""CIB replication as a state machine: messages and events in, effects out, no I/O.

Writes
    A local client's change arrives as a v2 patchset.  The origin multicasts it
    (``write``); every replica, the origin included, applies it on delivery, on top of the
    writes delivered before it (``patchset.apply(merge=True)``), then finishes it with
    Pacemaker's rules (:func:`crm.cib.transaction.finish`: versions never go backwards, a
    configuration change bumps ``epoch`` and zeroes ``num_updates``, anything else bumps
    ``num_updates``, the schema is checked).  Every replica decides the same, so only the
    origin replies to its client.  A patch whose target another write removed is refused
    with ``conflict`` (the client re-reads and retries).

Batching
    While one of its write messages is on its way (multicast, not yet delivered back), the
    origin queues its clients' further writes and multicasts them together, as one
    ``writes`` message, when that message is delivered (or at the next view change).  Every
    replica applies the writes of a batch one after the other, each validated and versioned
    on its own, exactly as if they had come as consecutive ``write`` messages: the group
    carries one message per batch instead of one per write.

Pacing
    A replica that falls behind the stream (deliveries queued that it has not applied yet)
    makes its own clients wait for everything queued ahead of their writes, while the
    replicas that keep up answer theirs at once and so add to the stream faster than the
    one behind can apply it: under load one node's clients wait seconds while the others'
    wait milliseconds.  So every write message says how many deliveries its sender had
    queued (``lag``), and a replica holds its own queued writes while another member said
    it had more than ``LAG_HIGH`` queued (at most ``HOLD_MAX`` seconds in a row): the
    stream then pauses until the one behind has caught up, which it says with its next
    writes or, when it has none, with a ``lag`` message once it is back under ``LAG_LOW``.
    Holding only delays when writes are sent; what is applied, and in which order, does
    not change.

Corking
    When a batch of ours comes back, its clients are answered together and tend to send
    their next writes together; the first of those would go alone at once and the others
    wait for it to come back (a whole round trip).  So after answering more than one client
    the origin waits up to ``CORK`` seconds for as many writes (or less, when they come
    sooner), and sends them as one batch.

Membership in the CIB
    On each view change every replica records the members in ``configuration/nodes`` and
    their ``node_state`` in status (``in_ccm``, ``crmd``, ``join``, ``expected``): the view is
    an event of the agreed stream, so every replica makes the same change at the same
    point without a message.  The lowest member (the "leader") publishes quorum
    (``have-quorum`` on ``<cib>``) through an ordinary write.

Joining and merging (no full resync for members that stayed)
    A view that adds members starts a round: each member multicasts ``state`` (version and
    digest of its copy).  At the delivery of the last ``state`` every member knows the same
    winner: the highest ``(admin_epoch, epoch, num_updates)``, ties to the lowest node id.
    The winner multicasts its copy at that point (``replace``); members whose digest already
    matches do nothing; the others queue the writes delivered after that point, adopt the
    copy when it arrives and replay the queue, so no write is lost and every replica ends
    identical.  What is dropped is logged with both versions.  A replica whose disk copy was
    corrupt starts from version 0 and so restores from its peers (alone, from its newest good
    backup).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from crm.cib import patchset
from crm.cib.document import CibDocument, CibStructureError, versioned_digest
from crm.cib.errors import CibError, ExitCode
from crm.cib.touched import Touched
from crm.cib.transaction import ValidationFailed, configuration_changed, finish
from crm.cib.version import CibVersion, CibVersionError
from crm.cib.xmltext import XmlInputError
from crm.cluster.transport import Member, QuorumChange, ViewChange

__all__ = [
    "CONFLICT",
    "Changed",
    "ClientRef",
    "Effect",
    "Log",
    "Machine",
    "Multicast",
    "Persist",
    "Reply",
    "Synced",
]

CONFLICT = int(ExitCode.TEMPFAIL)
# writes of one node multicast together at most (a batch larger than this is split)
BATCH_WRITES = 64
BATCH_BYTES = 256 * 1024
# pacing (see above): deliveries queued at a replica that make the others hold their writes;
# the level under which a replica that reported more says it has caught up; how long a
# replica holds its writes at most
LAG_HIGH = 6
LAG_LOW = 2
HOLD_MAX = 0.5
# corking (see above): how long the origin waits for the clients it just answered
CORK = 0.01

ClientRef = tuple[int, int]  # (connection id, request id) on the origin node


@dataclass(frozen=True, slots=True)
class Multicast:
    message: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Reply:
    client: ClientRef
    reply: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Persist:
    document: CibDocument


@dataclass(frozen=True, slots=True)
class Changed:
    """The CIB went from ``before`` to ``after``; ``touched``: where they may differ (None:
    anywhere), which spares the subscribers' diff a walk over the whole CIB."""

    before: etree._Element
    after: etree._Element
    touched: Touched | None = None


@dataclass(frozen=True, slots=True)
class Log:
    level: str  # "info", "notice", "warning", "error"
    text: str


@dataclass(frozen=True, slots=True)
class Synced:
    """A sync round ended here, at the same point of the stream on every member: a write
    sent after this is on every replica whatever copy won (controllers republish their
    node's history then)."""

    tag: str


Effect = Multicast | Reply | Persist | Changed | Log | Synced


def _ok(**extra: Any) -> dict[str, Any]:
    return {"rc": 0, **extra}


def _error(rc: int, message: str) -> dict[str, Any]:
    return {"rc": rc, "error": message}


def dropped_changes(ours: CibDocument, theirs: CibDocument, limit: int = 20) -> list[str]:
    """What of our configuration taking ``theirs`` loses, one line per change."""
    a, b = ours.root.find("configuration"), theirs.root.find("configuration")
    if a is None or b is None:
        return []
    try:
        patch = patchset.diff(_wrapped(b), _wrapped(a))
    except patchset.PatchError:
        return ["the whole configuration (it cannot be compared element by element)"]
    lines = []
    for change in patchset.changes(patch):
        op, path = change.get("operation"), change.get("path", "")
        if op == "create":
            created = [c for c in change if isinstance(c.tag, str)]
            what = f"{created[0].tag} id={created[0].get('id')}" if created else "element"
            lines.append(f"our {what} under {path}")
        elif op == "modify":
            lines.append(f"our attributes of {path}")
        elif op == "delete":
            lines.append(f"our deletion of {path}")
        elif op == "move":
            lines.append(f"our ordering of {path}")
    if len(lines) > limit:
        lines = [*lines[:limit], f"... and {len(lines) - limit} more changes"]
    return lines


def _wrapped(configuration: etree._Element) -> etree._Element:
    root = etree.Element("cib", admin_epoch="0", epoch="0", num_updates="0")
    root.append(etree.fromstring(etree.tostring(configuration)))
    return root


@dataclass
class _Round:
    tag: str  # "view/round": rounds are numbered within a view
    waiting: set[tuple[int, int]]
    states: dict[tuple[int, int], tuple[CibVersion, str, str]] = field(default_factory=dict)


@dataclass
class Machine:
    """One replica.  ``doc`` is the current CIB; ``fallback`` a good backup to use when the
    disk copy was corrupt and no peer has a copy."""

    local: Member
    doc: CibDocument
    fallback: CibDocument | None = None
    members: tuple[Member, ...] = ()
    view: int = 0
    quorate: bool = False
    published_quorum: bool | None = None
    round: _Round | None = None
    # catching up: waiting for (view, winner name)'s copy; writes delivered meanwhile
    awaiting: tuple[str, str] | None = None
    # a finished round whose winner's copy has not been delivered yet (known to all members)
    outstanding: tuple[str, str] | None = None
    # rounds within the current view, and who has sent a state in the current one: a
    # second state from the same member (one it sent before it saw this view) starts a
    # new round, which every member decides alike since all see the same messages
    round_no: int = 0
    seen: set[tuple[int, int]] = field(default_factory=set)
    synced_tag: str = ""
    queued: list[tuple[Member, dict[str, Any]]] = field(default_factory=list)
    in_sync: bool = False
    clock: Any = time.time
    # our write messages multicast and not yet delivered back; writes waiting for them
    in_flight: int = 0
    outbox: list[dict[str, Any]] = field(default_factory=list)
    # pacing: deliveries queued here unapplied (the shell keeps it current), each member's
    # as its last message said, since when our writes are held, and whether a ``lag``
    # message of ours is on its way
    backlog: int = 0
    lags: dict[tuple[int, int], int] = field(default_factory=dict)
    held_since: float | None = None
    lag_sent: bool = False
    # corking: how many clients our last batch that came back answered, and since when we
    # wait for their next writes
    cork_count: int = 0
    corked_since: float | None = None

    # ------------------------------------------------------------------ helpers
    def _is_local(self, sender: Member) -> bool:
        return sender.nodeid == self.local.nodeid and sender.pid == self.local.pid

    def leader(self) -> Member | None:
        return min(self.members) if self.members else None

    def version(self) -> CibVersion:
        return self.doc.version

    def digest(self) -> str:
        return versioned_digest(self.doc.root)

    def _adopt(self, new: CibDocument, touched: Touched | None = None) -> list[Effect]:
        old = self.doc
        self.doc = new
        return [Persist(new), Changed(old.root, new.root, touched)]

    # ------------------------------------------------------------------ client requests
    def client_write(self, client: ClientRef, request: Mapping[str, Any]) -> list[Effect]:
        """A local client's change: checked here, applied everywhere on delivery."""
        text = request.get("patch")
        if not isinstance(text, str):
            return [Reply(client, _error(int(ExitCode.INVALID_PARAM), "a patch request needs 'patch' (v2 patchset XML)"))]
        try:
            patch = etree.fromstring(text.encode())
            patchset.patch_versions(patch)
        except (etree.XMLSyntaxError, patchset.PatchError, ValueError, CibVersionError) as err:
            return [Reply(client, _error(int(ExitCode.CONFIG), f"the patch is not a v2 patchset: {err}"))]
        entry = {
            "client": list(client),
            "patch": text,
            "keep": bool(request.get("keep_versions", False)),
            "validate": bool(request.get("validate", True)),
            "config": bool(request.get("config_change", False)),
            "time": int(self.clock()),
            "user": str(request.get("user", "root")),
            "tool": str(request.get("client_name", "cibadmin")),
        }
        self.outbox.append(entry)  # sent at once, or with the others when it may go
        return self._release()

    def _flush(self) -> list[Effect]:
        """Multicast the queued writes, as few messages as the batch limits allow."""
        effects: list[Effect] = []
        self.corked_since = None
        while self.outbox:
            size = 0
            count = 0
            for entry in self.outbox[:BATCH_WRITES]:
                size += len(entry["patch"])
                count += 1
                if size >= BATCH_BYTES:
                    break
            batch, self.outbox = self.outbox[:count], self.outbox[count:]
            self.in_flight += 1
            message = {"t": "write", **batch[0]} if count == 1 else {"t": "writes", "writes": batch}
            effects.append(Multicast({**message, "lag": self.backlog}))
        return effects

    # ------------------------------------------------------------------ pacing
    def _holding(self) -> bool:
        """Do we hold our queued writes for a member that is behind the stream?"""
        mine = (self.local.nodeid, self.local.pid)
        if not any(lag > LAG_HIGH for key, lag in self.lags.items() if key != mine):
            self.held_since = None
            return False
        now = self.clock()
        if self.held_since is None:
            self.held_since = now
        return now - self.held_since < HOLD_MAX

    def _corked(self) -> bool:
        """Do we wait a moment for the clients just answered to send their next writes?"""
        if self.corked_since is None:
            return False
        if len(self.outbox) >= self.cork_count or self.clock() - self.corked_since >= CORK:
            self.corked_since = None
            return False
        return True

    def send_deadline(self) -> float | None:
        """When the writes waiting now (held or corked) go anyway, in ``clock`` time; None
        when none wait for a time."""
        if self.in_flight or not self.outbox:
            return None
        deadlines = []
        if self.held_since is not None:
            deadlines.append(self.held_since + HOLD_MAX)
        if self.corked_since is not None:
            deadlines.append(self.corked_since + CORK)
        return min(deadlines) if deadlines else None

    def _release(self) -> list[Effect]:
        if self.in_flight or not self.outbox or self._holding() or self._corked():
            return []
        return self._flush()

    def paced(self, backlog: int) -> list[Effect]:
        """The shell's count of deliveries queued here changed (it calls this after every
        event, and at the send deadline): waiting writes that may go now, and the ``lag``
        message that says we caught up."""
        self.backlog = backlog
        effects = self._release()
        mine = (self.local.nodeid, self.local.pid)
        if self.lags.get(mine, 0) > LAG_HIGH and backlog <= LAG_LOW and not self.lag_sent and not self.in_flight:
            self.lag_sent = True
            effects.append(Multicast({"t": "lag", "lag": backlog}))
        return effects

    def _lag_delivered(self, sender: Member, message: Mapping[str, Any]) -> None:
        lag = message.get("lag", 0)
        key = (sender.nodeid, sender.pid)
        self.lags[key] = lag if isinstance(lag, int) and lag >= 0 else 0
        if self._is_local(sender) and message.get("t") == "lag":
            self.lag_sent = False

    def unsent(self, message: Mapping[str, Any]) -> list[Effect]:
        """A write message could not be multicast (its clients were told): what was queued
        behind it goes now."""
        if message.get("t") in ("write", "writes"):
            self.in_flight = max(0, self.in_flight - 1)
            if not self.in_flight:
                return self._flush()
        if message.get("t") == "lag":
            self.lag_sent = False
        return []

    def client_sync(self, client: ClientRef) -> list[Effect]:
        """``cibadmin --sync``: every replica takes this node's copy unless theirs is newer."""
        return [
            Multicast(
                {
                    "t": "replace",
                    "reason": "sync",
                    "view": self.view,
                    "client": list(client),
                    "cib": self.doc.to_text(pretty=False),
                }
            )
        ]

    # ------------------------------------------------------------------ applying writes
    def _apply_write(self, message: Mapping[str, Any], origin: str) -> tuple[dict[str, Any], list[Effect]]:
        try:
            patch = etree.fromstring(str(message["patch"]).encode())
            _, target = patchset.patch_versions(patch)
            touched = Touched()
            new_root = patchset.apply(patch, self.doc.root, merge=True, touched=touched)
            after = CibDocument(new_root)
        except (etree.XMLSyntaxError, KeyError, CibStructureError, CibVersionError, ValueError) as err:
            if isinstance(err, patchset.PatchError):
                return _error(CONFLICT, f"conflict: {err}; the CIB changed underneath this update"), []
            return _error(int(ExitCode.CONFIG), f"the patch cannot be applied: {err}"), []
        keep = bool(message.get("keep"))
        if keep:
            after.version = target
        config = bool(message.get("config")) or configuration_changed(self.doc, after, touched)
        if config:
            after.root.set("cib-last-written", time.strftime("%a %b %d %H:%M:%S %Y", time.gmtime(int(message.get("time", 0)))))
            after.root.set("update-origin", origin)
            after.root.set("update-client", str(message.get("tool", "cibadmin")))
            after.root.set("update-user", str(message.get("user", "root")))
        try:
            outcome = finish(
                self.doc,
                after,
                manage_versions=not keep,
                validate=bool(message.get("validate", True)) and config,
                config_change=bool(message.get("config")),
                touched=touched,
            )
        except ValidationFailed as err:
            return _error(int(err.exit_code), "; ".join(err.problems)), []
        except CibError as err:
            return _error(int(err.exit_code), f"{err.reason}: {err.detail or err}"), []
        if not outcome.changed:
            return _ok(version=str(self.doc.version)), []
        effects = (
            self._adopt(outcome.document, touched) if outcome.config_changed else self._adopt_status(outcome.document, touched)
        )
        return _ok(version=str(self.doc.version)), effects

    def _adopt_status(self, new: CibDocument, touched: Touched | None = None) -> list[Effect]:
        old = self.doc
        self.doc = new
        return [Changed(old.root, new.root, touched)]

    def _writes_delivered(self, sender: Member, message: Mapping[str, Any]) -> list[Effect]:
        if message.get("t") == "write":
            return self._write_delivered(sender, message)
        batch = message.get("writes")
        if not isinstance(batch, list):
            return [Log("warning", f"ignoring a malformed batch of writes from {sender}")]
        effects: list[Effect] = []
        for entry in batch:
            if isinstance(entry, Mapping):
                effects += self._write_delivered(sender, entry)
        return effects

    def _write_delivered(self, sender: Member, message: Mapping[str, Any]) -> list[Effect]:
        reply, effects = self._apply_write(message, sender.name)
        if self._is_local(sender) and "client" in message:
            client = message["client"]
            effects.append(Reply((int(client[0]), int(client[1])), reply))
        return effects

    # ------------------------------------------------------------------ transport events
    def deliver(self, sender: Member, message: Mapping[str, Any]) -> list[Effect]:
        kind = message.get("t")
        if kind in ("write", "writes", "lag"):
            self._lag_delivered(sender, message)
        if kind == "lag":
            return self._release()
        if kind in ("write", "writes", "quorum"):
            flushed: list[Effect] = []
            if kind != "quorum" and self._is_local(sender) and self.in_flight:
                self.in_flight -= 1
            if not self.in_flight:
                flushed = self._release()
            if self.awaiting is not None:
                self.queued.append((sender, dict(message)))
                return flushed
            if kind == "quorum":
                return self._quorum_delivered(message)
            effects = self._writes_delivered(sender, message)
            if self._is_local(sender) and not self.in_flight:
                # our own writes: their clients are answered now and may well write again
                # at once (see "Corking")
                entries = message.get("writes") if kind == "writes" else [message]
                answered = sum(1 for e in entries if isinstance(e, Mapping) and "client" in e) \
                    if isinstance(entries, list) else 0
                if answered > 1:
                    self.corked_since = self.clock()
                    self.cork_count = answered
            return effects + flushed
        if kind == "state":
            return self._state_delivered(sender, message)
        if kind == "replace":
            return self._replace_delivered(sender, message)
        return [Log("warning", f"ignoring an unknown message {kind!r} from {sender}")]

    def _quorum_delivered(self, message: Mapping[str, Any]) -> list[Effect]:
        value = "1" if message.get("quorate") else "0"
        if self.doc.root.get("have-quorum") == value:
            return []
        new = self.doc.copy()
        new.root.set("have-quorum", value)
        new.version = self.doc.version.after_status_change()
        return self._adopt_status(new)

    def quorum_change(self, event: QuorumChange) -> list[Effect]:
        self.quorate = event.quorate
        return self._publish_quorum()

    def _publish_quorum(self) -> list[Effect]:
        if self.leader() != self.local or self.published_quorum == self.quorate:
            return []
        self.published_quorum = self.quorate
        return [Multicast({"t": "quorum", "quorate": self.quorate})]

    def _quorum_after_sync(self) -> list[Effect]:
        """The copy that won a sync may carry another partition's ``have-quorum``: the
        leader says again what this partition's quorum is."""
        self.published_quorum = None
        return self._publish_quorum()

    def view_change(self, event: ViewChange) -> list[Effect]:
        effects: list[Effect] = []
        # A round runs again when members joined, when the last round had not finished, or
        # when its winner's copy had not arrived yet: all three are known alike to every
        # member that was in the previous view, so all of them start it together.
        again = self.round is not None or self.outstanding is not None
        if self.awaiting is not None:
            # the copy we waited for will not come: keep our own copy and its queued writes
            effects.append(Log("warning", f"view changed before {self.awaiting[1]}'s copy arrived; syncing again"))
            effects += self._drain_queue()
        self.members = event.members
        self.view = event.view
        # a write message of ours not delivered by now may never be: what waits behind it
        # goes now (if it is delivered after all, the count only lets the next batch go sooner)
        self.in_flight = 0
        # and what members said of their backlogs was said in another view
        self.lags = {}
        self.held_since = None
        self.lag_sent = False
        effects += self._record_membership(event)
        if self.leader() != self.local:
            self.published_quorum = None
        effects += self._publish_quorum()
        self.round = None
        self.outstanding = None
        self.round_no = 0
        self.seen = set()
        if event.joined or again:
            effects += self._start_round()
        return effects + self._flush()

    def _tag(self) -> str:
        return f"{self.view}/{self.round_no}"

    def _start_round(self) -> list[Effect]:
        self.round = _Round(self._tag(), {(m.nodeid, m.pid) for m in self.members})
        self.seen = set()
        message = {"t": "state", "view": self._tag(), "version": list(self.doc.version.as_tuple()), "digest": self.digest()}
        return [Multicast(message)]

    def _record_membership(self, event: ViewChange) -> list[Effect]:
        new = self.doc.copy()
        nodes = new.ensure_section("nodes")
        status = new.ensure_section("status")
        present = {m.nodeid for m in event.members}
        for member in sorted(set(event.members) | set(event.left)):
            ident = str(member.nodeid)
            if member.nodeid in present and nodes.find(f"node[@id='{ident}']") is None:
                entry = etree.Element("node", id=ident, uname=member.name)
                later = [n for n in nodes if n.get("id", "").isdigit() and int(n.get("id", "0")) > member.nodeid]
                if later:
                    later[0].addprevious(entry)
                else:
                    nodes.append(entry)
            state = status.find(f"node_state[@id='{ident}']")
            if state is None:
                state = etree.SubElement(status, "node_state", id=ident, uname=member.name)
            up = member.nodeid in present
            state.set("in_ccm", "true" if up else "false")
            state.set("crmd", "online" if up else "offline")
            state.set("join", "member" if up else "down")
            if up:
                state.set("expected", "member")
            # a node that leaves keeps expected="member" unless its controller said it was
            # going (a clean shutdown sets expected="down"): the scheduler then knows a crash
            # from a clean stop, and fences after a crash when fencing is enabled
        config = configuration_changed(self.doc, new)
        try:
            outcome = finish(self.doc, new, validate=False)
        except CibError as err:  # cannot happen: versions only grow here
            return [Log("error", f"could not record the membership: {err}")]
        if not outcome.changed:
            return []
        if config:
            return self._adopt(outcome.document)
        return self._adopt_status(outcome.document)

    def _state_delivered(self, sender: Member, message: Mapping[str, Any]) -> list[Effect]:
        key = (sender.nodeid, sender.pid)
        if message.get("view") != self._tag() or key not in {(m.nodeid, m.pid) for m in self.members}:
            return []
        if key in self.seen:
            effects: list[Effect] = [Log("info", f"{sender} sent its state twice in one round: syncing again")]
            if self.awaiting is not None:
                effects += self._drain_queue()
            self.outstanding = None
            self.round_no += 1
            return effects + self._start_round()
        self.seen.add(key)
        rnd = self.round
        if rnd is None or key not in rnd.waiting:
            return []
        try:
            version = CibVersion(*(int(x) for x in message["version"]))
            digest = str(message["digest"])
        except (KeyError, TypeError, ValueError):
            return [Log("warning", f"ignoring a malformed state message from {sender}")]
        rnd.states[key] = (version, digest, sender.name)
        rnd.waiting.discard(key)
        return self._maybe_finish_round()

    def _maybe_finish_round(self) -> list[Effect]:
        rnd = self.round
        if rnd is None or rnd.waiting:
            return []
        self.round = None
        if not rnd.states:
            return []
        effects: list[Effect] = []
        mine = (self.local.nodeid, self.local.pid)
        if (
            self.fallback is not None
            and len(rnd.states) == 1
            and mine in rnd.states
            and self.fallback.version > self.doc.version
        ):
            effects.append(Log("warning", f"no peer has a copy of the CIB: using the newest good backup (version {self.fallback.version})"))
            effects += self._adopt(self.fallback)
            rnd.states[mine] = (self.doc.version, self.digest(), self.local.name)
        self.fallback = None
        winner_key = max(rnd.states, key=lambda k: (rnd.states[k][0].as_tuple(), -k[0], -k[1]))
        w_version, w_digest, w_name = rnd.states[winner_key]
        if any(digest != w_digest for (_, digest, _) in rnd.states.values()):
            self.outstanding = (rnd.tag, w_name)
        for key, (version, digest, name) in sorted(rnd.states.items()):
            if digest != w_digest and key != winner_key:
                effects.append(
                    Log(
                        "notice",
                        f"CIB sync: {name}'s copy (version {version}) is dropped in favour of "
                        f"{w_name}'s (version {w_version})",
                    )
                )
        if self.outstanding is None:  # every copy is the same: the round ends here
            self.synced_tag = rnd.tag
            effects.append(Synced(rnd.tag))
            effects += self._quorum_after_sync()
        if winner_key == mine:
            if any(digest != w_digest for (_, digest, _) in rnd.states.values()):
                effects.append(
                    Multicast(
                        {"t": "replace", "reason": "join", "view": rnd.tag, "cib": self.doc.to_text(pretty=False)}
                    )
                )
            self.in_sync = True
        elif rnd.states.get(mine, (None, None, None))[1] != w_digest:
            self.awaiting = (rnd.tag, w_name)
            self.queued = []
        else:
            self.in_sync = True
        return effects

    def _replace_delivered(self, sender: Member, message: Mapping[str, Any]) -> list[Effect]:
        reason = message.get("reason")
        try:
            new = CibDocument.parse(str(message["cib"]), f"CIB from {sender}")
        except (KeyError, XmlInputError, CibStructureError, CibVersionError) as err:
            return [Log("error", f"ignoring an unreadable CIB copy from {sender}: {err}")]
        if reason == "join":
            done: list[Effect] = []
            if self.outstanding == (message.get("view"), sender.name):
                # the round ends at this delivery, for every member
                self.outstanding = None
                self.synced_tag = str(message.get("view"))
                done = [Synced(self.synced_tag)]
                if self.awaiting is None:
                    done += self._quorum_after_sync()
            if self.awaiting is None or self.awaiting != (message.get("view"), sender.name):
                return done
            old_version = self.doc.version
            effects: list[Effect] = [
                Log("notice", f"CIB sync: took {sender.name}'s copy (version {new.version}), ours was {old_version}")
            ]
            effects += [Log("notice", f"CIB sync: dropped {line}") for line in dropped_changes(self.doc, new)]
            effects += self._adopt(new)
            self.awaiting = None
            self.in_sync = True
            effects += done
            effects += self._drain_queue()
            effects += self._quorum_after_sync()
            return effects
        if reason == "sync":
            effects = []
            if self.awaiting is None and new.version >= self.doc.version and not self._is_local(sender):
                effects.append(Log("notice", f"CIB sync requested by {sender.name}: took its copy (version {new.version})"))
                effects += self._adopt(new)
            if self._is_local(sender) and "client" in message:
                client = message["client"]
                effects.append(Reply((int(client[0]), int(client[1])), _ok(version=str(self.doc.version))))
            return effects
        return [Log("warning", f"ignoring a CIB copy from {sender} with reason {reason!r}")]

    def _drain_queue(self) -> list[Effect]:
        queued, self.queued = self.queued, []
        self.awaiting = None
        effects: list[Effect] = []
        for sender, message in queued:
            if message.get("t") == "quorum":
                effects += self._quorum_delivered(message)
            else:
                effects += self._writes_delivered(sender, message)
        return effects

    # ------------------------------------------------------------------ queries
    def membership(self, quorate: bool) -> dict[str, Any]:
        present = {m.nodeid for m in self.members}
        known: dict[int, str] = {}
        nodes = self.doc.section("nodes")
        if nodes is not None:
            for node in nodes.iterfind("node"):
                ident = node.get("id", "")
                if ident.isdigit():
                    known[int(ident)] = node.get("uname", "")
        for m in self.members:
            known[m.nodeid] = m.name
        return _ok(
            local={"nodeid": self.local.nodeid, "name": self.local.name},
            members=[{"nodeid": m.nodeid, "name": m.name} for m in sorted(set(self.members))],
            quorate=quorate,
            nodes=[
                {"nodeid": n, "name": name, "state": "member" if n in present else "lost"}
                for n, name in sorted(known.items())
            ],
        )
