"""pacer's crm against Debian's crmsh 4.4.1 on the command streams in ``streams/``: same exit
code, same resulting CIB (version attributes aside), same ``crm configure show`` text."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import shell_oracle as oracle

STREAMS = sorted(oracle.STREAMS.glob("*.crm"))

pytestmark = [
    pytest.mark.oracle,
    pytest.mark.skipif(not oracle.available(), reason="Debian's crmsh is not installed"),
]


@pytest.mark.parametrize("stream", STREAMS, ids=[p.stem for p in STREAMS])
def test_same_as_crmsh(stream: Path) -> None:
    text = stream.read_text()
    force, base, env = oracle.stream_headers(text)
    diffs = oracle.compare(text, base, force, env)
    assert not diffs, "\n".join(diffs)
