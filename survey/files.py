"""Files that hold a secret, a token or respondent-level data: created 0600 (folders 0700).

The process umask only ever removes permission bits, so creating with an explicit mode
is not enough when a file already exists with wider bits: every helper here also sets
the mode on the open descriptor. Use these for ``project.yaml``, the SQLite database,
``links.csv``, exports and every respondent-level table a command writes.

Examples
--------
>>> import tempfile, stat
>>> from pathlib import Path
>>> folder = private_dir(Path(tempfile.mkdtemp()) / "secret")
>>> path = write_private(folder / "key.txt", "s3cret")
>>> oct(stat.S_IMODE(path.stat().st_mode)), oct(stat.S_IMODE(folder.stat().st_mode))
('0o600', '0o700')
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: str | Path) -> Path:
    """Create ``path`` (and missing parents) as 0700; an existing folder is narrowed to 0700."""
    path = Path(path)
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    os.chmod(path, DIR_MODE)
    return path


def touch_private(path: str | Path) -> Path:
    """Create ``path`` empty as 0600 if missing (SQLite then gives its -wal and -shm files
    the database file's mode); an existing file is narrowed to 0600."""
    path = Path(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
    return path


@contextmanager
def open_private(
    path: str | Path, mode: str = "w", *, encoding: str | None = "utf-8", newline: str | None = None
) -> Iterator[IO]:
    """``open()`` for a file only the owner may read: 0600 from the first byte on."""
    if mode not in ("w", "wb", "a", "ab"):
        raise ValueError(f"open_private writes only (mode {mode!r})")
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if mode.startswith("a") else os.O_TRUNC)
    fd = os.open(path, flags, FILE_MODE)
    os.fchmod(fd, FILE_MODE)
    binary = "b" in mode
    with os.fdopen(
        fd, mode, encoding=None if binary else encoding, newline=None if binary else newline
    ) as fh:
        yield fh


def write_private(path: str | Path, data: str | bytes, *, encoding: str = "utf-8") -> Path:
    """Write ``data`` to ``path`` as a 0600 file (text or bytes)."""
    path = Path(path)
    if isinstance(data, bytes):
        with open_private(path, "wb") as fh:
            fh.write(data)
    else:
        with open_private(path, "w", encoding=encoding) as fh:
            fh.write(data)
    return path


def make_private(path: str | Path) -> Path:
    """Narrow a file written by a library we cannot hand a descriptor to (pandas'
    ``to_parquet``, pyreadstat) to 0600, or a folder to 0700. Prefer creating it private."""
    path = Path(path)
    os.chmod(path, DIR_MODE if path.is_dir() else FILE_MODE)
    return path
