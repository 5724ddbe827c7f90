"""`accord import`, `accord export` and `accord compile` against a seeded database."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from docx import Document as DocxDocument
from lxml import etree
from sqlalchemy import select
from typer.testing import CliRunner

from app.admin.cli_service import run
from app.cli import app
from app.config import Settings
from app.documents.models import DraftDocument
from app.engine.report import bracket_report
from tests.test_cli_admin import accord, refused
from tests.test_cli_admin import environment as environment  # the autouse fixture

runner = CliRunner()
UNFCCC = "negotiating-texts/unfccc-draft-agreement-2015-10-23.txt"
BASE = "1 that Member States shall publish national plans;\n2 to share experience.\n"


def _text_of(settings: Settings, symbol: str) -> str:
    return str(
        run(
            settings.resolved_database_url,
            lambda db: db.scalar(select(DraftDocument.text).where(DraftDocument.symbol == symbol)),
        )
    )


NEW = ("--conference", "PP-26-DEMO", "--working-group", "WG-PL", "--title", "Imported")


@pytest.mark.needs_data
def test_import_of_the_unfccc_draft_reports_its_counts_and_flaws(
    settings: Settings, shared_data: Path
) -> None:
    draft = shared_data / UNFCCC
    expected = bracket_report(draft.read_text(encoding="utf-8"))
    out = accord("import", str(draft), "--user", "amara.diallo", *NEW, "--symbol", "WG-PL/DT/90")
    assert f"{expected['brackets']} brackets" in out and "1 unmatched [, 2 unmatched ]" in out
    assert out.count(f"{draft}:") == len(expected["diagnostics"])
    assert _text_of(settings, "WG-PL/DT/90") == draft.read_text(encoding="utf-8")


def test_import_refuses_bad_files_and_delegates(settings: Settings, tmp_path: Path) -> None:
    binary = tmp_path / "scan.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    assert "scan.txt" in refused(
        "import", str(binary), "--user", "amara.diallo", *NEW, "--symbol", "WG-PL/DT/91"
    )
    good = tmp_path / "draft.md"
    good.write_text("# Draft\n\n1 Member States [shall][should] act.\n", encoding="utf-8")
    refused("import", str(good), "--user", "wang.lei", *NEW, "--symbol", "WG-PL/DT/91")
    refused("import", str(good), "--user", "amara.diallo")  # neither a draft nor a place
    assert _text_of(settings, "WG-PL/DT/91") == "None"


def test_import_over_a_draft_and_export_it(settings: Settings, tmp_path: Path) -> None:
    current = _text_of(settings, "WG-PL/DT/12")
    changed = tmp_path / "dt12.txt"
    changed.write_text(current.replace("considering", "considering also", 1), encoding="utf-8")
    out = accord("import", str(changed), "--user", "khalid.almansouri", "--document", "WG-PL/DT/12")
    assert "at revision 1" in out
    assert _text_of(settings, "WG-PL/DT/12") == changed.read_text(encoding="utf-8")

    target = tmp_path / "dt12.docx"
    agreed = runner.invoke(
        app, ["export", "WG-PL/DT/12", "-o", str(target), "--user", "wang.lei", "--format", "docx"]
    )
    assert agreed.exit_code == 2 and "is not agreed" in agreed.output
    assert "line " in agreed.output and not target.exists()
    accord("export", "WG-PL/DT/12", "-o", str(target), "--user", "wang.lei", "--format", "docx",
           "--view", "compilation")  # fmt: skip
    paragraphs = [p.text for p in DocxDocument(io.BytesIO(target.read_bytes())).paragraphs]
    assert "considering also" in paragraphs
    marked = tmp_path / "dt12-marked.html"
    accord("export", "1", "-o", str(marked), "--user", "wang.lei", "--view", "revision",
           "--against", "r:0", "--format", "html")  # fmt: skip
    assert "<ins" in marked.read_text(encoding="utf-8")


def test_export_of_a_file_and_compile_from_files(tmp_path: Path) -> None:
    egy, usa = tmp_path / "egy.txt", tmp_path / "usa.txt"
    base = tmp_path / "base.txt"
    base.write_text(BASE, encoding="utf-8")
    egy.write_text(BASE.replace("shall", "should"), encoding="utf-8")
    usa.write_text(BASE.replace("experience", "experience and data"), encoding="utf-8")
    out = tmp_path / "compiled.txt"
    accord("compile", "--base", str(base), "--proposal", f"EGY:MOD:{egy}",
           "--proposal", f"USA:MOD:{usa}", "--proposal", "CHN:NOC", "-o", str(out))  # fmt: skip
    compiled = out.read_text(encoding="utf-8")
    assert "Member States [shall]⁽¹⁾[should]⁽²⁾ publish" in compiled
    assert "⁽¹⁾ Proposed by USA, CHN." in compiled
    assert "deletion proposed by EGY, CHN." in compiled
    akn = tmp_path / "compiled.xml"
    accord("compile", "--base", str(base), "--proposal", f"EGY:MOD:{egy}",
           "--proposal", "CHN:NOC", "-o", str(akn), "--format", "akn")  # fmt: skip
    root = etree.fromstring(akn.read_bytes())
    assert root.xpath("//*[local-name()='authorialNote']")
    refused("compile", "--proposal", "EGY:MOD", "-o", str(out))
    plain = tmp_path / "plain.txt"
    plain.write_text("Agreed text, no brackets. 中文 العربية 🎉\n", encoding="utf-8")
    pdf = tmp_path / "plain.pdf"
    accord("export", str(plain), "-o", str(pdf), "--format", "pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
