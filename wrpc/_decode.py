"""The decoder twin: generates straight-line Python that reads a value's wRPC encoding from a buffer.

Every generated function has the signature `f(buf, pos, P) -> (value, new_pos)`: `buf` is `bytes`,
`pos` where the value starts and `P` its absolute index path (pending futures and streams carry it).
Scalars are inlined into the enclosing function; each compound type gets one function, except lists
of scalars, which loop in place.

Rules of this module:
1. It accepts exactly what spec/wrpc.md section 1 says a decoder accepts, and builds the canonical
   values of wrpc.values.
2. Running out of bytes raises `Short` (carrying the least total length that could succeed, so a
   streaming caller knows when retrying is worthwhile); invalid bytes raise `Bad` with their offset.
   Both collect the type path while unwinding. `wrap` turns the exceptions that indexing past the end
   of `buf` raises into `Short`. Nothing else escapes a generated decoder. That is precise code; fast
   code (`Emitter.precise` false) may raise anything and may return a position past the end of `buf`,
   and then the caller re-runs the precise code. When fast code returns a position within `buf`, its
   value is the one precise code returns: it skips only path bookkeeping and slice-end checks.
3. Nothing is allocated in proportion to a length prefix before its bytes are in `buf`: counts are
   checked against the bytes present (times the element type's minimum size) before any loop.
"""

from __future__ import annotations

import itertools
import struct
from typing import Any

from wrpc import types as t
from wrpc._gen import MAX_ZERO_SIZE_ELEMENTS, Emitter, has_async, indent, is_inline, min_size
from wrpc.values import Err, Ok, PendingFuture, PendingStream, ReadyFuture, ReadyStream, Some, Variant


class Fail(Exception):
    """Decoding failed; `segments` are collected innermost first while unwinding."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.segments: list[str | int] = []


class Short(Fail):
    """The buffer ends before the value does; at least `need` bytes (from buffer start) are required."""

    def __init__(self, need: int, reason: str = "unexpected end of input") -> None:
        super().__init__(reason)
        self.need = need


class Bad(Fail):
    """The bytes at `offset` are not a valid encoding of the type."""

    def __init__(self, reason: str, offset: int) -> None:
        super().__init__(reason)
        self.offset = offset


def wrap(error: Exception, segment: str | int | None, buf: bytes, pos: int = 0) -> Fail:
    """Attach one path segment to a failure raised below it (`None` adds none).

    `pos` is the enclosing decoder's position when the error was raised: for a string whose UTF-8 is
    invalid it is where the string's bytes start.
    """
    if not isinstance(error, Fail):
        if isinstance(error, IndexError | struct.error):
            error = Short(len(buf) + 1)
        elif isinstance(error, UnicodeDecodeError):
            error = Bad(f"invalid UTF-8 in string ({error.reason})", pos + error.start)
        else:
            error = Bad(f"{type(error).__name__}: {error}", pos)
    if segment is not None:
        error.segments.append(segment)
    return error


# --- helpers the generated code calls on its slow paths ---------------------------------------------


def _uleb(buf: bytes, pos: int, maxlen: int, bits: int) -> tuple[int, int]:
    """An unsigned LEB128 of at most `maxlen` bytes; padding is accepted, overflow is not."""
    result = 0
    end = len(buf)
    for k in range(maxlen):
        if pos + k >= end:
            raise Short(pos + k + 1, "truncated LEB128")
        byte = buf[pos + k]
        result |= (byte & 0x7F) << (7 * k)
        if byte < 0x80:
            if result >> bits:
                raise Bad(f"LEB128 value overflows u{bits}", pos)
            return result, pos + k + 1
    raise Bad(f"LEB128 for u{bits} is longer than {maxlen} bytes", pos)


def _sleb(buf: bytes, pos: int, maxlen: int, bits: int) -> tuple[int, int]:
    """A signed LEB128 of at most `maxlen` bytes, range-checked (large negatives are accepted)."""
    result = 0
    end = len(buf)
    for k in range(maxlen):
        if pos + k >= end:
            raise Short(pos + k + 1, "truncated LEB128")
        byte = buf[pos + k]
        result |= (byte & 0x7F) << (7 * k)
        if byte < 0x80:
            if byte & 0x40:
                result -= 1 << (7 * (k + 1))
            if not -(1 << (bits - 1)) <= result < 1 << (bits - 1):
                raise Bad(f"LEB128 value overflows s{bits}", pos)
            return result, pos + k + 1
    raise Bad(f"LEB128 for s{bits} is longer than {maxlen} bytes", pos)


def _char(buf: bytes, pos: int) -> tuple[str, int]:
    """One UTF-8 encoded scalar value (no length prefix): no surrogates, no overlong forms."""
    lead = buf[pos]
    if 0xC2 <= lead <= 0xDF:
        size = 2
    elif 0xE0 <= lead <= 0xEF:
        size = 3
    elif 0xF0 <= lead <= 0xF4:
        size = 4
    else:
        raise Bad(f"invalid UTF-8 lead byte {lead:#04x} for char", pos)
    end = pos + size
    if end > len(buf):
        for k in range(pos + 1, len(buf)):
            if buf[k] & 0xC0 != 0x80:
                raise Bad("invalid UTF-8 continuation byte in char", k)
        raise Short(end, "truncated char")
    try:
        return buf[pos:end].decode(), end
    except UnicodeDecodeError:
        raise Bad("invalid UTF-8 for char (surrogate, overlong or out of range)", pos) from None


def _flags(buf: bytes, pos: int, nbytes: int, labels: tuple[str, ...]) -> tuple[frozenset[str], int]:
    end = pos + nbytes
    if end > len(buf):
        raise Short(end)
    bits = int.from_bytes(buf[pos:end], "little")
    if bits >> len(labels):
        raise Bad(f"flags set bits beyond the {len(labels)} labels", pos)
    return frozenset(label for i, label in enumerate(labels) if bits >> i & 1), end


def _count(n: int, pos: int, buf: bytes, minimum: int) -> None:
    """Refuse a count whose elements cannot fit in what is buffered, before allocating anything."""
    if minimum == 0:
        if n > MAX_ZERO_SIZE_ELEMENTS:
            raise Bad(f"{n} zero-size elements exceed the limit of {MAX_ZERO_SIZE_ELEMENTS}", pos)
    else:
        raise Short(pos + n * minimum, f"truncated list: {n} elements need at least {n * minimum} bytes")


def _tag(what: str, tag: int, pos: int) -> Bad:
    return Bad(f"invalid {what} tag {tag:#04x}", pos)


def _index(what: str, index: int, count: int, pos: int) -> Bad:
    return Bad(f"{what} index {index} out of range ({count} cases)", pos)


_OK_NONE = Ok(None)
_ERR_NONE = Err(None)
_set_value_ok = vars(Ok)["value"].__set__
_set_value_err = vars(Err)["value"].__set__
_set_case = vars(Variant)["case"].__set__
_set_value_variant = vars(Variant)["value"].__set__
_new = object.__new__


def _ok(value: Any) -> Ok:
    """`Ok(value)` without the frozen-dataclass `__init__` (the slot descriptor writes directly)."""
    made = _new(Ok)
    _set_value_ok(made, value)
    return made


def _err(value: Any) -> Err:
    made = _new(Err)
    _set_value_err(made, value)
    return made


def _variant(case: str, value: Any) -> Variant:
    made = _new(Variant)
    _set_case(made, case)
    _set_value_variant(made, value)
    return made


_ASCII = tuple(chr(i) for i in range(128))
_NONES = tuple((None,) * k for k in range(32))
_F32 = struct.Struct("<f").unpack_from
_F64 = struct.Struct("<d").unpack_from

HELPERS: dict[str, Any] = {
    "_uleb": _uleb, "_sleb": _sleb, "_char": _char, "_flags": _flags, "_count": _count,
    "_tag": _tag, "_index": _index, "_ok": _ok, "_err": _err, "_variant": _variant, "OK_NONE": _OK_NONE,
    "ERR_NONE": _ERR_NONE, "ASCII": _ASCII, "BOOLS": (False, True), "NONES": _NONES, "repeat": itertools.repeat, "_uf32": _F32, "_uf64": _F64, "_wrap": wrap, "Short": Short,
    "Bad": Bad, "Some": Some, "PendingFuture": PendingFuture, "PendingStream": PendingStream,
    "ReadyFuture": ReadyFuture, "ReadyStream": ReadyStream,
}  # fmt: skip

_UNSIGNED = {t.U16: (3, 16), t.U32: (5, 32), t.U64: (10, 64)}
_SIGNED = {t.S16: (3, 16), t.S32: (5, 32), t.S64: (10, 64)}


# --- the generator ----------------------------------------------------------------------------------


def decoder(em: Emitter, ty: t.WitType) -> str:
    """The name of the generated `f(buf, pos, P) -> (value, pos)` that decodes `ty`."""
    return em.function(ty, "dec", lambda name: _function(em, ty, name))


def _function(em: Emitter, ty: t.WitType, name: str) -> list[str]:
    body = (
        [*_guarded(em, _inline(em, ty, "x"), "None"), "return x, pos"] if is_inline(ty) else _compound(em, ty)
    )
    return [f"def {name}(buf, pos, P):", "    END = len(buf)", *indent(body)]


def _code(em: Emitter, ty: t.WitType, x: str, path: str) -> list[str]:
    if is_inline(ty):
        return _inline(em, ty, x)
    if isinstance(ty, t.List) and is_inline(ty.elem):  # a loop in place: no call per list
        return _list(em, ty.elem, x, path)
    return [f"{x}, pos = {decoder(em, ty)}(buf, pos, {path if has_async(ty) else 'P'})"]


def _guarded(em: Emitter, lines: list[str], segment: str) -> list[str]:
    """`lines` adding `segment` to the path of a failure inside them (precise code only)."""
    if not em.precise:
        return lines
    return [
        "try:",
        *indent(lines),
        "except Exception as e:",
        f"    raise _wrap(e, {segment}, buf, pos) from None",
    ]


def _inline(em: Emitter, ty: t.WitType, x: str) -> list[str]:
    """Scalars, and options/results of scalars (the payload code nested one level)."""
    match ty:
        case t.Option(inner):
            tag = em.fresh("tag")
            some = _guarded(em, _scalar(em, inner, x), "'.some'")
            return [
                f"{tag} = buf[pos]",
                "pos += 1",
                f"if {tag} == 0: {x} = None",
                f"elif {tag} == 1:",
                *indent(some),
                f"else: raise _tag('option', {tag}, pos - 1)",
            ]
        case t.Result(ok, err):
            tag = em.fresh("tag")
            return [
                f"{tag} = buf[pos]",
                "pos += 1",
                f"if {tag} == 0:",
                *indent(_inline_payload(em, ok, x, "_ok", "OK_NONE", "'.ok'")),
                f"elif {tag} == 1:",
                *indent(_inline_payload(em, err, x, "_err", "ERR_NONE", "'.err'")),
                f"else: raise _tag('result', {tag}, pos - 1)",
            ]
    return _scalar(em, ty, x)


def _inline_payload(
    em: Emitter, ty: t.WitType | None, x: str, make: str, empty: str, segment: str
) -> list[str]:
    if ty is None:
        return [f"{x} = {empty}"]
    return [*_guarded(em, _scalar(em, ty, x), segment), f"{x} = {make}({x})"]


def _uleb_into(em: Emitter, x: str, maxlen: int, bits: int) -> list[str]:
    """An unsigned LEB128 into `x`: short values inline, the rest (and every failure) through the helper.

    Precise code inlines one- and two-byte values, checking the second byte is there. Fast code
    unrolls up to five bytes (u64 ids and timestamps are common) and lets a read past the end raise;
    the last byte a type allows is bounded so that an overflowing value goes to the helper too.
    """
    if em.precise:
        return [
            f"{x} = buf[pos]",
            f"if {x} < 128: pos += 1",
            "elif pos + 1 < END and buf[pos + 1] < 128:",
            f"    {x} = {x} & 127 | buf[pos + 1] << 7",
            "    pos += 2",
            f"else: {x}, pos = _uleb(buf, pos, {maxlen}, {bits})",
        ]
    lines = [f"{x} = buf[pos]", f"if {x} < 128: pos += 1"]
    terms = [f"{x} & 127"]
    for k in range(1, min(maxlen, 5)):
        bound = 1 << (bits - 7 * k) if k == maxlen - 1 else 128
        lines += [
            f"elif (_b{k} := buf[pos + {k}]) < {bound}:",
            f"    {x} = {' | '.join([*terms, f'_b{k} << {7 * k}'])}",
            f"    pos += {k + 1}",
        ]
        terms.append(f"(_b{k} & 127) << {7 * k}")
    return [*lines, f"else: {x}, pos = _uleb(buf, pos, {maxlen}, {bits})"]


def _sleb_into(em: Emitter, x: str, maxlen: int, bits: int) -> list[str]:
    """A signed LEB128 into `x`, like `_uleb_into`; fast code unrolls all but the last byte a type
    allows (at most five), whose range check is left to the helper."""
    lines = [
        f"{x} = buf[pos]",
        f"if {x} < 64: pos += 1",
        f"elif {x} < 128:",
        f"    {x} -= 128",
        "    pos += 1",
    ]
    if em.precise:
        return [
            *lines,
            "elif pos + 1 < END and buf[pos + 1] < 128:",
            f"    {x} = ({x} & 127 | buf[pos + 1] << 7) - (buf[pos + 1] & 64) * 256",
            "    pos += 2",
            f"else: {x}, pos = _sleb(buf, pos, {maxlen}, {bits})",
        ]
    terms = [f"{x} & 127"]
    for k in range(1, min(maxlen - 1, 5)):
        lines += [
            f"elif (_b{k} := buf[pos + {k}]) < 128:",
            f"    {x} = ({' | '.join([*terms, f'_b{k} << {7 * k}'])}) - ((_b{k} & 64) << {7 * k + 1})",
            f"    pos += {k + 1}",
        ]
        terms.append(f"(_b{k} & 127) << {7 * k}")
    return [*lines, f"else: {x}, pos = _sleb(buf, pos, {maxlen}, {bits})"]


def _sized(em: Emitter, x: str, make: str, what: str) -> list[str]:
    """A u32 length prefix, then `make` (an expression over `pos` and the end `e`) once the bytes are there.

    Fast code slices without checking the end: a slice past it leaves `pos` past the end of `buf`, and
    the caller re-runs the precise code whenever the final position is past the end.
    """
    e = em.fresh("e")
    check = [f"if {e} > END: raise Short({e}, 'truncated {what}')"] if em.precise else []
    return [
        *_uleb_into(em, x, 5, 32),
        f"{e} = pos + {x}",
        *check,
        f"{x} = {make.replace('@e', e)}",
        f"pos = {e}",
    ]


def _scalar(em: Emitter, ty: t.WitType, x: str) -> list[str]:
    match ty:
        case t.Bool() if not em.precise:  # a byte above 1 raises IndexError: the precise code says why
            return [f"{x} = BOOLS[buf[pos]]", "pos += 1"]
        case t.Bool():
            return [
                f"{x} = buf[pos]",
                f"if {x} > 1: raise _tag('bool', {x}, pos)",
                f"{x} = {x} == 1",
                "pos += 1",
            ]
        case t.U8():
            return [f"{x} = buf[pos]", "pos += 1"]
        case t.S8():
            return [f"{x} = buf[pos]", "pos += 1", f"if {x} > 127: {x} -= 256"]
        case t.U16() | t.U32() | t.U64():
            return _uleb_into(em, x, *_UNSIGNED[type(ty)])
        case t.S16() | t.S32() | t.S64():
            return _sleb_into(em, x, *_SIGNED[type(ty)])
        case t.F32():
            return [f"{x} = _uf32(buf, pos)[0]", "pos += 4"]
        case t.F64():
            return [f"{x} = _uf64(buf, pos)[0]", "pos += 8"]
        case t.Char():
            return [
                f"{x} = buf[pos]",
                f"if {x} < 128:",
                f"    {x} = ASCII[{x}]",
                "    pos += 1",
                f"else: {x}, pos = _char(buf, pos)",
            ]
        case t.String():
            return _sized(em, x, "buf[pos:@e].decode()", "string")
        case t.List() | t.Own() | t.Borrow():
            return _sized(em, x, "buf[pos:@e]", "bytes")
        case t.ErrorContext():
            return [f"{x} = None"]
        case t.Enum(cases=cases):
            names = em.const(cases, "NAMES")
            return [
                *_uleb_into(em, x, 5, 32),
                f"if {x} >= {len(cases)}: raise _index('enum case', {x}, {len(cases)}, pos - 1)",
                f"{x} = {names}[{x}]",
            ]
        case t.Flags(labels=labels):
            return [f"{x}, pos = _flags(buf, pos, {(len(labels) + 7) // 8}, {em.const(labels, 'LABELS')})"]
    raise AssertionError(f"not a scalar type: {ty!r}")


def _compound(em: Emitter, ty: t.WitType) -> list[str]:
    match ty:
        case t.Record() | t.Tuple():
            lines, made = _product(em, ty, "P")
            return [*lines, f"return {made}, pos"]
        case t.List(elem=elem):
            return [*_list(em, elem, "x", "P"), "return x, pos"]
        case t.Option(inner=inner):
            some = "Some(y)" if isinstance(inner, t.Option) else "y"
            return [
                "tag = buf[pos]",
                "pos += 1",
                "if tag == 0: return None, pos",
                "if tag != 1: raise _tag('option', tag, pos - 1)",
                *_guarded(em, _code(em, inner, "y", "P"), "'.some'"),
                f"return {some}, pos",
            ]
        case t.Result(ok=ok, err=err):
            return [
                "tag = buf[pos]",
                "pos += 1",
                "if tag == 0:",
                *indent(_payload(em, ok, "_ok", "OK_NONE", "'.ok'")),
                "if tag == 1:",
                *indent(_payload(em, err, "_err", "ERR_NONE", "'.err'")),
                "raise _tag('result', tag, pos - 1)",
            ]
        case t.Variant(cases=cases):
            return _variant_body(em, cases)
        case t.Future(inner=inner):
            inner_ty = t.ErrorContext() if inner is None else inner
            return [
                "tag = buf[pos]",
                "pos += 1",
                f"if tag == 0: return PendingFuture(P, {em.const(ty, 'TY')}), pos",
                "if tag != 1: raise _tag('future', tag, pos - 1)",
                *_guarded(em, _code(em, inner_ty, "y", "P"), "'.future'"),
                "return ReadyFuture(y), pos",
            ]
        case t.Stream(inner=inner):
            inner_ty = t.ErrorContext() if inner is None else inner
            return [
                f"if buf[pos] == 0: return PendingStream(P, {em.const(ty, 'TY')}), pos + 1",
                *_code(em, t.List(inner_ty), "y", "P"),
                "return ReadyStream(y), pos",
            ]
    raise AssertionError(f"not a compound type: {ty!r}")


def _product(em: Emitter, ty: t.WitType, path: str) -> tuple[list[str], str]:
    """The code reading a record's fields or a tuple's elements at `path`, and the expression building it."""
    lines: list[str] = []
    names: list[str] = []
    members = (
        ty.fields
        if isinstance(ty, t.Record)
        else tuple(enumerate(ty.types))
        if isinstance(ty, t.Tuple)
        else ()
    )
    run: list[tuple[str, t.WitType]] = []  # fast code reads consecutive fixed-size members at once
    for j, (member, mty) in enumerate(members):
        y = em.fresh("y")
        names.append(y)
        if not em.precise and type(mty) in _FIXED:
            run.append((y, mty))
            continue
        lines += _fixed_run(em, run)
        segment = repr("." + member) if isinstance(member, str) else str(member)
        lines += _guarded(em, _code(em, mty, y, f"{path} + ({j},)"), segment)
    lines += _fixed_run(em, run)
    if isinstance(ty, t.Record):
        return lines, "{" + ", ".join(f"{f!r}: {y}" for (f, _), y in zip(ty.fields, names, strict=True)) + "}"
    return lines, f"({', '.join(names)}{',' if len(names) == 1 else ''})"


_FIXED = {t.Bool: "B", t.U8: "B", t.S8: "b", t.F32: "f", t.F64: "d"}
"""Members whose encoding has a fixed size and a `struct` format (a bool is a byte, 0 or 1)."""


def _fixed_run(em: Emitter, run: list[tuple[str, t.WitType]]) -> list[str]:
    """Read a run of consecutive fixed-size members with one `struct` call (fast code); empties `run`.

    A lone member is read as usual. A bool byte above 1 raises IndexError, so the precise code re-runs.
    """
    if len(run) < 2:
        lines = [line for y, ty in run for line in _scalar(em, ty, y)]
        run.clear()
        return lines
    layout = struct.Struct("<" + "".join(_FIXED[type(ty)] for _, ty in run))
    lines = [f"{', '.join(y for y, _ in run)} = {em.const(layout.unpack_from, 'UNPACK')}(buf, pos)"]
    lines += [f"{y} = BOOLS[{y}]" for y, ty in run if isinstance(ty, t.Bool)]
    lines.append(f"pos += {layout.size}")
    run.clear()
    return lines


def _list(em: Emitter, elem: t.WitType, x: str, path: str) -> list[str]:
    """The code reading a list at `path` into variable `x`; records and tuples are inlined into the loop.

    Elements are appended with `x.append(...)` in place (CPython specializes that call; a bound
    `append` costs an object per list). Fast code without paths to build iterates over a shared
    tuple of `None`s for short lists and `repeat` for long ones: `range` allocates per list and, past
    256, per element.
    """
    n, i, y = em.fresh("n"), em.fresh("i"), em.fresh("y")
    minimum = min_size(elem)
    if isinstance(elem, t.Record | t.Tuple):
        lines, made = _product(em, elem, f"{path} + ({i},)")
        each = [*lines, f"{x}.append({made})"]
    else:
        each = [*_code(em, elem, y, f"{path} + ({i},)"), f"{x}.append({y})"]
    check = f"{n} * {minimum} > END - pos" if minimum else f"{n} > {MAX_ZERO_SIZE_ELEMENTS}"
    head = [*_uleb_into(em, n, 5, 32), f"if {check}: _count({n}, pos, buf, {minimum})", f"{x} = []"]
    if not em.precise and not has_async(elem):
        return [*head, f"for _ in NONES[{n}] if {n} < {len(_NONES)} else repeat(None, {n}):", *indent(each)]
    loop = [f"for {i} in range({n}):", *indent(each)]
    return [*head, *([f"{i} = 0", *_guarded(em, loop, i)] if em.precise else loop)]


def _payload(em: Emitter, ty: t.WitType | None, make: str, empty: str, segment: str) -> list[str]:
    if ty is None:
        return [f"return {empty}, pos"]
    return [*_guarded(em, _code(em, ty, "y", "P"), segment), f"return {make}(y), pos"]


def _variant_body(em: Emitter, cases: tuple[tuple[str, t.WitType | None], ...]) -> list[str]:
    count = len(cases)
    lines = [
        "start = pos",
        *_uleb_into(em, "k", 5, 32),
        f"if k >= {count}: raise _index('variant case', k, {count}, start)",
    ]
    if count <= 8:
        for i, (case, payload) in enumerate(cases):
            lines.append(f"if k == {i}:")
            if payload is None:
                lines.append(f"    return {em.const(Variant(case), 'CASE')}, pos")
            else:
                lines += indent(_guarded(em, _code(em, payload, "y", "P"), repr("." + case)))
                lines.append(f"    return _variant({case!r}, y), pos")
        return lines
    entries = [(case, Variant(case), None if p is None else decoder(em, p)) for case, p in cases]
    table = em.late("CASES", lambda ns: tuple((c, v, None if f is None else ns[f]) for c, v, f in entries))
    return [
        *lines,
        f"case, empty, f = {table}[k]",
        "if f is None: return empty, pos",
        *_guarded(em, ["y, pos = f(buf, pos, P)"], "'.' + case"),
        "return _variant(case, y), pos",
    ]
