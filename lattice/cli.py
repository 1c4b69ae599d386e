"""The `lattice` command line. The lattice (hosts, providers) is not built yet; this says so plainly."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    print("lattice: hosts and providers are not implemented yet (see the issues)", file=sys.stderr)
    return 2
