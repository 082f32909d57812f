"""Result codes are defined once (crm.common.results) and re-exported where they used to live."""

from __future__ import annotations

from crm.cib import errors
from crm.common.results import ExecStatus, ExitCode, OcfRc, rc_text
from lrmd import codes


def test_pacemaker_numbers() -> None:
    assert (OcfRc.OK, OcfRc.NOT_RUNNING, OcfRc.RUNNING_PROMOTED, OcfRc.FAILED_PROMOTED) == (0, 7, 8, 9)
    assert (OcfRc.DEGRADED, OcfRc.DEGRADED_PROMOTED) == (190, 191)
    assert (ExecStatus.PENDING, ExecStatus.DONE, ExecStatus.CANCELLED, ExecStatus.ERROR_HARD) == (-1, 0, 1, 5)
    assert (ExitCode.OK, ExitCode.USAGE, ExitCode.NOSUCH, ExitCode.TIMEOUT) == (0, 64, 105, 124)


def test_texts() -> None:
    assert rc_text(7) == "not running" and rc_text(42) == "unknown"
    assert ExecStatus.TIMEOUT.text == "Timed Out"


def test_one_definition_re_exported() -> None:
    assert codes.OcfRc is OcfRc and codes.ExecStatus is ExecStatus and codes.rc_text is rc_text
    assert errors.ExitCode is ExitCode
