"""Bad values and bad bytes: the errors name the path inside the value and, for bytes, the offset."""

from __future__ import annotations

from typing import Any

import pytest

from wrpc import types as t
from wrpc.codec import compile
from wrpc.errors import DecodeError, EncodeError, TruncatedInput, UnsupportedType
from wrpc.values import Err, Ok, Some, Variant

REC = t.Record("rec", (("a", t.U8()), ("b", t.List(t.U32())), ("c", t.Option(t.String()))))
PARAMS = t.Tuple((t.String(), REC))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (("x", {"a": 1, "b": [1, "2"], "c": None}), "params[1].b[1]: expected u32 (an int), got str '2'"),
        (("x", {"a": 256, "b": [], "c": None}), "params[1].a: 256 is out of range for u8 (0..255)"),
        (("x", {"a": True, "b": [], "c": None}), "params[1].a: expected u8 (an int), got bool True"),
        (("x", {"a": 1, "b": []}), "params[1].c: missing record field 'c'"),
        (
            ("x", {"a": 1, "b": [], "c": None, "z": 0}),
            "params[1]: unknown record field 'z' (fields are a, b, c)",
        ),
        (("x", {"a": 1, "b": [], "c": "\ud800"}), "params[1].c.some: string contains a lone surrogate"),
        ((b"x", {"a": 1, "b": [], "c": None}), "params[0]: expected string (a str), got bytes b'x'"),
        (("x",), "params: expected a tuple of 2, got 1 elements"),
        (("x", {"a": 1, "b": "12", "c": None}), "params[1].b: expected a list, got str '12'"),
    ],
)
def test_encode_errors_name_the_path(value: Any, message: str) -> None:
    with pytest.raises(EncodeError) as caught:
        compile(PARAMS).encode(value, root="params")
    assert str(caught.value).startswith(message)
    assert isinstance(caught.value, TypeError)


@pytest.mark.parametrize(
    ("ty", "value", "reason"),
    [
        (t.U32(), -1, "-1 is out of range for u32"),
        (t.U64(), 1 << 64, "out of range for u64"),
        (t.S8(), 128, "128 is out of range for s8"),
        (t.S64(), -(1 << 63) - 1, "out of range for s64"),
        (t.F32(), 1e300, "out of range for f32"),
        (t.F64(), "1.0", "expected f64"),
        (t.Bool(), 1, "expected bool"),
        (t.Char(), "ab", "expected char"),
        (t.Char(), "\udfff", "surrogate"),
        (t.Enum("e", ("a", "b")), "c", "unknown case 'c' (cases are a, b)"),
        (t.Flags("f", ("a", "b")), {"a", "q"}, "unknown flag 'q'"),
        (t.Flags("f", ("a", "b")), "a", "expected flags"),
        (t.Variant("v", (("a", None), ("b", t.U8()))), Variant("a", 1), "case 'a' has no payload"),
        (t.Variant("v", (("a", None), ("b", t.U8()))), ("b", 1), "expected Variant(case, value)"),
        (t.Variant("v", (("a", None), ("b", t.U8()))), Variant("b", 300), "300 is out of range for u8"),
        (t.Result(t.U8(), None), Err(5), "result err has no payload"),
        (t.Result(t.U8(), None), 5, "expected Ok(value) or Err(value)"),
        (t.List(t.U8()), [1, 256], "expected bytes or a sequence of ints in 0..255"),
        (t.ErrorContext(), 0, "error-context has no payload"),
    ],
)
def test_encode_rejects_wrong_shapes_and_ranges(ty: t.WitType, value: Any, reason: str) -> None:
    with pytest.raises(EncodeError, match=None) as caught:
        compile(ty).encode(value)
    assert reason in str(caught.value)


def test_encode_accepts_the_documented_alternative_forms() -> None:
    assert compile(t.List(t.U8())).encode(bytearray(b"ab")) == b"\x02ab"
    assert compile(t.List(t.U8())).encode(memoryview(b"ab")) == b"\x02ab"
    assert compile(t.List(t.U8())).encode([97, 98]) == b"\x02ab"
    assert compile(t.Option(t.U8())).encode(Some(3)) == b"\x01\x03"
    assert compile(t.Tuple((t.U8(), t.U8()))).encode([1, 2]) == b"\x01\x02"
    assert compile(t.Flags("f", ("a", "b", "c"))).encode(["c", "a"]) == b"\x05"
    assert compile(t.F64()).encode(2) == compile(t.F64()).encode(2.0)
    assert compile(t.Result(None, t.String())).encode(Ok()) == b"\x00"


def test_decoded_records_keep_declaration_order() -> None:
    ty = t.Record("r", (("z", t.U8()), ("a", t.U8()), ("m", t.U8())))
    assert list(compile(ty).decode(b"\x01\x02\x03")) == ["z", "a", "m"]


def test_nested_options_decode_unambiguously() -> None:
    codec = compile(t.Option(t.Option(t.Option(t.U8()))))
    assert codec.decode(b"\x00") is None
    assert codec.decode(b"\x01\x00") == Some(None)
    assert codec.decode(b"\x01\x01\x00") == Some(Some(None))
    assert codec.decode(b"\x01\x01\x01\x07") == Some(Some(7))
    assert codec.encode(Some(Some(7))) == b"\x01\x01\x01\x07"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("05 68 65", "params[0]: truncated string at byte 3"),
        ("01 78 05", "params[1].b: unexpected end of input at byte 3"),
        ("01 78", "params[1].a: unexpected end of input at byte 2"),
        ("01 78 05 02 01", "params[1].b: truncated list: 2 elements need at least 2 bytes at byte 5"),
        ("01 78 05 02 01 ff ff", "params[1].b[1]: truncated LEB128 at byte 7"),
        ("01 78 05 01 ff ff ff ff 1f 00", "params[1].b[0]: LEB128 value overflows u32 at byte 4"),
        ("01 78 05 00 02", "params[1].c: invalid option tag 0x02 at byte 4"),
        (
            "01 78 05 00 01 03 61 ff 62",
            "params[1].c.some: invalid UTF-8 in string (invalid start byte) at byte 7",
        ),
        ("01 78 05 00 00 00", "params: 1 trailing bytes after the value at byte 5"),
    ],
)
def test_decode_errors_name_the_offset_and_the_path(data: str, message: str) -> None:
    with pytest.raises(DecodeError) as caught:
        compile(PARAMS).decode(bytes.fromhex(data), root="params")
    assert str(caught.value) == message


def test_truncated_input_says_how_many_bytes_could_complete_it() -> None:
    with pytest.raises(TruncatedInput) as caught:
        compile(t.String()).decode_prefix(b"\x0a\x61")
    assert caught.value.needed == 11


def test_streaming_decoder_refuses_values_larger_than_max_buffered() -> None:
    decoder = compile(t.List(t.U8())).decoder(max_buffered=1000)
    with pytest.raises(DecodeError, match="max_buffered"):
        decoder.feed(b"\xe8\x07")  # a 1000-byte list needs 1002 bytes in all


def test_streaming_decoder_reports_truncation_at_finish() -> None:
    decoder = compile(PARAMS).decoder(root="params")
    assert not decoder.feed(b"\x01\x78\x05\x00")
    with pytest.raises(TruncatedInput, match=r"params\[1\]\.c: unexpected end of input at byte 4"):
        decoder.finish()


def test_streaming_decoder_keeps_bytes_after_the_value() -> None:
    decoder = compile(t.U8()).decoder()
    assert decoder.feed(b"\x05\x06\x07")
    assert decoder.value == 5
    assert decoder.trailing == b"\x06\x07"


def test_fixed_size_lists_are_refused_with_a_clear_error() -> None:
    with pytest.raises(UnsupportedType, match="fixed-size lists"):
        compile(t.Record("r", (("a", t.FixedList(t.U8(), 4)),)))


def test_a_large_value_arriving_in_small_pieces_is_decoded_in_one_pass() -> None:
    import time

    ty = t.Tuple((t.List(t.Record("kv", (("key", t.String()), ("n", t.U32())))),))
    value = ([{"key": f"key-{i}", "n": i} for i in range(40_000)],)
    data = compile(ty).encode(value)
    decoder = compile(ty).decoder()
    started = time.perf_counter()
    for k in range(0, len(data), 100):
        decoder.feed(data[k : k + 100])
    assert decoder.done and decoder.value == value
    # Re-decoding from the start on every piece would take tens of seconds here.
    assert time.perf_counter() - started < 5.0
