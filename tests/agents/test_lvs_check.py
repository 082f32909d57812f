"""Real server checks (agents/lib/lvs_check.py) and the checker's decisions (lvs_director.Director),
against real HTTP and TCP servers on 127.0.0.1.  The IPVS table is the ipvsadm model here
(tests/agents/ipvsadm_model.py); the VM tests run the same checker on real IPVS."""

from __future__ import annotations

import http.server
import importlib.util
import socket
import socketserver
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "agents" / "lib"))
from lvs_check import check_connect, check_http, check_real, check_simpletcp, request_path
from lvs_config import parse_config
from lvs_director import Director
from lvs_rules import Destination, parse_saved


def load_model() -> ModuleType:
    spec = importlib.util.spec_from_file_location("pacer_ipvsadm_model_c", Path(__file__).with_name("ipvsadm_model.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MODEL = load_model()


class Site:
    """An HTTP server on 127.0.0.1 whose answer the test sets (status, body) and which
    records the requests it gets."""

    def __init__(self) -> None:
        site = self
        self.status = 200
        self.body = b"hello from the real server\n"
        self.requests: list[tuple[str, str, str]] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def answer(self, with_body: bool) -> None:
                site.requests.append((self.command, self.path, self.headers.get("Host", "")))
                self.send_response(site.status)
                self.send_header("Content-Length", str(len(site.body)))
                self.end_headers()
                if with_body:
                    self.wfile.write(site.body)

            def do_GET(self) -> None:
                self.answer(True)

            def do_HEAD(self) -> None:
                self.answer(False)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def site() -> Iterator[Site]:
    s = Site()
    yield s
    s.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_http_check_wants_a_good_status_and_the_expected_answer(site: Site) -> None:
    ok = check_http("127.0.0.1", site.port, tls=False, method="GET", request="index.html", receive="hello",
                    host=None, timeout=3)
    assert ok == (True, "")
    assert site.requests[-1] == ("GET", "/index.html", f"127.0.0.1:{site.port}")
    bad, why = check_http("127.0.0.1", site.port, tls=False, method="GET", request="/", receive="^goodbye",
                          host=None, timeout=3)
    assert not bad and "does not match" in why
    site.status = 503
    bad, why = check_http("127.0.0.1", site.port, tls=False, method="GET", request="/", receive=None, host=None,
                          timeout=3)
    assert not bad and "HTTP 503" in why


def test_http_check_sends_the_virtual_host_and_can_use_head(site: Site) -> None:
    assert check_http("127.0.0.1", site.port, tls=False, method="HEAD", request="/x", receive="never", host="www.example",
                      timeout=3)[0]
    assert site.requests[-1] == ("HEAD", "/x", "www.example")


def test_refused_and_silent_servers_fail_within_the_timeout() -> None:
    port = free_port()
    assert check_connect("127.0.0.1", port, 2)[0] is False
    ok, why = check_http("127.0.0.1", port, tls=False, method="GET", request="/", receive=None, host=None, timeout=2)
    assert not ok and "refused" in why.lower()
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        started = time.monotonic()
        ok, why = check_http("127.0.0.1", silent.getsockname()[1], tls=False, method="GET", request="/",
                             receive=None, host=None, timeout=1)
        assert not ok and time.monotonic() - started < 3
        assert check_connect("127.0.0.1", silent.getsockname()[1], 2) == (True, "")


def test_simpletcp_matches_the_banner() -> None:
    class Banner(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            data = self.request.recv(100)
            self.request.sendall(b"+OK ready " + data)

    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), Banner) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        port = server.server_address[1]
        assert check_simpletcp("127.0.0.1", port, "PING\r\n", r"^\+OK ready PING", 3) == (True, "")
        assert check_simpletcp("127.0.0.1", port, "PING\r\n", r"^-ERR", 3)[0] is False
        server.shutdown()


def test_request_paths_are_relative_to_the_server_root() -> None:
    assert [request_path(r) for r in ("index.html", "/a/b", "http://h:8/x?y", "https://h")] == [
        "/index.html", "/a/b", "/x?y", "/"]


def test_combined_checktype_negotiates_every_nth_check(site: Site) -> None:
    config = parse_config(f"virtual = 10.0.0.100:80\n\treal = 127.0.0.1:{site.port} masq\n\tchecktype = 3\n"
                          '\tservice = http\n\trequest = "/n"\n', resolve=lambda h: h)
    v = config.virtuals[0]
    for n in range(6):
        assert check_real(v, v.reals[0], n)[0]
    assert [r[1] for r in site.requests] == ["/n", "/n"]  # checks 0 and 3; the others only connect


# ---------------------------------------------------------------- the checker's decisions


class Table:
    """The ipvsadm model as a runner for Director."""

    def __init__(self) -> None:
        self.table: dict[str, object] = {}
        self.calls: list[list[str]] = []

    def __call__(self, args: list[str]) -> tuple[int, str]:
        self.calls.append(args)
        if args == ["-S", "-n"]:
            return 0, MODEL.saved_text(self.table)
        try:
            self.table = MODEL.apply(self.table, args)
        except ValueError as exc:
            return 2, str(exc)
        return 0, ""

    def reals(self, key: str) -> dict[str, Destination]:
        return dict(parse_saved(MODEL.saved_text(self.table))[key].reals)


def director_for(text: str, table: Table) -> Director:
    return Director(parse_config(text, resolve=lambda h: h), table)


def test_failurecount_fallback_and_recovery_on_real_servers() -> None:
    one, two = Site(), Site()
    try:
        text = (f"virtual = 10.0.0.100:80\n\treal = 127.0.0.1:{one.port} masq 1\n\treal = 127.0.0.1:{two.port} masq 5\n"
                f"\tfallback = 127.0.0.9:80 masq\n\tservice = http\n\treceive = hello\n\tfailurecount = 2\n"
                "\tquiescent = no\n\tcheckinterval = 1\n")
        table = Table()
        d = director_for(text, table)
        key = "-t 10.0.0.100:80"
        t = 0.0
        d.run_checks(t)
        d.sync_table()
        assert table.reals(key) == {f"127.0.0.1:{one.port}": Destination("masq", 1),
                                    f"127.0.0.1:{two.port}": Destination("masq", 5)}
        two.body = b"broken"
        t += 1
        d.run_checks(t)
        d.sync_table()
        assert f"127.0.0.1:{two.port}" in table.reals(key)  # one failure of two allowed
        t += 1
        messages = d.run_checks(t)
        d.sync_table()
        assert any("is down" in m for m in messages)
        assert table.reals(key) == {f"127.0.0.1:{one.port}": Destination("masq", 1)}
        one.status = 500
        for _ in range(2):
            t += 1
            d.run_checks(t)
        d.sync_table()
        assert table.reals(key) == {"127.0.0.9:80": Destination("masq", 1)}  # the fallback stands in
        two.body = b"hello again"
        t += 1
        d.run_checks(t)
        d.sync_table()
        assert table.reals(key) == {f"127.0.0.1:{two.port}": Destination("masq", 5)}
        assert d.error == ""
        assert not d.run_checks(t)  # nothing is due before checkinterval has passed
    finally:
        one.close()
        two.close()


def test_a_deleted_service_is_put_back_and_foreign_ones_are_left_alone() -> None:
    table = Table()
    d = director_for("virtual = 10.0.0.100:80\n\treal = 10.0.0.1:80 masq\n\tchecktype = on\n", table)
    table(["-A", "-t", "10.9.9.9:25", "-s", "lc"])
    d.sync_table()
    table(["-C"])
    table(["-A", "-t", "10.9.9.9:25", "-s", "lc"])
    d.sync_table()
    assert set(parse_saved(MODEL.saved_text(table.table))) == {"-t 10.0.0.100:80", "-t 10.9.9.9:25"}


def test_ipvsadm_failures_are_reported() -> None:
    def broken(args: list[str]) -> tuple[int, str]:
        return (0, "") if args[0] == "-S" else (2, "Memory allocation problem")

    d = Director(parse_config("virtual = 10.0.0.100:80\n\tchecktype = on\n\treal = 10.0.0.1:80 masq\n",
                              resolve=lambda h: h), broken)
    d.sync_table()
    assert "ipvsadm -A -t 10.0.0.100:80 -s wrr: Memory allocation problem" in d.error
