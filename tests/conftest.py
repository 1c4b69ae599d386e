"""Shared test fixtures: where `../shared/` is, and skipping cleanly when a clone has none."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def shared_path(*parts: str) -> Path:
    """A path under `../shared/`, or skip the calling test with the reason when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: this clone has no ../shared/ (the corpus and WIT trees live there)")
    return path
