"""The ``group`` fixture: the contract runs on the embedded bus and on Corosync."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from transport_harness import Group, corosync_group, embedded_group


@pytest.fixture(params=["embedded", pytest.param("corosync", marks=pytest.mark.root)])
def group(request: pytest.FixtureRequest) -> Iterator[Group]:
    factory = embedded_group if request.param == "embedded" else corosync_group
    with factory() as g:
        yield g
