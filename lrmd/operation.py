"""Requests and results of the executor: resources, operations and their outcomes."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from lrmd.codes import SUPPORTED_CLASSES, AgentClass, ExecStatus, OcfRc

ACTIONS = frozenset(
    {
        "start",
        "stop",
        "monitor",
        "status",
        "promote",
        "demote",
        "notify",
        "reload",
        "reload-agent",
        "migrate_to",
        "migrate_from",
        "meta-data",
        "validate-all",
        "recover",
    }
)
_TOKEN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.:+@-]*$")
_PARAM_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
DEFAULT_TIMEOUT_MS = 20000


class RequestError(ValueError):
    """A request is malformed or refers to something that does not exist."""


def _frozen(params: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(params))


@dataclass(frozen=True)
class ResourceSpec:
    """A registered resource: its id and agent."""

    rsc_id: str
    agent_class: str
    agent_type: str
    provider: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.rsc_id, str) or not _TOKEN.match(self.rsc_id):
            raise RequestError(f"resource id {self.rsc_id!r} is not a valid name")
        if self.agent_class not in SUPPORTED_CLASSES:
            raise RequestError(
                f"resource {self.rsc_id}: class {self.agent_class!r} is not one of "
                f"{', '.join(sorted(SUPPORTED_CLASSES))}"
            )
        if not isinstance(self.agent_type, str) or not self.agent_type:
            raise RequestError(f"resource {self.rsc_id}: agent type is missing")
        if self.agent_class == AgentClass.OCF and not self.provider:
            raise RequestError(f"resource {self.rsc_id}: class ocf needs a provider")

    @property
    def standard(self) -> str:
        if self.provider:
            return f"{self.agent_class}:{self.provider}:{self.agent_type}"
        return f"{self.agent_class}:{self.agent_type}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "rsc_id": self.rsc_id,
            "class": self.agent_class,
            "provider": self.provider,
            "type": self.agent_type,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ResourceSpec:
        try:
            return cls(
                rsc_id=_str(data, "rsc_id"),
                agent_class=_str(data, "class"),
                agent_type=_str(data, "type"),
                provider=_opt_str(data, "provider"),
            )
        except KeyError as exc:
            raise RequestError(f"missing field {exc.args[0]!r}") from None


def _str(data: Mapping[str, Any], key: str) -> str:
    value = data[key]
    if not isinstance(value, str):
        raise RequestError(f"field {key!r} must be a string, not {type(value).__name__}")
    return value


def _opt_str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise RequestError(f"field {key!r} must be a string, not {type(value).__name__}")
    return value


def _int(data: Mapping[str, Any], key: str, default: int) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise RequestError(f"field {key!r} must be a non-negative integer, not {value!r}")
    return value


def _params(data: Mapping[str, Any]) -> dict[str, str]:
    raw = data.get("params", {})
    if not isinstance(raw, dict):
        raise RequestError("field 'params' must be an object of strings")
    params: dict[str, str] = {}
    for key, value in raw.items():
        if not isinstance(key, str) or not _PARAM_NAME.match(key):
            raise RequestError(f"parameter name {key!r} is not valid")
        if not isinstance(value, str) or "\0" in value:
            raise RequestError(f"parameter {key!r} must be a string without NUL bytes")
        params[key] = value
    return params


@dataclass(frozen=True)
class OpRequest:
    """One operation to run on a registered resource."""

    rsc_id: str
    action: str
    interval_ms: int = 0
    timeout_ms: int = DEFAULT_TIMEOUT_MS
    params: Mapping[str, str] = field(default_factory=dict)
    start_delay_ms: int = 0
    transition_key: str | None = None
    notify_changes_only: bool = False

    def __post_init__(self) -> None:
        if not _TOKEN.match(self.action):
            raise RequestError(f"action {self.action!r} is not a valid action name")
        if self.timeout_ms <= 0:
            raise RequestError(f"{self.rsc_id} {self.action}: timeout must be positive")
        object.__setattr__(self, "params", _frozen(self.params))

    @property
    def key(self) -> tuple[str, int]:
        return (self.action, self.interval_ms)

    @property
    def operation_key(self) -> str:
        return f"{self.rsc_id}_{self.action}_{self.interval_ms}"

    @property
    def is_probe(self) -> bool:
        return self.action == "monitor" and self.interval_ms == 0

    @property
    def target_rc(self) -> int:
        """Expected rc: from the transition key, else ``CRM_meta_op_target_rc``, else 7 for a
        probe and 0 otherwise (as the controller would have asked)."""
        if self.transition_key:
            parts = self.transition_key.split(":")
            if len(parts) >= 3:
                try:
                    return int(parts[2])
                except ValueError:
                    pass
        raw = self.params.get("CRM_meta_op_target_rc")
        if raw is not None:
            try:
                return int(raw)
            except ValueError:
                pass
        return int(OcfRc.NOT_RUNNING) if self.is_probe else int(OcfRc.OK)

    def agent_params(self) -> dict[str, str]:
        """Parameters as passed to the agent: the executor adds the timeout and interval metas."""
        params = dict(self.params)
        params.setdefault("CRM_meta_timeout", str(self.timeout_ms))
        if self.interval_ms > 0:
            params.setdefault("CRM_meta_interval", str(self.interval_ms))
        return params

    def to_dict(self) -> dict[str, Any]:
        return {
            "rsc_id": self.rsc_id,
            "action": self.action,
            "interval_ms": self.interval_ms,
            "timeout_ms": self.timeout_ms,
            "params": dict(self.params),
            "start_delay_ms": self.start_delay_ms,
            "transition_key": self.transition_key,
            "notify_changes_only": self.notify_changes_only,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> OpRequest:
        try:
            notify = data.get("notify_changes_only", False)
            if not isinstance(notify, bool):
                raise RequestError("field 'notify_changes_only' must be a boolean")
            return cls(
                rsc_id=_str(data, "rsc_id"),
                action=_str(data, "action"),
                interval_ms=_int(data, "interval_ms", 0),
                timeout_ms=_int(data, "timeout_ms", DEFAULT_TIMEOUT_MS),
                params=_params(data),
                start_delay_ms=_int(data, "start_delay_ms", 0),
                transition_key=_opt_str(data, "transition_key"),
                notify_changes_only=notify,
            )
        except KeyError as exc:
            raise RequestError(f"missing field {exc.args[0]!r}") from None


@dataclass(frozen=True)
class OpResult:
    """The outcome of one execution (or the cancellation) of an operation."""

    rsc_id: str
    action: str
    interval_ms: int
    call_id: int
    rc: int
    op_status: int
    exit_reason: str
    t_run: float
    t_rcchange: float
    exec_time_ms: int
    queue_time_ms: int
    params: Mapping[str, str] = field(default_factory=dict)
    transition_key: str | None = None
    target_rc: int = 0
    agent_class: str = "ocf"
    provider: str | None = None
    agent_type: str = ""
    stdout: str = ""
    stderr: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", _frozen(self.params))

    @property
    def operation_key(self) -> str:
        return f"{self.rsc_id}_{self.action}_{self.interval_ms}"

    @property
    def output(self) -> str:
        """What Pacemaker hands to clients: stderr, or stdout when stderr is empty."""
        return self.stderr or self.stdout

    @property
    def status(self) -> ExecStatus:
        return ExecStatus(self.op_status)

    @property
    def failed(self) -> bool:
        """Pacemaker's ``did_rsc_op_fail``."""
        if self.op_status in (ExecStatus.CANCELLED, ExecStatus.PENDING):
            return False
        if self.op_status in (
            ExecStatus.NOT_SUPPORTED,
            ExecStatus.TIMEOUT,
            ExecStatus.ERROR,
            ExecStatus.NOT_CONNECTED,
            ExecStatus.NO_FENCE_DEVICE,
            ExecStatus.NO_SECRETS,
            ExecStatus.INVALID,
        ):
            return True
        return self.rc != self.target_rc

    def to_dict(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        data["params"] = dict(self.params)
        data["operation_key"] = self.operation_key
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> OpResult:
        names = set(cls.__dataclass_fields__)
        return cls(**{key: value for key, value in data.items() if key in names})
