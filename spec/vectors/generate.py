"""Write spec/vectors/values.json and spec/vectors/invalid.json (run from the repository root).

    .venv/bin/python spec/vectors/generate.py

The reference vectors (`ref-*`) have their hex typed in from the protocol notes (derived from the Rust
and Go sources), never computed by our encoder, so testing against them is not circular. The others
(`gen-*`) are computed with wrpc.codec to cover every type and boundary; tests/unit/test_codec_vectors.py
checks a sample of them against hex worked out by hand. Invalid inputs are typed in.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from wrpc import types as t
from wrpc.codec import compile
from wrpc.values import Err, Ok, Some, Variant
from wrpc.vectors import from_json, parse_defs, to_json, vector_type

HERE = Path(__file__).resolve().parent

REC_DEFS = {
    "rec-nested": {"record": [["foo", "string"]]},
    "rec": {"record": [["nested", "rec-nested"]]},
    "var": {"variant": [["var", "rec"], ["empty", None]]},
}
SIMPLE_REC = {"rec": {"record": [["foo", "string"]]}}

TEST_SYNC_TYPE = (
    "tuple<bool, u8, u16, u32, u64, s8, s16, s32, s64, f32, f64, char, string, list<list<list<u8>>>, "
    "list<option<list<result<option<string>>>>>>"
)
TEST_SYNC_VALUE = [
    True, 0xFE, 0xFEFF, 0xFEFF_FFFF, 0xFEFF_FFFF_FFFF_FFFF, 0x7E, 0x7EFF, 0x7EFF_FFFF, 0x7EFF_FFFF_FFFF_FFFF,
    0.42, 0.4242, "a", "test", [[{"hex": "666f6f"}]], [{"some": [{"ok": {"some": "bar"}}]}],
]  # fmt: skip
TEST_SYNC_HEX = (
    "01 fe ff fd 03 ff ff ff f7 0f ff ff ff ff ff ff ff ff fe 01 7e ff fd 01 ff ff ff f7 07 ff ff ff ff ff ff "
    "ff ff fe 00 3d 0a d7 3e 12 a5 bd c1 17 26 db 3f 61 04 74 65 73 74 01 01 03 66 6f 6f 01 01 01 00 01 03 "
    "62 61 72"
)

# (name, type, value in JSON form, hex typed in from wrpc-protocol.md 1.7, defs)
REFERENCE: list[tuple[str, str, Any, str, dict[str, Any] | None]] = [
    ("ref-1 tuple<u8,u32>", "tuple<u8, u32>", [0x42, 0x42], "42 42", None),
    ("ref-2 nested tuple", "tuple<bool, u8, string, u32, tuple<result<bool, string>>>",
     [True, 0xFE, "test", 0x42, [{"ok": True}]], "01 fe 04 74 65 73 74 42 00 01", None),
    ("ref-3 string test", "string", "test", "04 74 65 73 74", None),
    ("ref-4 u32 624485", "u32", 624485, "e5 8e 26", None),
    ("ref-5 f32 nan", "f32", "nan", "00 00 c0 7f", None),
    ("ref-5 f64 nan", "f64", "nan", "00 00 00 00 00 00 f8 7f", None),
    ("ref-6 f32 1.5", "f32", 1.5, "00 00 c0 3f", None),
    ("ref-7 bool false", "bool", False, "00", None),
    ("ref-7 bool true", "bool", True, "01", None),
    ("ref-8 u8 0xfe", "u8", 0xFE, "fe", None),
    ("ref-8 s8 0x7e", "s8", 0x7E, "7e", None),
    ("ref-8 s8 -1", "s8", -1, "ff", None),
    ("ref-8 s8 -128", "s8", -128, "80", None),
    ("ref-9 u16 0xfeff", "u16", 0xFEFF, "ff fd 03", None),
    ("ref-10 u32 0xfeffffff", "u32", 0xFEFF_FFFF, "ff ff ff f7 0f", None),
    ("ref-10 u32 max", "u32", 0xFFFF_FFFF, "ff ff ff ff 0f", None),
    ("ref-11 u64 0xfeff..", "u64", 0xFEFF_FFFF_FFFF_FFFF, "ff ff ff ff ff ff ff ff fe 01", None),
    ("ref-11 u64 max", "u64", 0xFFFF_FFFF_FFFF_FFFF, "ff ff ff ff ff ff ff ff ff 01", None),
    ("ref-12 s16 0x7eff", "s16", 0x7EFF, "ff fd 01", None),
    ("ref-13 s32 0x7effffff", "s32", 0x7EFF_FFFF, "ff ff ff f7 07", None),
    ("ref-13 s32 max", "s32", 0x7FFF_FFFF, "ff ff ff ff 07", None),
    ("ref-14 s64 0x7eff..", "s64", 0x7EFF_FFFF_FFFF_FFFF, "ff ff ff ff ff ff ff ff fe 00", None),
    ("ref-15 s32 -1", "s32", -1, "7f", None),
    ("ref-15 s32 63", "s32", 63, "3f", None),
    ("ref-15 s32 64", "s32", 64, "c0 00", None),
    ("ref-15 s32 -64", "s32", -64, "40", None),
    ("ref-15 s32 -65", "s32", -65, "bf 7f", None),
    ("ref-15 s32 127", "s32", 127, "ff 00", None),
    ("ref-15 s32 128", "s32", 128, "80 01", None),
    ("ref-15 s16 -128", "s16", -128, "80 7f", None),
    ("ref-16 s32 min", "s32", -0x8000_0000, "80 80 80 80 78", None),
    ("ref-16 s64 min", "s64", -0x8000_0000_0000_0000, "80 80 80 80 80 80 80 80 80 7f", None),
    ("ref-16 s16 min", "s16", -0x8000, "80 80 7e", None),
    ("ref-17 f32 0.42", "f32", 0.42, "3d 0a d7 3e", None),
    ("ref-17 f64 0.4242", "f64", 0.4242, "12 a5 bd c1 17 26 db 3f", None),
    ("ref-18 char a", "char", "a", "61", None),
    ("ref-18 char И", "char", "\u0418", "d0 98", None),
    ("ref-18 char ह", "char", "\u0939", "e0 a4 b9", None),
    ("ref-18 char 𐍈", "char", "\U00010348", "f0 90 8d 88", None),
    ("ref-19 string empty", "string", "", "00", None),
    ("ref-19 string 200 x", "string", "x" * 200, "c8 01" + " 78" * 200, None),
    ("ref-20 list<u8> foo", "list<u8>", {"hex": "666f6f"}, "03 66 6f 6f", None),
    ("ref-21 list<list<list<u8>>>", "list<list<list<u8>>>", [[{"hex": "666f6f"}]], "01 01 03 66 6f 6f", None),
    ("ref-22 list<option<list<result<option<string>>>>>", "list<option<list<result<option<string>>>>>",
     [{"some": [{"ok": {"some": "bar"}}]}], "01 01 01 00 01 03 62 61 72", None),
    ("ref-23 test.sync params", TEST_SYNC_TYPE, TEST_SYNC_VALUE, TEST_SYNC_HEX, None),
    ("ref-24 shared.numbers result", "tuple<u8, u16, u32, u64, s8, s16, s32, s64, f32, f64>",
     TEST_SYNC_VALUE[1:11], TEST_SYNC_HEX[3 : TEST_SYNC_HEX.index("db 3f") + 5], None),
    ("ref-25 go numbers", "tuple<u8, u16, u32, u64, s8, s16, s32, s64, f32, f64>", [1, 2, 3, 4, 5, 6, 7, 8, 9.0, 10.0],
     "01 02 03 04 05 06 07 08 00 00 10 41 00 00 00 00 00 00 24 40", None),
    ("ref-26 flags abc a|c", "abc", ["a", "c"], "05", {"abc": {"flags": ["a", "b", "c"]}}),
    ("ref-26 flags feature-flags all", "feature-flags", ["f0", "f1", "f2", "f3", "f4", "f5"], "3f",
     {"feature-flags": {"flags": [f"f{i}" for i in range(6)]}}),
    ("ref-26 flags 9 labels, label 8", "f9", ["l8"], "00 01", {"f9": {"flags": [f"l{i}" for i in range(9)]}}),
    ("ref-26 flags 17 labels, label 16", "f17", ["l16"], "00 00 01", {"f17": {"flags": [f"l{i}" for i in range(17)]}}),
    ("ref-27 enum foobar bar", "foobar", "bar", "01", {"foobar": {"enum": ["foo", "bar"]}}),
    ("ref-28 variant var(rec)", "var", {"case": "var", "value": {"nested": {"foo": "bar"}}}, "00 03 62 61 72", REC_DEFS),
    ("ref-28 variant empty", "var", {"case": "empty"}, "01", REC_DEFS),
    ("ref-29 option<var> some", "option<var>", {"some": {"case": "var", "value": {"nested": {"foo": "bar"}}}},
     "01 00 03 62 61 72", REC_DEFS),
    ("ref-29 option<var> none", "option<var>", None, "00", REC_DEFS),
    ("ref-30 list<var>", "list<var>",
     [{"case": "empty"}, {"case": "var", "value": {"nested": {"foo": "foo"}}}, {"case": "empty"}, {"case": "empty"},
      {"case": "empty"}, {"case": "var", "value": {"nested": {"foo": "bar"}}}],
     "06 01 00 03 66 6f 6f 01 01 01 00 03 62 61 72", REC_DEFS),
    ("ref-31 result<bool,string> ok", "result<bool, string>", {"ok": True}, "00 01", None),
    ("ref-31 result<bool,string> err", "result<bool, string>", {"err": "test"}, "01 04 74 65 73 74", None),
    ("ref-31 result<_,string> ok", "result<_, string>", {"ok": None}, "00", None),
    ("ref-32 list<rec> of 3", "list<rec>", [{"foo": "0"}, {"foo": "1"}, {"foo": "2"}], "03 01 30 01 31 01 32", SIMPLE_REC),
    ("ref-32 tuple<rec,rec>", "tuple<rec, rec>", [{"foo": "0"}, {"foo": "1"}], "01 30 01 31", SIMPLE_REC),
    ("ref-33 own<counter>", "own<counter>", {"hex": "0000000000000000"}, "08 00 00 00 00 00 00 00 00", None),
    ("ref-33 counter.increment-by params", "tuple<borrow<counter>, u32>", [{"hex": "0000000000000000"}, 1],
     "08 00 00 00 00 00 00 00 00 01", None),
    ("ref-34 keyvalue open params", "tuple<string>", ["example"], "07 65 78 61 6d 70 6c 65", None),
    ("ref-34 keyvalue open result", "result<own<bucket>, string>", {"ok": {"hex": "6578616d706c65"}},
     "00 07 65 78 61 6d 70 6c 65", None),
    ("ref-35 stream<u8> sync", "stream<u8>", "pending", "00", None),
    ("ref-38 future<list<u64>> sync", "future<list<u64>>", "pending", "00", None),
    ("ref-39 with-future params sync", "tuple<something, stream<u8>>", [{"foo": "bar"}, "pending"], "03 62 61 72 00",
     {"something": {"record": [["foo", "string"]]}}),
    ("ref-39 with-future result sync", "future<stream<u8>>", "pending", "00", None),
    ("ref-40 req params sync", "tuple<req>", [{"numbers": "pending", "bytes": "pending"}], "00 00",
     {"req": {"record": [["numbers", "stream<u64>"], ["bytes", "stream<u8>"]]}}),
]  # fmt: skip

# Async channel vectors, typed in: (name, kind, type, content in JSON form, hex). A stream's content is
# its chunks; a future's is its value.
CHANNELS: list[tuple[str, str, str, Any, str]] = [
    ("ref-35 stream<u8> channel", "stream", "stream<u8>", [{"hex": "74657374"}], "04 74 65 73 74 00"),
    ("ref-36 stream<list<string>> channel", "stream", "stream<list<string>>", [[["foo"]], [["bar", "baz"]]],
     "01 01 03 66 6f 6f 01 02 03 62 61 72 03 62 61 7a 00"),
    ("ref-37 stream<u32> channel", "stream", "stream<u32>", [[0xC0, 0xFF], [0xEE]], "02 c0 01 ff 01 01 ee 01 00"),
    ("ref-38 future<list<u64>> channel", "future", "future<list<u64>>", [1, 2, 3], "03 01 02 03"),
]  # fmt: skip

# Typed-in invalid inputs: (name, type, hex, kind, defs). kind "truncated" must raise TruncatedInput;
# "invalid" a DecodeError that is not TruncatedInput.
INVALID: list[tuple[str, str, str, str, dict[str, Any] | None]] = [
    ("empty input for u8", "u8", "", "truncated", None),
    ("bool 02", "bool", "02", "invalid", None),
    ("bool ff", "bool", "ff", "invalid", None),
    ("option tag 02", "option<u8>", "02 00", "invalid", None),
    ("result tag 02", "result<u8, u8>", "02 00", "invalid", None),
    ("future tag 02", "future<u8>", "02", "invalid", None),
    ("u16 overflows (third byte > 03)", "u16", "ff ff 04", "invalid", None),
    ("u16 longer than 3 bytes", "u16", "80 80 80 00", "invalid", None),
    ("u32 overflows (fifth byte > 0f)", "u32", "ff ff ff ff 1f", "invalid", None),
    ("u32 longer than 5 bytes", "u32", "80 80 80 80 80 00", "invalid", None),
    ("u64 overflows (tenth byte > 01)", "u64", "ff ff ff ff ff ff ff ff ff 02", "invalid", None),
    ("u64 longer than 10 bytes", "u64", "80 80 80 80 80 80 80 80 80 80 00", "invalid", None),
    ("s32 overflows positive", "s32", "ff ff ff ff 08", "invalid", None),
    ("s32 overflows negative", "s32", "80 80 80 80 70", "invalid", None),
    ("s16 overflows", "s16", "80 80 02", "invalid", None),
    ("s64 longer than 10 bytes", "s64", "80 80 80 80 80 80 80 80 80 80 00", "invalid", None),
    ("truncated LEB128 u32", "u32", "80 80", "truncated", None),
    ("truncated LEB128 s64", "s64", "ff ff ff", "truncated", None),
    ("truncated f32", "f32", "00 00 c0", "truncated", None),
    ("truncated f64", "f64", "00 00 00 00 00 00 f8", "truncated", None),
    ("char lone continuation byte", "char", "80", "invalid", None),
    ("char lead byte ff", "char", "ff", "invalid", None),
    ("char surrogate U+D800", "char", "ed a0 80", "invalid", None),
    ("char above U+10FFFF", "char", "f4 90 80 80", "invalid", None),
    ("char overlong NUL", "char", "c0 80", "invalid", None),
    ("char overlong 3-byte", "char", "e0 80 80", "invalid", None),
    ("char truncated 3-byte", "char", "e0 a4", "truncated", None),
    ("char bad continuation", "char", "e0 41 41", "invalid", None),
    ("string invalid UTF-8", "string", "02 c3 28", "invalid", None),
    ("string surrogate", "string", "03 ed a0 80", "invalid", None),
    ("string truncated", "string", "05 68 65 6c", "truncated", None),
    ("string length over u32", "string", "80 80 80 80 10", "invalid", None),
    ("string length 4 GiB-1 with 3 bytes", "string", "ff ff ff ff 0f 61 62 63", "truncated", None),
    ("list<u8> truncated", "list<u8>", "04 01 02", "truncated", None),
    ("list<u64> huge count", "list<u64>", "ff ff ff ff 0f 01", "truncated", None),
    ("list<string> truncated element", "list<string>", "02 01 61 03 62", "truncated", None),
    ("enum index out of range", "e2", "02", "invalid", {"e2": {"enum": ["a", "b"]}}),
    ("variant index out of range", "v2", "05", "invalid", {"v2": {"variant": [["a", None], ["b", "u8"]]}}),
    ("variant payload truncated", "v2", "01", "truncated", {"v2": {"variant": [["a", None], ["b", "u8"]]}}),
    ("flags bits beyond labels", "f3", "08", "invalid", {"f3": {"flags": ["a", "b", "c"]}}),
    ("flags 9 labels truncated", "f9", "ff", "truncated", {"f9": {"flags": [f"l{i}" for i in range(9)]}}),
    ("flags 9 labels bit 9", "f9", "00 02", "invalid", {"f9": {"flags": [f"l{i}" for i in range(9)]}}),
    ("record truncated in second field", "r", "01 61", "truncated",
     {"r": {"record": [["a", "string"], ["b", "u32"]]}}),
    ("trailing bytes after u8", "u8", "01 02", "invalid", None),
    ("trailing bytes after empty tuple", "tuple<>", "00", "invalid", None),
    ("handle truncated", "own<r>", "08 00 00", "truncated", None),
    ("option<bool> some invalid bool", "option<bool>", "01 07", "invalid", None),
]  # fmt: skip


def _hex(data: bytes) -> str:
    return data.hex(" ")


def _entry(
    name: str, ty: str, value: Any, hex_: str, defs: dict[str, Any] | None, **extra: Any
) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": name, "type": ty}
    if defs:
        entry["defs"] = defs
    entry.update(value=value, hex=hex_, **extra)
    return entry


def _computed(name: str, ty: str, value: Any, defs: dict[str, Any] | None = None) -> dict[str, Any]:
    """A vector whose hex our encoder computes (the value is given in Python form)."""
    wit = t.parse_type_expr(ty, names=parse_defs(defs))
    return _entry(name, ty, to_json(wit, value), _hex(compile(wit).encode(value)), defs)


def _generated() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    ints = {
        "u8": (0, 255, [1, 127, 128, 200]),
        "s8": (-128, 127, [0, 1, -1, 63, 64, -64, -65]),
        "u16": (0, 0xFFFF, [1, 127, 128, 0x3FFF, 0x4000]),
        "s16": (-0x8000, 0x7FFF, [0, -1, 63, 64, -64, -65, 0x1FFF, 0x2000, -0x2000, -0x2001]),
        "u32": (
            0,
            0xFFFF_FFFF,
            [1, 127, 128, 0x3FFF, 0x4000, 0x1F_FFFF, 0x20_0000, 0x0FFF_FFFF, 0x1000_0000],
        ),
        "s32": (-0x8000_0000, 0x7FFF_FFFF, [0, 0x0FFF_FFFF, -0x0800_0000, -0x0800_0001, 0x0800_0000]),
        "u64": (0, (1 << 64) - 1, [1, 127, 128, (1 << 56) - 1, 1 << 56, (1 << 63) - 1, 1 << 63]),
        "s64": (
            -(1 << 63),
            (1 << 63) - 1,
            [0, -1, 1 << 62, -(1 << 62), -(1 << 62) - 1, (1 << 56), -(1 << 56)],
        ),
    }
    for ty, (lo, hi, extra) in ints.items():
        for value in [lo, hi, *extra]:
            out.append(_computed(f"gen {ty} {value}", ty, value))
    floats = [0.0, -0.0, 1.0, -2.5, float("inf"), float("-inf"), 1e-45, 3.4028234663852886e38]
    for number in floats:
        out.append(_computed(f"gen f32 {number!r}", "f32", number))
    for number in [*floats[:6], 5e-324, 1.7976931348623157e308, 0.1]:
        out.append(_computed(f"gen f64 {number!r}", "f64", number))
    for code in [0, 0x7F, 0x80, 0x7FF, 0x800, 0xD7FF, 0xE000, 0xFFFD, 0xFFFF, 0x10000, 0x10FFFF]:
        out.append(_computed(f"gen char U+{code:04X}", "char", chr(code)))
    for text in ["x" * 127, "x" * 128, "héllo wörld", "\u2603\U0001f600", "a" * 16384, "\x00"]:
        out.append(_computed(f"gen string of {len(text.encode())} bytes", "string", text))
    out.append(_computed("gen list<u8> empty", "list<u8>", b""))
    out.append(_computed("gen list<u8> 300 bytes", "list<u8>", bytes(range(256)) + bytes(44)))
    out.append(_computed("gen list<u32> empty", "list<u32>", []))
    out.append(_computed("gen list<u32> 200 elements", "list<u32>", list(range(0, 20000, 100))))
    out.append(_computed("gen list<string> 130 elements", "list<string>", [str(i) for i in range(130)]))
    out.append(_computed("gen list<tuple<bool, s8>>", "list<tuple<bool, s8>>", [(True, -1), (False, 5)]))
    deep_option = "option<" * 10 + "u8" + ">" * 10
    out.append(_computed("gen option^10 of u8 some", deep_option, _somes(9, 7)))
    out.append(_computed("gen option^10 of u8 none at depth 5", deep_option, _somes(4, None)))
    out.append(_computed("gen option^10 of u8 none", deep_option, None))
    deep_list = "list<" * 12 + "string" + ">" * 12
    out.append(_computed("gen list^12 of string", deep_list, _nest(12, "deep")))
    out.append(_computed("gen option<option<string>> some(none)", "option<option<string>>", _somes(1, None)))
    out.append(_computed("gen option<result> none", "option<result>", None))
    out.append(
        _computed("gen result<option<u8>, option<u8>> err(none)", "result<option<u8>, option<u8>>", Err(None))
    )
    out.append(_computed("gen result no payloads err", "result", Err(None)))
    out.append(_computed("gen result<u8> ok", "result<u8>", Ok(9)))
    out.append(_computed("gen result<_, u8> err", "result<_, u8>", Err(9)))
    out.append(_computed("gen tuple<> empty", "tuple<>", ()))
    out.append(_computed("gen error-context", "error-context", None))
    big_variant = {"big": {"variant": [[f"c{i}", "u8" if i % 2 else None] for i in range(200)]}}
    for index in [0, 1, 127, 128, 129, 199]:
        case = Variant(f"c{index}", index if index % 2 else None)
        out.append(_computed(f"gen variant of 200 cases, case {index}", "big", case, big_variant))
    big_enum = {"big-enum": {"enum": [f"e{i}" for i in range(300)]}}
    for index in [0, 127, 128, 299]:
        out.append(_computed(f"gen enum of 300 cases, case {index}", "big-enum", f"e{index}", big_enum))
    for count in range(1, 131):
        labels = [f"l{i}" for i in range(count)]
        chosen = frozenset({labels[0], labels[-1], labels[count // 2]})
        out.append(
            _computed(
                f"gen flags of {count} labels", f"flags{count}", chosen, {f"flags{count}": {"flags": labels}}
            )
        )
    out.append(
        _computed("gen flags of 3 labels, none set", "f3", frozenset(), {"f3": {"flags": ["a", "b", "c"]}})
    )
    person = {
        "person": {
            "record": [
                ["name", "string"],
                ["age", "u8"],
                ["tags", "list<string>"],
                ["nick", "option<string>"],
            ]
        }
    }
    out.append(
        _computed(
            "gen record person", "person", {"name": "Ada", "age": 36, "tags": ["x"], "nick": None}, person
        )
    )
    return out


def _somes(depth: int, inner: Any) -> Any:
    value = inner
    for _ in range(depth):
        value = Some(value)
    return value


def _nest(depth: int, leaf: Any) -> Any:
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


def _one_per_line(entries: list[dict[str, Any]]) -> str:
    """A JSON array with one vector per line, so diffs and greps stay readable."""
    return "[\n" + ",\n".join(json.dumps(e, ensure_ascii=False) for e in entries) + "\n]\n"


def main() -> None:
    values = [_entry(n, ty, v, h, d) for n, ty, v, h, d in REFERENCE]
    values += [{"name": n, "kind": k, "type": ty, "value": v, "hex": h} for n, k, ty, v, h in CHANNELS]
    values += _generated()
    invalid = []
    for name, ty, hex_, kind, defs in INVALID:
        entry: dict[str, Any] = {"name": name, "type": ty}
        if defs:
            entry["defs"] = defs
        entry.update(hex=hex_, error=kind)
        invalid.append(entry)
    for entry in values:  # the JSON form must read back before anything is written
        if entry.get("kind") is None:
            from_json(vector_type(entry), entry["value"])
    (HERE / "values.json").write_text(_one_per_line(values))
    (HERE / "invalid.json").write_text(_one_per_line(invalid))
    print(f"wrote {len(values)} value vectors and {len(invalid)} invalid inputs")


if __name__ == "__main__":
    main()
