"""Health checks of real servers, as ldirectord's checktypes define them.

``connect``: a TCP connection opens within ``connecttimeout`` (UDP services: ping).
``negotiate``: the service's protocol is spoken: ``http``/``https`` fetch ``request``
with ``httpmethod`` (no proxy, the ``virtualhost`` as Host header, certificates not
verified) and want a 2xx or 3xx status and, when ``receive`` is set, a body matching it;
``simpletcp`` sends ``request`` and matches ``receive`` against the answer; ``none``
checks nothing.  ``ping``: one ICMP echo through ``ping``.  A number N combines them:
negotiate on every Nth check, connect otherwise.

Each function returns ``(ok, detail)``; ``detail`` says why a check failed.
"""

from __future__ import annotations

import re
import socket
import subprocess
import time

from lvs_config import RealServer, Virtual

USER_AGENT = "pacer-ldirectord"
MAX_BODY = 1 << 20


def check_connect(address: str, port: int, timeout: float) -> tuple[bool, str]:
    try:
        with socket.create_connection((address, port), timeout=timeout):
            return True, ""
    except OSError as exc:
        return False, f"connect to {address}:{port}: {exc.strerror or exc}"


def check_ping(address: str, timeout: float) -> tuple[bool, str]:
    wait = str(max(1, round(timeout)))
    argv = ["ping", "-6" if ":" in address else "-4", "-n", "-q", "-c", "1", "-W", wait, address]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout + 2, check=False,
                              stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        return False, "ping is not installed"
    except subprocess.TimeoutExpired:
        return False, f"ping {address}: no answer in {timeout:g}s"
    if done.returncode != 0:
        return False, f"ping {address}: no answer"
    return True, ""


def _read_all(sock: socket.socket, deadline: float) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while size < MAX_BODY:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("timed out")
        sock.settimeout(remaining)
        data = sock.recv(65536)
        if not data:
            break
        chunks.append(data)
        size += len(data)
    return b"".join(chunks)


def request_path(request: str) -> str:
    """ldirectord's request is relative to the server root: ``index.html`` -> ``/index.html``."""
    if re.match(r"^https?://", request):
        path = re.sub(r"^https?://[^/]*", "", request)
        return path or "/"
    return request if request.startswith("/") else "/" + request


def http_exchange(address: str, port: int, *, tls: bool, method: str, path: str, host: str | None,
                  timeout: float) -> tuple[int, bytes]:
    """One HTTP/1.0 request; returns (status, body).  Raises OSError on network errors."""
    deadline = time.monotonic() + timeout
    raw = socket.create_connection((address, port), timeout=timeout)
    try:
        sock: socket.socket = raw
        if tls:
            import ssl

            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            sock = context.wrap_socket(raw, server_hostname=host or None)
        host_header = host or (f"[{address}]" if ":" in address else address)
        if (port != 443 if tls else port != 80) and not host:
            host_header += f":{port}"
        sock.sendall(f"{method} {path} HTTP/1.0\r\nHost: {host_header}\r\nUser-Agent: {USER_AGENT}\r\n"
                     "Accept: */*\r\nConnection: close\r\n\r\n".encode("latin-1"))
        reply = _read_all(sock, deadline)
    finally:
        raw.close()
    head, _, body = reply.partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0].split()
    if len(status_line) < 2 or not status_line[0].startswith(b"HTTP/") or not status_line[1].isdigit():
        raise OSError(f"not an HTTP answer: {head[:60]!r}")
    return int(status_line[1]), body


def check_http(address: str, port: int, *, tls: bool, method: str, request: str, receive: str | None,
               host: str | None, timeout: float) -> tuple[bool, str]:
    path = request_path(request)
    scheme = "https" if tls else "http"
    where = f"{scheme}://{address}:{port}{path}"
    try:
        status, body = http_exchange(address, port, tls=tls, method=method, path=path, host=host,
                                     timeout=timeout)
    except (OSError, TimeoutError) as exc:
        return False, f"{where}: {getattr(exc, 'strerror', None) or exc}"
    if not 200 <= status < 400:
        return False, f"{where} answered HTTP {status}"
    if receive is not None and method != "HEAD" and re.search(receive, body.decode("utf-8", "replace")) is None:
        return False, f"{where}: the answer does not match {receive!r}"
    return True, ""


def check_simpletcp(address: str, port: int, request: str, receive: str, timeout: float) -> tuple[bool, str]:
    deadline = time.monotonic() + timeout
    try:
        with socket.create_connection((address, port), timeout=timeout) as sock:
            if request:
                sock.sendall(request.encode("utf-8"))
            sock.shutdown(socket.SHUT_WR)
            answer = _read_all(sock, deadline)
    except (OSError, TimeoutError) as exc:
        return False, f"{address}:{port}: {getattr(exc, 'strerror', None) or exc}"
    if re.search(receive, answer.decode("utf-8", "replace")) is None:
        return False, f"{address}:{port}: the answer does not match {receive!r}"
    return True, ""


def negotiate(virtual: Virtual, real: RealServer, port: int) -> tuple[bool, str]:
    service = virtual.service
    request = real.request if real.request is not None else virtual.request
    receive = real.receive if real.receive is not None else virtual.receive
    if service in {"http", "https"}:
        return check_http(real.address, port, tls=service == "https", method=virtual.httpmethod,
                          request=request or "/", receive=receive, host=virtual.virtualhost,
                          timeout=virtual.negotiatetimeout)
    if service == "simpletcp":
        return check_simpletcp(real.address, port, request or "", receive or "", virtual.negotiatetimeout)
    return True, ""  # service none: nothing to check


def check_real(virtual: Virtual, real: RealServer, round_number: int) -> tuple[bool, str]:
    """Run the check ``virtual.checktype`` asks for on ``real`` (``round_number`` counts
    this server's checks from 0, for the combined checktype)."""
    kind = virtual.checktype
    if kind == "combined":
        kind = "negotiate" if round_number % max(1, virtual.negotiate_every) == 0 else "connect"
    if kind == "on":
        return True, ""
    if kind == "off":
        return False, "checktype off"
    if kind == "ping" or (kind == "connect" and virtual.protocol == "udp"):
        return check_ping(real.address, virtual.connecttimeout)
    port = virtual.check_port(real)
    if port is None:
        return False, "no port to check"
    if kind == "connect":
        return check_connect(real.address, port, virtual.connecttimeout)
    return negotiate(virtual, real, port)
