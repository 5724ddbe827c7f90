"""The `accord` command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import app

runner = CliRunner()
UNFCCC_DRAFT = "negotiating-texts/unfccc-draft-agreement-2015-10-23.txt"
PARIS_CLEAN = "negotiating-texts/unfccc-paris-agreement-2015-12-12-clean.txt"


def _report(path: Path) -> dict[str, object]:
    result = runner.invoke(app, ["brackets", str(path), "--json"])
    assert result.exit_code == 0, result.output
    report: dict[str, object] = json.loads(result.output)
    return report


def _unescaped(text: str, char: str) -> int:
    count, index = 0, 0
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        count += text[index] == char
        index += 1
    return count


@pytest.mark.needs_data
def test_brackets_json_on_the_unfccc_draft(shared_data: Path) -> None:
    path = shared_data / UNFCCC_DRAFT
    report = _report(path)
    text = path.read_text(encoding="utf-8")
    assert _unescaped(text, "[") == 1023 and _unescaped(text, "]") == 1024
    assert report["brackets"] + report["unmatched_open"] == 1023  # type: ignore[operator]
    assert report["brackets"] + report["unmatched_close"] == 1024  # type: ignore[operator]
    for key in ("groups", "options", "max_depth", "diagnostics"):
        assert key in report
    diagnostics = report["diagnostics"]
    assert isinstance(diagnostics, list) and diagnostics
    assert {"line", "column", "kind", "message"} <= set(diagnostics[0])


@pytest.mark.needs_data
def test_brackets_on_the_adopted_text(shared_data: Path) -> None:
    report = _report(shared_data / PARIS_CLEAN)
    assert report["brackets"] == report["unmatched_open"] == report["unmatched_close"] == 0
    assert report["diagnostics"] == []


def test_human_output_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "draft.txt"
    path.write_text("first line\n[unclosed and ] ] extra\n", encoding="utf-8")
    result = runner.invoke(app, ["brackets", str(path)])
    assert result.exit_code == 0
    assert f"{path}:2:17: unmatched_close" in result.output


def test_unreadable_and_binary_files_fail_clearly(tmp_path: Path) -> None:
    missing = runner.invoke(app, ["brackets", str(tmp_path / "missing.txt")])
    assert missing.exit_code == 2
    assert "cannot read" in missing.output
    binary = tmp_path / "image.png"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    assert "not a text file" in runner.invoke(app, ["brackets", str(binary)]).output
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("d\xe9cision".encode("latin-1"))
    result = runner.invoke(app, ["brackets", str(latin1)])
    assert result.exit_code == 2 and "not UTF-8" in result.output


def test_console_script_is_installed() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "app.cli", "--help"], capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0
    assert "brackets" in completed.stdout


def test_demo_then_user_create(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACCORD_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ACCORD_DEMO_MODE", "1")
    from app.config import get_settings

    get_settings.cache_clear()
    try:
        seeded = runner.invoke(app, ["demo"])
        assert seeded.exit_code == 0, seeded.output
        assert "khalid.almansouri" in seeded.output
        assert "already present" in runner.invoke(app, ["demo"]).output
        created = runner.invoke(
            app,
            [
                "user",
                "create",
                "new.delegate",
                "--email",
                "new@example.org",
                "--name",
                "New",
                "--role",
                "delegate",
                "--conference",
                "PP-26-DEMO",
                "--delegation",
                "bra",
                "--affiliation",
                "academia",
                "--password",
                "long-enough-pw",
            ],
        )
        assert created.exit_code == 0, created.output
        bad = runner.invoke(
            app,
            [
                "user",
                "create",
                "x",
                "--email",
                "x@example.org",
                "--name",
                "X",
                "--role",
                "emperor",
                "--password",
                "long-enough-pw",
            ],
        )
        assert bad.exit_code == 2 and "unknown role" in bad.output
    finally:
        get_settings.cache_clear()
