"""WAVE text values: the examples of the wasm-wave README, our formatting, and named errors."""

from __future__ import annotations

import math

import pytest

from wrpc import types as t
from wrpc.errors import WaveError
from wrpc.types import parse_type_expr as T
from wrpc.values import Err, Ok, Some, Variant
from wrpc.wave import format_value, parse

RESPONSE = t.Variant("response", (("empty", None), ("body", t.List(t.U8())), ("err", t.String())))
STATUS = t.Enum("status", ("ok", "not-found"))
PERMS = t.Flags("perms", ("read", "write", "exec"))
EXAMPLE = t.Record("example", (("must-have", t.U8()), ("optional", t.Option(t.U8()))))
ALL_OPTIONAL = t.Record("all-optional", (("optional", t.Option(t.U8())),))


@pytest.mark.parametrize(
    ("ty", "text", "value"),
    [
        (t.Bool(), "true", True),
        (t.S32(), "-9", -9),
        (t.F64(), "6.022e+23", 6.022e23),
        (t.F32(), "-inf", -math.inf),
        (t.Char(), "'\\''", "'"),
        (t.Char(), "'\\u{0}'", "\x00"),
        (t.Char(), "'☃'", "☃"),
        (t.String(), '"abc\\t123"', "abc\t123"),
        (T("tuple<string, u8>"), '("abc", 123)', ("abc", 123)),
        (T("list<char>"), "['a', 'b', 'c',]", ["a", "b", "c"]),
        (T("list<u8>"), "[79, 75]", b"OK"),
        (EXAMPLE, "{must-have: 123}", {"must-have": 123, "optional": None}),
        (EXAMPLE, "{optional: some(1), must-have: 2,}", {"must-have": 2, "optional": 1}),
        (ALL_OPTIONAL, "{:}", {"optional": None}),
        (RESPONSE, "empty", Variant("empty")),
        (RESPONSE, "body([79, 75])", Variant("body", b"OK")),
        (RESPONSE, '%err("oops")', Variant("err", "oops")),
        (STATUS, "%ok", "ok"),
        (STATUS, "not-found", "not-found"),
        (T("option<u8>"), "123", 123),
        (T("option<u8>"), "some(123)", 123),
        (T("option<option<u8>>"), "some(none)", Some(None)),
        (T("option<option<u8>>"), "none", None),
        (T("result<u8>"), "123", Ok(123)),
        (T("result<_, string>"), "ok", Ok(None)),
        (T("result<_, string>"), 'err("oops")', Err("oops")),
        (T("result"), "err", Err(None)),
        (PERMS, "{write, read,}", frozenset({"read", "write"})),
        (PERMS, "{}", frozenset()),
        (T("list<u8>"), "[1, // one\n 2]", b"\x01\x02"),
        (T("string"), '"""\n  a\n    b\n  """', "a\n  b"),
    ],
)
def test_parse_accepts_the_wasm_wave_forms(ty: t.WitType, text: str, value: object) -> None:
    assert parse(text, ty) == value


@pytest.mark.parametrize(
    ("ty", "value", "text"),
    [
        (t.F32(), 0.41999998688697815, "0.42"),
        (t.F64(), 1e-7, "0.0000001"),
        (t.F64(), 1.5e20, "150000000000000000000"),
        (t.F64(), 2.0, "2"),
        (t.F64(), math.nan, "nan"),
        (t.String(), 'a"b\\\n\x01', '"a\\"b\\\\\\n\\u{1}"'),
        (EXAMPLE, {"must-have": 1, "optional": None}, "{must-have: 1}"),
        (ALL_OPTIONAL, {"optional": None}, "{:}"),
        (T("option<u8>"), 5, "some(5)"),
        (STATUS, "ok", "%ok"),
        (PERMS, frozenset({"exec", "read"}), "{read, exec}"),
        (T("result<_, string>"), Err("x"), 'err("x")'),
    ],
)
def test_format_writes_what_wasm_wave_writes(ty: t.WitType, value: object, text: str) -> None:
    assert format_value(value, ty) == text


ROUND_TRIP = [
    (T("list<option<list<result<option<string>>>>>"), [[Ok("bar")], None]),
    (T("tuple<s64, u64, f32>"), (-(2**63), 2**64 - 1, 1.5)),
    (T("option<option<option<u8>>>"), Some(Some(None))),
    (RESPONSE, Variant("body", b"\x00\xff")),
    (t.Record("r", (("a", EXAMPLE), ("b", PERMS))), {"a": {"must-have": 0, "optional": 3}, "b": frozenset()}),
]


@pytest.mark.parametrize(("ty", "value"), ROUND_TRIP)
def test_format_then_parse_round_trips(ty: t.WitType, value: object) -> None:
    assert parse(format_value(value, ty), ty) == value


@pytest.mark.parametrize(
    ("ty", "text", "message"),
    [
        (T("list<u8>"), "[1, 2", "unexpected end of input at line 1, column 6"),
        (T("list<u8>"), "[300]", "value[0]: 300 is out of range for u8 (0..=255) at line 1, column 2"),
        (T("u32"), "-1", "out of range for u32"),
        (T("s8"), "1.5", "expected an integer (s8)"),
        (T("option<option<u8>>"), "5", "expected `none` or `some(...)`"),
        (EXAMPLE, "{optional: none}", "missing field `must-have`"),
        (EXAMPLE, "{must-have: 1, nope: 2}", "has no field `nope`"),
        (RESPONSE, 'err("x")', "must be written `%err`"),
        (RESPONSE, "empty(1)", "takes no payload"),
        (STATUS, "north", "expected one of the cases of enum status"),
        (PERMS, "{read, fly}", "has no label `fly`"),
        (t.Char(), "'ab'", "exactly one character"),
        (t.String(), '"\\u{d800}"', "not a Unicode scalar value"),
        (T("tuple<u8, u8>"), "(1)", "expected a tuple of 2 values"),
    ],
)
def test_bad_text_raises_wave_error_naming_the_place(ty: t.WitType, text: str, message: str) -> None:
    with pytest.raises(WaveError) as excinfo:
        parse(text, ty)
    assert message in str(excinfo.value)
