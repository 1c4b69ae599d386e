"""`wrpc wit check|json|print`: exit codes, output streams, and feature flags."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from wrpc.cli import main

GATED = """package demo:gates@1.0.0;

interface api {
    stable-fn: func();
    @unstable(feature = preview)
    preview-fn: func();
}
"""


@pytest.fixture
def wit_file(tmp_path: Path) -> Path:
    path = tmp_path / "api.wit"
    path.write_text(GATED, "utf-8")
    return path


def test_check_prints_ok_for_valid_wit(wit_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["wit", "check", str(wit_file)]) == 0
    assert capsys.readouterr().out == "OK\n"


def test_check_reports_the_rendered_error_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.wit"
    path.write_text("package a:b;\ninterface i { f: func() -> nope; }\n", "utf-8")
    assert main(["wit", "check", str(path)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "nope" in captured.err and f"--> {path}:2:" in captured.err


def test_json_leaves_out_unstable_items_unless_their_feature_is_on(
    wit_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["wit", "json", str(wit_file)]) == 0
    functions = json.loads(capsys.readouterr().out)["interfaces"][0]["functions"]
    assert list(functions) == ["stable-fn"]

    assert main(["wit", "json", "--features", "other,preview", str(wit_file)]) == 0
    functions = json.loads(capsys.readouterr().out)["interfaces"][0]["functions"]
    assert list(functions) == ["stable-fn", "preview-fn"]

    assert main(["wit", "json", "--all-features", str(wit_file)]) == 0
    assert "preview-fn" in json.loads(capsys.readouterr().out)["interfaces"][0]["functions"]


def test_json_of_a_missing_path_fails_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "absent.wit"
    assert main(["wit", "json", str(missing)]) == 1
    assert f"failed to read path for WIT [{missing}]" in capsys.readouterr().err


def test_wrpc_wit_runs_as_a_module(wit_file: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "wrpc.cli", "wit", "check", str(wit_file)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stdout) == (0, "OK\n"), done.stderr


def test_print_writes_wit_that_loads_back_to_the_same_json(
    wit_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["wit", "print", "--all-features", str(wit_file)]) == 0
    printed = tmp_path / "printed.wit"
    printed.write_text(capsys.readouterr().out, "utf-8")
    assert main(["wit", "json", "--all-features", str(wit_file)]) == 0
    original = capsys.readouterr().out
    assert main(["wit", "json", "--all-features", str(printed)]) == 0
    assert capsys.readouterr().out == original
