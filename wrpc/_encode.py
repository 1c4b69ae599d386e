"""The encoder twin: generates straight-line Python that writes a value's wRPC encoding.

Every generated function has the signature `f(x, out, P, D)`: `x` the Python value (see wrpc.values),
`out` the bytearray being written, `P` the absolute index path of `x` (a tuple) and `D` the list that
collects `Deferred` futures and streams. Scalars are inlined into the enclosing function; each compound
type gets one function, except lists of scalars, which loop in place.

Rules of this module:
1. The bytes written are exactly those of spec/wrpc.md section 1; futures and streams are always
   written pending (`00`) and handed back as `Deferred` with their index path.
2. A value of the wrong shape or out of range raises `Fail` naming the offending position; the public
   edge (`wrpc.codec`) turns it into `EncodeError`. Integers are range-checked, bools are not integers.
   Fast code (`Emitter.precise` false) makes every check precise code makes, so it accepts exactly the
   same values and writes the same bytes; it only skips the path bookkeeping (the `try` per member,
   the list index), which the precise code re-run after a failure provides.
3. The success path does no error bookkeeping: checks are single comparisons, error paths are calls.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from wrpc import types as t
from wrpc._gen import Emitter, has_async, indent, is_inline
from wrpc._leb128 import uleb
from wrpc.values import Deferred, Err, Ok, Some, Variant


class Fail(Exception):
    """A value does not fit its type; `segments` are collected innermost first while unwinding."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.segments: list[str | int] = []


def wrap(error: Exception, segment: str | int) -> Fail:
    """Attach one path segment (`.field`, list index) to a failure raised below it."""
    if not isinstance(error, Fail):
        error = Fail(_reason(error))
    error.segments.append(segment)
    return error


def _reason(error: Exception) -> str:
    if isinstance(error, Fail):
        return error.reason
    if isinstance(error, KeyError):
        return f"missing record field {error.args[0]!r}"
    if isinstance(error, UnicodeEncodeError):
        return "string contains a lone surrogate, which is not a Unicode scalar value"
    return f"{type(error).__name__}: {error}"


def _describe(x: object) -> str:
    text = repr(x)
    return f"{type(x).__name__} {text[:60] + '...' if len(text) > 60 else text}"


# --- the output buffer ------------------------------------------------------------------------------

BIG = 1 << 16
"""Byte strings at least this long are kept aside rather than copied into the output bytearray."""


class Out(bytearray):
    """The bytearray an encoding is written to, plus the large byte strings kept aside (`parts`).

    Copying a large `bytes` into a growing bytearray and then out again is slow (fresh pages each
    time), so a byte string of `BIG` bytes or more ends the current run of small writes: the run and
    the string join `parts`, and `finish` joins everything once.
    """

    parts: list[bytes | bytearray] | None = None

    def finish(self) -> bytes:
        parts = self.parts
        if parts is None:
            return bytes(self)
        parts.append(bytes(self))
        return b"".join(parts)


def _big(out: Out, blob: bytes | bytearray) -> None:
    parts = out.parts
    if parts is None:
        parts = out.parts = []
    parts.append(bytes(out) + _length(len(blob)))
    parts.append(blob)
    del out[:]


# --- helpers the generated code calls on its slow paths ---------------------------------------------


def _int(x: object, lo: int, hi: int, name: str) -> int:
    if isinstance(x, bool) or not isinstance(x, int):
        raise Fail(f"expected {name} (an int), got {_describe(x)}")
    if not lo <= x <= hi:
        raise Fail(f"{x} is out of range for {name} ({lo}..{hi})")
    return int(x)


def _unsigned(x: object, hi: int, name: str) -> bytes:
    """A range-checked unsigned LEB128; values up to five bytes (u64 ids, timestamps) without a loop."""
    if type(x) is not int or not 0 <= x <= hi:
        x = _int(x, 0, hi, name)
    if x < 1 << 14:
        return bytes((x,)) if x < 128 else bytes((x & 127 | 128, x >> 7))
    if x < 1 << 21:
        return bytes((x & 127 | 128, x >> 7 & 127 | 128, x >> 14))
    if x < 1 << 28:
        return bytes((x & 127 | 128, x >> 7 & 127 | 128, x >> 14 & 127 | 128, x >> 21))
    if x < 1 << 35:
        return bytes((x & 127 | 128, x >> 7 & 127 | 128, x >> 14 & 127 | 128, x >> 21 & 127 | 128, x >> 28))
    out = bytearray()
    while x >= 0x80:
        out.append(x & 0x7F | 0x80)
        x >>= 7
    out.append(x)
    return bytes(out)


def _signed(x: object, lo: int, hi: int, name: str) -> bytes:
    """A range-checked signed LEB128; values up to five bytes without a loop (like `_unsigned`)."""
    if type(x) is not int or not lo <= x <= hi:
        x = _int(x, lo, hi, name)
    if -1 << 13 <= x < 1 << 13:
        return bytes((x & 127,)) if -64 <= x < 64 else bytes((x & 127 | 128, x >> 7 & 127))
    if -1 << 20 <= x < 1 << 20:
        return bytes((x & 127 | 128, x >> 7 & 127 | 128, x >> 14 & 127))
    if -1 << 27 <= x < 1 << 27:
        return bytes((x & 127 | 128, x >> 7 & 127 | 128, x >> 14 & 127 | 128, x >> 21 & 127))
    if -1 << 34 <= x < 1 << 34:
        return bytes(
            (x & 127 | 128, x >> 7 & 127 | 128, x >> 14 & 127 | 128, x >> 21 & 127 | 128, x >> 28 & 127)
        )
    out = bytearray()
    while True:
        byte = x & 0x7F
        x >>= 7
        if (x == 0 and not byte & 0x40) or (x == -1 and byte & 0x40):
            out.append(byte)
            return bytes(out)
        out.append(byte | 0x80)


def _length(n: int) -> bytes:
    if n > 0xFFFF_FFFF:
        raise Fail(f"length {n} does not fit in u32")
    return uleb(n)


def _bool(x: object) -> int:
    raise Fail(f"expected bool, got {_describe(x)}")


_PACK_F32 = struct.Struct("<f").pack
_PACK_F64 = struct.Struct("<d").pack
NAN32 = b"\x00\x00\xc0\x7f"
NAN64 = b"\x00\x00\x00\x00\x00\x00\xf8\x7f"


def _float(x: object, name: str) -> float:
    if isinstance(x, bool) or not isinstance(x, int | float):
        raise Fail(f"expected {name} (a float), got {_describe(x)}")
    return float(x)


def _f32(x: object) -> bytes:
    value = _float(x, "f32")
    if math.isnan(value):
        return NAN32
    try:
        return _PACK_F32(value)
    except OverflowError:
        raise Fail(f"{value!r} is out of range for f32") from None


def _f64(x: object) -> bytes:
    value = _float(x, "f64")
    return NAN64 if math.isnan(value) else _PACK_F64(value)


def _char(x: object) -> bytes:
    if not isinstance(x, str) or len(x) != 1:
        raise Fail(f"expected char (a 1-character str), got {_describe(x)}")
    if 0xD800 <= ord(x) <= 0xDFFF:
        raise Fail(f"char U+{ord(x):04X} is a surrogate, not a Unicode scalar value")
    return str(x).encode()


def _str(x: object) -> str:
    if not isinstance(x, str):
        raise Fail(f"expected string (a str), got {_describe(x)}")
    return str(x)


def _bytes(x: object) -> bytes | bytearray:
    if isinstance(x, bytearray | bytes):
        return x
    if isinstance(x, memoryview):
        return x.tobytes()
    if isinstance(x, str) or not isinstance(x, Iterable):
        raise Fail(f"expected bytes, got {_describe(x)}")
    try:
        return bytes(x)
    except (TypeError, ValueError):
        raise Fail(f"expected bytes or a sequence of ints in 0..255, got {_describe(x)}") from None


def _seq(x: object) -> Sequence[Any]:
    if isinstance(x, str | bytes | bytearray | Mapping) or not isinstance(x, Sequence):
        raise Fail(f"expected a list, got {_describe(x)}")
    return x


def _tuple(x: object, n: int) -> Sequence[Any]:
    if isinstance(x, str | bytes | bytearray | Mapping) or not isinstance(x, Sequence):
        raise Fail(f"expected a tuple of {n}, got {_describe(x)}")
    if len(x) != n:
        raise Fail(f"expected a tuple of {n}, got {len(x)} elements")
    return x


def _record(x: object, names: tuple[str, ...]) -> Mapping[str, Any]:
    if not isinstance(x, Mapping):
        raise Fail(f"expected a record (a dict of {', '.join(names)}), got {_describe(x)}")
    extra = [k for k in x if k not in names]
    if extra:
        raise Fail(f"unknown record field {extra[0]!r} (fields are {', '.join(names)})")
    return x


def _variant(x: object, names: tuple[str, ...]) -> Variant:
    if isinstance(x, Variant):
        return x
    raise Fail(f"expected Variant(case, value) with case in {', '.join(names)}, got {_describe(x)}")


def _case(case: object, names: tuple[str, ...]) -> bytes:
    raise Fail(f"unknown case {case!r} (cases are {', '.join(names)})")


def _no_payload(case: str) -> None:
    raise Fail(f"case {case!r} has no payload, so its value must be None")


def _result(x: object) -> None:
    raise Fail(f"expected Ok(value) or Err(value), got {_describe(x)}")


def _none(x: object, what: str) -> None:
    raise Fail(f"{what} has no payload, so its value must be None, got {_describe(x)}")


def _flags(x: object, bits: Mapping[str, int], nbytes: int) -> bytes:
    if isinstance(x, str | bytes) or not isinstance(x, Iterable):
        raise Fail(f"expected flags (a set of labels), got {_describe(x)}")
    value = 0
    for label in x:
        bit = bits.get(label) if isinstance(label, str) else None
        if bit is None:
            raise Fail(f"unknown flag {label!r} (labels are {', '.join(bits)})")
        value |= bit
    return value.to_bytes(nbytes, "little")


HELPERS: dict[str, Any] = {
    "_big": _big,
    "_int": _int, "_unsigned": _unsigned, "_signed": _signed, "_length": _length, "_bool": _bool,
    "_pf32": _PACK_F32, "_pf64": _PACK_F64, "_f32": _f32, "_f64": _f64, "_char": _char, "_str": _str,
    "_bytes": _bytes, "_seq": _seq, "_tuple": _tuple, "_record": _record, "_variant": _variant,
    "_case": _case, "_no_payload": _no_payload, "_result": _result, "_none": _none, "_flags": _flags,
    "_wrap": wrap, "Fail": Fail, "Deferred": Deferred, "Variant": Variant, "Some": Some, "Ok": Ok,
    "Err": Err,
}  # fmt: skip

_UNSIGNED = {t.U16: (0xFFFF, "u16"), t.U32: (0xFFFF_FFFF, "u32"), t.U64: ((1 << 64) - 1, "u64")}
_SIGNED = {t.S16: 16, t.S32: 32, t.S64: 64}


# --- the generator ----------------------------------------------------------------------------------


def encoder(em: Emitter, ty: t.WitType) -> str:
    """The name of the generated `f(x, out, P, D)` that encodes `ty`."""
    return em.function(ty, "enc", lambda name: _function(em, ty, name))


def _function(em: Emitter, ty: t.WitType, name: str) -> list[str]:
    body = _inline(em, ty, "x") if is_inline(ty) else _compound(em, ty)
    return [f"def {name}(x, out, P, D):", "    ap = out.append", *indent(body)]


def _code(em: Emitter, ty: t.WitType, x: str, path: str) -> list[str]:
    if is_inline(ty):
        return _inline(em, ty, x)
    if isinstance(ty, t.List) and is_inline(ty.elem):  # a loop in place: no call per list
        return _list(em, ty.elem, x, path)
    return [f"{encoder(em, ty)}({x}, out, {path if has_async(ty) else 'P'}, D)"]


def _inline(em: Emitter, ty: t.WitType, x: str) -> list[str]:
    """Scalars, and options/results of scalars (the payload code nested one level)."""
    match ty:
        case t.Option(inner):
            y = em.fresh("y")
            some = [
                f"{y} = {x}.value if type({x}) is Some else {x}",
                "ap(1)",
                *_guarded(em, _scalar(em, inner, y), "'.some'"),
            ]
            return [f"if {x} is None: ap(0)", "else:", *indent(some)]
        case t.Result(ok, err):
            return [
                f"if type({x}) is Ok:",
                "    ap(0)",
                *indent(_inline_payload(em, ok, x, "'.ok'", "result ok")),
                f"elif type({x}) is Err:",
                "    ap(1)",
                *indent(_inline_payload(em, err, x, "'.err'", "result err")),
                f"else: _result({x})",
            ]
    return _scalar(em, ty, x)


def _inline_payload(em: Emitter, ty: t.WitType | None, x: str, segment: str, what: str) -> list[str]:
    if ty is None:
        return [f"if {x}.value is not None: _none({x}.value, {what!r})"]
    y = em.fresh("y")
    return _guarded(em, [f"{y} = {x}.value", *_scalar(em, ty, y)], segment)


def _guarded(em: Emitter, lines: list[str], segment: str) -> list[str]:
    """`lines` adding `segment` to the path of a failure inside them (precise code only)."""
    if not em.precise:
        return lines
    return ["try:", *indent(lines), "except Exception as e:", f"    raise _wrap(e, {segment}) from None"]


def _length_prefix(n: str) -> list[str]:
    return [f"if {n} < 128: ap({n})", f"else: out += _length({n})"]


def _blob(b: str, n: str) -> list[str]:
    """A length-prefixed byte string; large ones are kept aside, not copied into `out` (see `Out`)."""
    return [
        f"{n} = len({b})",
        f"if {n} < 128:",
        f"    ap({n})",
        f"    out += {b}",
        f"elif {n} < {BIG}:",
        f"    out += _length({n})",
        f"    out += {b}",
        f"else: _big(out, {b})",
    ]


def _scalar(em: Emitter, ty: t.WitType, x: str) -> list[str]:
    match ty:
        case t.Bool():
            return [f"ap(1 if {x} is True else 0 if {x} is False else _bool({x}))"]
        case t.U8():
            return [f"ap({x} if type({x}) is int and 0 <= {x} < 256 else _int({x}, 0, 255, 'u8'))"]
        case t.S8():
            return [
                f"ap(({x} if type({x}) is int and -128 <= {x} < 128 else _int({x}, -128, 127, 's8')) & 255)"
            ]
        case t.U16() | t.U32() | t.U64():
            hi, name = _UNSIGNED[type(ty)]
            return [
                f"if type({x}) is int and 0 <= {x} < 16384:",
                f"    if {x} < 128: ap({x})",
                "    else:",
                f"        ap({x} & 127 | 128)",
                f"        ap({x} >> 7)",
                f"else: out += _unsigned({x}, {hi}, '{name}')",
            ]
        case t.S16() | t.S32() | t.S64():
            bits = _SIGNED[type(ty)]
            lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
            return [
                f"if type({x}) is int and -8192 <= {x} < 8192:",
                f"    if -64 <= {x} < 64: ap({x} & 127)",
                "    else:",
                f"        ap({x} & 127 | 128)",
                f"        ap({x} >> 7 & 127)",
                f"else: out += _signed({x}, {lo}, {hi}, 's{bits}')",
            ]
        case t.F32():
            return [f"out += _pf32({x}) if type({x}) is float and -3.4e38 < {x} < 3.4e38 else _f32({x})"]
        case t.F64():
            return [f"out += _pf64({x}) if type({x}) is float and {x} == {x} else _f64({x})"]
        case t.Char():
            return [
                f"out += {x}.encode() if type({x}) is str and len({x}) == 1 and {x} < '\\ud800' else _char({x})"
            ]
        case t.String():
            b, n = em.fresh("b"), em.fresh("n")
            return [f"{b} = ({x} if type({x}) is str else _str({x})).encode()", *_blob(b, n)]
        case t.List() | t.Own() | t.Borrow():
            b, n = em.fresh("b"), em.fresh("n")
            return [f"{b} = {x} if type({x}) is bytes else _bytes({x})", *_blob(b, n)]
        case t.ErrorContext():
            return [f"if {x} is not None: _none({x}, 'error-context')"]
        case t.Enum(cases=cases):
            table = em.const({c: uleb(i) for i, c in enumerate(cases)}, "ENUM")
            names = em.const(cases, "NAMES")
            k = em.fresh("k")
            return [
                f"{k} = {table}.get({x}) if type({x}) is str else None",
                f"out += {k} if {k} is not None else _case({x}, {names})",
            ]
        case t.Flags(labels=labels):
            masks = em.const({label: 1 << i for i, label in enumerate(labels)}, "FLAGS")
            return [f"out += _flags({x}, {masks}, {(len(labels) + 7) // 8})"]
    raise AssertionError(f"not a scalar type: {ty!r}")


def _compound(em: Emitter, ty: t.WitType) -> list[str]:
    match ty:
        case t.Record() | t.Tuple():
            return _product(em, ty, "x", "P")
        case t.List(elem=elem):
            return _list(em, elem, "x", "P")
        case t.Option(inner=inner):
            some = [
                "y = x.value if type(x) is Some else x",
                "ap(1)",
                *_guarded(em, _code(em, inner, "y", "P"), "'.some'"),
            ]
            return ["if x is None: ap(0)", "else:", *indent(some)]
        case t.Result(ok=ok, err=err):
            return [
                "tx = type(x)",
                "if tx is Ok:",
                "    ap(0)",
                *indent(_payload(em, ok, "x.value", "'.ok'", "'result ok'")),
                "elif tx is Err:",
                "    ap(1)",
                *indent(_payload(em, err, "x.value", "'.err'", "'result err'")),
                "else: _result(x)",
            ]
        case t.Variant(cases=cases):
            return _variant_body(em, cases)
        case t.Future() | t.Stream():
            return ["ap(0)", f"D.append(Deferred(P, {em.const(ty, 'TY')}, x))"]
    raise AssertionError(f"not a compound type: {ty!r}")


def _product(em: Emitter, ty: t.WitType, x: str, path: str) -> list[str]:
    """A record's fields or a tuple's elements, read from variable `x` whose index path is `path`."""
    if isinstance(ty, t.Record):
        fields = ty.fields
        names = em.const(tuple(n for n, _ in fields), "NAMES")
        lines = [f"if type({x}) is not dict or len({x}) != {len(fields)}: {x} = _record({x}, {names})"]
        for j, (field, fty) in enumerate(fields):
            y = em.fresh("y")
            body = [f"{y} = {x}[{field!r}]", *_code(em, fty, y, f"{path} + ({j},)")]
            lines += _guarded(em, body, repr("." + field))
        return lines
    assert isinstance(ty, t.Tuple)
    count = len(ty.types)
    lines = [f"if type({x}) is not tuple or len({x}) != {count}: {x} = _tuple({x}, {count})"]
    for j, ety in enumerate(ty.types):
        y = em.fresh("y")
        lines += _guarded(em, [f"{y} = {x}[{j}]", *_code(em, ety, y, f"{path} + ({j},)")], str(j))
    return lines


def _list(em: Emitter, elem: t.WitType, x: str, path: str) -> list[str]:
    """The elements of a list in variable `x` at `path`; records and tuples are inlined into the loop.

    Only precise code and lists holding futures or streams number the elements (for paths).
    """
    n, i, y = em.fresh("n"), em.fresh("i"), em.fresh("y")
    if isinstance(elem, t.Record | t.Tuple):
        each = _product(em, elem, y, f"{path} + ({i},)")
    else:
        each = _code(em, elem, y, f"{path} + ({i},)")
    head = [
        f"if type({x}) is not list and type({x}) is not tuple: {x} = _seq({x})",
        f"{n} = len({x})",
        *_length_prefix(n),
    ]
    if not em.precise and not has_async(elem):
        return [*head, f"for {y} in {x}:", *indent(each)]
    loop = [f"for {i}, {y} in enumerate({x}):", *indent(each)]
    return [*head, f"{i} = 0", *_guarded(em, loop, i)]


def _payload(em: Emitter, ty: t.WitType | None, x: str, segment: str, what: str) -> list[str]:
    if ty is None:
        return [f"if {x} is not None: _none({x}, {what!r})"]
    return _guarded(em, ["y = " + x, *_code(em, ty, "y", "P")], segment)


def _variant_body(em: Emitter, cases: tuple[tuple[str, t.WitType | None], ...]) -> list[str]:
    names = em.const(tuple(c for c, _ in cases), "NAMES")
    lines = [f"if type(x) is not Variant: x = _variant(x, {names})", "c = x.case"]
    if len(cases) <= 8:
        for i, (case, payload) in enumerate(cases):
            keyword = "if" if i == 0 else "elif"
            lines.append(f"{keyword} c == {case!r}:")
            lines.append(f"    ap({i})")
            if payload is None:
                lines.append(f"    if x.value is not None: _no_payload({case!r})")
            else:
                lines += indent(
                    _guarded(em, ["y = x.value", *_code(em, payload, "y", "P")], repr("." + case))
                )
        lines.append(f"else: _case(c, {names})")
        return lines
    entries = {case: (uleb(i), None if p is None else encoder(em, p)) for i, (case, p) in enumerate(cases)}
    table = em.late(
        "CASES", lambda ns: {c: (head, None if f is None else ns[f]) for c, (head, f) in entries.items()}
    )
    lines += [
        f"k = {table}.get(c) if type(c) is str else None",
        f"if k is None: _case(c, {names})",
        "out += k[0]",
        "f = k[1]",
        "if f is None:",
        "    if x.value is not None: _no_payload(c)",
        "else:",
        *indent(_guarded(em, ["f(x.value, out, P, D)"], "'.' + c")),
    ]
    return lines
