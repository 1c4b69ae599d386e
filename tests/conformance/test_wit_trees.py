"""Every WIT tree the project reads (`../shared/wit/`) resolves, the way our tools will load it.

A directory is loaded with its `deps/` (directories inside a `deps/` folder are packages of their
parent, not inputs of their own); `wrpc-codegen/` holds single-file worlds, each loaded on its own.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import witparser
from tests.conftest import SHARED, shared_path


def _inputs() -> list[object]:
    root = SHARED / "wit"
    if not root.exists():
        return [pytest.param(None, id="wit-trees-absent")]
    inputs: list[Path] = []
    for folder in sorted(p for p in root.rglob("*") if p.is_dir()):
        relative = folder.relative_to(root)
        if "deps" in relative.parts:
            continue
        wit_files = sorted(folder.glob("*.wit"))
        if relative.parts[0] == "wrpc-codegen":
            inputs.extend(wit_files)
        elif wit_files:
            inputs.append(folder)
    return [pytest.param(str(p.relative_to(root)), id=str(p.relative_to(root))) for p in inputs]


@pytest.mark.parametrize("relative", _inputs())
def test_wit_tree_resolves(relative: str | None) -> None:
    root = shared_path("wit")
    assert relative is not None
    path = root / relative
    resolve = witparser.load(str(path))
    assert resolve.packages, f"{relative}: no package loaded"
    assert resolve.main_packages, f"{relative}: no main package"
