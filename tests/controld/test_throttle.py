"""The load throttle's rules (crm/controld/throttle.py), as Pacemaker 2.1.5's controller has
them: job maximum, load target, modes from the CPU and CIB loads, limits per mode."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm.controld.throttle import (
    Mode,
    ThrottleTable,
    cib_mode,
    cpu_mode,
    job_limit,
    job_max,
    load_target,
    parse_mode,
    total_limit,
)

MODES = list(Mode)


@pytest.mark.parametrize(("option", "env", "cores", "expected"), [
    (None, None, 2, 4),          # unset: twice the cores
    ("0", None, 8, 16),          # 0: the same
    ("3", None, 8, 3),
    ("3", "5", 8, 5),            # the environment variable wins over the option
    ("-2", None, 1, 2),          # not positive
    ("many", None, 4, 8),        # not a number
    ("7 jobs", None, 4, 7),      # read as strtoll would
])
def test_job_maximum(option: str | None, env: str | None, cores: int, expected: int) -> None:
    assert job_max(option, env, cores) == expected


@pytest.mark.parametrize(("text", "expected"), [(None, 0.8), ("80%", 0.8), ("50", 0.5), ("150%", 1.5),
                                                ("high", 0.0)])
def test_load_target(text: str | None, expected: float) -> None:
    assert load_target(text) == pytest.approx(expected)


def test_cpu_modes_on_two_cores_at_the_default_target() -> None:
    # thresholds: 0.8 x 2 cores x 1.2 / 1.6 / 2.0
    assert [cpu_mode(load, 2, 0.8) for load in (1.9, 1.93, 2.57, 3.21, 50.0)] == \
        [Mode.NONE, Mode.LOW, Mode.MEDIUM, Mode.HIGH, Mode.HIGH]


def test_on_one_core_a_load_of_one_is_already_high() -> None:
    assert cpu_mode(1.0, 1, 0.8) is Mode.HIGH  # 1.0 > 0.8 x 0.6 x 2.0
    assert cpu_mode(0.6, 1, 0.8) is Mode.LOW  # 0.6 > 0.8 x 0.6 x 1.2


def test_no_target_no_cpu_throttle() -> None:
    assert cpu_mode(100.0, 2, 0.0) is Mode.NONE


def test_cib_modes() -> None:
    # ceiling min(target, 95%): 0.8 -> 0.64 / 0.72 / 0.8 / 1.2
    assert [cib_mode(share, 4, 0.8) for share in (0.6, 0.65, 0.75, 0.85, 1.3)] == \
        [Mode.NONE, Mode.LOW, Mode.MEDIUM, Mode.HIGH, Mode.EXTREME]
    assert cib_mode(0.37, 1, 0.8) is Mode.MEDIUM  # one core: a 40% ceiling (0.32 / 0.36 / 0.4 / 0.6)


def test_job_limits() -> None:
    assert [job_limit(mode, 8) for mode in MODES] == [8, 4, 2, 1, 1]
    assert [job_limit(mode, 1) for mode in MODES] == [1, 1, 1, 1, 1]


def test_total_limit_is_cut_by_a_node_at_high_or_extreme_load() -> None:
    assert total_limit(0, [Mode.NONE, Mode.MEDIUM], 8) == 0
    assert total_limit(0, [Mode.HIGH], 8) == 4
    assert total_limit(3, [Mode.HIGH], 8) == 3
    assert total_limit(0, [Mode.HIGH, Mode.EXTREME], 8) == 2
    assert total_limit(0, [Mode.EXTREME], 2) == 1


def test_a_node_not_heard_from_counts_as_low_load() -> None:
    table = ThrottleTable(default_max=8)
    assert table.limit("node1") == 4
    assert table.update("node1", Mode.NONE, 6)
    assert not table.update("node1", Mode.NONE, 6)
    assert table.limit("node1") == 6
    table.forget("node1")
    assert table.limit("node1") == 4


def test_reported_modes_are_read_safely() -> None:
    assert parse_mode(4) is Mode.HIGH
    assert parse_mode("2") is Mode.MEDIUM
    assert parse_mode(3) is None and parse_mode(None) is None and parse_mode("x") is None


@given(st.floats(0, 64), st.floats(0, 64), st.integers(1, 64), st.floats(0.01, 4))
def test_more_load_never_means_a_lighter_mode(a: float, b: float, cores: int, target: float) -> None:
    low, high = sorted((a, b))
    assert cpu_mode(low, cores, target) <= cpu_mode(high, cores, target)
    assert cib_mode(low, cores, target) <= cib_mode(high, cores, target)


@given(st.sampled_from(MODES), st.sampled_from(MODES), st.integers(1, 256))
def test_a_worse_mode_never_allows_more_jobs_and_always_one(a: Mode, b: Mode, maximum: int) -> None:
    better, worse = sorted((a, b))
    assert 1 <= job_limit(worse, maximum) <= job_limit(better, maximum) <= maximum
