#!/usr/bin/env python3
"""CPU time of one replicated CIB write in the CIB library, without daemons or transport.

A CIB daemon applies each delivered write as ``crm/based/machine.py`` does: parse the v2
patchset, ``patchset.apply(merge=True)`` on its copy, ``configuration_changed``,
``transaction.finish`` (Pacemaker's version rules), then ``patchset.diff`` of before and
after for the change subscribers, the last three looking only where ``apply`` recorded that
it touched the CIB (``--whole``: comparing the whole documents, as before that record).  This measures those steps on a generated CIB
(``tools/cibgen.py``: ``--nodes`` nodes, ``--resources`` primitives, every resource running
with its probe history), for two kinds of write:

* ``status``: a resource operation's ``call-id``/``last-rc-change`` updated in a node's
  ``lrm`` history (what the controller writes most);
* ``config``: a cluster property's value changed (what ``crm_attribute`` writes).

    python tools/bench_cib_cpu.py [--nodes 3] [--resources 50] [--writes 300] [--profile]

Prints milliseconds of process CPU time per write and per step (median of ``--repeat``
rounds); ``--profile`` prints the top of a cProfile of the status writes instead.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
for entry in (ROOT, ROOT / "tools"):  # the project, and the tools beside this one (as bench_scheduler)
    if str(entry) not in sys.path:
        sys.path.insert(0, str(entry))

from cibgen import Spec, generate  # noqa: E402

from crm.cib import patchset  # noqa: E402
from crm.cib.document import CibDocument  # noqa: E402
from crm.cib.touched import Touched  # noqa: E402
from crm.cib.transaction import configuration_changed, finish  # noqa: E402


def _status_patch(doc: CibDocument, counter: int) -> etree._Element:
    """A patchset as a writer makes it: change an operation's record on a copy, diff."""
    work = doc.copy()
    ops = work.root.findall("status/node_state/lrm/lrm_resources/lrm_resource/lrm_rsc_op")
    op = ops[counter % len(ops)]
    op.set("call-id", str(1000 + counter))
    op.set("last-rc-change", str(1700000000 + counter))
    return patchset.diff(doc.root, work.root)


def _config_patch(doc: CibDocument, counter: int) -> etree._Element:
    work = doc.copy()
    props = work.root.find("configuration/crm_config")
    assert props is not None
    sets = props.find("cluster_property_set")
    if sets is None:
        sets = etree.SubElement(props, "cluster_property_set", id="cib-bootstrap-options")
    pair = sets.find("nvpair[@id='bench-counter']")
    if pair is None:
        pair = etree.SubElement(sets, "nvpair", id="bench-counter", name="bench-counter", value="0")
    pair.set("value", str(counter + 1))
    return patchset.diff(doc.root, work.root)


def _write(doc: CibDocument, text: bytes, times: dict[str, float], whole: bool) -> CibDocument:
    clock = time.process_time
    t0 = clock()
    patch = etree.fromstring(text)
    touched = None if whole else Touched()
    new_root = patchset.apply(patch, doc.root, merge=True, touched=touched)
    after = CibDocument(new_root)
    t1 = clock()
    config = configuration_changed(doc, after, touched)
    outcome = finish(doc, after, validate=False, touched=touched)
    t2 = clock()
    patchset.diff(doc.root, outcome.document.root, touched=touched)
    t3 = clock()
    if not outcome.changed:
        raise RuntimeError("a write changed nothing: the benchmark's patches are wrong")
    times["apply"] += t1 - t0
    times["finish"] += t2 - t1
    times["diff"] += t3 - t2
    del config
    return outcome.document


def _round(
    doc: CibDocument, make: Callable[[CibDocument, int], etree._Element], writes: int, whole: bool = False
) -> dict[str, float]:
    # Patches are made against the same base; applied with merge=True they go through in turn.
    texts = [etree.tostring(make(doc, n)) for n in range(writes)]
    times = {"apply": 0.0, "finish": 0.0, "diff": 0.0}
    current = doc
    for text in texts:
        current = _write(current, text, times, whole)
    return {k: 1000 * v / writes for k, v in times.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nodes", type=int, default=3)
    parser.add_argument("--resources", type=int, default=50)
    parser.add_argument("--writes", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--whole", action="store_true", help="compare and diff the whole documents")
    args = parser.parse_args()
    root, _ = generate(Spec(nodes=args.nodes, resources=args.resources, status="running"), seed=1)
    doc = CibDocument(root)
    doc = CibDocument(patchset.apply(_config_patch(doc, -1), doc.root))  # the property exists
    size = len(etree.tostring(root))
    elements = sum(1 for _ in root.iter())
    print(f"CIB: {args.nodes} nodes, {args.resources} resources, {elements} elements, {size} bytes")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        _round(doc, _status_patch, args.writes, args.whole)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
        return 0
    print("| write | apply ms | finish ms | diff ms | total ms |")
    print("|---|---|---|---|---|")
    for name, make in (("status", _status_patch), ("config", _config_patch)):
        rounds = [_round(doc, make, args.writes, args.whole) for _ in range(args.repeat)]
        med = {k: statistics.median(r[k] for r in rounds) for k in ("apply", "finish", "diff")}
        total = sum(med.values())
        print(f"| {name} | {med['apply']:.3f} | {med['finish']:.3f} | {med['diff']:.3f} | {total:.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
