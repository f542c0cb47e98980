"""Unreadable or malformed files end with one clear message naming the file and a non-zero
exit, never a traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest


def _ingest(path, out):
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "from analysis.cli import run; run()",
            "ingest",
            str(path),
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "empty.csv: the file is empty"),
        ("garbage.bin", bytes(range(256)) * 4, "garbage.bin: binary content, not a text table"),
        (
            "broken.xlsx",
            b"PK\x03\x04 not really a workbook",
            "broken.xlsx: not a readable .xlsx workbook",
        ),
        ("half.json", b'[{"OUT_GRADE": 2},', "half.json: line 1, column 19: not valid JSON"),
        (
            "lines.json",
            b'{"OUT_GRADE": 2}\n{oops}\n',
            "lines.json: line 2, column 2: not valid JSON",
        ),
        (
            "qualtrics.csv",
            b"StartDate,ResponseId\n",
            "qualtrics.csv: looks like a Qualtrics export (ResponseId) but has 1 row(s)",
        ),
        (
            "other.csv",
            b"Frage A;Frage B\n1;2\n",
            "other.csv: cannot tell which tool wrote this file. Saw 2 columns (utf-8, separator ';') starting ['Frage A', 'Frage B']",
        ),
    ],
)
def test_clear_error_and_exit_code(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    proc = _ingest(path, tmp_path / "out.csv")
    assert proc.returncode == 1, proc.stdout
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("Error: ") and message in proc.stderr, proc.stderr
    assert not (tmp_path / "out.csv").exists()


def test_missing_file(tmp_path):
    proc = _ingest(tmp_path / "nowhere.csv", tmp_path / "out.csv")
    assert proc.returncode == 1 and "nowhere.csv: no such file" in proc.stderr


def _main(monkeypatch, capsys, *args: str) -> tuple[int, str]:
    """Run the real entry point (its error policy) in-process; (exit code, stderr)."""
    from analysis import cli

    monkeypatch.setattr(sys, "argv", ["alignmeter", *args])
    monkeypatch.setitem(cli.STATE, "debug", False)
    with pytest.raises(SystemExit) as stop:
        cli.run()
    return stop.value.code, capsys.readouterr().err


def test_a_bug_is_not_passed_off_as_a_user_error(monkeypatch, capsys, tmp_path):
    import survey.importers

    def broken(*args, **kwargs):
        raise KeyError("OUT_GRADE")  # what a bug in a reader looks like

    monkeypatch.setattr(survey.importers, "ingest", broken)
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    code, err = _main(monkeypatch, capsys, "ingest", str(path), "-o", str(tmp_path / "o.csv"))
    assert code == 3  # neither 1 (bad input) nor 2 (rows left out)
    assert err.startswith("Internal error (a bug in alignmeter, not in your input): KeyError")
    assert "--debug" in err and "Traceback" not in err
    with pytest.raises(KeyError):  # --debug: the traceback itself
        from analysis import cli

        monkeypatch.setattr(
            sys, "argv", ["alignmeter", "--debug", "ingest", str(path), "-o", "o.csv"]
        )
        cli.run()


def test_user_errors_are_one_shortened_line_with_exit_1(monkeypatch, capsys, tmp_path):
    header = "x" * 10_000
    path = tmp_path / "wide.csv"
    path.write_text(f"{header},b\n1,2\n", encoding="utf-8")
    code, err = _main(monkeypatch, capsys, "ingest", str(path), "-o", str(tmp_path / "o.csv"))
    assert code == 1 and err.count("\n") == 1 and len(err) < 500
    assert "x" * 100 not in err
    # a missing file, a folder, a wrong option: 1, never 2 (which means "rows left out")
    code, err = _main(monkeypatch, capsys, "run", "--data", str(tmp_path / "none.csv"))
    assert (code, err) == (1, f"Error: {tmp_path / 'none.csv'}: no such file\n")
    code, err = _main(monkeypatch, capsys, "brief", "--data", str(tmp_path))
    assert (code, err) == (1, f"Error: {tmp_path}: is a folder, not a response table\n")
    code, err = _main(monkeypatch, capsys, "ingest", str(path))
    assert code == 1 and "Missing option '--output'" in err


def test_run_and_brief_name_the_file_row_and_column(monkeypatch, capsys, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("respondent_id,department\n\x00\x01,\n", encoding="utf-8")
    bad.write_bytes(b"respondent_id,submitted_at\n\xff\xfe,x\n")
    code, err = _main(monkeypatch, capsys, "brief", "--data", str(bad), "-o", str(tmp_path / "b"))
    assert code == 1 and err.startswith(f"Error: {bad}: not UTF-8 text")
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a,b\n1,2\n1,2,3,4\n", encoding="utf-8")
    code, err = _main(monkeypatch, capsys, "run", "--data", str(ragged), "-o", str(tmp_path / "r"))
    assert code == 1 and err.startswith(f"Error: {ragged}: not a readable CSV table")
    assert "line 3" in err
    code, err = _main(
        monkeypatch, capsys, "export", "--data", str(ragged), "-o", str(tmp_path / "e.csv")
    )
    assert code == 1 and str(ragged) in err
