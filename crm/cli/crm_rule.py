"""``crm_rule``: whether rules of the configuration are in effect, as Pacemaker 2.1.5's.

``crm_rule -c -r RULE [-r RULE...] [-d DATE] [-X XML|-]``: each rule (looked up under
``constraints`` of the CIB, of ``-X`` text or standard input, else the CIB named by
``CIB_shadow``/``CIB_file`` or the live one) must hold exactly one ``date_expression``
(``date_spec`` only with ``years`` and without ``moon``).  The answer is the exit code: 0 in
effect, 110 expired, 111 not yet in effect; text or ``--output-as=xml``.  The evaluation is
:mod:`crm.common.date_expression`.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from lxml import etree

from crm.cib.errors import CibError
from crm.cli import pcmk_log
from crm.cli.cib_source import CibSource
from crm.cli.output_format import OutputFormatError, XmlResult, invoked_as, open_output, request_line
from crm.cli.tool_args import PACEMAKER_VERSION, VERBOSE_OPT, VERSION_OPT, Group, Opt, ToolSpec, run_tool
from crm.common import date_expression, iso8601
from crm.common.results import ExitCode
from crm.common.return_codes import (
    RC_AFTER_RANGE,
    RC_BEFORE_RANGE,
    RC_DUPLICATE_ID,
    RC_OP_UNSATISFIED,
    RC_UNDETERMINED,
    RC_WITHIN_RANGE,
    rc_to_exit,
)

PROG = "crm_rule"
ENXIO = 6
EOPNOTSUPP = 95

SPEC = ToolSpec(
    prog=PROG,
    usage_args="[OPTION?]",
    summary="evaluate rules from the Pacemaker configuration",
    main=(VERSION_OPT, VERBOSE_OPT),
    groups=(
        Group("modes", "Modes (mutually exclusive):", "Show modes of operation", (
            Opt("check", "c", help="Check whether a rule is in effect"),
        )),
        Group("data", "Data:", "Show data options", (
            Opt("xml-text", "X", action="store", dest="xml_text",
                help="Use argument for XML (or stdin if '-')"),
        )),
        Group("additional", "Additional Options:", "Show additional options", (
            Opt("date", "d", action="store", help="Whether the rule is in effect on a given date"),
            Opt("rule", "r", action="append", dest="rules",
                help="The ID of the rule to check (may be specified multiple times)"),
        )),
    ),
    output_formats=("text", "xml"),
)


def eval_rule(cib: etree._Element, rule_id: str, now: iso8601.CrmTime,
              on_error: date_expression.ErrorHandler | None = None) -> tuple[int, str | None]:
    """Pacemaker's ``eval_rule`` of ``pcmk_rule.c``: (standard return code, error)."""
    constraints = cib.find("configuration/constraints")
    if constraints is None:
        return ENXIO, "Rule not found"
    rules = [r for r in constraints.iter("rule") if r.get("id") == rule_id]
    if not rules:
        return ENXIO, "Rule not found"
    if len(rules) > 1:
        return RC_DUPLICATE_ID, "Found more than one rule with matching ID"
    expressions = [e for r in rules for e in r.iter("date_expression")]
    if len(expressions) != 1:
        if not expressions:
            return EOPNOTSUPP, "Rule does not have a date expression"
        return EOPNOTSUPP, "Rule has more than one date expression"
    expr = expressions[0]
    operation = expr.get("operation")
    if operation is None or operation == "date_spec":  # (an absent operation fails both tests)
        spec = expr.find("date_spec")
        if operation is None or spec is None or spec.get("years") is None or spec.get("moon") is not None:
            return EOPNOTSUPP, "Rule must either not use date_spec, or use date_spec with years= but not moon="
    rc = date_expression.evaluate(expr, now, on_error)
    if rc == RC_UNDETERMINED:
        return rc, "Error parsing rule"
    return rc, None


def rule_message(rule_id: str, rc: int) -> str | None:
    """The text line of a rule's result; None for an error."""
    return {
        RC_WITHIN_RANGE: f"Rule {rule_id} is still in effect",
        0: f"Rule {rule_id} satisfies conditions",
        RC_AFTER_RANGE: f"Rule {rule_id} is expired",
        RC_BEFORE_RANGE: f"Rule {rule_id} has not yet taken effect",
        RC_OP_UNSATISFIED: f"Rule {rule_id} does not satisfy conditions",
    }.get(rc)


def _body(argv: Sequence[str]) -> int:
    ns = SPEC.parse(argv)
    if SPEC.answered_help(ns):
        return ExitCode.OK
    try:
        output = open_output(ns)
    except OutputFormatError as err:
        sys.stderr.write(f"{PROG}: {err}\n")
        return err.exit_code
    xml = XmlResult(request_line(invoked_as(PROG), argv)) if output.xml else None
    out_lines: list[str] = []

    def finish(code: int, error: str | None = None) -> int:
        if error is not None:
            if xml is not None:
                xml.errors.append(f"{PROG}: {error}")
            else:
                sys.stderr.write(f"{PROG}: {error}\n")
        if xml is not None:
            output.write(xml.finish(code), sys.stdout)
        else:
            output.write("".join(out_lines), sys.stdout)
        return code

    if ns.version:
        if xml is None:
            sys.stdout.write(PACEMAKER_VERSION)
            return ExitCode.OK
        xml.add("version", attrs={"program": "Pacemaker", "version": "2.1.5",
                                  "author": "Andrew Beekhof and the Pacemaker project contributors",
                                  "build": "pacer", "features": ""})
        return finish(ExitCode.OK)
    if not ns.check:
        return finish(ExitCode.USAGE, "No mode operation given")
    if not ns.rules:
        return finish(ExitCode.USAGE, "--check requires use of --rule=")
    if ns.date is None:
        now = iso8601.now()
    else:
        try:
            now = iso8601.parse_date(ns.date)
        except iso8601.Iso8601Error as err:
            pcmk_log.log(err.function, "error", err.message, verbosity=ns.verbose, source=iso8601.source_of(err))
            return finish(ExitCode.DATAERR, f"Invalid date specified: '{ns.date}'")
    cib: etree._Element | None = None
    if ns.xml_text is not None:
        text = sys.stdin.read() if ns.xml_text == "-" else ns.xml_text
        problems = pcmk_log.xml_parse_errors(text)
        if problems is not None:
            for line in problems:
                pcmk_log.log("log_xmllib_err", "error", f"XML Error: {line}", verbosity=ns.verbose,
                             source="xml.c:0")
            cib = pcmk_log.recovered_xml(text)  # libxml2 keeps what it could read of a document
            if cib is None:
                what = "from STDIN" if ns.xml_text == "-" else f"string: {ns.xml_text}"
                return finish(ExitCode.DATAERR, f"Couldn't parse input {what}\n")
        else:
            cib = etree.fromstring(text.encode())
    else:
        try:
            cib = CibSource.from_environment().read().root
        except CibError as err:
            return finish(err.exit_code, f"CIB query failed: {err.reason}")
    def log_time_error(err: iso8601.Iso8601Error) -> None:
        pcmk_log.log(err.function, "error", err.message, verbosity=ns.verbose, source=iso8601.source_of(err))

    rc = 0
    for rule_id in ns.rules:
        last, error = eval_rule(cib, rule_id, now, log_time_error)
        text_line = rule_message(rule_id, last)
        if xml is not None:
            xml.add("rule-check", attrs={"rule-id": rule_id, "rc": rc_to_exit(last)})
            if text_line is None:
                xml.errors.append(f"Could not determine whether rule {rule_id} is in effect: "
                                  f"{error or 'unexpected error'}")
        elif text_line is not None:
            out_lines.append(text_line + "\n")
        else:
            sys.stderr.write(f"Could not determine whether rule {rule_id} is in effect: "
                             f"{error or 'unexpected error'}\n")
        if last != 0:
            rc = last
    return finish(rc_to_exit(rc))


def main(argv: Sequence[str] | None = None) -> int:
    return run_tool(PROG, _body, argv)


if __name__ == "__main__":
    sys.exit(main())

