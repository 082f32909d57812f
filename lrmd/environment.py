"""The command line and environment an agent is run with, per class.

OCF (Pacemaker's ``add_action_env_vars``): every parameter ``p`` becomes
``OCF_RESKEY_p`` (``OCF_CHECK_LEVEL`` keeps its own name), plus
``OCF_RA_VERSION_MAJOR``/``MINOR`` (1/1), ``OCF_ROOT``, ``OCF_EXIT_REASON_PREFIX``,
``OCF_RESOURCE_INSTANCE``, ``OCF_RESOURCE_TYPE``, ``OCF_RESOURCE_PROVIDER``, and
``HA_RSCTMP`` for resource-agents' state.  The single argument is the action.

LSB: ``/etc/init.d/<type> <action>`` with no parameters (``monitor`` is ``status``).

Heartbeat v1: ``<script> [p1 [p2 ...]] <action>``: parameters named ``1``, ``2``, ...
are positional arguments in numeric order (gaps skipped), the action comes last.

stonith: the fence agent reads ``action=...`` and its parameters as ``name=value`` lines
on stdin; start, monitor and status run its ``monitor``, meta-data its ``metadata``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from crm.common.digest import is_stonith_param
from lrmd.agent_paths import AgentRef
from lrmd.codes import AgentClass, class_action

OCF_RA_VERSION_MAJOR = "1"
OCF_RA_VERSION_MINOR = "1"
EXIT_REASON_PREFIX = "ocf-exit-reason:"


def heartbeat_args(params: Mapping[str, str]) -> list[str]:
    """Positional arguments of a v1 script from parameters named 1, 2, ..."""
    numbered = sorted((int(name), value) for name, value in params.items() if name.isdigit())
    return [value for _, value in numbered]


def stonith_stdin(action: str, params: Mapping[str, str]) -> bytes:
    """A fence agent's input: ``name=value`` lines, without Pacemaker's meta and fencer options."""
    lines = [f"action={class_action(AgentClass.STONITH, action)}"]
    for name, value in params.items():
        if name.startswith("CRM_meta") or name == "crm_feature_set" or is_stonith_param(name):
            continue
        lines.append(f"{name}={value}")
    return ("\n".join(lines) + "\n").encode()


def agent_argv(agent: AgentRef, action: str, params: Mapping[str, str]) -> list[str]:
    verb = class_action(agent.agent_class, action)
    if agent.agent_class == AgentClass.HEARTBEAT:
        return [str(agent.path), *heartbeat_args(params), verb]
    if agent.agent_class == AgentClass.STONITH:
        return [str(agent.path)]  # options come on stdin
    return [str(agent.path), verb]


def agent_env(
    base: Mapping[str, str],
    agent: AgentRef,
    rsc_id: str,
    params: Mapping[str, str],
    *,
    ocf_root: Path,
    rsctmp: str | None = None,
) -> dict[str, str]:
    """The environment for one agent execution."""
    env = dict(base)
    if agent.agent_class != AgentClass.OCF:
        return env
    for name, value in params.items():
        env[name if name == "OCF_CHECK_LEVEL" else f"OCF_RESKEY_{name}"] = value
    env["OCF_RA_VERSION_MAJOR"] = OCF_RA_VERSION_MAJOR
    env["OCF_RA_VERSION_MINOR"] = OCF_RA_VERSION_MINOR
    env["OCF_ROOT"] = str(ocf_root)
    env["OCF_EXIT_REASON_PREFIX"] = EXIT_REASON_PREFIX
    env["OCF_RESOURCE_INSTANCE"] = rsc_id
    env["OCF_RESOURCE_TYPE"] = agent.agent_type
    if agent.provider:
        env["OCF_RESOURCE_PROVIDER"] = agent.provider
    if rsctmp:
        env["HA_RSCTMP"] = rsctmp
    return env


def parse_exit_reason(stderr: str) -> str:
    """Pacemaker's ``parse_exit_reason_from_stderr``.

    The text after the *last* occurrence of ``ocf-exit-reason:`` anywhere in
    stderr, up to the end of that line, at most 128 characters.
    """
    index = stderr.rfind(EXIT_REASON_PREFIX)
    if index < 0:
        return ""
    rest = stderr[index + len(EXIT_REASON_PREFIX) :]
    return rest.split("\n", 1)[0][:128]
