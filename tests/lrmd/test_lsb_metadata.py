"""LSB meta-data built from init-script headers, compared with Pacemaker's."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from lrmd_helpers import write_script

from lrmd.lsb_metadata import lsb_metadata, parse_lsb_header

ORACLE = Path("/usr/sbin/crm_resource")


def test_header_fields_and_multiline_description(tmp_path: Path) -> None:
    script = write_script(
        tmp_path / "svc",
        """
        ### BEGIN INIT INFO
        # Provides:          svc
        # Required-Start:    $network
        # Short-Description: A <small> & simple service
        # Description:       First line
        #  second line
        #\tthird line
        # Default-Start:     2 3
        ### END INIT INFO
        # Should-Start:      ignored
        """,
    )
    values = parse_lsb_header(script.read_text())
    assert values["provides"] == "          svc\n"
    assert values["short"] == " A &lt;small&gt; &amp; simple service\n"
    assert values["description"] == "       First line\n  second line\n\tthird line\n"
    assert "dflt_start" not in values  # the line after a description is not parsed (as Pacemaker)
    assert "shld_start" not in values
    text = lsb_metadata("svc", script)
    assert "<Provides>          svc\n</Provides>" in text
    assert lsb_metadata("none", None).count("<longdesc lang='en'>\nnone  </longdesc>") == 1


@pytest.mark.oracle
@pytest.mark.skipif(not ORACLE.exists(), reason="Pacemaker oracle missing")
def test_every_installed_init_script_matches_pacemaker() -> None:
    scripts = [p for p in sorted(Path("/etc/init.d").iterdir()) if p.is_file() and p.stat().st_mode & 0o111]
    if not scripts:
        pytest.skip("no init scripts")
    for script in scripts:
        theirs = subprocess.run(
            [str(ORACLE), "--show-metadata", f"lsb:{script.name}"], capture_output=True, text=True, check=False
        )
        if theirs.returncode != 0:
            continue
        assert lsb_metadata(script.name, script) == theirs.stdout, script.name
