"""Properties of the executor's queues over random batches of operations."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lrmd_helpers import executor_for, locator_for, run, write_script

from lrmd.operation import OpRequest, OpResult, ResourceSpec

AGENT = """
t0=$(date +%s%N)
sleep 0.0$(( $$ % 3 ))
t1=$(date +%s%N)
echo "$OCF_RESOURCE_INSTANCE $1 $t0 $t1" >> "$OCF_RESKEY_log"
exit 0
"""

ops = st.lists(
    st.tuples(st.sampled_from(["a", "b", "c"]), st.sampled_from(["start", "stop", "monitor", "promote"])),
    min_size=1,
    max_size=8,
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=ops, limit=st.integers(min_value=1, max_value=3))
def test_every_op_runs_once_in_order_per_resource(tmp_path_factory, batch, limit) -> None:  # type: ignore[no-untyped-def]
    tmp_path: Path = tmp_path_factory.mktemp("laws")
    loc = locator_for(tmp_path)
    write_script(loc.ocf_root / "resource.d" / "test" / "Rec", AGENT)
    ex = executor_for(loc, tmp_path, max_parallel=limit)
    log = tmp_path / "log"

    async def go() -> list[tuple[int, OpResult]]:
        for rsc in "abc":
            ex.register(ResourceSpec(rsc, "ocf", "Rec", "test"))
        submitted = [ex.submit(OpRequest(rsc, action, params={"log": str(log)})) for rsc, action in batch]
        results = await asyncio.gather(*(future for _, future in submitted))
        return [(call_id, result) for (call_id, _), result in zip(submitted, results, strict=True)]

    outcome = run(go)
    # Each request got its own result, with increasing call-ids in submission order.
    call_ids = [call_id for call_id, _ in outcome]
    assert call_ids == sorted(set(call_ids))
    assert all(result.call_id == call_id and result.rc == 0 for call_id, result in outcome)
    rows = [line.split() for line in log.read_text().splitlines()]
    assert len(rows) == len(batch)
    spans = [(rsc, action, int(t0), int(t1)) for rsc, action, t0, t1 in rows]
    # Per resource: ran in submission order, never overlapping.
    for rsc in "abc":
        mine = [s for s in spans if s[0] == rsc]
        assert [s[1] for s in sorted(mine, key=lambda s: s[2])] == [a for r, a in batch if r == rsc]
        ordered = sorted(mine, key=lambda s: s[2])
        assert all(prev[3] <= nxt[2] for prev, nxt in itertools.pairwise(ordered))
    # Globally: never more than `limit` agents at once.
    events = sorted([(t0, 1) for *_, t0, _ in spans] + [(t1, -1) for *_, t1 in spans])
    running = peak = 0
    for _, delta in events:
        running += delta
        peak = max(peak, running)
    assert peak <= limit
