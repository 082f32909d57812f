"""The checks ``crm_verify`` runs, in Pacemaker's words.

1. The document is validated against the schema it names (:mod:`crm.cib.schema`); if that
   fails nothing else is checked, as in Pacemaker.
2. An older document is upgraded (:mod:`crm.cib.upgrade`) and the current form is checked:
   cluster options, fencing, resources and their operations, constraints, node state.

Errors are what Pacemaker's scheduler reports as configuration errors when it unpacks the
CIB (it then ignores or resets the offending item); warnings are its configuration warnings
(deprecated syntax, nodes that would be fenced, leftovers in the status section); notices
are ours (agents that are not installed here) and never change the verdict.
"""

from __future__ import annotations

from typing import Final

from lxml import etree

from crm.cib.schema import CURRENT_SCHEMA, Grammar, SchemaError, UnknownSchema, grammar_for, validate
from crm.cib.upgrade import upgrade
from crm.verify.constraints import check_constraints
from crm.verify.context import Context, cluster_options
from crm.verify.findings import Finding, Report, Severity
from crm.verify.node_state import (
    check_anonymous_clone_orphans,
    check_node_state,
    check_orphans,
    check_remote_connections,
)
from crm.verify.nodes import check_nodes
from crm.verify.options import check_fencing, check_options
from crm.verify.resources import (
    check_agents,
    check_failure_timeout,
    check_forced_anonymous,
    check_operations,
    check_resources,
)

__all__ = ["CHECKS", "verify"]


CHECKS: Final = (
    check_options,
    check_nodes,
    check_fencing,
    check_resources,
    check_forced_anonymous,
    check_operations,
    check_constraints,
    check_node_state,
    check_remote_connections,
    check_orphans,
    check_anonymous_clone_orphans,
    check_failure_timeout,
    check_agents,
)


def verify(doc: etree._Element | etree._ElementTree) -> Report:
    """All findings for a CIB (the input is not modified)."""
    root = doc.getroot() if isinstance(doc, etree._ElementTree) else doc
    schema_errors = validate(root)
    if schema_errors:
        return Report((), tuple(schema_errors))
    try:
        grammar = grammar_for(root.get("validate-with"))
    except UnknownSchema:  # pragma: no cover - validate() reported it already
        grammar = None
    current = root if grammar is Grammar.CURRENT or grammar is None else upgrade(root)
    if grammar is not None and grammar is not Grammar.CURRENT:
        problems = validate(current)
        if problems:
            return Report(
                (),
                tuple(
                    SchemaError(p.path, p.line, f"after upgrade to the current schema: {p.reason}", p.element)
                    for p in problems
                ),
            )
    ctx = Context(current, cluster_options(current))
    findings: list[Finding] = []
    if grammar is None:
        findings.append(
            Finding(
                Severity.NOTICE,
                "validate",
                "Schema validation of configuration is disabled "
                "(enabling is encouraged and prevents common misconfigurations)",
            )
        )
    if current is not root:
        findings.append(
            Finding(
                Severity.NOTICE,
                "cli_config_update",
                f"Your configuration was internally updated to the latest version ({CURRENT_SCHEMA}) "
                f"from {root.get('validate-with') or 'the Heartbeat 2 format'}; "
                "cibadmin --upgrade makes this permanent",
            )
        )
    for check in CHECKS:
        findings.extend(check(ctx))
    return Report(tuple(findings))
