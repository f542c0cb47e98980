"""``alignmeter deck`` on the demo diagnostic (target: under 5 s on a 2-core machine).

    .venv/bin/python benchmarks/bench_deck.py

Writes the demo's response table once, then measures in one run: the deck in one language
and in both, and as the named peer ``alignmeter brief`` for one language from the same file
(the same analysis, then HTML and PDF instead of slides). Prints wall times, the ratio of
the deck to the brief, and the ratios to the 5 s target.
"""

from __future__ import annotations

import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _exe() -> str:
    return shutil.which("alignmeter") or str(Path(sys.executable).with_name("alignmeter"))


def _cpu() -> float:
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    return use.ru_utime + use.ru_stime


CPU: dict[str, float] = {}


def _seconds(*args: str) -> float:
    """Wall time of one command; its CPU time (independent of other users' load) is kept
    in CPU under the command's name."""
    start, cpu = time.perf_counter(), _cpu()
    subprocess.run([_exe(), "-q", *args], check=True, capture_output=True)
    CPU[" ".join(args[:1] + args[-3:-2])] = _cpu() - cpu
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        demo = Path(tmp) / "demo"
        subprocess.run(
            [_exe(), "-q", "demo", "-o", str(demo), "--no-notebooks"], check=True,
            capture_output=True,
        )  # fmt: skip
        data = str(demo / "data" / "responses.csv")
        one = _seconds("deck", "--data", data, "--lang", "en", "-o", f"{tmp}/d1")
        both = _seconds("deck", "--data", data, "-o", f"{tmp}/d2")
        brief = _seconds("brief", "--data", data, "--lang", "en", "-o", f"{tmp}/b")
    print(f"alignmeter deck (demo, en): {one:.1f} s; both languages: {both:.1f} s")
    print(f"peer alignmeter brief (demo, en): {brief:.1f} s; ratio deck / brief: {one / brief:.2f}")
    print(f"ratio deck / 5 s target: en {one / 5:.2f}, both {both / 5:.2f}")
    print("CPU seconds (user + system, unaffected by other processes waiting for a core):")
    for name, seconds in CPU.items():
        print(f"  {name}: {seconds:.1f} s")


if __name__ == "__main__":
    main()
