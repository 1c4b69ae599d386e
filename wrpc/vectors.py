"""The JSON form of typed values used by the byte vectors in `spec/vectors/` (see its README).

JSON cannot tell a tuple from a list, bytes from text or `none` from `some(none)`, so the vectors use a
tagged form that any implementation can read without our Python classes:

| WIT type | JSON |
| --- | --- |
| bool, integers | `true`/`false`, a JSON integer (u64 and s64 values may exceed 2^53) |
| f32, f64 | a JSON number, or `"nan"`, `"inf"`, `"-inf"` |
| char, string, enum | a JSON string |
| list<u8>, own, borrow | `{"hex": "666f6f"}` |
| list, tuple | an array |
| record | an object of field name to value |
| variant | `{"case": "name"}` or `{"case": "name", "value": v}` |
| flags | an array of the set labels, in declaration order |
| option | `null` for none, `{"some": v}` for some |
| result | `{"ok": v}` / `{"err": v}`, with `v` null when that side has no payload |
| future, stream | `"pending"` (the sync encoding of a Python or Rust peer) |
| error-context | `null` |

Types are WIT type expressions (`wrpc.types.parse_type_expr`); named types come from a vector's
`defs`: an object of name to `{"record": [[field, type], ...]}`, `{"variant": [[case, type|null], ...]}`,
`{"enum": [cases]}` or `{"flags": [labels]}`, each able to use the names defined before it.

Rules of this module: it converts between this JSON form and wrpc.values given the type, and nothing
else; it is shared by spec/vectors/generate.py, the conformance tests and the CLI.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Mapping
from typing import Any

from wrpc import types as t
from wrpc.values import Err, Ok, PendingFuture, PendingStream, Some, Variant


def parse_defs(defs: Mapping[str, Any] | None) -> dict[str, t.WitType]:
    """The named types of a vector's `defs`, in order (each may use the ones before it)."""
    names: dict[str, t.WitType] = {}
    for name, spec in (defs or {}).items():
        ((kind, body),) = spec.items()
        if kind == "record":
            names[name] = t.Record(name, tuple((f, t.parse_type_expr(ty, names=names)) for f, ty in body))
        elif kind == "variant":
            cases = tuple((c, None if ty is None else t.parse_type_expr(ty, names=names)) for c, ty in body)
            names[name] = t.Variant(name, cases)
        elif kind == "enum":
            names[name] = t.Enum(name, tuple(body))
        elif kind == "flags":
            names[name] = t.Flags(name, tuple(body))
        else:
            raise ValueError(f"unknown definition kind {kind!r} for {name!r}")
    return names


def vector_type(vector: Mapping[str, Any]) -> t.WitType:
    return t.parse_type_expr(vector["type"], names=parse_defs(vector.get("defs")))


def from_json(ty: t.WitType | None, data: Any) -> Any:
    """The canonical Python value (wrpc.values) of the JSON form `data` of type `ty`."""
    match ty:
        case None | t.ErrorContext():
            return None
        case t.F32() | t.F64():
            return float(data) if isinstance(data, str) else data
        case t.List(t.U8()) | t.Own() | t.Borrow():
            return bytes.fromhex(data["hex"])
        case t.List(elem) | t.FixedList(elem, _):
            return [from_json(elem, d) for d in data]
        case t.Tuple(types):
            return tuple(from_json(e, d) for e, d in zip(types, data, strict=True))
        case t.Record(fields=fields):
            return {f: from_json(fty, data[f]) for f, fty in fields}
        case t.Variant(cases=cases):
            payload = dict(cases)[data["case"]]
            return Variant(data["case"], from_json(payload, data.get("value")))
        case t.Flags():
            return frozenset(data)
        case t.Option(inner):
            if data is None:
                return None
            value = from_json(inner, data["some"])
            return Some(value) if isinstance(inner, t.Option) else value
        case t.Result(ok, err):
            if "ok" in data:
                return Ok(from_json(ok, data["ok"]))
            return Err(from_json(err, data["err"]))
        case t.Future() | t.Stream():
            if data != "pending":
                raise ValueError(f"futures and streams are written as 'pending' in vectors, got {data!r}")
            return data
    return data


def to_json(ty: t.WitType | None, value: Any) -> Any:
    """The JSON form of the canonical Python value `value` of type `ty`."""
    match ty:
        case None | t.ErrorContext():
            return None
        case t.F32() | t.F64():
            if math.isnan(value) or math.isinf(value):
                return str(value)
            return value
        case t.List(t.U8()) | t.Own() | t.Borrow():
            return {"hex": bytes(value).hex()}
        case t.List(elem) | t.FixedList(elem, _):
            return [to_json(elem, v) for v in value]
        case t.Tuple(types):
            return [to_json(e, v) for e, v in zip(types, value, strict=True)]
        case t.Record(fields=fields):
            return {f: to_json(fty, value[f]) for f, fty in fields}
        case t.Variant(cases=cases):
            payload = dict(cases)[value.case]
            return (
                {"case": value.case}
                if payload is None
                else {"case": value.case, "value": to_json(payload, value.value)}
            )
        case t.Flags(labels=labels):
            return [label for label in labels if label in value]
        case t.Option(inner):
            if value is None:
                return None
            return {"some": to_json(inner, value.value if isinstance(value, Some) else value)}
        case t.Result(ok, err):
            if isinstance(value, Ok):
                return {"ok": to_json(ok, value.value)}
            return {"err": to_json(err, value.value)}
        case t.Future() | t.Stream():
            return "pending"
    return value


def same(ty: t.WitType | None, a: Any, b: Any) -> bool:
    """Value equality that treats NaN as equal to NaN and pending async values as equal to "pending"."""
    match ty:
        case t.F32() | t.F64():
            if isinstance(
                ty, t.F32
            ):  # compare at f32 precision: 0.42 and its f32 rounding are the same value
                a, b = (struct.unpack("<f", struct.pack("<f", x))[0] for x in (a, b))
            return (math.isnan(a) and math.isnan(b)) or (
                a == b and math.copysign(1, a) == math.copysign(1, b)
            )
        case t.Future() | t.Stream():
            pending = (PendingFuture, PendingStream, str)
            return isinstance(a, pending) and isinstance(b, pending)
        case t.List(t.U8()) | t.Own() | t.Borrow():
            return bytes(a) == bytes(b)
        case t.List(elem) | t.FixedList(elem, _):
            return len(a) == len(b) and all(same(elem, x, y) for x, y in zip(a, b, strict=True))
        case t.Tuple(types):
            return len(a) == len(b) and all(same(e, x, y) for e, x, y in zip(types, a, b, strict=True))
        case t.Record(fields=fields):
            names = {f for f, _ in fields}
            return set(a) == set(b) == names and all(same(ft, a[f], b[f]) for f, ft in fields)
        case t.Variant(cases=cases):
            return a.case == b.case and same(dict(cases)[a.case], a.value, b.value)
        case t.Option(inner):
            if a is None or b is None:
                return a is None and b is None
            a = a.value if isinstance(a, Some) else a
            b = b.value if isinstance(b, Some) else b
            return same(inner, a, b)
        case t.Result(ok, err):
            if type(a) is not type(b):
                return False
            return same(ok if isinstance(a, Ok) else err, a.value, b.value)
    return type(a) is type(b) and a == b
