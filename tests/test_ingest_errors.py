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
