"""``crm_shadow``: work on a copy of the CIB (a shadow CIB) instead of the cluster, as Pacemaker
2.1.5's.

A shadow copy is the file ``shadow.NAME`` in ``CIB_shadow_dir`` (see
:func:`crm.cli.cib_source.shadow_file`); every tool works on it when ``CIB_shadow=NAME`` is set.
Queries (``--which``, ``--display``, ``--edit``, ``--diff``, ``--file``) act on the active copy
(``CIB_shadow``); commands name one: ``--create`` (from the cluster's CIB, or ``CIB_file``),
``--create-empty`` (``--validate-with``), ``--reset``, ``--commit`` (its configuration, or all
with ``--all``), ``--delete`` and ``--switch``.  Without ``--batch`` and with ``SHELL`` set,
creating or switching starts a shell with ``CIB_shadow`` set, as Pacemaker does.

Messages, the legacy option parsing (getopt's) and the exit codes are Pacemaker's.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from crm.cib import patchset
from crm.cib.atomic import write_atomic
from crm.cib.document import CibDocument
from crm.cib.errors import CibError
from crm.cli.cib_source import ENV_SHADOW, CibSource, shadow_file
from crm.cli.tool_args import PACEMAKER_VERSION
from crm.common.results import ExitCode

PROG = "crm_shadow"

# (long, short, takes a value, description as Pacemaker lays it out after the option)
_OPTIONS: tuple[tuple[str, str, bool, str], ...] = (
    ("help", "?", False, "\t\tThis text"),
    ("version", "$", False, "\t\tVersion information"),
    ("verbose", "V", False, "\t\tIncrease debug output"),
    ("-spacer-", "", False, "\nQueries:"),
    ("which", "w", False, "\t\tIndicate the active shadow copy"),
    ("display", "p", False, "\t\tDisplay the contents of the active shadow copy"),
    ("edit", "E", False, "\t\tEdit the contents of the active shadow copy with your favorite $EDITOR"),
    ("diff", "d", False, "\t\tDisplay the changes in the active shadow copy\n"),
    ("file", "F", False, "\t\tDisplay the location of the active shadow copy file\n"),
    ("-spacer-", "", False, "\nCommands:"),
    ("create", "c", True, "\tCreate the named shadow copy of the active cluster configuration"),
    ("create-empty", "e", True,
     "Create the named shadow copy with an empty cluster configuration. Optional: --validate-with"),
    ("commit", "C", True, "\tUpload the contents of the named shadow copy to the cluster"),
    ("delete", "D", True, "\tDelete the contents of the named shadow copy"),
    ("reset", "r", True, "\tRecreate named shadow copy from the active cluster configuration"),
    ("switch", "s", True, "\t(Advanced) Switch to the named shadow copy"),
    ("-spacer-", "", False, "\nAdditional Options:"),
    ("force", "f", False, "\t\t(Advanced) Force the action to be performed"),
    ("batch", "b", False, "\t\t(Advanced) Don't spawn a new shell"),
    ("all", "a", False, "\t\t(Advanced) Upload entire CIB, including status, with --commit"),
    ("validate-with", "v", True, "(Advanced) Create an older configuration version"),
)

_EXAMPLES = (
    ("Create a blank shadow configuration:", "crm_shadow --create-empty myShadow"),
    ("Create a shadow configuration from the running cluster:", "crm_shadow --create myShadow"),
    ("Display the current shadow configuration:", "crm_shadow --display"),
    ("Discard the current shadow configuration (named myShadow):", "crm_shadow --delete myShadow --force"),
    ("Upload current shadow configuration (named myShadow) to running cluster:", "crm_shadow --commit myShadow"),
)

FORCE_HINT = "  To prevent accidental destruction of the cluster, the --force flag is required in order to proceed."


def help_text() -> str:
    out = [
        "crm_shadow - perform Pacemaker configuration changes in a sandbox\n\n"
        "This command sets up an environment in which configuration tools (cibadmin,\n"
        "crm_resource, etc.) work offline instead of against a live cluster, allowing\n"
        "changes to be previewed and tested for side-effects.\n\n"
        "Usage: crm_shadow <query>|<command> [options]\nOptions:\n"
    ]
    for long, short, value, desc in _OPTIONS:
        if long == "-spacer-":
            out.append(f"{desc}\n")
        else:
            out.append(f" -{short}, --{long}{'=value' if value else ''}\t{desc}\n")
    out.append("\nExamples:\n\n")
    for text, example in _EXAMPLES:
        out.append(f"{text}\n\n\t# {example}\n\n")
    out.append("\nReport bugs to users@clusterlabs.org\n")
    return "".join(out)


class _Usage(Exception):
    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message


@dataclass
class _Args:
    command: str = "?"
    shadow: str | None = None
    force: bool = False
    batch: bool = False
    full_upload: bool = False
    validation: str | None = None
    verbose: int = 0
    rest: list[str] = field(default_factory=list)
    no_active: bool = False


def _parse(argv: Sequence[str], env: Mapping[str, str]) -> _Args | int:
    """getopt_long as Pacemaker drives it; returns the exit code when it already answered."""
    by_long = {o[0]: o for o in _OPTIONS if o[0] != "-spacer-"}
    by_short = {o[1]: o for o in _OPTIONS if o[0] != "-spacer-"}
    args = _Args()
    words = list(argv)
    i = 0
    items: list[tuple[str, str | None]] = []
    while i < len(words):
        word = words[i]
        i += 1
        if word == "--":
            args.rest += words[i:]
            break
        if word.startswith("--"):
            name, eq, value = word[2:].partition("=")
            matches = [n for n in by_long if n == name] or [n for n in by_long if n.startswith(name)]
            if len(matches) != 1:
                if matches:
                    raise _Usage(f"{PROG}: option '--{name}' is ambiguous; possibilities:"
                                 + "".join(f" '--{m}'" for m in matches))
                raise _Usage(f"{PROG}: unrecognized option '{word}'")
            option = by_long[matches[0]]
            if option[2]:
                if not eq:
                    if i >= len(words):
                        raise _Usage(f"{PROG}: option '--{option[0]}' requires an argument")
                    value = words[i]
                    i += 1
                items.append((option[1], value))
            else:
                if eq:
                    raise _Usage(f"{PROG}: option '--{option[0]}' doesn't allow an argument")
                items.append((option[1], None))
        elif word.startswith("-") and word != "-":
            k = 1
            while k < len(word):
                letter = word[k]
                k += 1
                if letter not in by_short:
                    raise _Usage(f"{PROG}: invalid option -- '{letter}'")
                option = by_short[letter]
                if option[2]:
                    if k < len(word):
                        value = word[k:]
                    elif i < len(words):
                        value = words[i]
                        i += 1
                    else:
                        raise _Usage(f"{PROG}: option requires an argument -- '{letter}'")
                    items.append((letter, value))
                    break
                items.append((letter, None))
        else:
            args.rest.append(word)
    for letter, given in items:
        if letter == "a":
            args.full_upload = True
        elif letter in "dEpwF":
            args.command = letter
            active = env.get(ENV_SHADOW)
            if active is None:
                sys.stderr.write("No active shadow configuration defined\n")
                return ExitCode.NOSUCH
            args.shadow = active
        elif letter == "v":
            args.validation = given
        elif letter in "ecsrCD":
            args.command = letter
            args.shadow = given
        elif letter == "V":
            args.verbose += 1
        elif letter == "$":
            sys.stdout.write(PACEMAKER_VERSION)
            return ExitCode.OK
        elif letter == "?":
            sys.stdout.write(help_text())
            return ExitCode.OK
        elif letter == "f":
            args.force = True
        elif letter == "b":
            args.batch = True
    if args.rest:
        sys.stdout.write("non-option ARGV-elements: " + "".join(f"{w} " for w in args.rest) + "\n")
        raise _Usage()
    return args


def _prompt(name: str) -> str:
    return f"shadow[{name[:40]}] # "


def _setup(name: str, switching: bool, batch: bool, env: Mapping[str, str]) -> None:
    """Pacemaker's shadow_setup: say how to use the copy, or start a shell using it."""
    print("Setting up shadow instance")
    prompt = _prompt(name)
    shell = env.get("SHELL")
    if (env.get("PS1") or "").lower() == prompt.lower():
        return
    if not batch and shell:
        print("Type Ctrl-D to exit the crm_shadow shell")
        sys.stdout.flush()
        new_env = dict(env)
        new_env.update(PS1=prompt, CIB_shadow=name)
        if "bash" in shell:
            os.execve(shell, [shell, "--norc", "--noprofile"], new_env)
        os.execve(shell, [shell], new_env)
    if switching:
        print("To switch to the named shadow instance, paste the following into your shell:")
    else:
        print("A new shadow instance was created.  To begin using it paste the following into your shell:")
    print(f"  CIB_shadow={name} ; export CIB_shadow")


def _teardown(name: str, env: Mapping[str, str]) -> None:
    prompt = env.get("PS1")
    if prompt is not None and _prompt(name) in prompt:
        print("Now type Ctrl-D to exit the crm_shadow shell")
    else:
        print("Please remember to unset the CIB_shadow variable by pasting the following into your shell:")
        print("  unset CIB_shadow")


def _cib_error_text(err: CibError) -> str:
    return err.reason


def patchset_lines(patch: etree._Element) -> list[str]:
    """A v2 patchset as Pacemaker's ``xml_log_patchset`` writes it (``crm_shadow --diff``)."""
    source, target = patchset.patch_versions(patch)
    lines: list[str] = []
    if source != target:
        lines.append(f"Diff: --- {source} {patch.get('format')}")
        lines.append(f"Diff: +++ {target} {patch.get('digest') or '(null)'}")
    for change in patchset.changes(patch):
        op = change.get("operation")
        path = change.get("path", "")
        if op == "create":
            prefix = f"++ {path}: "
            blank = "++" + " " * (len(prefix) - 2)
            for k, child in enumerate(c for c in change if c.tag is not etree.PI):
                lines += _xml_lines(child, prefix if k == 0 else blank, blank)
        elif op == "move":
            lines.append(f"+~ {path} moved to offset {change.get('position')}")
        elif op == "modify":
            sets, unsets = [], []
            for attr in change.iterfind("change-list/change-attr"):
                if attr.get("operation") == "set":
                    sets.append(f"@{attr.get('name')}={attr.get('value')}")
                elif attr.get("operation") == "unset":
                    unsets.append(f"@{attr.get('name')}")
            if sets:
                lines.append(f"+  {path}:  {', '.join(sets)}")
            if unsets:
                lines.append(f"-- {path}:  {', '.join(unsets)}")
        elif op == "delete":
            position = change.get("position")
            lines.append(f"-- {path} ({position})" if position is not None else f"-- {path}")
    return lines


def _xml_lines(node: etree._Element, first: str, rest: str, depth: int = 0) -> list[str]:
    prefix = first
    indent = "  " * depth
    if not isinstance(node.tag, str):
        return [f"{prefix} {indent}<!--{node.text}-->"]
    attrs = "".join(f' {k!s}="{v!s}"' for k, v in node.attrib.items())
    children = [c for c in node if isinstance(c.tag, str) or c.tag is etree.Comment]
    if not children:
        return [f"{prefix} {indent}<{node.tag}{attrs}/>"]
    lines = [f"{prefix} {indent}<{node.tag}{attrs}>"]
    for child in children:
        lines += _xml_lines(child, rest, rest, depth + 1)
    lines.append(f"{rest} {indent}</{node.tag}>")
    return lines


def _run(argv: Sequence[str], env: Mapping[str, str]) -> int:
    if not argv:
        sys.stderr.write(help_text())
        return ExitCode.USAGE
    try:
        parsed = _parse(argv, env)
    except _Usage as usage:
        if usage.message:
            sys.stderr.write(usage.message + "\n")
        sys.stderr.write(help_text())
        return ExitCode.USAGE
    if isinstance(parsed, int):
        return parsed
    args = parsed
    if args.command == "w":
        local = env.get(ENV_SHADOW)
        if local is None:
            sys.stderr.write("No shadow instance provided\n")
            return ExitCode.NOSUCH
        print(local)
        return ExitCode.OK
    if args.shadow is None:
        sys.stderr.write("No shadow instance provided\n")
        return ExitCode.NOSUCH
    if args.command not in ("s", "c"):
        local = env.get(ENV_SHADOW)
        if local is not None and local.lower() != args.shadow.lower() and not args.force:
            sys.stderr.write(
                f"The supplied shadow instance ({args.shadow}) is not the same as the active one ({local}).\n"
                f"{FORCE_HINT}\n"
            )
            return ExitCode.USAGE
    if args.command in ("C", "D") and not args.force:
        sys.stderr.write(f"The supplied command is considered dangerous.{FORCE_HINT}\n")
        return ExitCode.USAGE
    path = shadow_file(args.shadow, env)
    if args.command == "D":
        try:
            path.unlink()
        except FileNotFoundError:
            pass
        except OSError as err:
            sys.stderr.write(f"Could not remove shadow instance '{args.shadow}': {err.strerror}\n")
            _teardown(args.shadow, env)
            return ExitCode.ERROR
        _teardown(args.shadow, env)
        return ExitCode.OK
    if args.command == "F":
        print(path)
        return ExitCode.OK
    real = CibSource.without_shadow(env) if args.command in ("d", "r", "c", "C") else None
    real_doc: CibDocument | None = None
    if real is not None and args.command in ("d", "r", "c"):
        try:
            real_doc = real.read()
        except CibError as err:
            sys.stderr.write(f"Could not connect to CIB: {_cib_error_text(err)}\n")
            return err.exit_code
    exists = path.exists()
    if args.command in ("e", "c"):
        if exists and not args.force:
            sys.stderr.write(f"A shadow instance '{args.shadow}' already exists.\n{FORCE_HINT}\n")
            return ExitCode.CANTCREAT
    elif not exists:
        sys.stderr.write(f"Could not access shadow instance '{args.shadow}': No such file or directory\n")
        return ExitCode.NOSUCH
    if args.command in ("c", "e", "r"):
        if args.command == "e":
            doc = CibDocument.empty(epoch=0)
            if args.validation:
                doc.root.set("validate-with", args.validation)
            print(f"Created new {doc.root.get('validate-with')} configuration")
        else:
            assert real_doc is not None
            doc = real_doc
        try:
            write_atomic(path, doc.to_text().encode())
        except OSError as err:
            verb = "reset" if args.command == "r" else "create"
            sys.stderr.write(f"Could not {verb} the shadow instance '{args.shadow}': {err.strerror}\n")
            return ExitCode.CANTCREAT
        _setup(args.shadow, False, args.batch, env)
        return ExitCode.OK
    if args.command == "E":
        editor = env.get("EDITOR")
        if editor is None:
            sys.stderr.write("No value for EDITOR defined\n")
            return ExitCode.NOT_CONFIGURED
        try:
            os.execvp(editor, ["--", str(path)])
        except OSError as err:
            sys.stderr.write(f"Could not invoke EDITOR ({editor} {path}): {err.strerror}\n")
            return ExitCode.OSFILE
    if args.command == "s":
        _setup(args.shadow, True, args.batch, env)
        return ExitCode.OK
    if args.command == "p":
        sys.stdout.write(_display(path))
        return ExitCode.OK
    if args.command == "d":
        assert real_doc is not None
        try:
            new = CibSource(path).read()
            patch = patchset.diff(real_doc.root, new.root)
        except (CibError, patchset.PatchError) as err:
            sys.stderr.write(f"Could not query the CIB: {err}\n")
            return ExitCode.ERROR
        if patchset.changes(patch) or patchset.patch_versions(patch)[0] != patchset.patch_versions(patch)[1]:
            sys.stdout.write("".join(f"{line}\n" for line in patchset_lines(patch)))
            return ExitCode.ERROR
        return ExitCode.OK
    if args.command == "C":
        assert real is not None
        return _commit(args, path, real, env)
    return ExitCode.OK


def _display(path: Path) -> str:
    try:
        doc = CibDocument.parse(path.read_bytes(), str(path), from_file=True)
    except Exception:  # unreadable: Pacemaker prints nothing
        return ""
    return doc.to_text()


def _commit(args: _Args, path: Path, real: object, env: Mapping[str, str]) -> int:
    try:
        shadow = CibDocument.parse(path.read_bytes(), str(path), from_file=True)
    except Exception as err:
        sys.stderr.write(f"Could not commit shadow instance '{args.shadow}' to the CIB: {err}\n")
        _teardown(args.shadow or "", env)
        return ExitCode.DATAERR

    def replace(doc: CibDocument) -> None:
        if args.full_upload:
            for name, value in shadow.root.attrib.items():
                doc.root.set(name, value)
            for child in list(doc.root):
                doc.root.remove(child)
            for child in shadow.root:
                doc.root.append(_copy(child))
            return
        new_config = shadow.root.find("configuration")
        old_config = doc.root.find("configuration")
        if new_config is None or old_config is None:
            raise CibError("the shadow copy has no configuration")
        old_config.getparent().replace(old_config, _copy(new_config))  # type: ignore[union-attr]

    try:
        real.modify(replace, config_change=True)  # type: ignore[attr-defined]
    except CibError as err:
        sys.stderr.write(f"Could not commit shadow instance '{args.shadow}' to the CIB: {err.reason}\n")
        _teardown(args.shadow or "", env)
        return err.exit_code
    _teardown(args.shadow or "", env)
    return ExitCode.OK


def _copy(node: etree._Element) -> etree._Element:
    return etree.fromstring(etree.tostring(node))


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _run(sys.argv[1:] if argv is None else list(argv), os.environ)
    except BrokenPipeError:
        return ExitCode.OK


if __name__ == "__main__":
    sys.exit(main())
