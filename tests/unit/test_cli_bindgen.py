"""`wrpc bindgen WIT_PATH [--world W] -o OUT`: writes the world's package, lists the files, and explains a
missing or ambiguous world or bad WIT with exit code 1."""

from __future__ import annotations

from pathlib import Path

import pytest

from wrpc.cli import main

WIT = """
package demo:one;

interface greeter {
    greet: func(name: string) -> string;
}

world only {
    export greeter;
}
"""


@pytest.fixture
def wit(tmp_path: Path) -> Path:
    path = tmp_path / "one.wit"
    path.write_text(WIT)
    return path


def test_a_single_world_needs_no_world_flag(
    wit: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["bindgen", str(wit), "-o", str(out)]) == 0
    assert (out / "only" / "exports" / "greeter.py").is_file()
    assert str(out / "only" / "__init__.py") in capsys.readouterr().out


def test_package_flag_renames_and_regeneration_replaces_old_files(wit: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    stale = out / "mine" / "imports" / "gone.py"
    stale.parent.mkdir(parents=True)
    stale.write_text("")
    assert main(["bindgen", str(wit), "--world", "demo:one/only", "-o", str(out), "--package", "mine"]) == 0
    assert (out / "mine" / "exports" / "greeter.py").is_file()
    assert not stale.exists()


def test_an_unknown_world_exits_1_with_the_reason(
    wit: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["bindgen", str(wit), "--world", "nope", "-o", str(tmp_path)]) == 1
    assert "World `nope` not found in package `demo:one`" in capsys.readouterr().err


def test_bad_wit_exits_1_with_the_parser_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.wit"
    bad.write_text("package a:b;\ninterface i { f: func() -> nope; }\n")
    assert main(["bindgen", str(bad), "-o", str(tmp_path / "out")]) == 1
    assert "nope" in capsys.readouterr().err
