"""stonith_admin's output, against what Pacemaker 2.1.5's stonith_admin printed for the same
history on a live Pacemaker cluster (corosync-netns-cluster --pacemaker, fence_dummy)."""

from __future__ import annotations

import io
import os
import socket
import threading
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest

from crm.cli import stonith_admin
from crm.ipc.frames import decode_json, encode_json, recv_frame

T1, T2, T3 = 1796633456.0, 1796633458.0, 1796633459.0


def entry(**kw: Any) -> dict[str, Any]:
    base = {"id": "x", "target": "node2", "action": "reboot", "state": "done", "initiator": "node1",
            "origin": "node1", "client": "stonith_admin.6916", "started": 0, "completed": T1, "rc": 0,
            "executioner": "node1", "device": "fd1", "error": ""}
    base.update(kw)
    return base


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    import time

    time.tzset()


def test_event_descriptions_match_pacemaker() -> None:
    done = entry()
    assert stonith_admin.event_description(done, True) == (
        "reboot of node2 successful: delegate=node1, client=stonith_admin.6916, origin=node1, "
        "completed='2026-12-07 08:50:56Z'"
    )
    assert stonith_admin.event_description(done, False).endswith("last-successful='2026-12-07 08:50:56Z'")
    failed = entry(target="node9", action="off", state="failed", rc=124, client="stonith_admin.8864",
                   error="Fence agent did not complete within 2m", completed=T2)
    human = entry(target="node9", action="off", executioner="a human", client="stonith_admin.15023", completed=T3)
    history = [human, failed]
    assert stonith_admin.event_description(failed, True, stonith_admin.later_succeeded(failed, history)) == (
        "turning off of node9 failed (Fence agent did not complete within 2m): delegate=node1, "
        "client=stonith_admin.8864, origin=node1, completed='2026-12-07 08:50:58Z' "
        "(a later attempt from a human succeeded)"
    )
    nodevice = entry(target="node9", state="failed", rc=105, executioner=None, error="", client="stonith_admin.7101")
    assert stonith_admin.event_description(nodevice, True) == (
        "reboot of node9 failed: client=stonith_admin.7101, origin=node1, completed='2026-12-07 08:50:56Z'"
    )
    assert stonith_admin.event_description(entry(action="on"), True).startswith("unfencing of node2 successful")


class FakeFencer:
    """A fencer socket answering from a script."""

    def __init__(self, path: Path, replies: dict[str, dict[str, Any]]) -> None:
        self.replies = replies
        self.requests: list[dict[str, Any]] = []
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(str(path))
        self.sock.listen(5)
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                while (body := recv_frame(conn)) is not None:
                    request = decode_json(body)
                    self.requests.append(request)
                    reply = dict(self.replies[request["op"]], id=request["id"])
                    conn.sendall(encode_json(reply))


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        rc = stonith_admin.main(argv)
    return rc, out.getvalue(), err.getvalue()


@pytest.fixture
def fencer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeFencer:
    monkeypatch.setenv("PACER_RUN_DIR", str(tmp_path))
    older = entry(completed=T1)
    newer = entry(id="y", action="off", executioner="a human", completed=T3, client="stonith_admin.7127")
    return FakeFencer(tmp_path / "fenced.sock", {
        "list": {"rc": 0, "devices": ["fd1", "fd2"]},
        "history": {"rc": 0, "history": [newer, older]},
        "fence": {"rc": 105, "error": "no fence device can fence node9 (No such device)"},
        "confirm": {"rc": 0},
    })


def test_lists_history_and_failures(fencer: FakeFencer) -> None:
    assert run(["-L"]) == (0, "fd1\nfd2\n2 fence devices found\n", "")
    # Pacemaker shows the last "done" of its sorted history: the oldest success
    _rc, out, _ = run(["-H", "node2"])
    assert out == ("reboot of node2 successful: delegate=node1, client=stonith_admin.6916, origin=node1, "
                   "last-successful='2026-12-07 08:50:56Z'\n1 event found\n")
    _rc, out, _ = run(["-H", "*", "-V"])
    assert out.splitlines()[0].startswith("turning off of node2 successful: delegate=a human")
    assert out.splitlines()[-1] == "2 events found"
    assert run(["-H", "node2", "-q"])[1] == f"{int(T1)}\n0 events found\n"
    xml = run(["-H", "node2", "--output-as=xml"])[1]
    assert '<list name="fencing history" count="1">' in xml
    assert ('<fence_event action="reboot" target="node2" client="stonith_admin.6916" origin="node1" '
            'status="success" delegate="node1" completed="2026-12-07 08:50:56Z"/>') in xml
    assert run(["-F", "node9"]) == (105, "", "stonith_admin: Couldn't fence node9: No such device\n")
    assert run(["-C", "node3"]) == (0, "", "")
    fence = next(r for r in fencer.requests if r["op"] == "fence")
    assert fence["action"] == "off" and fence["target"] == "node9" and fence["timeout"] == 120
    assert fence["client"] == f"stonith_admin.{os.getpid()}"


def test_fence_timeout_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PACER_RUN_DIR", str(tmp_path))
    FakeFencer(tmp_path / "fenced.sock", {"fence": {"rc": 124, "error": "Fence agent did not complete within 5s"}})
    assert run(["-U", "node9", "-t", "5"]) == (
        124, "", "stonith_admin: Couldn't unfence node9: Timer expired (Fence agent did not complete within 5s)\n"
    )

