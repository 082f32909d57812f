"""crm_rule against Debian's, on configurations generated with rules of every date expression
form (in_range with end or duration, gt, lt, date_spec with ranges, malformed values) checked
at generated dates, in text and XML.  Fencing is disabled in them: the scheduler's own
configuration warnings, which Pacemaker's crm_rule logs while unpacking the CIB, are not
reproduced."""

from __future__ import annotations

import random

import pytest
from tool_oracle import base_env, pacer_tool, require_debian, run

pytestmark = pytest.mark.oracle


def _date(rng: random.Random) -> str:
    year = rng.choice([2000, 2018, 2019, 2020, 2030])
    text = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    if rng.random() < 0.6:
        text += f" {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
        text += rng.choice(["Z", " +02:00", ""])
    if rng.random() < 0.05:
        text = rng.choice(["garbage", "2019-13-01", ""])
    return text


def _range(rng: random.Random, low: int, high: int) -> str:
    a, b = sorted((rng.randint(low, high), rng.randint(low, high)))
    return rng.choice([str(a), f"{a}-{b}", f"{a}-", f"-{b}", "x", f"{a}-{b}x"])


def _expression(rng: random.Random, ident: str) -> str:
    kind = rng.choice(["in_range", "in_range_duration", "gt", "lt", "date_spec", "date_spec", "none", "bad"])
    if kind == "in_range":
        return f'<date_expression id="{ident}" operation="in_range" start="{_date(rng)}" end="{_date(rng)}"/>'
    if kind == "in_range_duration":
        fields = " ".join(f'{f}="{rng.randint(-2, 14)}"' for f in ("years", "months", "weeks", "days", "hours")
                          if rng.random() < 0.5)
        return (f'<date_expression id="{ident}" operation="in_range" start="{_date(rng)}">'
                f'<duration id="{ident}-d" {fields}/></date_expression>')
    if kind == "gt":
        return f'<date_expression id="{ident}" operation="gt" start="{_date(rng)}"/>'
    if kind == "lt":
        return f'<date_expression id="{ident}" operation="lt" end="{_date(rng)}"/>'
    if kind == "date_spec":
        fields = {"years": (2017, 2021), "months": (1, 12), "monthdays": (1, 31), "hours": (0, 23),
                  "weekdays": (1, 7), "yeardays": (1, 366)}
        chosen = [f'{f}="{_range(rng, *fields[f])}"' for f in fields if f == "years" or rng.random() < 0.3]
        if rng.random() < 0.1:
            chosen = chosen[1:]
        if rng.random() < 0.05:
            chosen.append('moon="1"')
        return (f'<date_expression id="{ident}" operation="date_spec">'
                f'<date_spec id="{ident}-s" {" ".join(chosen)}/></date_expression>')
    if kind == "none":
        return f'<expression id="{ident}" attribute="#uname" operation="eq" value="node1"/>'
    return f'<date_expression id="{ident}" operation="in_range"/>'


def _cib(rng: random.Random, count: int) -> str:
    rules = []
    for n in range(count):
        body = _expression(rng, f"e{n}")
        if rng.random() < 0.1:
            body += _expression(rng, f"e{n}b")
        rules.append(f'<rsc_location id="loc{n}" rsc="dummy"><rule id="r{n}" score="INFINITY">{body}</rule>'
                     "</rsc_location>")
    return ('<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0"><configuration>'
            '<crm_config><cluster_property_set id="o"><nvpair id="o-s" name="stonith-enabled" value="false"/>'
            '</cluster_property_set></crm_config><nodes/><resources><primitive id="dummy" class="ocf" provider="pacemaker" type="Dummy"/>'
            f'</resources><constraints>{"".join(rules)}</constraints></configuration><status/></cib>')


def _command_lines(seed: int, count: int) -> list[list[str]]:
    rng = random.Random(seed)
    lines = []
    for _ in range(count):
        cib = _cib(rng, 4)
        argv = ["-c"]
        for rule in rng.sample(["r0", "r1", "r2", "r3", "missing"], rng.randint(1, 3)):
            argv += ["-r", rule]
        argv += ["-d", _date(rng), "-X", cib]
        if rng.random() < 0.4:
            argv.append("--output-as=xml")
        lines.append(argv)
    lines += [[], ["-c"], ["--output-as=xml"], ["-c", "-r", "x", "-X", "invalidxml"], ["--help-all"],
              ["-c", "-r", "x", "-X", "<cib"]]
    return lines


@pytest.mark.parametrize("argv", _command_lines(3, 60), ids=lambda a: " ".join(a)[:120])
def test_same_as_pacemaker(argv: list[str]) -> None:
    debian = require_debian("crm_rule")
    env = base_env({"PCMK_stderr": "1", "TZ": "UTC"})
    theirs = run([debian, *argv], env)
    ours = run([pacer_tool("crm_rule"), *argv], env)
    mine = ours.stdout.replace(pacer_tool("crm_rule"), debian)
    if argv and argv[-1] == "<cib":  # a document libxml2 recovers: its recovery log lines are not reproduced
        assert (ours.rc, mine) == (theirs.rc, theirs.stdout)
        return
    assert (ours.rc, mine, ours.stderr) == (theirs.rc, theirs.stdout, theirs.stderr)
