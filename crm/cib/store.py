"""On-disk persistence of the CIB, as the CIB daemon keeps it.

Layout of the directory (Pacemaker's names)::

    cib.xml          the current CIB
    cib.xml.sig      its digest (Pacemaker's on-disk md5 of the XML tree)
    cib-N.raw        numbered backups of earlier versions, with cib-N.raw.sig
    cib.last         the number of the newest backup

A write is crash-safe: the new CIB and signature are written to ``*.tmp`` files and fsynced,
the old CIB is hard-linked to the next backup, then the signature and the CIB are renamed
into place and the directory is fsynced.  If the process dies between the two renames, the
signature already names the new CIB and the complete ``cib.xml.tmp`` is rolled forward at
the next load.  A truncated or hand-edited ``cib.xml`` fails its digest and is refused,
naming the newest backup whose digest checks.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from crm.cib.atomic import fsync_directory, write_atomic, write_temp
from crm.cib.document import CibDocument, CibStructureError, md5_digest
from crm.cib.errors import CorruptCib
from crm.cib.version import CibVersionError
from crm.cib.xmltext import XmlInputError

CIB_NAME = "cib.xml"
DEFAULT_MAX_BACKUPS = 100
_BACKUP = re.compile(r"^cib-(\d+)\.raw$")


@dataclass(frozen=True, slots=True)
class Backup:
    number: int
    path: Path


def _read_signature(path: Path) -> str | None:
    try:
        text = path.read_text().strip()
    except FileNotFoundError:
        return None
    return text or None


def _load_checked(path: Path, sig: Path) -> CibDocument:
    """Parse ``path`` and compare its digest with ``sig``; raise CorruptCib with the reason."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CorruptCib(f"{path} does not exist") from None
    expected = _read_signature(sig)
    if expected is None:
        raise CorruptCib(f"{path}: the signature file {sig.name} is missing or empty")
    try:
        doc = CibDocument.parse(data, str(path), from_file=True)
    except (XmlInputError, CibStructureError, CibVersionError) as err:
        raise CorruptCib(f"{path} is unreadable (truncated or damaged?): {err}") from None
    actual = md5_digest(doc.root)
    if actual != expected:
        raise CorruptCib(
            f"{path} does not match its signature {sig.name} (digest {actual}, expected {expected}): "
            "it was changed outside the CIB manager or not written completely"
        )
    return doc


class CibStore:
    """The CIB files in one directory."""

    def __init__(self, directory: Path | str, max_backups: int = DEFAULT_MAX_BACKUPS) -> None:
        if max_backups < 0:
            raise ValueError("max_backups must be >= 0")
        self.directory = Path(directory)
        self.max_backups = max_backups

    @property
    def path(self) -> Path:
        return self.directory / CIB_NAME

    @property
    def signature_path(self) -> Path:
        return self.directory / (CIB_NAME + ".sig")

    def _temp(self, path: Path) -> Path:
        return path.with_name(path.name + ".tmp")

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.directory / ".cib.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    # backups ---------------------------------------------------------------------------------
    def backups(self) -> list[Backup]:
        """Backups, newest first."""
        found: list[Backup] = []
        if not self.directory.is_dir():
            return found
        for entry in self.directory.iterdir():
            match = _BACKUP.match(entry.name)
            if match:
                found.append(Backup(int(match.group(1)), entry))
        return sorted(found, key=lambda b: b.number, reverse=True)

    def newest_good_backup(self) -> Backup | None:
        for backup in self.backups():
            try:
                _load_checked(backup.path, backup.path.with_name(backup.path.name + ".sig"))
            except CorruptCib:
                continue
            return backup
        return None

    def load_backup(self, backup: Backup) -> CibDocument:
        return _load_checked(backup.path, backup.path.with_name(backup.path.name + ".sig"))

    def _next_backup_number(self) -> int:
        numbers = [b.number for b in self.backups()]
        last = _read_signature(self.directory / "cib.last")
        if last is not None and last.isdigit():
            numbers.append(int(last))
        return max(numbers, default=0) + 1

    def _prune(self) -> None:
        for backup in self.backups()[self.max_backups :]:
            for victim in (backup.path, backup.path.with_name(backup.path.name + ".sig")):
                with contextlib.suppress(FileNotFoundError):
                    victim.unlink()

    # load and save ---------------------------------------------------------------------------
    def exists(self) -> bool:
        return self.path.exists()

    def load(self) -> CibDocument:
        """The current CIB, verified against its signature.

        Raises :class:`CorruptCib` naming the newest good backup if it does not verify.
        """
        with self._locked():
            try:
                return _load_checked(self.path, self.signature_path)
            except CorruptCib as err:
                rolled = self._roll_forward()
                if rolled is not None:
                    return rolled
                backup = self.newest_good_backup()
                if backup is None:
                    advice = "no good backup exists"
                else:
                    advice = (
                        f"the newest good backup is {backup.path} "
                        f"(copy it and {backup.path.name}.sig over {CIB_NAME} and {CIB_NAME}.sig to use it)"
                    )
                raise CorruptCib(f"refusing to load the CIB: {err.detail}; {advice}") from None

    def _roll_forward(self) -> CibDocument | None:
        """Finish a write that died after the signature was renamed into place."""
        temp = self._temp(self.path)
        if not temp.exists():
            return None
        try:
            doc = _load_checked(temp, self.signature_path)
        except CorruptCib:
            return None
        os.replace(temp, self.path)
        fsync_directory(self.directory)
        return doc

    def save(self, doc: CibDocument) -> None:
        """Write ``doc`` as the current CIB, keeping the previous one as a numbered backup."""
        text = doc.to_text().encode()
        digest = md5_digest(CibDocument.parse(text, str(self.path), from_file=True).root)
        with self._locked():
            temp_cib = write_temp(self.path, text, 0o600)
            temp_sig = write_temp(self.signature_path, (digest + "\n").encode(), 0o600)
            if self.path.exists():
                try:
                    _load_checked(self.path, self.signature_path)
                    current_is_good = True
                except CorruptCib:
                    current_is_good = False
                if current_is_good and self.max_backups > 0:
                    number = self._next_backup_number()
                    backup = self.directory / f"cib-{number}.raw"
                    os.link(self.path, backup)
                    os.link(self.signature_path, backup.with_name(backup.name + ".sig"))
                    write_atomic(self.directory / "cib.last", f"{number}\n".encode())
            os.replace(temp_sig, self.signature_path)
            os.replace(temp_cib, self.path)
            fsync_directory(self.directory)
            self._prune()
