"""apache: Debian's apache2 on 127.0.0.1 at a free port with a minimal configuration."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from pacer_agent_fixtures import AgentResult, ApacheSite, agent_env, run_agent


def web(site: ApacheSite, action: str, *, interval_ms: int | None = None, **overrides: str) -> AgentResult:
    params = {"configfile": str(site.config), "envfiles": ""}
    params.update(overrides)
    return run_agent("apache", action, agent_env("web1", params, interval_ms=interval_ms))


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def fetch(url: str) -> str:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=5) as r:
        return str(r.read().decode())


def server_pid(site: ApacheSite) -> int:
    return int(site.pidfile.read_text().split()[0])


def test_start_monitor_stop(apache_site: ApacheSite) -> None:
    site = apache_site
    assert web(site, "monitor").rc == 7
    assert web(site, "start").rc == 0
    assert "Apache Server Status" in fetch(site.statusurl)
    assert "pacer test site" in fetch(f"http://127.0.0.1:{site.port}/")
    assert web(site, "monitor", interval_ms=10000).rc == 0
    assert web(site, "start").rc == 0  # idempotent
    assert web(site, "stop").rc == 0
    assert not port_open(site.port)
    assert not site.pidfile.exists()
    assert web(site, "stop").rc == 0
    assert web(site, "monitor").rc == 7


def test_explicit_statusurl_and_regex(apache_site: ApacheSite) -> None:
    site = apache_site
    assert web(site, "start", statusurl=site.statusurl, testregex="Server Status").rc == 0
    assert web(site, "monitor", statusurl=site.statusurl, testregex="Server Status").rc == 0
    res = web(site, "monitor", statusurl=site.statusurl, testregex="no such text anywhere")
    assert res.rc == 1
    assert "does not match" in res.exit_reason
    res = web(site, "monitor", statusurl=f"http://127.0.0.1:{site.port}/missing-page")
    assert res.rc == 1
    assert "HTTP 404" in res.exit_reason
    assert web(site, "stop").rc == 0


def test_killed_server_is_not_running(apache_site: ApacheSite) -> None:
    site = apache_site
    assert web(site, "start").rc == 0
    pid = server_pid(site)
    os.killpg(pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while port_open(site.port) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert web(site, "monitor", interval_ms=10000).rc == 7
    assert web(site, "start").rc == 0  # recovery
    assert server_pid(site) != pid
    assert web(site, "stop").rc == 0


def test_unreachable_status_page_while_running_is_an_error(apache_site: ApacheSite) -> None:
    site = apache_site
    assert web(site, "start").rc == 0
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead_port = s.getsockname()[1]
    res = web(site, "monitor", statusurl=f"http://127.0.0.1:{dead_port}/server-status", monitor_timeout="1")
    assert res.rc == 1
    assert "status page failed" in res.exit_reason
    assert web(site, "stop").rc == 0


def test_missing_config_or_binary(apache_site: ApacheSite, tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.conf")
    res = web(apache_site, "start", configfile=missing)
    assert res.rc == 5 and missing in res.exit_reason
    assert web(apache_site, "monitor", configfile=missing).rc == 7
    assert web(apache_site, "stop", configfile=missing).rc == 0
    res = web(apache_site, "start", httpd=str(tmp_path / "no-httpd"))
    assert res.rc == 5
    assert web(apache_site, "validate-all", testregex="(unclosed").rc == 6
    assert web(apache_site, "validate-all", statusurl="ftp://x/").rc == 6
    assert not port_open(apache_site.port)


def test_broken_configuration_fails_start(apache_site: ApacheSite) -> None:
    site = apache_site
    site.config.write_text(site.config.read_text() + "\nThisIsNotADirective on\n")
    res = web(site, "start")
    assert res.rc == 1
    assert "failed to start" in res.exit_reason
    assert web(site, "monitor").rc == 7


def test_stale_pid_file_naming_another_process_is_not_apache(apache_site: ApacheSite) -> None:
    site = apache_site
    other = subprocess.Popen(["sleep", "60"])
    try:
        site.pidfile.write_text(f"{other.pid}\n")
        assert web(site, "monitor", interval_ms=10000).rc == 7
        assert web(site, "stop").rc == 0
        assert other.poll() is None  # not killed
        assert web(site, "start").rc == 0
        assert server_pid(site) != other.pid
        assert web(site, "stop").rc == 0
    finally:
        other.kill()
        other.wait()


def test_listen_from_an_include_and_pidfile_from_envfiles(apache_site: ApacheSite) -> None:
    """Debian's layout: Listen lives in an included ports.conf, PidFile comes from envvars."""
    site = apache_site
    directory = site.config.parent
    text = site.config.read_text()
    listen = next(ln for ln in text.splitlines() if ln.startswith("Listen "))
    pid_line = next(ln for ln in text.splitlines() if ln.startswith("PidFile "))
    (directory / "ports.conf").write_text(listen + "\n")
    envfile = directory / "envvars"
    envfile.write_text(f"export PACER_TEST_PIDFILE={site.pidfile}\n")
    site.config.write_text(text.replace(listen, "Include ports.conf")
                           .replace(pid_line, 'PidFile "${PACER_TEST_PIDFILE}"'))
    res = web(site, "start", envfiles=str(envfile))
    assert res.rc == 0, res.stderr
    assert site.pidfile.exists()
    assert web(site, "monitor", interval_ms=10000, envfiles=str(envfile)).rc == 0
    assert web(site, "stop", envfiles=str(envfile)).rc == 0
    assert not port_open(site.port)
