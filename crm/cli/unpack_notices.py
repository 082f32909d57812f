"""What Pacemaker's tools log (on stderr, with ``PCMK_stderr`` or ``-V``) each time they unpack a
CIB into a working set: fencing enabled without any fencing device (``unpack_resources``)."""

from __future__ import annotations

from typing import TextIO

from lxml import etree

from crm.cli import pcmk_log


def log_unpack_errors(root: etree._Element, verbosity: int = 0, out: TextIO | None = None) -> None:
    """The lines of one unpacking of ``root`` (nothing when the tool does not log to stderr)."""
    if not pcmk_log.enabled(verbosity):
        return
    from crm.verify.context import Context, cluster_options
    from crm.verify.options import check_fencing

    for finding in check_fencing(Context(root, cluster_options(root))):
        pcmk_log.log(finding.origin, "error", finding.message, verbosity=verbosity, source="unpack.c:0", out=out)
