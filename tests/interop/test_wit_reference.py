"""Our WIT parser against the Rust `wit-parser` 0.257.1 itself, on inputs beyond the corpus.

The corpus pins 180 cases; this runs the reference crate (the published `wit-parser` 0.257.1, built by
the small Cargo project in `witref/` into `~/.cache/wrpc-lattice/witref-target`) next to `witparser` on the shared WIT trees, on every corpus
case with other feature sets, and on a few hundred random programs and package directories
(`wit_programs`), and requires the same JSON or the same rendered error for each. Inputs on which the reference panics are
skipped: there is no output to match.

Needs cargo and crates.io (skipped, with the reason, without them).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

import witparser
from tests.conftest import SHARED, shared_path
from tests.interop.wit_programs import ENABLED_FEATURE, program, write_directory

pytestmark = [pytest.mark.interop, pytest.mark.timeout(1800)]
"""The first test may wait for a cold build of the reference (minutes on two cores)."""

PROJECT = Path(__file__).parent / "witref"
TARGET = Path.home() / ".cache" / "wrpc-lattice" / "witref-target"
GENERATED_PROGRAMS = 300
GENERATED_DIRECTORIES = 150
_FETCH_FAILURES = (
    "failed to get",
    "failed to download",
    "no matching package",
    "Unable to update",
    "offline",
)


@pytest.fixture(scope="module")
def reference() -> Iterator[subprocess.Popen[str]]:
    """The reference loader as a long-lived process speaking `FEATURES\\tPATH` -> one JSON line."""
    cargo = shutil.which("cargo")
    if cargo is None:
        pytest.skip("cargo is not installed: the Rust wit-parser reference cannot be built")
    command = [cargo, "build", "--release", "--quiet", "--manifest-path", str(PROJECT / "Cargo.toml")]
    env = {**os.environ, "CARGO_TARGET_DIR": str(TARGET)}
    built = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if built.returncode != 0:
        if any(marker in built.stderr.lower() for marker in _FETCH_FAILURES):
            pytest.skip(f"wit-parser 0.257.1 could not be fetched (offline?): {built.stderr.strip()[-400:]}")
        pytest.fail(f"building the wit-parser reference failed:\n{built.stderr}")
    process = subprocess.Popen(
        [str(TARGET / "release" / "witref")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    yield process
    assert process.stdin is not None
    process.stdin.close()
    process.wait(timeout=30)


def _reference_load(
    process: subprocess.Popen[str], path: str, features: list[str]
) -> tuple[bool, str] | None:
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(f"{','.join(features)}\t{path}\n")
    process.stdin.flush()
    record = json.loads(process.stdout.readline())
    return None if record.get("panic") else (record["ok"], record["text"])


def _our_load(path: str, features: list[str]) -> tuple[bool, str]:
    try:
        return True, witparser.load(path, features=features).to_json()
    except witparser.WitError as err:
        return False, str(err)


def _compare(process: subprocess.Popen[str], inputs: list[str], features: list[str]) -> list[str]:
    """The inputs on which the two disagree, each with both outputs (empty when all agree)."""
    mismatches = []
    panics = 0
    for path in inputs:
        expected = _reference_load(process, path, features)
        if expected is None:
            panics += 1
            continue
        actual = _our_load(path, features)
        if actual != expected:
            mismatches.append(
                f"{path} (features {features}):\n--- reference ({'ok' if expected[0] else 'error'})\n"
                f"{expected[1][:3000]}\n--- ours ({'ok' if actual[0] else 'error'})\n{actual[1][:3000]}"
            )
    assert panics <= len(inputs) // 10, f"the reference panicked on {panics} of {len(inputs)} inputs"
    return mismatches


def _shared_tree_inputs() -> list[str]:
    root = SHARED / "wit"
    if not root.exists():
        return []
    inputs: list[str] = []
    for folder in sorted(
        p for p in root.rglob("*") if p.is_dir() and "deps" not in p.relative_to(root).parts
    ):
        wit_files = sorted(folder.glob("*.wit"))
        if folder.name == "wrpc-codegen":
            inputs.extend(str(f) for f in wit_files)
        elif wit_files:
            inputs.append(str(folder))
    return inputs


def test_shared_wit_trees_match_the_reference(reference: subprocess.Popen[str]) -> None:
    inputs = _shared_tree_inputs()
    shared_path("wit")
    mismatches = _compare(reference, inputs, [])
    assert not mismatches, f"{len(mismatches)} of {len(inputs)} differ:\n" + "\n\n".join(mismatches)


@pytest.mark.parametrize("features", [[], [ENABLED_FEATURE, "other"]], ids=["no-features", "extra-features"])
def test_corpus_inputs_match_the_reference_under_other_features(
    reference: subprocess.Popen[str], features: list[str]
) -> None:
    ui = shared_path("conformance", "wit-parser", "ui")
    manifest = json.loads((ui.parent / "manifest.json").read_text("utf-8"))
    # Wasm-encoded dependencies need the reference's `decoding` feature, left out of its build.
    inputs = [str(ui / case["name"]) for case in manifest if case["area"] != "wasm-encoded"]
    mismatches = _compare(reference, inputs, features)
    assert not mismatches, f"{len(mismatches)} of {len(inputs)} differ:\n" + "\n\n".join(mismatches)


def test_random_programs_match_the_reference(reference: subprocess.Popen[str], tmp_path: Path) -> None:
    inputs = []
    for seed in range(GENERATED_PROGRAMS):
        path = tmp_path / f"program-{seed}.wit"
        path.write_text(program(seed), "utf-8")
        inputs.append(str(path))
    mismatches = _compare(reference, inputs, [ENABLED_FEATURE])
    assert not mismatches, f"{len(mismatches)} of {len(inputs)} differ:\n" + "\n\n".join(mismatches)


def test_random_package_directories_match_the_reference(
    reference: subprocess.Popen[str], tmp_path: Path
) -> None:
    """Dependencies in `deps/` files and folders: package order, cross-group errors, shifted spans."""
    inputs = []
    for seed in range(GENERATED_DIRECTORIES):
        root = tmp_path / f"directory-{seed}"
        write_directory(seed, root)
        inputs.append(str(root))
    mismatches = _compare(reference, inputs, [ENABLED_FEATURE])
    assert not mismatches, f"{len(mismatches)} of {len(inputs)} differ:\n" + "\n\n".join(mismatches)
