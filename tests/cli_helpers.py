"""What several test files need from the command line and its PDFs."""

from __future__ import annotations

import re
import subprocess
import sys


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """``alignmeter ARGS`` in a fresh interpreter, as a user's shell would run it."""
    code = "from analysis.cli import run; run()"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)


def pdf_text(pdf) -> str:
    """A PDF's text with all whitespace runs collapsed to one space."""
    out = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return re.sub(r"\s+", " ", out)


def pdf_pages(pdf) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return int(re.search(r"Pages:\s+(\d+)", info.stdout).group(1))
