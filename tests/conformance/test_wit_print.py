"""The WIT printer round-trips: load, print every package into one text, parse that text, compare.

Inputs are every WIT tree under `../shared/wit/` (each `wrpc-codegen` file on its own) and every pass
case of the wit-parser corpus. The comparison is `tests.wit_canonical.canonical`, which ignores ids and
member order but nothing WIT can express (names, types, functions, worlds, docs, gates).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import witparser
from tests.conftest import SHARED, shared_path
from tests.wit_canonical import canonical
from witparser import format_resolve

WIT_TREES = [
    "wasmcloud-runtime",
    "provider-keyvalue",
    "provider-postgres",
    "wasi-keyvalue",
    "wrpc-tests",
    "wrpc-bench",
]
CORPUS = SHARED / "conformance" / "wit-parser"


def _codegen_files() -> list[str]:
    folder = SHARED / "wit" / "wrpc-codegen"
    return sorted(p.name for p in folder.glob("*.wit")) if folder.exists() else []


def _corpus_pass_cases() -> list[str]:
    manifest = CORPUS / "manifest.json"
    if not manifest.exists():
        return []
    cases = json.loads(manifest.read_text(encoding="utf-8"))
    return sorted(case["name"] for case in cases if case["kind"] == "pass")


def assert_round_trips(path: Path, features: set[str]) -> None:
    original = witparser.load(str(path), features=features)
    text = format_resolve(original)
    try:
        reparsed = witparser.parse(text, path="printed.wit", features=features)
    except witparser.WitError as err:
        pytest.fail(f"the printed text of {path} does not parse:\n{err}\n--- printed text ---\n{text}")
    expected, actual = canonical(original), canonical(reparsed)
    if expected != actual:
        diffs = [
            f"package {name}:\n  loaded:  {expected.get(name)}\n  printed: {actual.get(name)}"
            for name in sorted(set(expected) | set(actual))
            if expected.get(name) != actual.get(name)
        ]
        pytest.fail(
            f"{path} changed when printed and parsed back:\n" + "\n".join(diffs) + f"\n--- text ---\n{text}"
        )


@pytest.mark.parametrize("tree", WIT_TREES)
def test_shared_wit_tree_round_trips(tree: str) -> None:
    assert_round_trips(shared_path("wit", tree), set())


@pytest.mark.parametrize("name", _codegen_files() or ["<absent>"])
def test_codegen_world_round_trips(name: str) -> None:
    assert_round_trips(shared_path("wit", "wrpc-codegen", name), set())


@pytest.mark.parametrize("name", _corpus_pass_cases() or ["<absent>"])
def test_corpus_pass_case_round_trips(name: str) -> None:
    path = shared_path("conformance", "wit-parser", "ui", name)
    if path.suffix in (".wat", ".wasm"):
        pytest.skip("a top-level wasm input has no WIT text of its own to print")
    assert_round_trips(path, {"active"})


def test_printed_text_is_stable() -> None:
    """Printing the reparsed text again gives the same text (the printer is a fixed point)."""
    path = shared_path("wit", "wasmcloud-runtime")
    first = format_resolve(witparser.load(str(path)))
    assert format_resolve(witparser.parse(first, path="printed.wit")) == first
