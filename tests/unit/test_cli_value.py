"""`wrpc value`: one-shot encode/decode, exit codes and messages, and the JSON-lines batch mode."""

from __future__ import annotations

import io
import json

import pytest

from wrpc.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["value", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_encode_prints_lowercase_hex(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "encode", "list<option<string>>", '[some("a"), none]') == (0, "0201016100\n", "")


def test_decode_accepts_hex_split_by_spaces_and_prints_wave(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "decode", "tuple<bool, u8, string>", "01 fe", "04 74 65 73 74")
    assert (code, out) == (0, '(true, 254, "test")\n')


def test_negative_numbers_pass_after_double_dash(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "encode", "s32", "--", "-65") == (0, "bf7f\n", "")


def test_out_of_range_value_exits_1_naming_the_position(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "encode", "list<u8>", "[1, 256]")
    assert code == 1 and out == ""
    assert "value[1]: 256 is out of range for u8" in err and "column 5" in err


def test_truncated_bytes_exit_1_with_a_decode_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "decode", "string", "05 61 62")
    assert code == 1 and "byte" in err


def test_unknown_type_name_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "encode", "no-such-type", "1")
    assert code == 1 and "no-such-type" in err


def test_named_types_come_from_wit(capsys: pytest.CaptureFixture[str], tmp_path: object) -> None:
    from pathlib import Path

    wit = Path(str(tmp_path)) / "t.wit"
    wit.write_text("package t:t;\ninterface i { record point { x: s32, y: s32 } }\n")
    code, out, err = run(capsys, "--wit", str(wit), "encode", "t:t/i.point", "{x: -1, y: 64}")
    assert (code, out, err) == (0, "7fc000\n", "")


def test_batch_answers_every_line_and_survives_bad_ones(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [
        {"type": "u32", "value": "624485"},
        {"type": "string", "hex": "0474657374"},
        {"type": "u8", "value": "300"},
        {"type": "u8"},
    ]
    stdin = "\n".join(json.dumps(x) for x in lines) + "\nnot json\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code, out, _ = run(capsys, "--batch")
    answers = [json.loads(x) for x in out.splitlines()]
    assert code == 0
    assert answers[0] == {"hex": "e58e26"}
    assert answers[1] == {"value": '"test"'}
    assert "out of range" in answers[2]["error"]
    assert "needs" in answers[3]["error"]
    assert "error" in answers[4]
