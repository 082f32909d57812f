"""``iso8601``: parse and show ISO 8601 dates, durations and periods, as Pacemaker 2.1.5's.

``-d DATE`` (or ``-n``, now), ``-D DURATION``, ``-p PERIOD``; ``-E TEXT`` exits 1 unless the
result (the date, or the date plus the duration) is written ``TEXT``.  Output modifiers:
``-s`` seconds since year 0, ``-S`` since the epoch, ``-L`` local time, ``-O`` ordinal and
``-W`` week dates.  The computation is :mod:`crm.common.iso8601`.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from crm.cli import pcmk_log
from crm.cli.tool_args import PACEMAKER_VERSION, VERBOSE_OPT, VERSION_OPT, Group, Opt, ToolSpec, run_tool
from crm.common import iso8601 as t
from crm.common.results import ExitCode

PROG = "iso8601"
INDENT = " " * 30

SPEC = ToolSpec(
    prog=PROG,
    usage_args="[OPTION?]",
    summary="Display and parse ISO 8601 dates and times",
    main=(VERSION_OPT, VERBOSE_OPT),
    groups=(
        Group("commands", "Commands:", "Show command options", (
            Opt("now", "n", help="Display the current date/time", action="store_const", dest="date", const="now"),
            Opt("date", "d", metavar="DATE", action="store", dest="date",
                help=f"Parse an ISO 8601 date/time (for example,\n{INDENT}'2019-09-24 00:30:00 +01:00' or '2019-040')"),
            Opt("period", "p", metavar="PERIOD", action="store",
                help=f"Parse an ISO 8601 period (interval) with start time (for example,\n{INDENT}'2005-040/2005-043')"),
            Opt("duration", "D", metavar="DURATION", action="store",
                help="Parse an ISO 8601 duration (for example, 'P1M')"),
            Opt("expected", "E", metavar="TEXT", action="store",
                help=f"Exit with error status if result does not match this text.\n{INDENT}Requires: -n or -d"),
        )),
        Group("modifiers", "Output modifiers:", "Show output modifiers", (
            Opt("seconds", "s", help="Show result as a seconds since 0000-001 00:00:00Z"),
            Opt("epoch", "S", help="Show result as a seconds since EPOCH (1970-001 00:00:00Z)"),
            Opt("local", "L", help="Show result as a 'local' date/time"),
            Opt("ordinal", "O", help="Show result as an 'ordinal' date/time"),
            Opt("week", "W", help="Show result as an 'calendar week' date/time"),
        )),
    ),
    epilog="For more information on the ISO 8601 standard, see https://en.wikipedia.org/wiki/ISO_8601",
)

def _body(argv: Sequence[str]) -> int:
    ns = SPEC.parse(argv)
    if SPEC.answered_help(ns):
        return ExitCode.OK
    if ns.version:
        sys.stdout.write(PACEMAKER_VERSION)
        return ExitCode.OK
    flags = 0
    flags |= t.SECONDS if ns.seconds else 0
    flags |= t.EPOCH if ns.epoch else 0
    flags |= t.LOG_WITH_TIMEZONE if ns.local else 0
    flags |= t.ORDINAL if ns.ordinal else 0
    flags |= t.WEEKS if ns.week else 0
    shown = flags | t.LOG_DATE | t.LOG_TIMEOFDAY

    def fail(err: t.Iso8601Error, what: str, value: str) -> int:
        pcmk_log.log(err.function, "error", err.message, verbosity=ns.verbose, source=t.source_of(err))
        sys.stderr.write(f"{PROG}: Invalid {what} specified: {value}\n")
        return ExitCode.INVALID_PARAM

    date_time = None
    if ns.date is not None and ns.date.lower() == "now":
        date_time = t.now()
        print(f"Current date/time: {t.as_string(date_time, shown)}")
    elif ns.date is not None:
        try:
            date_time = t.parse_date(ns.date)
        except t.Iso8601Error as err:
            return fail(err, "date/time", ns.date)
        print(f"Date: {t.as_string(date_time, shown)}")
    duration = None
    if ns.duration is not None:
        try:
            duration = t.parse_duration(ns.duration)
        except t.Iso8601Error as err:
            return fail(err, "duration", ns.duration)
        print(f"Duration: {t.as_string(duration, flags | t.LOG_DURATION)}")
    if ns.period is not None:
        try:
            period = t.parse_period(ns.period)
        except t.Iso8601Error as err:
            return fail(err, "interval", ns.period)
        print(f"Period: {t.as_string(period.start, shown)} to {t.as_string(period.end, shown)}")
    if date_time is not None and duration is not None:
        later = t.add(date_time, duration)
        print(f"Duration ends at: {t.as_string(later, shown | t.LOG_WITH_TIMEZONE)}")
        if ns.expected is not None and ns.expected.lower() != t.as_string(later, shown).lower():
            return ExitCode.ERROR
    elif (date_time is not None and ns.expected is not None
          and ns.expected.lower() != t.as_string(date_time, shown).lower()):
        return ExitCode.ERROR
    return ExitCode.OK


def main(argv: Sequence[str] | None = None) -> int:
    return run_tool(PROG, _body, argv)


if __name__ == "__main__":
    sys.exit(main())
