"""Load throttling of the actions a DC runs at once (Pacemaker's ``controld_throttle.c``).

Every controller works out its node's *mode* from its load and sends it, with its *job
maximum*, to the DC when either changes.  The DC lets at most :meth:`ThrottleTable.limit`
resource actions run at once on a node, and cuts the cluster-wide ``batch-limit`` when some
node is under high load.  The rules, as Pacemaker 2.1.5 has them:

- the job maximum is ``node-action-limit`` (the ``PCMK_node_action_limit`` environment
  variable overrides it); 0, unset or invalid means twice the node's cores;
- the load target is ``load-threshold`` (default 80%) per core; the 1-minute load average
  above 1.2, 1.6 or 2 times the target makes the mode *low*, *medium* or *high* (on one core
  the target is 0.6, a load of 1 being too high there already);
- the CIB daemon's share of a CPU above 80%, 90%, 100% or 150% of min(target, 95%) makes
  the mode low, medium, high or *extreme* (one core: min(target, 40%));
- a node may run its maximum at no load, half of it at low, a quarter at medium and one
  action at high or extreme load; a node the DC has heard nothing from counts as low;
- with a node at high load the cluster-wide limit is at most half the peers, at extreme
  load a quarter (never below one).

Pure functions and a table, no I/O: the controller reads ``/proc`` and carries the messages.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

# load above these multiples of the target: low, medium, high
FACTOR_LOW = 1.2
FACTOR_MEDIUM = 1.6
FACTOR_HIGH = 2.0
DEFAULT_LOAD_THRESHOLD = "80%"


class Mode(enum.IntEnum):
    """How loaded a node is; larger is worse."""

    NONE = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 4
    EXTREME = 8


def _leading_number(text: str) -> float | None:
    """The number ``text`` starts with, as C's ``strtof``/``strtoll`` read it (``None``: none)."""
    match = re.match(r"\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?", text)
    return float(match.group(0)) if match else None


def job_max(preference: str | None, environment: str | None, cores: int) -> int:
    """A node's job maximum: ``PCMK_node_action_limit`` if set, else ``node-action-limit``;
    a value that is not a positive number means twice the cores."""
    text = environment if environment is not None else preference
    value = _leading_number(text) if text is not None else None
    if value is not None and int(value) > 0:
        return int(value)
    return 2 * max(1, cores)


def load_target(threshold: str | None) -> float:
    """``load-threshold`` as a fraction of one core's worth of load ("80%" -> 0.8; 0 for a
    value that does not start with a number, which turns the CPU load check off)."""
    value = _leading_number(threshold if threshold is not None else DEFAULT_LOAD_THRESHOLD)
    return (value or 0.0) / 100.0


def _above(load: float, thresholds: tuple[float, float, float, float]) -> Mode:
    for mode, threshold in zip((Mode.EXTREME, Mode.HIGH, Mode.MEDIUM, Mode.LOW), reversed(thresholds),
                               strict=True):
        if load > threshold:
            return mode
    return Mode.NONE


def cpu_mode(load_average: float, cores: int, target: float) -> Mode:
    """The mode for a 1-minute load average (never extreme); NONE when the target is off."""
    if target <= 0:
        return Mode.NONE
    scale = 0.6 if cores <= 1 else float(cores)
    return _above(load_average, (target * scale * FACTOR_LOW, target * scale * FACTOR_MEDIUM,
                                 target * scale * FACTOR_HIGH, load_average + 1.0))


def cib_mode(cib_cpu_share: float, cores: int, target: float) -> Mode:
    """The mode for the share of one CPU the CIB daemon used (1.0: a whole core)."""
    ceiling = 0.4 if cores <= 1 else 0.95
    if 0.0 < target < ceiling:
        ceiling = target
    return _above(cib_cpu_share, (ceiling * 0.8, ceiling * 0.9, ceiling, ceiling * 1.5))


def job_limit(mode: Mode, maximum: int) -> int:
    """Resource actions a node in ``mode`` may run at once (at least one)."""
    if mode >= Mode.HIGH:
        return 1
    divisor = {Mode.NONE: 1, Mode.LOW: 2, Mode.MEDIUM: 4}[mode]
    return max(1, maximum // divisor)


def total_limit(batch_limit: int, modes: Iterable[Mode], peers: int) -> int:
    """The cluster-wide limit: ``batch-limit`` (0: none), cut to a quarter of the peers while
    some node is at extreme load and to half of them at high load (0 still means none)."""
    limit = batch_limit
    for mode in modes:
        share = peers // 4 if mode is Mode.EXTREME else peers // 2 if mode is Mode.HIGH else None
        if share is not None and (limit == 0 or limit > share):
            limit = max(1, share)
    return limit


@dataclass
class ThrottleTable:
    """What the DC knows of each node's mode and job maximum."""

    default_max: int
    records: dict[str, tuple[Mode, int]] = field(default_factory=dict)

    def update(self, node: str, mode: Mode, maximum: int) -> bool:
        """Record a node's report; whether it changed anything."""
        record = (mode, max(1, maximum))
        changed = self.records.get(node) != record
        self.records[node] = record
        return changed

    def forget(self, node: str) -> None:
        self.records.pop(node, None)

    def limit(self, node: str) -> int:
        """Resource actions ``node`` may run at once."""
        return self.limit_for(*self.records.get(node, (Mode.LOW, self.default_max)))

    @staticmethod
    def limit_for(mode: Mode, maximum: int) -> int:
        return job_limit(mode, maximum)

    def total(self, batch_limit: int, peers: int) -> int:
        return total_limit(batch_limit, (mode for mode, _ in self.records.values()), peers)


def parse_mode(value: object) -> Mode | None:
    """A reported mode, or ``None`` for something that is not one."""
    try:
        return Mode(int(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None
