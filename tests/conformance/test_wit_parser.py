"""Every case of the Rust `wit-parser` conformance corpus, run the way the upstream harness runs it.

The corpus (`../shared/conformance/wit-parser/`, see its README) holds WIT inputs with the exact JSON
or error text wit-parser 0.257.1 produces. Each case is loaded with the feature `active` enabled,
from a working directory where `tests/ui` is the corpus's `ui/`, so every path in an error message is
the relative `tests/ui/...` string the expected files hold. Both sides are normalized as upstream does
(trimmed, CRLF folded, and for errors `\\` turned into `/`) and compared as text.
"""

from __future__ import annotations

import difflib
import json
import os
from pathlib import Path

import pytest

import witparser
from tests.conftest import SHARED, shared_path

CORPUS = ("conformance", "wit-parser")


def _cases() -> list[object]:
    manifest = SHARED.joinpath(*CORPUS, "manifest.json")
    if not manifest.exists():
        return [pytest.param(None, id="corpus-absent")]
    return [pytest.param(case, id=case["name"]) for case in json.loads(manifest.read_text("utf-8"))]


def normalize(text: str, kind: str) -> str:
    """The upstream harness's normalization (`kind` is `json` or `result`)."""
    text = text.strip()
    if kind == "result":
        text = text.replace("\\", "/")
    return text.replace("\r\n", "\n")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory whose `tests/ui` is the corpus's `ui/` (read in place, never copied)."""
    corpus = shared_path(*CORPUS)
    root = tmp_path_factory.mktemp("wit-parser-harness")
    (root / "tests").mkdir()
    (root / "tests" / "ui").symlink_to(corpus / "ui", target_is_directory=True)
    return root


@pytest.mark.parametrize("case", _cases())
def test_case_matches_reference(
    case: dict[str, str] | None, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = shared_path(*CORPUS)
    assert case is not None
    expected_raw = (corpus / "ui" / case["expected"]).read_text("utf-8")
    monkeypatch.chdir(workdir)
    path = os.path.join("tests/ui", case["name"])
    kind = "json" if case["kind"] == "pass" else "result"
    try:
        actual_raw = witparser.load(path, features={"active"}).to_json()
        succeeded = True
    except witparser.WitError as err:
        actual_raw = str(err)
        succeeded = False
    expected, actual = normalize(expected_raw, kind), normalize(actual_raw, kind)
    outcome = "loaded" if succeeded else "failed"
    want = "load" if kind == "json" else "fail"
    assert succeeded == (kind == "json") and actual == expected, (
        f"case {case['name']}: expected it to {want}, it {outcome}\n"
        f"--- expected\n{expected}\n--- actual\n{actual}\n--- diff\n"
        + "\n".join(difflib.unified_diff(expected.splitlines(), actual.splitlines(), lineterm="", n=2))
    )


def test_manifest_lists_every_case_the_harness_discovers() -> None:
    """The manifest and the upstream discovery rule (README, "Discovering cases") agree."""
    ui = shared_path(*CORPUS, "ui")
    found = set()
    for folder, prefix in ((ui, ""), (ui / "parse-fail", "parse-fail/")):
        for entry in folder.iterdir():
            if entry.is_dir():
                if entry.name != "parse-fail":
                    found.add(prefix + entry.name)
            elif entry.suffix in (".md", ".wit", ".wat", ".wasm"):
                found.add(prefix + entry.name)
    listed = {case["name"] for case in json.loads((ui.parent / "manifest.json").read_text("utf-8"))}
    assert found == listed
