"""CIB persistence: digests, numbered backups, corruption detection, crash safety."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from lxml import etree

from crm.cib.document import CibDocument
from crm.cib.errors import CorruptCib
from crm.cib.store import CibStore

WRITER = Path(__file__).with_name("cib_store_writer.py")


def _doc(epoch: int) -> CibDocument:
    doc = CibDocument.empty(epoch=epoch)
    resources = doc.section("resources")
    assert resources is not None
    etree.SubElement(resources, "primitive", id=f"r{epoch}", type="Dummy")
    return doc


def test_save_then_load(tmp_path: Path) -> None:
    store = CibStore(tmp_path)
    doc = _doc(3)
    store.save(doc)
    assert store.load() == doc
    assert store.signature_path.read_text().strip() == doc.digest()
    assert store.backups() == []


def test_backups_are_numbered_and_bounded(tmp_path: Path) -> None:
    store = CibStore(tmp_path, max_backups=3)
    for epoch in range(1, 7):
        store.save(_doc(epoch))
    backups = store.backups()
    assert [b.number for b in backups] == [5, 4, 3]
    assert [store.load_backup(b).version.epoch for b in backups] == [5, 4, 3]
    assert (tmp_path / "cib.last").read_text().strip() == "5"
    assert store.load().version.epoch == 6


def test_truncated_file_is_refused_naming_the_newest_good_backup(tmp_path: Path) -> None:
    store = CibStore(tmp_path)
    for epoch in (1, 2, 3):
        store.save(_doc(epoch))
    data = store.path.read_bytes()
    store.path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CorruptCib) as info:
        store.load()
    message = str(info.value)
    newest = store.backups()[0]
    assert "truncated" in message and str(newest.path) in message
    assert store.load_backup(newest).version.epoch == 2


def test_hand_edited_file_is_refused(tmp_path: Path) -> None:
    store = CibStore(tmp_path)
    store.save(_doc(1))
    store.save(_doc(2))
    text = store.path.read_text().replace('type="Dummy"', 'type="Stateful"')
    store.path.write_text(text)
    with pytest.raises(CorruptCib, match=r"does not match its signature.*cib-1\.raw"):
        store.load()


def test_corrupt_backups_are_skipped_when_advising(tmp_path: Path) -> None:
    store = CibStore(tmp_path)
    for epoch in (1, 2, 3):
        store.save(_doc(epoch))
    newest, older = store.backups()[:2]
    newest.path.write_text("<cib")
    store.path.write_text("garbage")
    with pytest.raises(CorruptCib, match=str(older.path).replace(".", r"\.")):
        store.load()


def test_no_backup_at_all(tmp_path: Path) -> None:
    store = CibStore(tmp_path)
    store.save(_doc(1))
    store.signature_path.unlink()
    with pytest.raises(CorruptCib, match="no good backup"):
        store.load()


def test_interrupted_write_is_rolled_forward(tmp_path: Path) -> None:
    """The state left by a crash between the signature rename and the CIB rename."""
    store = CibStore(tmp_path)
    store.save(_doc(1))
    new = _doc(2)
    (tmp_path / "cib.xml.tmp").write_text(new.to_text())
    store.signature_path.write_text(new.digest() + "\n")
    assert store.load() == new
    assert not (tmp_path / "cib.xml.tmp").exists()


def test_writer_killed_at_random_points_leaves_a_loadable_cib(tmp_path: Path) -> None:
    rng = random.Random(int.from_bytes(os.urandom(4), "big"))
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    for round_number in range(12):
        directory = tmp_path / f"round{round_number}"
        process = subprocess.Popen(
            [sys.executable, str(WRITER), str(directory), "5"], stdout=subprocess.PIPE, text=True, env=env
        )
        try:
            assert process.stdout is not None
            first = process.stdout.readline()  # at least one generation committed
            assert first.startswith("saved ")
            time.sleep(rng.uniform(0.0, 0.3))
            os.kill(process.pid, signal.SIGKILL)
        finally:
            if process.poll() is None:
                process.kill()
            process.wait()
        assert process.stdout is not None
        acknowledged = [int(line.split()[1]) for line in [first, *process.stdout.read().splitlines()] if line]
        loaded = CibStore(directory, max_backups=5).load()
        epoch = loaded.version.epoch
        # the newest acknowledged generation, or the one being written when killed
        assert epoch in (acknowledged[-1], acknowledged[-1] + 1), (acknowledged[-1], epoch)
        assert loaded.duplicate_ids() == []
