"""Child process for the crash-safety test: save CIB generations forever, report each one.

Usage: python cib_store_writer.py DIRECTORY MAX_BACKUPS
Prints "saved N" (flushed) after save() of generation N returned.
"""

from __future__ import annotations

import sys

from lxml import etree

from crm.cib.document import CibDocument
from crm.cib.store import CibStore


def main() -> None:
    store = CibStore(sys.argv[1], max_backups=int(sys.argv[2]))
    generation = 0
    while True:
        generation += 1
        doc = CibDocument.empty(epoch=generation)
        resources = doc.section("resources")
        assert resources is not None
        for i in range(generation % 7 * 20):  # documents of varying size
            etree.SubElement(resources, "primitive", id=f"r{i}", type="Dummy", description="x" * (i % 50))
        store.save(doc)
        print(f"saved {generation}", flush=True)


if __name__ == "__main__":
    main()
