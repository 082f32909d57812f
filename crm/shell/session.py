"""A crm shell session: levels, commands, the configure working copy and its commit.

The session works on one CIB source (:mod:`crm.cli.cib_source`: ``CIB_file``, ``CIB_shadow``
or the live cluster), so offline and live are the same code.  The configure level edits a
working copy read once; ``commit`` writes it back through ``source.modify`` and is refused
when the configuration changed underneath since it was read (``refresh`` re-reads it).

Resource and node commands run pacer's own tools (``crm_resource``, ``crm_attribute``,
``crm_failcount``, ``crm_mon``...) as crmsh runs Pacemaker's, in the same environment, so they
work on the same source.  This is the only module of ``crm.shell`` that does I/O.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from lxml import etree

from crm.cib.document import CibDocument, same_xml
from crm.cib.errors import CibError
from crm.common.booleans import is_false, parse_boolean
from crm.shell import help as helptext
from crm.shell import trace as trace_ops
from crm.shell.checks import AgentInfo, advised_value, semantic_checks
from crm.shell.config import ConfigError, Configuration, Messages, find_operation, note_id_refs, sanitize
from crm.shell.lexer import LexError, Token, is_comment, logical_lines, tokenize
from crm.shell.parser import DEFINITION_KINDS, ParseError, parse_definition
from crm.shell.trace import TraceError
from crm.shell.vocabulary import WORDS as LEVEL_WORDS
from crm.shell.vocabulary import lookup as lookup_word
from crm.shell.xmlgen import IdStore, to_element
from crm.shell.xpath import xp, xs
from crm.verify import Severity, verify

__all__ = ["AgentCatalog", "Options", "Session"]

ALIASES: dict[str, dict[str, str]] = {
    "*": {"end": "up", "back": "up", "bye": "quit", "exit": "quit", "?": "help", "-h": "help", "--help": "help"},
    "configure": {"resource": "primitive", "default_timeouts": "default-timeouts", "rm": "delete", "master": "ms", "collocation": "colocation", "simulate": "ptest", "get-property": "get_property"},
    "resource": {"migrate": "move", "unmove": "clear", "unban": "clear", "unmigrate": "clear", "show": "status", "list": "status"},
    "node": {"list": "show"},
    "ra": {"meta": "info"},
}
WAITING = {
    ("configure", "commit"),
    *(("resource", c) for c in ("start", "stop", "restart", "promote", "demote", "move", "ban", "clear", "cleanup", "refresh")),
    *(("node", c) for c in ("standby", "online", "maintenance", "ready", "clearstate")),
}
"""Commands after which ``-w`` waits for the cluster to settle (crmsh's @command.wait)."""
LEVELS = ("configure", "resource", "node", "ra", "cib", "cluster", "options", "status", "corosync")
SUBLEVELS: dict[str, tuple[str, ...]] = {"": LEVELS, "configure": ("ra",)}
"""The levels entered from each level (configure has its own ``ra``; its ``cib`` runs as a command)."""
COLORS = {"ERROR": "\x1b[31m", "WARNING": "\x1b[33m", "INFO": "\x1b[32m"}


ACL_WORDS_OF_SCHEMA_1 = {"user": True, "acl_target": False, "acl_group": False}
"""ACL objects by whether only 1.x schemas have them (``acl_user``) or only later ones."""


def _schema_has(validate_with: str, word: str) -> bool:
    """Whether the CIB's schema has the element the configure word ``word`` makes (crmsh
    refuses ``user`` on a pacemaker-2.0 or later schema, ``acl_target`` before it)."""
    if word not in ACL_WORDS_OF_SCHEMA_1:
        return True
    m = re.fullmatch(r"pacemaker-(\d+)\.\d+", validate_with)
    old = m is not None and int(m.group(1)) < 2
    return old == ACL_WORDS_OF_SCHEMA_1[word]


class CibChanged(CibError):
    """The configuration changed underneath the session since it was read."""


NOT_CONFIGURE_COMMANDS = ("acl_group", "fencing-topology")
"""Definitions crmsh 4.4.1 reads in a file (load, edit) but has no configure command for."""


class CommandFailed(Exception):
    """A command reported its error already; the line fails."""


@dataclass
class Options:
    force: bool = False
    color: bool = False
    wait: bool = False
    interactive: bool = False
    batch: bool = True
    """Commands from a file or a pipe (crmsh refuses ``edit`` then)."""
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))


class AgentCatalog:
    """Agents on this machine and their meta-data (pacer's lrmd lookup)."""

    def __init__(self, env: Mapping[str, str]) -> None:
        from lrmd.agent_paths import AgentLocator

        self.locator = AgentLocator.from_env(env)
        self.env = dict(env)
        self._meta: dict[tuple[str, str | None, str], str | None] = {}

    def providers_of(self, typ: str) -> list[str]:
        return [p for p in self.providers() if typ in self.locator.list_agents("ocf", p)]

    def providers(self) -> list[str]:
        return self.locator.list_providers()

    def classes(self) -> list[str]:
        return ["lsb", "ocf / " + " ".join(self.providers()), "service", "stonith"]

    def agents(self, cls: str, provider: str | None = None) -> list[str]:
        if cls == "ocf" and provider is None:
            names: set[str] = set()
            for p in self.providers():
                names.update(self.locator.list_agents("ocf", p))
            return sorted(names)
        return self.locator.list_agents(cls, provider)

    def metadata_text(self, cls: str, provider: str | None, typ: str) -> str | None:
        key = (cls, provider, typ)
        if key in self._meta:
            return self._meta[key]
        text: str | None = None
        if cls == "ocf":
            ref = self.locator.resolve(cls, provider, typ)
            if ref is not None:
                env = dict(self.env)
                env.setdefault("OCF_ROOT", str(self.locator.ocf_root))
                env["OCF_RESOURCE_INSTANCE"] = typ
                env["OCF_RA_VERSION_MAJOR"] = "1"
                env["OCF_RA_VERSION_MINOR"] = "1"
                env["OCF_RESOURCE_TYPE"] = typ
                if provider:
                    env["OCF_RESOURCE_PROVIDER"] = provider
                try:
                    proc = subprocess.run(
                        [str(ref.path), "meta-data"], capture_output=True, text=True, env=env, timeout=30, check=False
                    )
                    if proc.returncode == 0 and proc.stdout.strip():
                        text = proc.stdout
                except (OSError, subprocess.SubprocessError):
                    text = None
        elif cls == "lsb":
            ref = self.locator.resolve(cls, None, typ)
            if ref is not None:
                from lrmd.lsb_metadata import lsb_metadata

                text = lsb_metadata(typ, ref.path)
        elif cls == "stonith":
            text = "<resource-agent/>"
        self._meta[key] = text
        return text

    def info(self, cls: str, provider: str | None, typ: str) -> AgentInfo | None:
        text = self.metadata_text(cls, provider, typ)
        if text is None:
            return None
        try:
            root = etree.fromstring(text.encode())
        except etree.XMLSyntaxError:
            return None
        params = tuple(p.get("name") or "" for p in root.iterfind("parameters/parameter"))
        required = tuple(p.get("name") or "" for p in root.iterfind("parameters/parameter") if p.get("required") in ("1", "true"))
        timeouts = {a.get("name") or "": a.get("timeout") or "" for a in root.iterfind("actions/action") if a.get("timeout")}
        actions = tuple({str(k): str(v) for k, v in a.attrib.items()} for a in root.iterfind("actions/action"))
        unique = tuple(p.get("name") or "" for p in root.iterfind("parameters/parameter") if p.get("unique") == "1")
        return AgentInfo(params, required, timeouts, actions, unique)


class Session:
    def __init__(
        self,
        source_factory: Callable[[Mapping[str, str]], object],
        options: Options,
        out: TextIO,
        err: TextIO,
        stdin: TextIO | None = None,
    ) -> None:
        self.source_factory = source_factory
        self.opts = options
        self.env = dict(options.env)
        self.live_env = {k: v for k, v in self.env.items() if k != "CIB_shadow"}
        """Where ``cib commit``/``reset``/``new`` take the CIB from: the session's own source."""
        self.out = out
        self.err = err
        self.stdin = stdin
        self.level: list[str] = []
        self.base: CibDocument | None = None
        self.work: CibDocument | None = None
        self.failed = False
        self.catalog = AgentCatalog(self.env)
        self.tooldir = Path(sys.executable).parent
        self.line_no = 0
        self.id_refs: dict[str, str] = {}
        """``$id-ref=`` ids read in this session (crmsh's id_refs: see RenderContext)."""
        self._rest_of_stream: Callable[[], str] | None = None

    # -- output -------------------------------------------------------------------------
    def log(self, level: str, text: str) -> None:
        """ERROR lines go to stderr, WARNING and INFO lines to stdout (as crmsh's)."""
        prefix = f"{COLORS[level]}{level}\x1b[0m" if self.opts.color else level
        where = f"{self.line_no}: " if (level == "ERROR" and self.line_no and not self.opts.interactive) else ""
        stream = self.err if level == "ERROR" else self.out
        stream.write(f"{prefix}: {where}{text}\n")
        stream.flush()

    def error(self, text: str) -> None:
        self.log("ERROR", text)

    def fail(self, text: str) -> CommandFailed:
        self.error(text)
        return CommandFailed(text)

    def print(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    @property
    def source(self) -> object:
        return self.source_factory(self.env)

    # -- driving ------------------------------------------------------------------------
    def run_text(self, text: str) -> int:
        """Run a command stream (``crm -f``); 1 if any command failed.  ``load ... -`` in it
        takes the rest of the stream as the text to load (crmsh reads its standard input,
        which is the stream), and the stream ends there."""
        physical = text.split("\n")
        lines = logical_lines(text)
        taken = False

        def rest_after(number: int) -> str:
            nonlocal taken
            taken = True
            last = number
            while last <= len(physical) and physical[last - 1].strip().endswith("\\"):
                last += 1
            return "\n".join(physical[last:])

        for number, line in lines:
            self.line_no = number
            self._rest_of_stream = lambda n=number: rest_after(n)  # type: ignore[misc]
            if not self.execute(line, number):
                self.failed = True
            if taken:
                break
        self._rest_of_stream = None
        self.line_no = 0
        if not self.finish():
            self.failed = True
        return 1 if self.failed else 0

    def finish(self) -> bool:
        """End of input: leave the levels (the configure level commits pending changes)."""
        ok = True
        while self.level:
            ok = self._leave() and ok
        return ok

    def execute(self, text: str, number: int = 0) -> bool:
        try:
            line = tokenize(text, number)
        except LexError as e:
            self.error(f"line {e.line}, column {e.column}: {e.message}")
            return False
        if not line.tokens or is_comment(line):
            return True
        for w in line.warnings:
            self.log("WARNING", w)
        try:
            return self.dispatch(line.tokens) is not False
        except CommandFailed:
            return False
        except CibError as e:
            self.error(str(e))
            return False

    def dispatch(self, tokens: list[Token]) -> bool | None:
        words = [t.text for t in tokens]
        cmd = words[0]
        lvl = self.level[-1] if self.level else ""
        matched = lookup_word(lvl, cmd)
        if matched is not None and matched != cmd:
            self.log("INFO", f'"{cmd}" is accepted as "{matched}"')
            cmd = words[0] = matched
            tokens = [Token(matched, tokens[0].line, tokens[0].column), *tokens[1:]]
        canonical = ALIASES.get(lvl, {}).get(cmd) or ALIASES["*"].get(cmd)
        if canonical is not None and lvl in LEVEL_WORDS and cmd not in LEVEL_WORDS[lvl]:
            canonical = None  # not a word of this level (``end`` at the top): no such command
        if canonical is not None:
            if cmd not in ("-h", "--help"):
                self.log("WARNING", f"This command '{cmd}' is deprecated, please use '{canonical}'")
            self.log("INFO", f'"{cmd}" is accepted as "{canonical}"')
            cmd = words[0] = canonical
            tokens = [Token(canonical, tokens[0].line, tokens[0].column), *tokens[1:]]
        # navigation
        if cmd in ("quit", "exit", "bye"):
            ok = self.finish()
            raise SystemExit(0 if ok and not self.failed else 1)
        if cmd in ("up", "end") and self.level:
            return self._leave()
        if cmd == "cd":
            self._cd(words[1] if len(words) > 1 else "..")
            return True
        if cmd == "help" or cmd == "?":
            self.print(helptext.help_for(lvl, words[1] if len(words) > 1 else None))
            return True
        if cmd == "ls":
            self.print("  ".join(helptext.commands_of(lvl)))
            return True
        # a level name (of a level reachable from this one), possibly with a command after it
        if cmd in SUBLEVELS.get(lvl, ()):
            if cmd == "status":
                return self.cmd_status(words[1:])
            if len(words) == 1:
                if cmd == "configure":
                    self._enter_configure()
                self.level.append(cmd)
                return True
            # one-liner: run the command in that level, then leave it
            saved = list(self.level)
            self.level.append(cmd)
            if cmd == "configure":
                self._enter_configure()
            try:
                ok = self.dispatch(tokens[1:]) is not False
            finally:
                leave_ok = True
                while len(self.level) > len(saved):
                    leave_ok = self._leave() and leave_ok
            return ok is not False and leave_ok
        handler = getattr(self, f"{lvl or 'root'}_{cmd.replace('-', '_')}", None)
        if handler is not None and self.opts.wait and (lvl, cmd) in WAITING:
            result = handler(words[1:])
            if result is not False:
                self.wait_for_idle()
            return result is not False
        if handler is None and lvl == "configure" and cmd.lower() in DEFINITION_KINDS and cmd.lower() not in NOT_CONFIGURE_COMMANDS:
            return self.configure_define(tokens)
        if handler is None:
            where = f"{lvl}." if lvl else ""
            raise self.fail(f"{where}{cmd}: No such command")
        result = handler(words[1:])
        return result is not False

    def _cd(self, path: str) -> None:
        """crmsh 4.4.1's ``cd PATH``: ``..`` goes up (nothing at the top), ``.`` and an empty
        part stay, a name enters that level of the current one; ``A/B`` is ``cd A`` then ``cd B``
        (a leading ``/`` is not the top); a name that is no level here stops it."""
        head, sep, rest = path.partition("/")
        if sep:
            self._cd(head)
            self._cd(rest)
            return
        if head == "..":
            if self.level:
                self._leave()
            return
        if head in (".", ""):
            return
        lvl = self.level[-1] if self.level else ""
        if head not in SUBLEVELS.get(lvl, ()) or head == "status":
            raise self.fail(f"{head} not found in {lvl or 'root'}")
        if head == "configure":
            self._enter_configure()
        self.level.append(head)

    def _leave(self) -> bool:
        lvl = self.level.pop()
        if lvl == "configure":
            ok = True
            if self.changed():
                ok = self.commit(force=self.opts.force)
            self.base = self.work = None
            return ok
        return True

    # -- the configure working copy -----------------------------------------------------------
    def _enter_configure(self) -> None:
        if self.work is None:
            self.refresh_copy()

    def refresh_copy(self) -> None:
        doc = self.source.read()  # type: ignore[attr-defined]
        self.base = doc
        self.work = doc.copy()
        conf = self.work.root.find("configuration")
        if conf is not None:
            sanitize(conf)

    def conf(self) -> Configuration:
        if self.work is None:
            self.refresh_copy()
        assert self.work is not None
        return Configuration(self.work.root, self.id_refs)

    def changed(self) -> bool:
        if self.base is None or self.work is None:
            return False
        a, b = self.base.root.find("configuration"), self.work.root.find("configuration")
        if a is None or b is None:
            return a is not b
        a = etree.fromstring(etree.tostring(a))
        sanitize(a)
        return not same_xml(a, b) or self.base.root.get("validate-with") != self.work.root.get("validate-with")

    def report(self, msgs: Messages) -> bool:
        for w in msgs.warnings:
            self.log("WARNING", w)
        for i in msgs.infos:
            self.log("INFO", i)
        for e in msgs.errors:
            self.error(e)
        return not msgs.errors

    def configure_define(self, tokens: list[Token]) -> bool:
        conf = self.conf()
        word = tokens[0].text.lower()
        if not _schema_has(conf.cib.get("validate-with") or "", word):
            raise self.fail(f"{word} not supported by the RNG schema")
        try:
            definition = parse_definition(tokens, providers=self.catalog.providers_of, nodes=conf.node_names, ignore_empty=False)
        except ParseError as e:
            hint = f" ({e.hint})" if e.hint else ""
            near = f" near <{e.token.text}>" if e.token else ""
            col = (f" (line {e.line}, column {e.column})" if e.line else f" (column {e.column})") if e.token else ""
            raise self.fail(f"syntax in {e.context}: {e.message}{near} parsing '{' '.join(e.words)}'{col}{hint}") from None
        note_id_refs(definition, self.id_refs)
        if definition.kind == "ms":
            child = definition.node.children[-1].get("id") if definition.node.children else ""
            metas = " ".join(
                f"{n.get('name')}={n.get('value')}"
                for c in definition.node.children
                if c.tag == "meta_attributes"
                for n in c.children
                if n.get("value") is not None
            )
            suggestion = f"clone {definition.node.get('id')} {child} meta {metas + ' ' if metas else ''}promotable=true"
            self.log("WARNING", f'"ms" is deprecated. Please use "{suggestion}"')
        msgs = Messages()
        try:
            conf.apply(definition, msgs)
        except ConfigError as e:
            raise self.fail(str(e)) from None
        return self.report(msgs)

    def _agent_info(self, cls: str, provider: str | None, typ: str) -> AgentInfo | None:
        return self.catalog.info(cls, provider, typ)

    def check(self, doc: CibDocument, changed_only: bool) -> tuple[bool, bool]:
        """Run crm_verify's checks and crmsh's; print them; (errors?, anything?)."""
        errors = False
        # crmsh gives crm_verify the configuration only; pacer's verify is given the status
        # too, without which it would warn of fencing unseen nodes where Pacemaker, finding
        # no quorum, does not
        report = verify(_without_unconfigured_nodes_state(doc.root))
        for problem in report.schema_errors:
            self.error(f"{problem.element or ''} ({problem.line or 0}): {problem.reason}".strip())
            errors = True
        # crmsh shows the first line crm_verify prints as a warning when it is one, and every
        # later line as an error; Pacemaker starts with lines pacer's verify does not print
        # when fencing of unseen nodes is off or quorum is missing
        first = report.schema_valid and not _verify_leading_lines(doc.root)
        for f in report.findings:
            if f.severity is Severity.NOTICE:
                continue
            if f.severity is Severity.ERROR:
                errors = True
            if first and f.severity is Severity.WARNING:
                self.log("WARNING", f.render())
            else:
                self.error(f.render())
            first = False
        if report.has_errors and report.schema_valid:
            self.error("crm_verify: Errors found during check: config not valid")
        conf = doc.root.find("configuration")
        if conf is not None:
            changed: set[str] | None = None
            if changed_only and self.base is not None:
                changed = _changed_ids(self.base.root, doc.root)
            for finding in semantic_checks(conf, self._agent_info, changed):
                if finding.severity == "error":
                    errors = True
                    self.error(finding.text)
                else:
                    errors = errors or finding.severity == "unique"  # a warning that refuses the commit
                    self.log("WARNING", finding.text)
        return errors, True

    def commit(self, force: bool = False, replace: bool = False) -> bool:
        if not self.changed():
            self.log("INFO", "apparently there is nothing to commit")
            self.log("INFO", "try changing something first")
            return True
        assert self.work is not None and self.base is not None
        has_primitives = bool(xp(self.work.root, "configuration/resources//primitive"))
        errors = False
        if has_primitives:
            errors, _ = self.check(self.work, changed_only=True)
        if errors and not (force or self.opts.force):
            return False
        if errors:
            self.log("INFO", "commit forced")
        base_conf = self.base.root.find("configuration")
        new_conf = self.work.root.find("configuration")
        new_schema = self.work.root.get("validate-with")

        def change(doc: CibDocument) -> None:
            current = doc.root.find("configuration")
            if base_conf is not None and current is not None and not same_xml(base_conf, current):
                raise CibChanged("CIB changed in the meantime: won't touch it! Use 'refresh' to read it again, then redo your changes")
            if new_schema:
                doc.root.set("validate-with", new_schema)
            assert new_conf is not None
            replacement = etree.fromstring(etree.tostring(new_conf))
            if current is None:
                doc.root.insert(0, replacement)
            else:
                doc.root.replace(current, replacement)

        try:
            _result, outcome = self.source.modify(change, config_change=True)  # type: ignore[attr-defined]
        except CibChanged as e:
            self.error(str(e))
            return False
        except CibError as e:
            self.error(f"could not commit: {e}")
            return False
        self.base = outcome.document
        self.work = outcome.document.copy()
        conf = self.work.root.find("configuration")
        if conf is not None:
            sanitize(conf)  # crmsh reads the CIB again after a commit
        return True

    # -- configure commands ---------------------------------------------------------------
    def configure_commit(self, args: list[str]) -> bool:
        for a in args:
            if a not in ("force", "replace"):
                raise self.fail(f"syntax: configure.commit {a}")
        return self.commit(force="force" in args, replace="replace" in args)

    def configure_refresh(self, args: list[str]) -> bool:
        if self.changed():
            self.log("WARNING", "discarding the changes that were not committed")
        self.refresh_copy()
        return True

    def configure_verify(self, args: list[str]) -> bool:
        assert self.work is not None or self.conf()
        assert self.work is not None
        errors, _ = self.check(self.work, changed_only=False)
        return not errors

    def configure_show(self, args: list[str]) -> bool:
        conf = self.conf()
        as_xml = bool(args) and args[0] == "xml"
        rest = args[1:] if as_xml else args
        if "changed" in rest:
            rest = [a for a in rest if a != "changed"]
            objs = self._changed_objects(conf)
        else:
            try:
                objs = conf.select(rest)
            except ConfigError as e:
                raise self.fail(str(e)) from None
        if as_xml:
            self.out.write(self._xml_of(conf, objs if rest else None))
            self.out.flush()
            return True
        text = conf.show(objs)
        if text:
            self.print(text)
        return True

    def _changed_objects(self, conf: Configuration) -> list[etree._Element]:
        if self.base is None:
            return []
        old = Configuration(etree.fromstring(etree.tostring(self.base.root)))
        out = []
        for o in conf.objects():
            prev = old.find(conf.object_id(o))
            if prev is None or not same_xml(prev, o):
                out.append(o)
        return out

    def _xml_of(self, conf: Configuration, objs: Sequence[etree._Element] | None) -> str:
        assert self.work is not None
        root = etree.Element("cib")
        for k, v in self.work.root.attrib.items():
            root.set(k, v)
        c = etree.SubElement(root, "configuration")
        if objs is None:
            for sec in conf.conf:
                c.append(etree.fromstring(etree.tostring(sec)))
        else:
            for tag in ("crm_config", "nodes", "resources", "constraints"):
                etree.SubElement(c, tag)
            for o in objs:
                top = o
                while top.getparent() is not None and top.getparent().tag in ("group", "clone", "master"):  # type: ignore[union-attr]
                    top = top.getparent()  # type: ignore[assignment]
                parent = top.getparent()
                ptag = str(parent.tag) if parent is not None else "configuration"
                target = c.find(ptag)
                if target is None:
                    target = etree.SubElement(c, ptag)
                if top.getparent() is not None and ptag == "configuration":
                    target = c
                target.append(etree.fromstring(etree.tostring(top)))
        text = etree.tostring(root, pretty_print=True, encoding="unicode")
        return '<?xml version="1.0" ?>\n' + text + "\n"

    def configure_delete(self, args: list[str]) -> bool:
        if not args:
            raise self.fail("usage: delete [--force] <id> [<id>...]")
        msgs = Messages()
        force = self.opts.force or "--force" in args
        # crmsh: with --force a missing object is not an error
        self.conf().delete_many([a for a in args if a not in ("--force", "force")], msgs, force=force)
        return self.report(msgs)

    configure_rm = configure_delete

    def configure_rename(self, args: list[str]) -> bool:
        if len(args) != 2:
            raise self.fail("usage: rename <old_id> <new_id>")
        msgs = Messages()
        try:
            self.conf().rename(args[0], args[1], msgs)
        except ConfigError as e:
            raise self.fail(str(e)) from None
        return self.report(msgs)

    def configure_modgroup(self, args: list[str]) -> bool:
        if len(args) < 3:
            raise self.fail("usage: modgroup <id> add <id> [after <id>|before <id>] | remove <id>")
        if args[1] not in ("add", "remove"):
            self.error(f"modgroup subcommand {args[1]} unknown")
            return False
        rest = args[3:]
        if rest:  # the checks in crmsh's order
            if args[1] != "add":
                raise self.fail(f"Expected add (found {args[1]})")
            if rest[0] not in ("after", "before"):
                raise self.fail(f"Expected after|before (found {rest[0]})")
            if len(rest) != 2:
                raise self.fail(f"Expected 'after|before <id>' ({len(rest)} arguments given)")
        where = rest[0] if rest else None
        ref = rest[1] if rest else None
        try:
            self.conf().modgroup(args[0], args[1], args[2], where, ref)
        except ConfigError as e:
            raise self.fail(str(e)) from None
        return True

    def configure_erase(self, args: list[str]) -> bool:
        if args and args != ["nodes"]:
            raise self.fail("usage: erase [nodes]")
        msgs = Messages()
        conf = self.conf()
        if args:
            for n in list(xp(conf.conf, "nodes/node")):
                conf.delete(conf.object_id(n), msgs)
        else:
            conf.erase_objects(msgs)
        return self.report(msgs)

    def _read_input(self, name: str) -> str:
        if name == "-":
            if self._rest_of_stream is not None:
                return self._rest_of_stream()
            return (self.stdin or sys.stdin).read()
        try:
            return Path(name).read_text()
        except OSError as e:
            raise self.fail(f"could not read {name}: {e.strerror}") from None

    def load_text(self, text: str, method: str) -> bool:
        """Apply a configure-language text (``load``, ``edit``): objects with existing ids
        are replaced (``update``) or the whole configuration is replaced (``replace``)."""
        conf = self.conf()
        definitions = []
        ok = True
        comments: list[str] = []
        for number, line in logical_lines(text):
            try:
                toks = tokenize(line, number)
            except LexError as e:
                self.error(str(e))
                ok = False
                continue
            if not toks.tokens:
                continue
            if is_comment(toks):
                comments.append(line.strip())  # kept in the next object, as crmsh does
                continue
            try:
                definition = parse_definition(toks.tokens, providers=self.catalog.providers_of, nodes=conf.node_names)
                definitions.append(definition)
                note_id_refs(definition, self.id_refs)
                if comments:
                    holder = definition.node
                    if definition.kind in ("rsc_defaults", "op_defaults") and holder.children:
                        holder = holder.children[0]
                    holder.comments[:0] = comments
                    comments = []
            except ParseError as e:
                self.error(str(e))
                ok = False
        if not ok:
            return False
        if method == "replace":
            conf.erase(nodes=False)  # nodes the text does not name stay (as crmsh's)
        snapshot = self.work.copy() if self.work is not None else None
        msgs = Messages()
        # leaf objects first, so groups and clones find their children
        order = {"node": 0, "rsc_template": 1, "primitive": 2, "group": 3, "clone": 4, "ms": 4}
        for d in sorted(definitions, key=lambda d: order.get(d.kind, 5)):
            try:
                conf.apply(d, msgs, replace=True)
            except ConfigError as e:
                self.error(str(e))
                ok = False
        # crmsh takes the text as a whole: a constraint naming an object that does not exist
        # refuses all of it
        missing = [
            (d.node.attrs.get("id", ""), ref)
            for d in definitions
            if d.kind in ("location", "colocation", "order", "rsc_ticket")
            for ref in _crmsh_referenced(conf.find(d.node.attrs.get("id", "")))
            if (found := conf.find(ref)) is None or found.tag == "node"
        ]
        if missing:
            for cid, ref in missing:
                self.error(f"constraint {cid} references a resource {ref} which doesn't exist")
            if snapshot is not None:
                self.work = snapshot
            return False
        return self.report(msgs) and ok

    def load_xml(self, text: str, method: str) -> bool:
        try:
            root = etree.fromstring(text.encode())
        except etree.XMLSyntaxError as e:
            raise self.fail(f"cannot parse XML: {e}") from None
        conf_new = root.find("configuration") if root.tag == "cib" else (root if root.tag == "configuration" else None)
        if conf_new is None:
            raise self.fail("no configuration element found")
        assert self.work is not None or self.conf()
        assert self.work is not None
        current = self.work.root.find("configuration")
        sanitize(conf_new)  # as crmsh holds the objects it reads
        if method == "replace" or current is None:
            if current is None:
                self.work.root.insert(0, conf_new)
            else:
                self.work.root.replace(current, conf_new)
            return True
        for sec in conf_new:
            mine = current.find(str(sec.tag))
            if mine is None:
                current.append(sec)
                continue
            for obj in list(sec):
                ident = obj.get("id")
                old = mine.find(f"*[@id='{ident}']") if ident else None
                if old is not None:
                    mine.replace(old, obj)
                else:
                    mine.append(obj)
        return True

    def configure_load(self, args: list[str]) -> bool:
        # crmsh 4.4.1's argument checks, in its order and words
        if len(args) < 2:
            raise self.fail("Expected 2 arguments (0 given)")
        xml = args[0] == "xml"
        if xml and len(args) != 3:
            raise self.fail(f"Expected 3 arguments ({len(args)} given)")
        if not xml and len(args) != 2:
            raise self.fail(f"Expected 2 arguments ({len(args)} given)")
        method, name = args[-2], args[-1]
        if method not in ("replace", "update", "push"):
            raise self.fail(f"Unknown method {method}")
        if method == "replace":
            # crmsh erases the objects (with erase's messages) before it reads the input, so
            # an input that cannot be read or parsed leaves an empty configuration behind
            msgs = Messages()
            self.conf().erase_objects(msgs)
            self.report(msgs)
        text = self._read_input(name)
        if xml or text.lstrip().startswith("<"):
            return self.load_xml(text, "replace" if method == "push" else method)
        return self.load_text(text, "replace" if method == "push" else method)

    def configure_save(self, args: list[str]) -> bool:
        xml = False
        if args and args[0] == "xml":
            xml, args = True, args[1:]
        if not args:
            raise self.fail("usage: save [xml] <filename>")
        conf = self.conf()
        text = self._xml_of(conf, None) if xml else conf.show() + "\n"
        if args[0] == "-":
            self.out.write(text)
            return True
        try:
            Path(args[0]).write_text(text)
        except OSError as e:
            raise self.fail(f"could not write {args[0]}: {e.strerror}") from None
        return True

    def configure_edit(self, args: list[str]) -> bool:
        if self.opts.batch:
            self.log("INFO", "edit not allowed in batch mode")
            return False
        conf = self.conf()
        try:
            objs = conf.select([a for a in args if a != "xml"])
        except ConfigError as e:
            raise self.fail(str(e)) from None
        text = conf.show(objs) + "\n"
        editor = self.env.get("EDITOR") or self.env.get("VISUAL") or "vi"
        with tempfile.NamedTemporaryFile("w", suffix=".crm", delete=False) as f:
            f.write(text)
            path = f.name
        try:
            rc = subprocess.call(f"{editor} {shlex.quote(path)}", shell=True, env=self.env)
            if rc != 0:
                raise self.fail(f"editor {editor} exited with {rc}; nothing changed")
            new = Path(path).read_text()
        finally:
            os.unlink(path)
        if new == text:
            return True
        # objects removed in the editor are deleted
        ids_before = [conf.object_id(o) for o in objs]
        kept = self._ids_in(new)
        msgs = Messages()
        for ident in ids_before:
            if ident not in kept and conf.find(ident) is not None:
                with contextlib.suppress(ConfigError):
                    conf.delete(ident, msgs)
        return self.load_text(new, "update") and self.report(msgs)

    def _ids_in(self, text: str) -> set[str]:
        ids: set[str] = set()
        for number, line in logical_lines(text):
            try:
                toks = tokenize(line, number)
            except LexError:
                continue
            if len(toks.tokens) >= 2 and not is_comment(toks):
                kind = toks.tokens[0].text
                word = toks.tokens[1].text
                if kind in ("property", "rsc_defaults", "op_defaults"):
                    word = word[:-1] if word.endswith(":") else {"property": "cib-bootstrap-options", "rsc_defaults": "rsc-options", "op_defaults": "op-options"}[kind]
                ids.add(word.split(":")[0] if kind == "node" else word)
        return ids

    def configure_upgrade(self, args: list[str]) -> bool:
        from crm.cib.upgrade import upgrade

        assert self.work is not None or self.conf()
        assert self.work is not None
        try:
            new_root = upgrade(self.work.root)
        except Exception as e:
            raise self.fail(f"upgrade failed: {e}") from None
        if new_root is not None and new_root is not self.work.root:
            self.work = CibDocument(new_root)
        return True

    def configure_schema(self, args: list[str]) -> bool:
        self.conf()
        assert self.work is not None
        if not args:
            self.print(self.work.root.get("validate-with") or "")
            return True
        self.work.root.set("validate-with", args[0])
        return True

    def configure_xml(self, args: list[str]) -> bool:
        text = " ".join(args)
        try:
            elem = etree.fromstring(text.encode())
        except etree.XMLSyntaxError as e:
            raise self.fail(f"cannot parse XML: {e}") from None
        conf = self.conf()
        from crm.shell.config import TOP

        sec = conf.section(TOP.get(str(elem.tag), "resources"))
        assert sec is not None
        sec.append(elem)
        return True

    def configure_ptest(self, args: list[str]) -> bool:
        self.conf()
        assert self.work is not None
        with tempfile.NamedTemporaryFile("w", suffix=".xml", delete=False) as f:
            f.write(self.work.to_text())
            path = f.name
        try:
            flags = ["-S"] if not args else []
            if "scores" in args:
                flags.append("-s")
            if "utilization" in args:
                flags.append("-U")
            if "actions" in args:
                flags.append("-S")
            rc = self.run_tool(["crm_simulate", "-x", path, *flags])
        finally:
            os.unlink(path)
        return rc == 0

    configure_simulate = configure_ptest

    def configure_cib(self, args: list[str]) -> bool:
        return self.cib_dispatch(args)

    def configure_default_timeouts(self, args: list[str]) -> bool:
        """crmsh 4.4.1's ``default-timeouts ID...``: each primitive's start, stop and monitor
        ops (migrate_to/from with allow-migrate, promote/demote under a promotable parent) get
        the agent's advised timeout, missing start/stop... ops are added with it.  As crmsh's,
        the list of ops still to add is shared by the primitives named in one command."""
        conf = self.conf()
        implied, implied_ms, implied_migrate = ["start", "stop"], ["promote", "demote"], ["migrate_to", "migrate_from"]
        ok = True
        for ident in args:
            obj = conf.find_resource(ident)
            if obj is None:
                self.error(f"object {ident} does not exist")
                ok = False
                continue
            if obj.tag != "primitive":
                self.log("WARNING", f"element {ident} is not a primitive")
                ok = False
                continue
            agent = obj
            if obj.get("template"):
                found = xp(conf.conf, "resources/template[@id=$t]", t=obj.get("template") or "")
                if not found:
                    self.log("WARNING", f"template for {ident} not defined")
                    ok = False
                    continue
                agent = found[0]
            info = self._agent_info(agent.get("class") or "", agent.get("provider"), agent.get("type") or "")
            if info is None:
                asymmetric = xs(conf.conf, "crm_config/cluster_property_set/nvpair[@name='symmetric-cluster']/@value")
                if not (asymmetric and is_false(str(asymmetric[0]))):
                    self.error(f"no resource agent found for {ident}")
                continue
            migrates = "true" in [str(v) for v in xs(obj, ".//nvpair[@name='allow-migrate']/@value")]
            parent = obj.getparent()
            promotable = parent is not None and (
                parent.tag == "master"
                or (parent.tag == "clone" and any(str(v).lower() in ("true", "yes", "on", "1") for v in xs(parent, "meta_attributes/nvpair[@name='promotable']/@value")))
            )
            for op in xp(obj, "operations/op"):
                name = op.get("name")
                if not name:
                    continue
                if name in implied:
                    implied.remove(name)
                elif migrates and name in implied_migrate:
                    implied_migrate.remove(name)
                elif promotable and name in implied_ms:
                    implied_ms.remove(name)
                elif name != "monitor":
                    continue
                advised = advised_value(info, name, "timeout", op.get("role"), op.get("depth"))
                if advised:
                    op.set("timeout", advised)
            todo = implied
            if migrates:
                todo += implied_migrate
            if promotable:
                todo += implied_ms
            for name in todo:
                advised = advised_value(info, name, "timeout", None, None)
                if not advised:
                    continue
                if find_operation(obj, name, "0") is not None:
                    self.error(f"{ident} already has a {name} op with interval 0")
                    ok = False
                    continue
                op = etree.Element("op", name=name, timeout=advised, interval="0")
                op.set("id", conf.ids.new(op, ident))
                ops = obj.find("operations")
                if ops is None:
                    ops = etree.SubElement(obj, "operations")
                ops.append(op)
        return ok

    def configure_get_property(self, args: list[str]) -> bool:
        """crmsh 4.4.1's ``get_property [-t|--true] NAME...``: the value in the first property
        set that has it, else the option's default (controller, scheduler and CIB manager
        options); ``-t`` prints it as ``true``/``false``."""
        from crm.common.daemon_options import DAEMONS, OPTIONS

        names = [a for a in args if a not in ("-t", "--true")]
        truth = len(names) != len(args)
        if not names:
            return True
        conf = self.conf()
        defaults: dict[str, str | None] = {}
        for daemon in ("pacemaker-controld", "pacemaker-schedulerd", "pacemaker-based"):
            for option in DAEMONS[daemon].names:
                defaults.setdefault(option, OPTIONS[option].default)
        for name in names:
            found = xs(conf.conf, "crm_config/cluster_property_set/nvpair[@name=$n]/@value", n=name)
            value = str(found[0]) if found else defaults.get(name)
            if value is not None:
                self.print(("true" if value.lower() in ("yes", "true", "on", "1") else "false") if truth else value)
            elif truth:
                self.print("false")
            else:
                raise self.fail(f"{name}: Property not set")
        return True

    def configure_set(self, args: list[str]) -> bool:
        """crmsh 4.4.1's ``set ID.[OP.[INTERVAL.]]NAME VALUE``: the value of the one nvpair
        NAME in the object, or the attribute NAME of its operation OP (of that interval)."""
        if len(args) != 2:
            raise self.fail(f"Expected (path, value), got {', '.join(args) or 'nothing'}")
        path, value = args
        parts = path.split(".")
        if not 2 <= len(parts) <= 4:
            raise self.fail(f'Invalid path: "{path}"; Valid path: "id.[op_type.][interval.]name"')
        ident, *rest = parts
        conf = self.conf()
        obj = conf.find(ident)
        if obj is None:
            raise self.fail(f"Object {ident} not found")
        if len(rest) == 1:
            nvpairs = xp(obj, ".//nvpair[@name=$n]", n=rest[0])
            if not nvpairs:
                raise self.fail(f"Attribute not found: {path}")
            if len(nvpairs) != 1:
                raise self.fail(f"Expected 1 attribute named {rest[0]}, found {len(nvpairs)}")
            nvpairs[0].set("value", value)
        elif len(rest) == 2:
            ops = xp(obj, ".//operations/op[@name=$n]", n=rest[0])
            if not ops:
                raise self.fail(f'Operation "{rest[0]}" not found for resource {ident}')
            if len(ops) > 1:
                raise self.fail(f"Should specify interval of {rest[0]}")
            ops[0].set(rest[1], value)
        else:
            ops = xp(obj, ".//operations/op[@id=$i]", i=f"{ident}-{rest[0]}-{rest[1]}")
            if not ops:
                raise self.fail(f'Operation "{rest[0]}" interval "{rest[1]}" not found for resource {ident}')
            ops[0].set(rest[2], value)
        return True

    # -- external tools -----------------------------------------------------------------
    def run_tool(self, argv: list[str], quiet: bool = False) -> int:
        prog = self.tooldir / argv[0]
        cmd = [str(prog) if prog.exists() else argv[0], *argv[1:]]
        env = dict(self.env)
        env["PATH"] = f"{self.tooldir}{os.pathsep}{env.get('PATH', '')}"
        try:
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        except OSError as e:
            self.error(f"{argv[0]}: {e.strerror}")
            return 127
        if proc.stdout and not quiet:
            self.out.write(proc.stdout)
            self.out.flush()
        if proc.stderr:
            self.err.write(proc.stderr)
            self.err.flush()
        return proc.returncode

    def tool_output(self, argv: list[str]) -> tuple[int, str]:
        """Exit code and standard output of a tool (its standard error is passed on)."""
        prog = self.tooldir / argv[0]
        cmd = [str(prog) if prog.exists() else argv[0], *argv[1:]]
        env = dict(self.env)
        env["PATH"] = f"{self.tooldir}{os.pathsep}{env.get('PATH', '')}"
        try:
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        except OSError as e:
            self.error(f"{argv[0]}: {e.strerror}")
            return 127, ""
        if proc.stderr:
            self.err.write(proc.stderr)
            self.err.flush()
        return proc.returncode, proc.stdout

    def wait_for_idle(self, timeout: float = 120.0) -> bool:
        """``-w``: wait until the DC's controller is idle (no transition running), as crmsh's
        wait4dc does with ``crmadmin -D`` and ``crmadmin -S``.  Nothing to wait for offline."""
        if "CIB_file" in self.env or "CIB_shadow" in self.env:
            return True
        import time

        deadline = time.monotonic() + timeout
        env = dict(self.env)
        env["PATH"] = f"{self.tooldir}{os.pathsep}{env.get('PATH', '')}"
        time.sleep(0.5)
        while time.monotonic() < deadline:
            dc = subprocess.run(
                [str(self.tooldir / "crmadmin"), "-q", "-D"], env=env, capture_output=True, text=True, check=False
            ).stdout.strip()
            if dc:
                state = subprocess.run(
                    [str(self.tooldir / "crmadmin"), "-q", "-S", dc.split()[-1]], env=env, capture_output=True, text=True, check=False
                ).stdout.strip()
                if state == "S_IDLE":
                    return True
            time.sleep(0.5)
        self.log("WARNING", f"the cluster did not settle within {int(timeout)}s")
        return False

    def _no_pending(self) -> None:
        if self.changed():
            self.log("INFO", "Currently editing the CIB, changes will not be committed")

    # -- resource level -----------------------------------------------------------------
    def _meta_edit(self, resources: Sequence[str], name: str, value: str) -> bool:
        """Set a meta attribute as crmsh's set_deep_meta_attr does, and commit it."""
        if not resources:
            raise self.fail("Expected at least one resource as argument")

        def change(doc: CibDocument) -> None:
            conf = Configuration(doc.root)
            sanitize(conf.conf)
            for rsc in resources:
                _set_deep_meta(conf, rsc, name, value)

        try:
            self.source.modify(change)  # type: ignore[attr-defined]
        except ConfigError as e:
            raise self.fail(str(e)) from None
        if self.work is not None and not self.changed():
            self.refresh_copy()
        return True

    def resource_start(self, args: list[str]) -> bool:
        return self._meta_edit(args, "target-role", "Started")

    def resource_stop(self, args: list[str]) -> bool:
        return self._meta_edit(args, "target-role", "Stopped")

    def resource_restart(self, args: list[str]) -> bool:
        self.log("INFO", f"ordering {', '.join(args)} to stop")
        if not self._meta_edit(args, "target-role", "Stopped"):
            return False
        if "CIB_file" in self.env or "CIB_shadow" in self.env:
            # crmsh waits for the DC to finish stopping; on a file there is none
            self.log("WARNING", "can't find DC")
            return False
        if not self.wait_for_idle():
            return False
        self.log("INFO", f"ordering {', '.join(args)} to start")
        return self._meta_edit(args, "target-role", "Started")

    def resource_manage(self, args: list[str]) -> bool:
        return self._meta_edit(args[:1], "is-managed", "true")

    def resource_unmanage(self, args: list[str]) -> bool:
        return self._meta_edit(args[:1], "is-managed", "false")

    def resource_maintenance(self, args: list[str]) -> bool:
        if not args:
            raise self.fail("usage: maintenance <rsc> [on|off|true|false]")
        value = "true"
        if len(args) > 1:
            value = "false" if args[1] in ("off", "false") else "true"
        return self._meta_edit(args[:1], "maintenance", value)

    def _trace_edit(self, rsc: str, edit: Callable[[etree._Element, IdStore], None]) -> bool:
        """Apply a trace/untrace edit to primitive ``rsc`` and commit it (crmsh's messages)."""

        def change(doc: CibDocument) -> None:
            conf = Configuration(doc.root)
            el = conf.find_resource(rsc)
            if el is None:
                raise ConfigError(f"resource {rsc} does not exist")
            if el.tag != "primitive":
                raise ConfigError(f"element {rsc} is not a primitive resource")
            try:
                edit(el, conf.ids)
            except TraceError as e:
                raise ConfigError(str(e)) from None

        try:
            self.source.modify(change)  # type: ignore[attr-defined]
        except ConfigError as e:
            raise self.fail(str(e)) from None
        if self.work is not None and not self.changed():
            self.refresh_copy()
        return True

    def resource_trace(self, args: list[str]) -> bool:
        usage = "usage: trace <rsc> [<op>] [<interval>] [<log-dir>]"
        if not args:
            raise self.fail(usage)
        rsc, rest = args[0], [a for a in args[1:] if a != "force"]
        if len(rest) > 3:
            raise self.fail(usage)
        op: str | None = None
        interval: str | None = None
        where: str | None = None
        for arg in rest:
            if arg.startswith("/"):
                if where is not None:
                    raise self.fail(usage)
                where = arg
            elif arg.isnumeric():
                if interval is not None:
                    raise self.fail(usage)
                interval = arg
            else:
                if op is not None:
                    raise self.fail(usage)
                op = arg
        typ = ""

        def edit(prim: etree._Element, ids: IdStore) -> None:
            nonlocal typ
            typ = prim.get("type") or ""
            trace_ops.trace(prim, op, interval, where, ids)

        if not self._trace_edit(rsc, edit):
            return False
        shown = "monitor" if op == "probe" else op
        self.log("INFO", f"Trace for {rsc}{':' + shown if shown else ''} is written to /var/lib/heartbeat/trace_ra/{typ}")
        if shown is not None and shown != "monitor":
            self.log("INFO", f"Trace set, restart {rsc} to trace the {shown} operation")
        else:
            self.log("INFO", f"Trace set, restart {rsc} to trace non-monitor operations")
        return True

    def resource_untrace(self, args: list[str]) -> bool:
        if not args or len(args) > 3:
            raise self.fail("usage: untrace <rsc> [<op>] [<interval>]")
        rsc = args[0]
        op = args[1] if len(args) > 1 else None
        interval = args[2] if len(args) > 2 else None
        if not self._trace_edit(rsc, lambda prim, ids: trace_ops.untrace(prim, op, interval, ids)):
            return False
        shown = "monitor" if op == "probe" else op
        self.log("INFO", f"Stop tracing {rsc}{' for operation ' + shown if shown else ''}")
        return True

    def _promotable(self, rsc: str) -> bool:
        conf = Configuration(self.source.read().root)  # type: ignore[attr-defined]
        el = conf.find_resource(rsc)
        if el is None:
            return False
        if el.tag == "master":
            return True
        return el.tag == "clone" and bool(xp(el, "meta_attributes/nvpair[@name='promotable' and @value='true']"))

    def resource_promote(self, args: list[str]) -> bool:
        if len(args) != 1:
            raise self.fail("usage: promote <rsc>")
        if not self._promotable(args[0]):
            raise self.fail(f"{args[0]} is not a promotable resource")
        return self.run_tool(["crm_resource", "--meta", "--resource", args[0], "--set-parameter", "target-role", "--parameter-value", "Master"]) == 0

    def resource_demote(self, args: list[str]) -> bool:
        if len(args) != 1:
            raise self.fail("usage: demote <rsc>")
        if not self._promotable(args[0]):
            raise self.fail(f"{args[0]} is not a promotable resource")
        return self.run_tool(["crm_resource", "--meta", "--resource", args[0], "--set-parameter", "target-role", "--parameter-value", "Slave"]) == 0

    def resource_status(self, args: list[str]) -> bool:
        if not args:
            return self.run_tool(["crm_resource", "--list"]) == 0
        return all(self.run_tool(["crm_resource", "--locate", "--resource", r]) == 0 for r in args)

    resource_show = resource_status
    resource_list = resource_status

    def resource_locate(self, args: list[str]) -> bool:
        if not args:
            raise self.fail("Expected at least one resource as argument")
        for r in args:
            self.run_tool(["crm_resource", "--resource", r, "--locate"])
        return True

    def _node_names(self) -> list[str]:
        try:
            doc = self.source.read()  # type: ignore[attr-defined]
        except CibError:
            return []
        return Configuration(doc.root).node_names()

    def _move_or_ban(self, action: str, args: list[str]) -> bool:
        if not args:
            raise self.fail(f"usage: {action} <rsc> [<node>] [<lifetime>] [force]")
        rsc, rest = args[0], args[1:]
        trailing = 0  # only trailing "force" words are options (crmsh's fetch_opts)
        while trailing < len(rest) and rest[len(rest) - 1 - trailing] == "force":
            trailing += 1
        force = bool(trailing) or self.opts.force
        rest = rest[: len(rest) - trailing]
        if len(rest) >= 3:
            raise self.fail(f"usage: {action} <rsc> [<node>] [<lifetime>] [force]")
        nodes = {n.lower() for n in self._node_names()}
        node = lifetime = None
        if len(rest) == 2:
            node = rest[0]
            if node.lower() not in nodes:
                raise self.fail("Not our node: " + node)
            lifetime = _lifetime_word(rest[1])
        elif len(rest) == 1:
            if rest[0].lower() in nodes:
                node = rest[0]
            else:
                lifetime = _lifetime_word(rest[0])
        if action == "move" and not node and not force:
            raise self.fail("No target node: Move requires either a target node or 'force'")
        argv = ["crm_resource", "--move" if action == "move" else "--ban", "--resource", rsc]
        if node:
            argv += ["--node", node]
        if lifetime:
            argv += ["--lifetime", lifetime]
        if force:
            argv.append("--force")
        rc = self.run_tool(argv, quiet=action == "move")
        if rc == 0:
            cap = action.capitalize()
            self.log("INFO", f"{cap} constraint created for {rsc}" + (f" to {node}" if node else ""))
            self.log("INFO", f"Use `crm resource clear {rsc}` to remove this constraint")
        return rc == 0

    def resource_move(self, args: list[str]) -> bool:
        return self._move_or_ban("move", args)

    resource_migrate = resource_move

    def resource_ban(self, args: list[str]) -> bool:
        return self._move_or_ban("ban", args)

    def resource_clear(self, args: list[str]) -> bool:
        if len(args) != 1:
            raise self.fail("usage: clear <rsc>")
        rc = self.run_tool(["crm_resource", "--clear", "--resource", args[0]], quiet=True)
        if rc == 0:
            self.log("INFO", f"Removed migration constraints for {args[0]}")
        return rc == 0

    resource_unmove = resource_clear
    resource_unmigrate = resource_clear
    resource_unban = resource_clear

    def _attr_cmd(self, flag: list[str], args: list[str], what: str) -> bool:
        if len(args) < 3 or args[1] not in ("set", "delete", "show"):
            raise self.fail(f"Bad usage: '{args[1] if len(args) > 1 else ''}', command: '{what} {' '.join(args)}'")
        rsc, op, name = args[0], args[1], args[2]
        if op == "set":
            if len(args) != 4:
                raise self.fail(f"usage: {what} <rsc> set <param> <value>")
            argv = ["crm_resource", *flag, "--resource", rsc, "--set-parameter", name, "--parameter-value", args[3]]
        elif op == "delete":
            argv = ["crm_resource", *flag, "--resource", rsc, "--delete-parameter", name]
        else:
            argv = ["crm_resource", *flag, "--resource", rsc, "--get-parameter", name]
        return self.run_tool(argv) == 0

    def resource_param(self, args: list[str]) -> bool:
        return self._attr_cmd([], args, "param")

    def resource_meta(self, args: list[str]) -> bool:
        return self._attr_cmd(["--meta"], args, "meta")

    def resource_utilization(self, args: list[str]) -> bool:
        if len(args) < 3 or args[1] not in ("set", "delete", "show"):
            raise self.fail(f"Bad usage: '{args[1] if len(args) > 1 else ''}', command: 'utilization {' '.join(args)}'")
        rsc, op, name = args[0], args[1], args[2]
        if op == "show":
            doc = self.source.read()  # type: ignore[attr-defined]
            el = Configuration(doc.root).find_resource(rsc)
            if el is None:
                raise self.fail(f"Resource not found: {rsc}")
            values = xs(el, "utilization/nvpair[@name=$n]/@value", n=name)
            if not values:
                self.err.write(f"Attribute '{name}' not found for '{rsc}'\n")  # as crm_resource: not a failure
                return True
            self.print(values[0])
            return True
        if op == "set" and len(args) != 4:
            raise self.fail("usage: utilization <rsc> set <param> <value>")

        def change(doc: CibDocument) -> None:
            conf = Configuration(doc.root)
            el = conf.find_resource(rsc)
            if el is None:
                raise ConfigError(f"Resource not found: {rsc}")
            if op == "delete":
                for nvp in xp(el, "utilization/nvpair[@name=$n]", n=name):
                    parent = nvp.getparent()
                    assert parent is not None
                    parent.remove(nvp)
                    said.append(f"Deleted '{rsc}' option: id={nvp.get('id')} name={name}")
                return
            _set_in_set(conf, el, "utilization", name, args[3])
            for nvp in xp(el, "utilization/nvpair[@name=$n]", n=name):
                parent = nvp.getparent()
                assert parent is not None
                said.append(f"Set '{rsc}' option: id={nvp.get('id')} set={parent.get('id')} name={name} value={args[3]}")

        said: list[str] = []
        try:
            self.source.modify(change)  # type: ignore[attr-defined]
        except ConfigError as e:
            raise self.fail(str(e)) from None
        for line in said[-1:]:
            self.print(line)
        return True

    def resource_failcount(self, args: list[str]) -> bool:
        """crmsh's failcount: the node is looked up in ``crm_node -l`` (so on a CIB file, where
        there is no controller to ask, no node is in the cluster); ``set`` changes the one
        failcount of the resource on the node (or the one named by operation and interval)."""
        if len(args) < 3 or len(args) > 6:
            raise self.fail("usage: failcount <rsc> set <node> <value> [operation] [interval] | delete <node> | show <node>")
        rsc, op, node = args[0], args[1], args[2]
        extra: list[str | None] = [*args[3:], None, None, None]
        value, operation, interval = extra[:3]
        try:
            doc = self.source.read()  # type: ignore[attr-defined]
        except CibError as e:
            raise self.fail(str(e)) from None
        if rsc not in Configuration(doc.root).resource_ids():
            self.log("WARNING", f"resource.failcount: Resource {rsc} not exists in this cluster")
            return True
        if op not in ("set", "delete", "show"):
            raise self.fail(f"{op} is not valid command(should be one of ['set', 'delete', 'show'])")
        nodeid = self._cluster_node_id(node)
        if nodeid is None:
            raise self.fail(f"Node {node} not in this cluster")
        attr_name = rsc
        if op == "set":
            if value is None:
                raise self.fail("usage: failcount <rsc> set <node> <value> [operation] [interval]")
            states = xp(doc.root, "status/node_state[@id=$i]", i=nodeid)
            text = "".join(etree.tostring(st, encoding="unicode") for st in states)
            found: list[tuple[str, str]] = re.findall(rf"fail-count-{re.escape(rsc)}#(.*)_([0-9]+)", text)
            if not found:
                return value.isdigit() and int(value) == 0
            ops = dict(found)
            pairs = ", ".join(f"('{o}', '{i[:-3]}')" for o, i in found)
            if operation and operation not in ops:
                raise self.fail(f'Usage: failcount <rsc> set <node> <value> [operation] [interval]\nShould specify operation between "{" ".join(ops)}"')
            if operation and interval and (operation, interval + "000") not in found:
                raise self.fail(f"Usage: failcount <rsc> set <node> <value> [operation] [interval]\nShould specify (operation, interval) between [{pairs}]")
            if len(found) == 1:
                attr_name = f"{rsc}#{found[0][0]}_{ops[found[0][0]]}"
            elif operation and interval:
                attr_name = f"{rsc}#{operation}_{interval}000"
            elif value.isdigit() and int(value) == 0:
                alternatives = "|".join(f"{o}_{i}" for o, i in found if not operation or o == operation)
                return self.run_tool(["crm_attribute", "-t", "status", "-P", f"fail-count-{rsc}#({alternatives})", "-N", node, "-v", value]) == 0
            elif operation and sum(1 for o, _ in found if o == operation) == 1:
                attr_name = f"{rsc}#{operation}_{ops[operation]}"
            else:
                raise self.fail(f"Should specify (operation, interval) between [{pairs}]")
            return self.run_tool(["crm_attribute", "-t", "status", "-n", f"fail-count-{attr_name}", "-N", node, "-v", value]) == 0
        if op == "delete":
            return self.run_tool(["crm_failcount", "-D", "-r", rsc, "-N", node]) == 0
        return self.run_tool(["crm_failcount", "-G", "-r", rsc, "-N", node]) == 0

    def _cluster_node_id(self, name: str) -> str | None:
        """The id ``crm_node -l`` gives the node (None when it cannot tell)."""
        prog = self.tooldir / "crm_node"
        env = dict(self.env)
        env["PATH"] = f"{self.tooldir}{os.pathsep}{env.get('PATH', '')}"
        try:
            proc = subprocess.run([str(prog) if prog.exists() else "crm_node", "-l"], env=env, capture_output=True, text=True, check=False)
        except OSError:
            return None
        if proc.stderr:
            self.err.write(proc.stderr)
            self.err.flush()
        if proc.returncode != 0:
            return None
        found = re.search(rf"^([0-9]+) {re.escape(name)} ", proc.stdout, re.M)
        return found.group(1) if found else None

    def _refresh_cleanup(self, action: str, args: list[str]) -> bool:
        force = "force" in args
        rest = [a for a in args if a != "force"]
        argv = ["crm_resource", f"--{action}"]
        if rest:
            argv += ["--resource", rest[0]]
        if len(rest) > 1:
            argv += ["--node", rest[1]]
        if force:
            argv.append("--force")
        return self.run_tool(argv) == 0

    def resource_cleanup(self, args: list[str]) -> bool:
        return self._refresh_cleanup("cleanup", args)

    def resource_refresh(self, args: list[str]) -> bool:
        return self._refresh_cleanup("refresh", args)

    def resource_constraints(self, args: list[str]) -> bool:
        if len(args) != 1:
            raise self.fail("usage: constraints <rsc>")
        return self.run_tool(["crm_resource", "-a", "-r", args[0]]) == 0

    def resource_operations(self, args: list[str]) -> bool:
        argv = ["crm_resource", "-O"]
        if args:
            argv += ["-r", args[0]]
        if len(args) > 1:
            argv += ["-N", args[1]]
        return self.run_tool(argv) == 0

    def resource_scores(self, args: list[str]) -> bool:
        return self.run_tool(["crm_simulate", "-sUL"]) == 0

    # -- node level -----------------------------------------------------------------------
    def _this_node(self) -> str:
        import socket

        return socket.gethostname()

    def _standby(self, args: list[str], value: str) -> bool:
        """crmsh 4.4.1's standby/online: the ``standby`` nvpair of the node (``forever``,
        in the configuration) or of its status entry (``reboot``), set in one change."""
        lifetime = "forever"
        rest = list(args)
        if rest and rest[-1] in ("reboot", "forever", "lifetime=reboot", "lifetime=forever") and value == "on":
            lifetime = rest.pop().split("=")[-1]
        all_nodes = "--all" in rest
        rest = [a for a in rest if a != "--all"]
        if all_nodes and rest:
            raise self.fail("Should either use --all or specific node(s)")
        members = self._node_names()
        for n in rest:
            if n not in members:
                raise self.fail(f'Node "{n}" is not a cluster node')
        nodes = list(members) if all_nodes else (rest or [self._this_node()])
        if "CIB_file" in self.env or "CIB_shadow" in self.env:
            # crmsh 4.4.1 pings each node first and leaves out (with a warning) those that do
            # not answer; a live pacer cluster knows its members, so only files get this
            for n in list(nodes):
                ping = subprocess.run(["ping", "-c", "1", n], capture_output=True, text=True, check=False)
                if ping.returncode != 0:
                    self.log("WARNING", f'host "{n}" is unreachable: {ping.stderr.strip()}')
                    nodes.remove(n)
        if not nodes:
            return True

        member_ids: dict[str, str] = {}
        if value == "off":
            # crmsh 4.4.1's online finds each node's id in the membership (``crm_node -l``);
            # a node it cannot find there (any node, offline) is left as it is
            rc, listing = self.tool_output(["crm_node", "-l"])
            if rc == 0:
                for line in listing.splitlines():
                    words = line.split()
                    if len(words) >= 2 and words[0].isdigit():
                        member_ids.setdefault(words[1], words[0])

        def change(doc: CibDocument) -> None:
            conf = Configuration(doc.root)
            for n in (x for x in xp(doc.root, "configuration/nodes/node") if x.get("uname") in nodes):
                nid = n.get("id") or ""
                if value == "off":
                    nid = member_ids.get(n.get("uname") or "", "")
                in_nodes = xp(doc.root, "configuration/nodes/node[@id=$i]/instance_attributes/nvpair[@name='standby']", i=nid)
                in_status = xp(
                    doc.root, "status/node_state[@id=$i]/transient_attributes/instance_attributes/nvpair[@name='standby']", i=nid
                )
                if value == "off":
                    for found in (in_nodes[:1], in_status[:1]):
                        if found and found[0].get("value") != "off":
                            found[0].set("value", "off")
                    continue
                mine, other = (in_status, in_nodes) if lifetime == "reboot" else (in_nodes, in_status)
                for item in other:
                    parent = item.getparent()
                    assert parent is not None
                    parent.remove(item)
                if mine:
                    if mine[0].get("value") != "on":
                        mine[0].set("value", "on")
                    continue
                holder = n
                if lifetime == "reboot":
                    states = xp(doc.root, "status/node_state[@id=$i]", i=nid)
                    if not states:
                        continue
                    holder = _set_node(conf, states[0], "transient_attributes")
                target = _set_node(conf, holder, "instance_attributes")
                _set_nvpair(conf, target, "standby", "on")

        self.source.modify(change)  # type: ignore[attr-defined]
        for node in nodes:
            self.log("INFO", f"{'standby' if value == 'on' else 'online'} node {node}")
        return True

    def node_standby(self, args: list[str]) -> bool:
        return self._standby(args, "on")

    def node_online(self, args: list[str]) -> bool:
        return self._standby(args, "off")

    def _node_maintenance(self, args: list[str], value: str) -> bool:
        node = args[0] if args else self._this_node()
        return self.run_tool(["crm_attribute", "-t", "nodes", "-N", node, "-n", "maintenance", "-v", value]) == 0

    def node_maintenance(self, args: list[str]) -> bool:
        node = args[0] if args else self._this_node()

        def change(doc: CibDocument) -> None:
            conf = Configuration(doc.root)
            sanitize(conf.conf)
            found = xp(doc.root, "configuration/nodes/node[@uname=$u]", u=node)
            if not found:
                raise ConfigError("CIB is not valid!")
            node_el = found[0]
            if node_el.find("instance_attributes") is None:
                ia = etree.SubElement(node_el, "instance_attributes")
                ia.set("id", f"nodes-{node_el.get('id')}")
                conf.ids.save(ia.get("id"))
            _set_in_set(conf, node_el, "instance_attributes", "maintenance", "true")

        try:
            self.source.modify(change)  # type: ignore[attr-defined]
        except ConfigError as e:
            raise self.fail(str(e)) from None
        return True

    def node_ready(self, args: list[str]) -> bool:
        return self._node_maintenance(args, "off")

    def _node_attr(self, args: list[str], extra: list[str], what: str) -> bool:
        if len(args) < 3 or args[1] not in ("set", "delete", "show"):
            raise self.fail(f"usage: {what} <node> [set|delete|show] <attr> [<value>]")
        node, op, name = args[0], args[1], args[2]
        argv = ["crm_attribute", *extra, "-N", node, "-n", name]
        if op == "set":
            if len(args) != 4:
                raise self.fail(f"usage: {what} <node> set <attr> <value>")
            argv += ["-v", args[3]]
        elif op == "delete":
            argv += ["-D"]
        else:
            argv += ["-G"]
        return self.run_tool(argv) == 0

    def node_attribute(self, args: list[str]) -> bool:
        return self._node_attr(args, ["-t", "nodes"], "attribute")

    def node_utilization(self, args: list[str]) -> bool:
        return self._node_attr(args, ["-z"], "utilization")

    def node_status_attr(self, args: list[str]) -> bool:
        return self._node_attr(args, ["-t", "status"], "status-attr")

    def node_delete(self, args: list[str]) -> bool:
        if len(args) != 1:
            raise self.fail("usage: delete <node>")
        node = args[0]
        conf = Configuration(self.source.read().root)  # type: ignore[attr-defined]
        if node.lower() not in (n.lower() for n in conf.node_names()):
            raise self.fail(f"node {node} not found in the CIB")
        # crmsh asks the membership first: an active node is not removed, and when no node
        # can be listed (no controller, as on a CIB file) only -F proceeds
        code, listed = self.tool_output(["crm_node", "-p"])
        if not listed.strip():
            if not self.opts.force:
                raise self.fail(f"crm_node -p could not list any nodes (rc={code})")
            self.log("INFO", f"proceeding with node {node} removal")
        elif node in listed.split():
            raise self.fail(f"according to crm_node, node {node} is still active")

        def change(doc: CibDocument) -> bool:
            found = False
            for n in xp(doc.root, "configuration/nodes/node[@uname=$u] | status/node_state[@uname=$u]", u=node):
                parent = n.getparent()
                assert parent is not None
                parent.remove(n)
                found = True
            return found

        found, _ = self.source.modify(change)  # type: ignore[attr-defined]
        if not found:
            raise self.fail(f"node {node} not found in the CIB")
        self.log("INFO", f"node {node} deleted")
        return True

    def node_clearstate(self, args: list[str]) -> bool:
        """Forget the node's state (crmsh 4.4.1 on Pacemaker >= 1.1.8: ``stonith_admin
        --confirm``, i.e. tell the cluster the node is safely down).  Asks first unless -F."""
        node = args[0] if args else self._this_node()
        if not (self.opts.force or self._ask(f"Do you really want to drop state for node {node}?")):
            return False
        return self.run_tool(["stonith_admin", "--confirm", node]) == 0

    def node_fence(self, args: list[str]) -> bool:
        """Fence a node (crmsh sets the ``terminate`` status attribute); asks first unless -F."""
        if len(args) != 1:
            raise self.fail("usage: fence <node>")
        node = args[0]
        question = (
            f"Fencing {node} will shut down the node and migrate any resources that are running on it! "
            f"Do you want to fence {node}?"
        )
        if not (self.opts.force or self._ask(question)):
            return False
        return self.run_tool(["crm_attribute", "-t", "status", "-N", node, "-n", "terminate", "-v", "true"]) == 0

    def _ask(self, question: str) -> bool:
        """crmsh's ask: yes with ``-F`` (said as ``QUESTION [YES]``), a silent no in batch
        mode (a script never blocks on a prompt), else the y/n typed."""
        if self.opts.force:
            self.log("INFO", f"{question} [YES]")
            return True
        if self.opts.batch or not self.opts.interactive:
            return False
        try:
            answer = input(f"{question} (y/n)? ")
        except EOFError:
            return False
        return answer.strip().lower() in ("y", "yes")

    def node_show(self, args: list[str]) -> bool:
        """crmsh 4.4.1's ``node show [NODE]``: ``uname(id): type`` (``(offline)`` when the
        controller is down), the node element's other attributes, then one line per
        ``instance_attributes`` set; nodes known only from the status section show that entry."""
        from crm.shell.render import RenderContext, cli_nvpair

        doc = self.source.read()  # type: ignore[attr-defined]
        cfg_nodes = xp(doc.root, "configuration/nodes/node")
        states = xp(doc.root, "status/node_state")

        def find(uname: str, elems: list[etree._Element]) -> etree._Element | None:
            return next((e for e in elems if e.get("uname") == uname), None)

        def show(uname: str) -> None:
            xml, state = find(uname, cfg_nodes), find(uname, states)
            elem = xml if xml is not None else state
            if elem is None:
                return
            offline = "(offline)" if state is not None and state.get("crmd") == "offline" else ""
            ident = elem.get("id") or ""
            kind = elem.get("type") or "member"
            head = f"{uname}: {kind}{offline}" if uname == ident else f"{uname}({ident}): {kind}{offline}"
            self.print(head)
            for name, value in elem.attrib.items():
                if name not in ("type", "uname", "id"):
                    self.print(f"\t{name!s}: {value!s}")
            ctx = RenderContext()
            for attrs in xp(elem, "instance_attributes"):
                self.print("\t" + " ".join(cli_nvpair(nvp, ctx) for nvp in xp(attrs, "nvpair | attributes/nvpair")))

        if args:
            show(args[0])
        else:
            for uname in sorted({str(e.get("uname")) for e in cfg_nodes + states}):
                show(uname)
        return True

    def node_status(self, args: list[str]) -> bool:
        doc = self.source.read()  # type: ignore[attr-defined]
        nodes = doc.root.find("configuration/nodes")
        if nodes is None:
            return True
        for n in nodes:
            if args and n.get("uname") not in args:
                continue
            self.out.write(etree.tostring(n, pretty_print=True, encoding="unicode"))
        return True

    def node_list(self, args: list[str]) -> bool:
        return self.node_show(args)

    # -- status, ra, cluster ------------------------------------------------------------------
    def cmd_status(self, args: list[str]) -> bool:
        argv = ["crm_mon", "-1"]
        flags = {"inactive": "-r", "ops": "-o", "timing": "-t", "failcounts": "-f", "bynode": "-n"}
        if "xml" in args:
            argv.append("--output-as=xml")
        else:
            argv.append("-r")
        for a in args:
            if a in flags:
                argv.append(flags[a])
        return self.run_tool(argv) == 0

    def root_status(self, args: list[str]) -> bool:
        return self.cmd_status(args)

    def ra_classes(self, args: list[str]) -> bool:
        for c in self.catalog.classes():
            self.print(c)
        return True

    def ra_providers(self, args: list[str]) -> bool:
        if not args:
            raise self.fail("usage: providers <ra> [<class>]")
        self.print(" ".join(self.catalog.providers_of(args[0])))
        return True

    def ra_list(self, args: list[str]) -> bool:
        if not args:
            raise self.fail("usage: list <class> [<provider>]")
        names = self.catalog.agents(args[0], args[1] if len(args) > 1 else None)
        self.print(helptext.multicolumn(names))
        return True

    def ra_info(self, args: list[str]) -> bool:
        if not args:
            raise self.fail("usage: info [<class>:[<provider>:]]<type>")
        spec = args[0]
        parts = spec.split(":")
        if len(parts) == 3:
            cls, provider, typ = parts
        elif len(parts) == 2:
            cls, typ = parts
            provider = _pick(self.catalog.providers_of(typ)) if cls == "ocf" else ""
        else:
            cls, typ = "ocf", parts[0]
            provider = _pick(self.catalog.providers_of(typ))
        text = self.catalog.metadata_text(cls, provider, typ)
        if text is None:
            raise self.fail(f"{spec}: got no meta-data, does this RA exist?")
        self.print(helptext.format_metadata(text, ":".join(x for x in (cls, provider, typ) if x)))
        return True

    ra_meta = ra_info

    def cluster_status(self, args: list[str]) -> bool:
        return self.run_tool(["crm_mon", "-1"]) == 0

    def _systemctl(self, action: str) -> bool:
        rc = subprocess.call(["systemctl", action, "pacer"], env=self.env)
        if rc != 0:
            self.error(f"systemctl {action} pacer failed (rc={rc})")
        return rc == 0

    def cluster_start(self, args: list[str]) -> bool:
        return self._systemctl("start")

    def cluster_stop(self, args: list[str]) -> bool:
        return self._systemctl("stop")

    def cluster_restart(self, args: list[str]) -> bool:
        return self._systemctl("restart")

    def options_reset(self, args: list[str]) -> bool:
        return True

    def options_output(self, args: list[str]) -> bool:
        if args:
            self.opts.color = args[0] == "color"
        return True

    # -- shadow CIBs -------------------------------------------------------------------------
    def _shadow_dir(self) -> Path:
        return Path(self.env.get("CIB_shadow_dir") or "/var/lib/pacemaker/cib")

    def cib_dispatch(self, args: list[str]) -> bool:
        if not args:
            raise self.fail("usage: cib new|use|commit|diff|list|delete|reset ...")
        handler = getattr(self, f"cib_{args[0]}", None)
        if handler is None:
            raise self.fail(f"cib.{args[0]}: No such command")
        return bool(handler(args[1:]))

    def _live_or_file(self) -> dict[str, str]:
        return dict(self.live_env)

    def _use_shadow(self, name: str | None) -> None:
        self.env = dict(self.live_env)
        if name is not None:
            self.env.pop("CIB_file", None)
            self.env["CIB_shadow"] = name

    def cib_new(self, args: list[str]) -> bool:
        if not args:
            raise self.fail("usage: new <shadow_cib> [withstatus] [force] [empty]")
        name = args[0]
        path = self._shadow_dir() / f"shadow.{name}"
        if path.exists() and "force" not in args:
            raise self.fail(f"shadow CIB {name} exists (use force to overwrite)")
        if "empty" in args:
            doc = CibDocument.empty()
        else:
            doc = self.source_factory(self._live_or_file()).read()  # type: ignore[attr-defined]
            if "withstatus" not in args:
                st = doc.root.find("status")
                if st is not None:
                    for c in list(st):
                        st.remove(c)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(doc.to_text())
        self._use_shadow(name)
        self.log("INFO", f"cib.new: {name} shadow CIB created")
        self.base = self.work = None
        if "configure" in self.level:
            self.refresh_copy()
        return True

    def cib_use(self, args: list[str]) -> bool:
        if not args or args[0] == "live":
            self._use_shadow(None)
        else:
            if not (self._shadow_dir() / f"shadow.{args[0]}").exists():
                raise self.fail(f"{args[0]}: no such shadow CIB")
            self._use_shadow(args[0])
        if self.changed():
            self.log("WARNING", "discarding the changes that were not committed")
        self.base = self.work = None
        if "configure" in self.level:
            self.refresh_copy()
        return True

    def cib_list(self, args: list[str]) -> bool:
        d = self._shadow_dir()
        if d.is_dir():
            for p in sorted(d.glob("shadow.*")):
                self.print(p.name[len("shadow.") :])
        return True

    def cib_delete(self, args: list[str]) -> bool:
        if not args:
            raise self.fail("usage: delete <shadow_cib>")
        if self.env.get("CIB_shadow") == args[0]:
            raise self.fail(f"{args[0]} shadow CIB is in use")
        path = self._shadow_dir() / f"shadow.{args[0]}"
        if not path.exists():
            raise self.fail(f"{args[0]}: no such shadow CIB")
        path.unlink()
        self.log("INFO", f"cib.delete: {args[0]} shadow CIB deleted")
        return True

    def _shadow_name(self, args: list[str]) -> str:
        name = args[0] if args else self.env.get("CIB_shadow", "")
        if not name:
            raise self.fail("no shadow CIB in use (give its name)")
        return name

    def cib_commit(self, args: list[str]) -> bool:
        name = self._shadow_name(args)
        shadow = CibDocument.parse((self._shadow_dir() / f"shadow.{name}").read_text())
        conf = shadow.root.find("configuration")
        assert conf is not None

        def change(doc: CibDocument) -> None:
            cur = doc.root.find("configuration")
            new = etree.fromstring(etree.tostring(conf))
            if cur is None:
                doc.root.insert(0, new)
            else:
                doc.root.replace(cur, new)

        self.source_factory(self._live_or_file()).modify(change, config_change=True)  # type: ignore[attr-defined]
        self.log("INFO", f"cib.commit: committed '{name}' shadow CIB to the cluster")
        return True

    def cib_reset(self, args: list[str]) -> bool:
        name = self._shadow_name(args)
        doc = self.source_factory(self._live_or_file()).read()  # type: ignore[attr-defined]
        (self._shadow_dir() / f"shadow.{name}").write_text(doc.to_text())
        self.log("INFO", f"cib.reset: copied live CIB to {name}")
        return True

    def cib_diff(self, args: list[str]) -> bool:
        name = self._shadow_name(args)
        live = self.source_factory(self._live_or_file()).read()  # type: ignore[attr-defined]
        shadow = CibDocument.parse((self._shadow_dir() / f"shadow.{name}").read_text())
        from crm.cib import patchset

        patch = patchset.diff(live.root, shadow.root)
        self.out.write(etree.tostring(patch, pretty_print=True, encoding="unicode"))
        return True

    def root_cib(self, args: list[str]) -> bool:
        return self.cib_dispatch(args)

    def root_ra(self, args: list[str]) -> bool:  # pragma: no cover - reached through levels
        return True

    # "cib" level commands are reached as cib_<name> directly by dispatch


def _changed_ids(before: etree._Element, after: etree._Element) -> set[str]:
    """Ids of the configuration objects that are new or differ from ``before``."""
    conf_before = before.find("configuration")
    conf_after = after.find("configuration")
    if conf_after is None:
        return set()
    old = {Configuration.object_id(o): o for o in Configuration(before).objects()} if conf_before is not None else {}
    out: set[str] = set()
    for o in Configuration(after).objects():
        ident = Configuration.object_id(o)
        prev = old.get(ident)
        if prev is None or not same_xml(prev, o):
            out.add(ident)
    return out


def _crmsh_referenced(con: etree._Element | None) -> list[str]:
    """The resources a constraint names, as crmsh lists them (its referenced_resources)."""
    if con is None:
        return []
    if con.tag == "rsc_location" and con.get("rsc"):
        refs = [con.get("rsc")]
    elif con.find("resource_set/resource_ref") is not None:
        refs = xs(con, "resource_set/resource_ref/@id")  # type: ignore[assignment]
    elif con.tag == "rsc_colocation":
        refs = [con.get("rsc"), con.get("with-rsc")]
    elif con.tag == "rsc_order":
        refs = [con.get("first"), con.get("then")]
    elif con.tag == "rsc_ticket":
        refs = [con.get("rsc")]
    else:
        refs = []
    return [r for r in refs if r is not None]


def _verify_leading_lines(root: etree._Element) -> bool:
    """Whether Pacemaker's ``crm_verify -VV`` starts with "Blind faith: not fencing unseen
    nodes" (fencing disabled, or startup-fencing off) or "Fencing and resource management
    disabled due to lack of quorum" (no quorum, and a no-quorum-policy other than ignore)."""
    options: dict[str, str] = {}
    for nvp in xp(root, "configuration/crm_config/cluster_property_set/nvpair"):
        name, value = nvp.get("name"), nvp.get("value")
        if name is not None and value is not None:
            options.setdefault(name, value)
    if parse_boolean(options.get("stonith-enabled")) is False or parse_boolean(options.get("startup-fencing")) is False:
        return True
    return parse_boolean(root.get("have-quorum")) is not True and options.get("no-quorum-policy") != "ignore"


def _without_unconfigured_nodes_state(root: etree._Element) -> etree._Element:
    """The CIB crm_verify is given at commit: crmsh gives it no status at all, so the state
    recorded for nodes the configuration no longer has (``erase nodes``, ``node delete``)
    has nothing to say about it."""
    configured = {str(i) for i in xs(root, "configuration/nodes/node/@id")}
    stale = [st for st in xp(root, "status/node_state") if st.get("id") not in configured]
    if not stale:
        return root
    copy_root = etree.fromstring(etree.tostring(root))
    for st in xp(copy_root, "status/node_state"):
        if st.get("id") not in configured:
            st.getparent().remove(st)  # type: ignore[union-attr]
    return copy_root


_LIFETIME_RE = re.compile(r"(PT?[0-9]|[0-9]+.*[:-])")


def _lifetime_word(word: str) -> str | None:
    """crmsh's fetch_lifetime_opt: ``reboot``, ``forever`` or something that starts like an
    ISO 8601 duration or time, given to crm_resource as it is; any other word is ignored."""
    return word if word in ("reboot", "forever") or _LIFETIME_RE.match(word) else None


def _set_deep_meta(conf: Configuration, rsc: str, name: str, value: str) -> None:
    elem = conf.find(rsc)
    targets: list[etree._Element] = []
    if elem is not None and elem.tag == "tag":
        for ref in elem.iterchildren("obj_ref"):
            r = conf.find_resource(ref.get("id") or "")
            if r is not None:
                targets.append(r)
    else:
        r = conf.find_resource(rsc)
        if r is None:
            raise ConfigError(f"Resource not found: {rsc}")
        targets.append(r)
    for node in targets:
        parent = node.getparent()
        if not (node.tag == "primitive" and parent is not None and parent.tag == "group"):
            while node.getparent() is not None and node.getparent().tag in ("group", "clone", "master"):  # type: ignore[union-attr]
                node = node.getparent()  # type: ignore[assignment]
        if node.tag in ("clone", "master"):
            for c in node:
                if c.tag in ("primitive", "group"):
                    for nvp in xp(c, "meta_attributes/nvpair[@name=$n]", n=name):
                        nvp.getparent().remove(nvp)  # type: ignore[union-attr]
        # every empty attribute set below it goes (crmsh's xml_processnodes(is_emptynvpairs))
        for empty in xp(node, ".//*[self::meta_attributes or self::instance_attributes or self::utilization][not(*|comment()) and not(@id-ref)]"):
            empty.getparent().remove(empty)  # type: ignore[union-attr]
        nvps = xp(node, "meta_attributes/nvpair[@name=$n]", n=name)
        if nvps:
            for nvp in nvps:
                nvp.set("value", value)
            continue
        sets = node.findall("meta_attributes")
        if not sets:
            ma = etree.Element("meta_attributes")
            ma.set("id", conf.ids.new(ma, node.get("id") or ""))
            node.append(ma)
            sets = [ma]
        for ma in sets:
            nvp = etree.SubElement(ma, "nvpair")
            nvp.set("name", name)
            nvp.set("value", value)
            nvp.set("id", conf.ids.new(nvp, ma.get("id") or ""))


def _set_node(conf: Configuration, parent: etree._Element, tag: str) -> etree._Element:
    """The first ``tag`` child of ``parent``, created (with crmsh's id) when missing."""
    found = parent.find(tag)
    if found is not None:
        return found
    elem = etree.Element(tag)
    elem.set("id", conf.ids.new(elem, parent.get("id") or ""))
    parent.append(elem)
    return elem


def _set_nvpair(conf: Configuration, attrs: etree._Element, name: str, value: str) -> None:
    for nvp in attrs.iterchildren("nvpair"):
        if nvp.get("name") == name:
            nvp.set("value", value)
            return
    nvp = etree.SubElement(attrs, "nvpair")
    nvp.set("name", name)
    nvp.set("value", value)
    nvp.set("id", conf.ids.new(nvp, attrs.get("id") or ""))


def _set_in_set(conf: Configuration, elem: etree._Element, tag: str, name: str, value: str) -> None:
    existing = xp(elem, f"{tag}/nvpair[@name=$n]", n=name)
    if existing:
        for nvp in existing:
            nvp.set("value", value)
        return
    _set_nvpair(conf, _set_node(conf, elem, tag), name, value)


def _pick(providers: Sequence[str]) -> str:
    if not providers or "heartbeat" in providers:
        return "heartbeat"
    if "pacemaker" in providers:
        return "pacemaker"
    return providers[0]


def _columns(names: Sequence[str], width: int = 80) -> str:
    if not names:
        return ""
    col = max(len(n) for n in names) + 2
    per = max(1, width // col)
    rows = []
    for i in range(0, len(names), per):
        rows.append("".join(n.ljust(col) for n in names[i : i + per]).rstrip())
    return "\n".join(rows)


def iter_words(text: str) -> Iterator[list[str]]:
    for number, line in logical_lines(text):
        toks = tokenize(line, number)
        if toks.tokens and not is_comment(toks):
            yield toks.words


_ = re
__all__ += ["iter_words"]
_unused = to_element
