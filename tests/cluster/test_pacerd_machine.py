"""The launcher's supervision machine, driven directly (no processes, no clock)."""

from __future__ import annotations

import pytest

from crm.pacerd.machine import (
    CRM_EX_FATAL,
    EXIT_GAVE_UP,
    Action,
    CancelTimer,
    ChildSpec,
    ChildState,
    Exit,
    Kill,
    Log,
    Policy,
    SetTimer,
    Start,
    Stop,
    Supervisor,
)

CHILDREN = [ChildSpec("based", ("based",)), ChildSpec("attrd", ("attrd",)), ChildSpec("controld", ("controld",))]


def machine(**policy: float) -> Supervisor:
    return Supervisor(CHILDREN, Policy(**policy))  # type: ignore[arg-type]


def effects(actions: list[Action]) -> list[Action]:
    return [a for a in actions if not isinstance(a, Log)]


def test_boot_starts_every_child_in_table_order() -> None:
    sv = machine()
    assert effects(sv.boot(0.0)) == [Start("based"), Start("attrd"), Start("controld")]
    assert sv.live() == ["based", "attrd", "controld"]
    assert sv.boot(1.0) == []


def test_duplicate_names_are_refused() -> None:
    with pytest.raises(ValueError):
        Supervisor([ChildSpec("a", ("x",)), ChildSpec("a", ("y",))])


def test_a_dead_child_is_respawned_after_a_doubling_backoff() -> None:
    sv = machine(backoff=0.5, max_backoff=3.0, max_restarts=10, window=100.0)
    sv.boot(0.0)
    assert effects(sv.exited("attrd", 10.0, 1)) == [SetTimer("restart:attrd", 10.5)]
    assert sv.state("attrd") is ChildState.WAITING
    assert effects(sv.timer("restart:attrd", 10.5)) == [Start("attrd")]
    assert effects(sv.exited("attrd", 11.0, -9)) == [SetTimer("restart:attrd", 12.0)]
    sv.timer("restart:attrd", 12.0)
    assert effects(sv.exited("attrd", 13.0, 0)) == [SetTimer("restart:attrd", 15.0)]
    sv.timer("restart:attrd", 15.0)
    # capped at max_backoff
    assert effects(sv.exited("attrd", 16.0, 0)) == [SetTimer("restart:attrd", 19.0)]
    # the others were never touched
    assert sv.state("based") is ChildState.RUNNING and sv.state("controld") is ChildState.RUNNING


def test_the_reason_of_a_death_is_logged() -> None:
    sv = machine()
    sv.boot(0.0)
    logs = [a.message for a in sv.exited("based", 1.0, -9) if isinstance(a, Log)]
    assert any("based killed by signal 9" in m for m in logs)


def test_too_many_restarts_in_the_window_stops_the_node_in_reverse_order() -> None:
    sv = machine(max_restarts=2, window=60.0, backoff=0.1, stop_timeout=5.0)
    sv.boot(0.0)
    for t in (1.0, 2.0):
        sv.exited("attrd", t, 1)
        sv.timer("restart:attrd", t + 0.5)
    out = sv.exited("attrd", 3.0, 1)
    assert Log("error", next(a.message for a in out if isinstance(a, Log) and a.level == "error")) in out
    assert "giving up" in " ".join(a.message for a in out if isinstance(a, Log))
    # attrd is dead already; controld goes first, then based
    assert effects(out) == [Stop("controld"), SetTimer("kill:controld", 8.0)]
    out = sv.exited("controld", 3.5, -15)
    assert effects(out) == [CancelTimer("kill:controld"), Stop("based"), SetTimer("kill:based", 8.5)]
    out = sv.exited("based", 4.0, 0)
    assert effects(out)[-1] == Exit(EXIT_GAVE_UP, effects(out)[-1].reason)  # type: ignore[union-attr]
    assert "attrd" in sv.reason


def test_restarts_older_than_the_window_are_forgotten() -> None:
    sv = machine(max_restarts=2, window=10.0, backoff=1.0)
    sv.boot(0.0)
    sv.exited("based", 1.0, 1)
    sv.timer("restart:based", 2.0)
    sv.exited("based", 3.0, 1)
    sv.timer("restart:based", 5.0)
    # 20s later both restarts are out of the window: back to the first back-off
    assert effects(sv.exited("based", 25.0, 1)) == [SetTimer("restart:based", 26.0)]
    assert not sv.stopping


def test_a_fatal_exit_is_not_respawned_and_stops_the_node() -> None:
    sv = machine(stop_timeout=30.0)
    sv.boot(0.0)
    out = sv.exited("based", 5.0, CRM_EX_FATAL)
    assert Start("based") not in out
    assert effects(out) == [Stop("controld"), SetTimer("kill:controld", 35.0)]
    sv.exited("controld", 6.0, 0)
    out = sv.exited("attrd", 7.0, 0)
    assert isinstance(effects(out)[-1], Exit) and effects(out)[-1] == Exit(CRM_EX_FATAL, sv.reason)
    assert sv.state("based") is ChildState.STOPPED


def test_shutdown_stops_one_child_at_a_time_last_first() -> None:
    sv = machine(stop_timeout=10.0)
    sv.boot(0.0)
    out = sv.shutdown(1.0, "received SIGTERM")
    assert effects(out) == [Stop("controld"), SetTimer("kill:controld", 11.0)]
    assert sv.state("controld") is ChildState.STOPPING
    assert sv.state("attrd") is ChildState.RUNNING
    assert effects(sv.exited("controld", 2.0, 0)) == [CancelTimer("kill:controld"), Stop("attrd"), SetTimer("kill:attrd", 12.0)]
    assert effects(sv.exited("attrd", 3.0, 0)) == [CancelTimer("kill:attrd"), Stop("based"), SetTimer("kill:based", 13.0)]
    assert effects(sv.exited("based", 4.0, 0)) == [CancelTimer("kill:based"), Exit(0, "received SIGTERM")]
    assert sv.finished
    # nothing more happens afterwards
    assert sv.shutdown(5.0)[0] == Log("info", "already stopping (received SIGTERM); ignoring: shutdown requested")


def test_a_child_that_ignores_sigterm_gets_sigkill_after_the_timeout() -> None:
    sv = machine(stop_timeout=10.0)
    sv.boot(0.0)
    sv.shutdown(1.0)
    assert effects(sv.timer("kill:controld", 11.0)) == [Kill("controld")]
    assert sv.state("controld") is ChildState.KILLING
    # a second firing does nothing
    assert sv.timer("kill:controld", 12.0) == []
    assert effects(sv.exited("controld", 11.1, -9)) == [CancelTimer("kill:controld"), Stop("attrd"), SetTimer("kill:attrd", 21.1)]


def test_shutdown_cancels_pending_respawns() -> None:
    sv = machine(backoff=5.0)
    sv.boot(0.0)
    sv.exited("attrd", 1.0, 1)
    out = sv.shutdown(2.0)
    assert CancelTimer("restart:attrd") in out
    assert sv.state("attrd") is ChildState.STOPPED
    # the stale respawn timer must not start it again
    assert sv.timer("restart:attrd", 6.0) == []


def test_a_child_dying_on_its_own_during_shutdown_is_not_respawned() -> None:
    sv = machine()
    sv.boot(0.0)
    sv.shutdown(1.0)  # stopping controld
    out = sv.exited("based", 1.5, 1)
    assert not any(isinstance(a, (Start, SetTimer)) and "based" in str(a) for a in out)
    assert sv.state("based") is ChildState.STOPPED
    sv.exited("controld", 2.0, 0)
    out = sv.exited("attrd", 3.0, 0)
    assert effects(out)[-1] == Exit(0, "shutdown requested")


def test_stale_and_unknown_reports_are_ignored() -> None:
    sv = machine()
    sv.boot(0.0)
    sv.exited("attrd", 1.0, 1)
    assert sv.exited("attrd", 1.1, 1) == []  # already dead, waiting
    assert sv.exited("nosuch", 1.2, 1) == []
    assert sv.timer("restart:nosuch", 2.0) == []
    assert sv.timer("kill:based", 2.0) == []  # based is running, not stopping


def test_a_child_that_cannot_be_spawned_counts_as_a_failure() -> None:
    sv = machine(max_restarts=1, backoff=1.0)
    sv.boot(0.0)
    out = sv.start_failed("based", 0.1, "No such file or directory")
    assert effects(out) == [SetTimer("restart:based", 1.1)]
    sv.timer("restart:based", 1.1)
    out = sv.start_failed("based", 1.2, "No such file or directory")
    assert sv.stopping and sv.exit_code == EXIT_GAVE_UP


def test_shutdown_with_nothing_running_exits_at_once() -> None:
    sv = Supervisor([ChildSpec("a", ("a",))])
    out = sv.shutdown(0.0)
    assert effects(out) == [Exit(0, "shutdown requested")]
    assert sv.boot(1.0) == []
