"""The man pages in ``man/man8`` (installed under ``share/man/man8``) are generated from the
commands' help by ``python -m crm.cli.manpage man/man8``: they must say what the help says now,
and be valid man(7) markup."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from crm.cli import manpage

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT / "man" / "man8"
TOOLS = ["cibadmin", "crm_resource", "crm_mon", "crm_attribute", "crm_standby", "crm_failcount", "crm_verify",
         "crm_node", "crmadmin", "attrd_updater", "stonith_admin"]


@pytest.mark.parametrize("name", TOOLS)
def test_page_is_up_to_date(name: str) -> None:
    help_out, version = manpage.help_text(name, manpage.scripts()[name])
    page = PAGES / f"{name}.8"
    assert page.exists(), "run: python -m crm.cli.manpage man/man8"
    assert page.read_text() == manpage.render(name, help_out, version), "run: python -m crm.cli.manpage man/man8"


def test_every_option_is_in_the_page() -> None:
    help_out, version = manpage.help_text("crm_resource", manpage.scripts()["crm_resource"])
    text = manpage.render("crm_resource", help_out, version)
    for line in help_out.splitlines():
        if line.startswith("  -"):
            spec = line.strip().split("  ")[0]
            assert spec.replace("-", "\\-") in text


@pytest.mark.parametrize("page", sorted(PAGES.glob("*.8")), ids=lambda p: p.stem)
def test_page_is_valid_markup(page: Path) -> None:
    groff = shutil.which("groff")
    if groff is None:
        pytest.skip("groff is not installed")
    result = subprocess.run([groff, "-man", "-ww", "-z", str(page)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert page.read_text().startswith(f".TH {page.stem.upper()} 8 ")
