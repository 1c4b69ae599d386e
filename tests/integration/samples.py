"""Sample values for any WIT type, and a generic implementation that checks its params and returns samples.

Used by the round-trip matrices: every function a world exports (`world_exports`) is served by
`checking_handler`, which
compares what arrived with `expected(param type)` and answers `sample(result type)`; the caller
compares the result it got with `expected(result type)`. Futures and streams go both ways, so
`materialize` awaits and drains them into plain values before comparing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import witparser
from tests.conftest import ROOT
from wrpc import types as t
from wrpc.client import Client
from wrpc.functions import Address, world_functions
from wrpc.server import Server
from wrpc.transport.asyncvalues import materialize
from wrpc.transport.base import Acceptor, Invoker
from wrpc.values import Err, Ok, Some, Variant

SPEC_WIT = ROOT / "spec" / "wit"
"""The project's own WIT; its `roundtrip` world exports every type."""

_SCALARS: dict[type, Any] = {
    t.Bool: True,
    t.U8: 0xFE,
    t.U16: 0xFEFF,
    t.U32: 0xFEFF_FFFF,
    t.U64: 0xFFFF_FFFF_FFFF_FFFE,
    t.S8: -128,
    t.S16: -32768,
    t.S32: -(2**31),
    t.S64: -(2**63),
    t.F32: 0.5,
    t.F64: 0.4242,
    t.Char: "\U00010348",
    t.String: "héllo, wörld",
    t.ErrorContext: None,
}


def sample(ty: t.WitType | None) -> Any:
    """A deterministic value of `ty` that exercises its encoding (extremes, the last case, nesting)."""
    if ty is None:
        return None
    found = _SCALARS.get(type(ty))
    if found is not None or isinstance(ty, t.ErrorContext):
        return found
    match ty:
        case t.List(elem=t.U8()):
            return bytes([0, 1, 0x7F, 0x80, 0xFF])
        case t.List(elem=elem):
            return [sample(elem), sample(elem)]
        case t.Record(fields=fields):
            return {name: sample(f) for name, f in fields}
        case t.Tuple(types=types):
            return tuple(sample(x) for x in types)
        case t.Variant(cases=cases):
            name, payload = cases[0] if cases[0][1] is not None else cases[-1]
            return Variant(name, sample(payload))
        case t.Enum(cases=cases):
            return cases[-1]
        case t.Flags(labels=labels):
            return frozenset({labels[0], labels[-1]})
        case t.Option(inner=t.Option() as inner):
            return Some(sample(inner))
        case t.Option(inner=inner):
            return sample(inner)
        case t.Result(ok=ok, err=err):
            return Ok(sample(ok)) if ok is not None or err is None else Err(sample(err))
        case t.Own() | t.Borrow():
            return b"\x00handle\xff"
        case t.Future(inner=inner):
            return sample(inner)
        case t.Stream(inner=t.U8()):
            return b"stream-bytes-" * 3
        case t.Stream(inner=inner):
            return [sample(inner), sample(inner), sample(inner)]
    raise TypeError(f"no sample for {ty!r}")


def expected(ty: t.WitType | None) -> Any:
    """What `materialize` turns the sample of `ty` into after a round trip."""
    return sample(ty)


def checking_handler(func: t.FunctionType, mismatches: list[str]) -> Callable[..., Any]:
    """A handler that records param mismatches in `mismatches` and returns the result type's sample."""

    async def handler(*params: Any) -> Any:
        for (name, ty), got in zip(func.params, params, strict=True):
            got = await materialize(got)
            want = expected(ty)
            if got != want:
                mismatches.append(f"{func.name}({name}): sent {want!r}, server got {got!r}")
        return sample(func.result)

    return handler


def world_exports(wit: Path, world: str) -> dict[Address, t.FunctionType]:
    """The functions `world` of the WIT at `wit` exports, by wRPC address; a world with none fails the test."""
    resolve = witparser.load(str(wit))
    functions = world_functions(resolve, resolve.select_world(None, world))
    assert functions, f"world {world} exports no functions"
    return functions


async def roundtrip(
    invoker: Invoker, acceptor: Acceptor, functions: Mapping[tuple[str, str], t.FunctionType]
) -> list[str]:
    """Serve every function with `checking_handler`, call each with samples; the mismatches and failures."""
    server = Server(acceptor)
    client = Client(invoker, timeout=10)
    problems: list[str] = []
    try:
        for (instance, name), func in functions.items():
            await server.serve(instance, func, checking_handler(func, problems), name=name)
        for (instance, name), func in functions.items():
            params = [sample(ty) for _, ty in func.params]
            try:
                result = await materialize(await client.invoke(instance, func, params, name=name))
            except Exception as exc:
                problems.append(f"{instance}.{name}: call failed: {exc!r}")
                continue
            if result != expected(func.result):
                problems.append(f"{instance}.{name}: expected {expected(func.result)!r}, got {result!r}")
    finally:
        await client.close()
        await server.close()
    return problems
