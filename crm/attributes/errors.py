"""Failures of attribute operations, with Pacemaker's exit codes."""

from __future__ import annotations

from collections.abc import Sequence

from crm.attributes.match import Match
from crm.cib.errors import ExitCode


class AttributeFailure(Exception):
    """An attribute operation that could not be done; the document is unchanged."""

    exit_code: ExitCode = ExitCode.ERROR


class MultipleMatches(AttributeFailure):
    """More than one name/value pair matches and the operation needs exactly one."""

    exit_code = ExitCode.MULTIPLE

    def __init__(self, name: str, matches: Sequence[Match]) -> None:
        super().__init__(f"Multiple attributes match name={name}")
        self.name = name
        self.matches = tuple(matches)


class NoSuchState(AttributeFailure):
    """A status attribute for a node that has no ``node_state`` entry."""

    exit_code = ExitCode.NOSUCH
