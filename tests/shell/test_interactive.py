"""The interactive shell on a pseudo-terminal: levels, prompt, help, readline completion of
commands, agent names and agent parameters, commit on leaving the configure level."""

from __future__ import annotations

import os
import pty
import select
import sys
import time
from pathlib import Path

import pytest
from lxml import etree

HERE = Path(__file__).resolve().parent
CRM = Path(sys.executable).parent / "crm"
DUMMY = Path("/usr/lib/ocf/resource.d/pacemaker/Dummy")


class Pty:
    def __init__(self, env: dict[str, str]) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # pragma: no cover - child
            os.execve(str(CRM), ["crm"], env)

    def read_until(self, needle: str, timeout: float = 20.0) -> str:
        buf = b""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            ready, _, _ = select.select([self.fd], [], [], 0.1)
            if ready:
                try:
                    data = os.read(self.fd, 4096)
                except OSError:
                    break
                if not data:
                    break
                buf += data
                if needle.encode() in buf:
                    return buf.decode(errors="replace")
        raise AssertionError(f"never saw {needle!r}; got {buf.decode(errors='replace')!r}")

    def send(self, text: str) -> None:
        os.write(self.fd, text.encode())

    def close(self) -> int:
        _, status = os.waitpid(self.pid, 0)
        os.close(self.fd)
        return os.waitstatus_to_exitcode(status)


@pytest.mark.skipif(not DUMMY.exists(), reason="needs ocf:pacemaker:Dummy (Debian's pacemaker)")
def test_interactive_session_with_completion(tmp_path: Path) -> None:
    cib = tmp_path / "cib.xml"
    cib.write_text((HERE / "bases" / "twonodes.xml").read_text())
    env = {**os.environ, "CIB_file": str(cib), "TERM": "dumb"}
    env.pop("CIB_shadow", None)
    t = Pty(env)
    t.read_until("crm(live)# ")
    t.send("configure\n")
    t.read_until("crm(configure)# ")
    t.send("prim\t")
    assert "primitive" in t.read_until("primitive")
    t.send(" d1 ocf:pacemaker:Dum\t")
    t.read_until("ocf:pacemaker:Dummy")
    t.send(" params sta\t")
    t.read_until("state=")
    t.send("/run/d1.state\n")
    t.read_until("crm(configure)# ")
    t.send("property stonith-enabled=false\n")
    t.read_until("crm(configure)# ")
    t.send("show d1\n")
    shown = t.read_until("crm(configure)# ")
    assert "params state=\"/run/d1.state\"" in shown
    t.send("help commit\n")
    assert "commit [force]" in t.read_until("crm(configure)# ")
    t.send("up\n")
    t.read_until("crm(live)# ")
    t.send("quit\n")
    assert t.close() == 0
    root = etree.fromstring(cib.read_bytes())
    assert root.xpath("configuration/resources/primitive/@id") == ["d1"]
