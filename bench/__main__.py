"""Run every benchmark module in `bench/` that defines `main()`, in name order (`make bench`)."""

from __future__ import annotations

import importlib
import pkgutil
import sys

import bench


def main() -> None:
    names = sorted(
        info.name for info in pkgutil.iter_modules(bench.__path__) if not info.name.startswith("_")
    )
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        entry = getattr(module, "main", None)
        if callable(entry):
            print(f"== bench.{name}", flush=True)
            entry()
        else:
            print(f"== bench.{name}: no main(), skipped", file=sys.stderr)


if __name__ == "__main__":
    main()
