"""Benchmarks: one module per subject, each with a `main() -> None` that measures, prints and records.

`python -m bench` (what `make bench` runs) runs every module here that has a `main`; a single subject
runs as `python -m bench.<module>`. Results go to `BENCHMARKS.md` at the project root, each module
owning one marked section of it (`write_section`), so modules can be rerun independently.

Rules of this package:
1. Benchmarks are not tests: they never fail on a slow number, they report it with the baseline it was
   measured against (in the same run) and the ratio.
2. A benchmark whose inputs are absent (for example `../shared/`) says so and returns; it does not
   raise.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "BENCHMARKS.md"
HEADER = """# Benchmarks

Reproduce with `make bench` (every benchmark) or `.venv/bin/python -m bench.<module>` (one subject, for
example `.venv/bin/python -m bench.wit`). Each section below is rewritten by its module on every run; the
numbers are from the machine named in the section (the project's CI-like box has 2 cores).
"""


def write_section(name: str, body: str) -> None:
    """Replace (or append) the section `name` of BENCHMARKS.md with `body`, creating the file if needed."""
    start, end = f"<!-- bench:{name}:start -->", f"<!-- bench:{name}:end -->"
    block = f"{start}\n{body.rstrip()}\n{end}"
    text = BENCHMARKS.read_text(encoding="utf-8") if BENCHMARKS.exists() else HEADER
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    BENCHMARKS.write_text(text, encoding="utf-8")
