"""The interactive loop: prompt with the level path, readline completion of levels,
commands, ids, node names, agent names and agent parameters (from their meta-data).

The completion logic is :func:`complete` (pure over a :class:`CompletionSource`), so it can be
tested without a terminal; :func:`loop` wires it to readline.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from crm.shell import help as helptext
from crm.shell.parser import DEFINITION_KINDS

__all__ = ["CompletionSource", "complete", "loop"]

_KW_PRIMITIVE = ["params", "meta", "utilization", "op"]


@dataclass
class CompletionSource:
    level: Callable[[], str]
    resource_ids: Callable[[], list[str]]
    object_ids: Callable[[], list[str]]
    node_names: Callable[[], list[str]]
    agents: Callable[[], list[str]]
    agent_params: Callable[[str], list[str]]


def _level_words(level: str) -> list[str]:
    words = helptext.commands_of(level)
    if not level:
        words = sorted(set(words) | set(helptext.COMMANDS[""]))
    else:
        words = sorted(set(words) | {"configure", "resource", "node", "ra", "cib", "status", "cluster"})
    return words


def complete(line: str, src: CompletionSource) -> list[str]:
    """Candidates for the last (possibly empty) word of ``line``."""
    try:
        words = shlex.split(line)
    except ValueError:
        words = line.split()
    if line and not line[-1].isspace() and words:
        prefix = words[-1]
        words = words[:-1]
    else:
        prefix = ""
    level = src.level()
    # leading level names navigate
    while words and words[0] in helptext.COMMANDS and words[0] and (not level or words[0] not in helptext.commands_of(level)):
        level = words[0]
        words = words[1:]
    if not words:
        return sorted(w for w in _level_words(level) if w.startswith(prefix))
    cmd = words[0]
    candidates: list[str] = []
    if level == "configure":
        if cmd in ("show", "edit", "delete", "rm", "rename", "save"):
            candidates = src.object_ids() + (["xml"] if cmd in ("show", "edit", "save") else [])
        elif cmd in ("group", "clone", "ms", "tag") and len(words) >= 2:
            candidates = [*src.resource_ids(), "meta", "params"]
        elif cmd in ("location",) and len(words) == 2:
            candidates = src.resource_ids()
        elif cmd == "location" and len(words) >= 3:
            candidates = [*src.node_names(), "rule", "inf:", "-inf:"]
        elif cmd in ("colocation", "order") and len(words) >= 3:
            candidates = src.resource_ids()
        elif cmd in ("primitive", "rsc_template"):
            if len(words) == 2:
                candidates = src.agents()
            elif len(words) >= 3:
                agent = words[2]
                last_kw = next((w for w in reversed(words) if w in _KW_PRIMITIVE), "params")
                if last_kw == "params":
                    given = {w.split("=", 1)[0] for w in words if "=" in w}
                    candidates = [*(f"{p}=" for p in src.agent_params(agent) if p not in given), *_KW_PRIMITIVE]
                elif last_kw == "op":
                    candidates = ["start", "stop", "monitor", "promote", "demote", "interval=", "timeout=", *_KW_PRIMITIVE]
                else:
                    candidates = [*_KW_PRIMITIVE, "target-role=", "is-managed=", "resource-stickiness="]
        elif cmd == "modgroup":
            candidates = [*src.resource_ids(), "add", "remove", "after", "before"]
        elif cmd == "monitor" and len(words) == 1:
            candidates = src.resource_ids()
        elif cmd == "commit":
            candidates = ["force", "replace"]
        elif cmd == "load":
            candidates = ["replace", "update", "push", "xml"]
        elif cmd in DEFINITION_KINDS:
            candidates = []
    elif level == "resource":
        if len(words) == 1:
            candidates = src.resource_ids()
        elif cmd in ("move", "migrate", "ban") and len(words) == 2:
            candidates = src.node_names()
        elif (cmd in ("param", "meta", "utilization") and len(words) == 2) or (cmd == "failcount" and len(words) == 2):
            candidates = ["set", "delete", "show"]
        elif cmd == "failcount" and len(words) == 3:
            candidates = src.node_names()
    elif level == "node":
        if len(words) == 1:
            candidates = src.node_names()
        elif cmd in ("attribute", "utilization", "status-attr") and len(words) == 2:
            candidates = ["set", "delete", "show"]
        elif cmd == "standby" and len(words) == 2:
            candidates = ["reboot", "forever"]
    elif level == "ra":
        if cmd == "info" or cmd == "providers":
            candidates = src.agents()
        elif cmd == "list" and len(words) == 1:
            candidates = ["ocf", "lsb", "service", "stonith", "systemd"]
    elif level == "cib" and len(words) == 1 and cmd in ("use", "delete", "commit", "diff", "reset"):
        candidates = []
    elif level == "" and cmd == "help":
        candidates = _level_words("")
    if cmd == "help":
        candidates = _level_words(level)
    return sorted({c for c in candidates if c.startswith(prefix)})


def _source_for(session: object) -> CompletionSource:
    from crm.shell.config import Configuration

    s = session

    def conf() -> Configuration | None:
        try:
            if s.work is not None:  # type: ignore[attr-defined]
                return Configuration(s.work.root)  # type: ignore[attr-defined]
            return Configuration(s.source.read().root)  # type: ignore[attr-defined]
        except Exception:
            return None

    def rids() -> list[str]:
        c = conf()
        return c.resource_ids() if c else []

    def oids() -> list[str]:
        c = conf()
        return [c.object_id(o) for o in c.objects()] if c else []

    def nodes() -> list[str]:
        c = conf()
        return c.node_names() if c else []

    def agents() -> list[str]:
        cat = s.catalog  # type: ignore[attr-defined]
        out: list[str] = []
        for p in cat.providers():
            out += [f"ocf:{p}:{a}" for a in cat.agents("ocf", p)]
        out += [f"lsb:{a}" for a in cat.agents("lsb")]
        return out

    def params(agent: str) -> list[str]:
        parts = agent.split(":")
        if len(parts) == 3:
            cls, prov, typ = parts
        elif len(parts) == 2:
            cls, prov, typ = parts[0], None, parts[1]
        else:
            cls, prov, typ = "ocf", "heartbeat", parts[0]
        info = s.catalog.info(cls, prov, typ)  # type: ignore[attr-defined]
        if info is None:
            return []
        return list(info.required) + [p for p in info.params if p not in info.required]

    def level() -> str:
        lv = s.level  # type: ignore[attr-defined]
        return lv[-1] if lv else ""

    return CompletionSource(level, rids, oids, nodes, agents, params)


def loop(session: object, prompt_base: str = "crm") -> int:
    import readline

    src = _source_for(session)
    matches: list[str] = []

    def completer(text: str, state: int) -> str | None:
        nonlocal matches
        if state == 0:
            buf = readline.get_line_buffer()[: readline.get_endidx()]
            matches = complete(buf, src)
        return matches[state] if state < len(matches) else None

    readline.set_completer(completer)
    readline.set_completer_delims(" \t\n")
    readline.parse_and_bind("tab: complete")
    while True:
        lv = session.level  # type: ignore[attr-defined]
        prompt = f"{prompt_base}({'/'.join(lv)})# " if lv else f"{prompt_base}(live)# "
        try:
            line = input(prompt)
        except EOFError:
            print()
            break
        except KeyboardInterrupt:
            print()
            continue
        try:
            session.execute(line)  # type: ignore[attr-defined]
        except SystemExit as e:
            return int(e.code or 0)
    ok = session.finish()  # type: ignore[attr-defined]
    return 0 if ok else 1


def _unused(_: Sequence[str]) -> None:
    return None
