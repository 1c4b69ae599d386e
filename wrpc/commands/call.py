"""`wrpc call`: invoke one function from the command line and print its result.

    wrpc call --wit PATH [--nats URL | --tcp HOST:PORT | --unix PATH] [--prefix P] INSTANCE.FUNC [WAVE_ARG ...]

Arguments are WAVE text typed by the function's WIT params (`"hi"`, `[1, 2]`, `{a: some(3)}`, `ok`);
the result prints as WAVE, or as JSON with `--json`. `--` ends the options, so `-- -5` passes a negative
number. Async results are read to the end before printing (a future as its value, a stream as the list of
its items). Exit status: 0 on success, 1 when the call failed, 2 for a usage error (bad WIT, unknown
function, arguments that do not parse).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import sys
from typing import Any

from wrpc import types as t
from wrpc.commands._endpoints import add_transport_arguments, describe, open_transport
from wrpc.errors import WrpcError
from wrpc.values import Err, Ok, Some, Variant


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--wit", metavar="PATH", required=True, help="WIT file or directory with the function"
    )
    add_transport_arguments(parser, serving=False)
    parser.add_argument(
        "--timeout", type=float, default=30.0, metavar="S", help="deadline in seconds (default 30)"
    )
    parser.add_argument(
        "--header", "-H", action="append", default=[], metavar="NAME=VALUE", help="NATS header (repeatable)"
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON instead of WAVE")
    parser.add_argument("target", metavar="INSTANCE.FUNC", help="e.g. wrpc-examples:hello/handler.hello")
    parser.add_argument("args", nargs="*", metavar="WAVE_ARG", help="one WAVE value per parameter")
    parser.set_defaults(func=run)


def run(ns: argparse.Namespace) -> int:
    try:
        instance, name, func, params = _prepare(ns)
    except (LookupError, ValueError, OSError) as exc:
        print(f"wrpc call: {exc}", file=sys.stderr)
        return 2
    headers = dict(h.split("=", 1) for h in ns.header if "=" in h)
    try:
        result = asyncio.run(_call(ns, instance, name, func, params, headers))
    except WrpcError as exc:
        print(f"wrpc call: {exc} (via {describe(ns)})", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    if func.result is None:
        return 0
    if ns.json:
        print(json.dumps(to_json(result, func.result), ensure_ascii=False))
    else:
        from wrpc.wave import format_value

        print(format_value(result, func.result))
    return 0


def _prepare(ns: argparse.Namespace) -> tuple[str, str, t.FunctionType, list[Any]]:
    import witparser
    from wrpc.functions import find
    from wrpc.wave import parse

    try:
        resolve = witparser.load(ns.wit)
    except Exception as exc:  # a WIT error is the user's to fix: report it as a usage error
        raise ValueError(f"cannot load {ns.wit}: {exc}") from exc
    instance, name, func = find(resolve, ns.target)
    if len(ns.args) != len(func.params):
        wanted = ", ".join(f"{p}: {t.type_name(ty)}" for p, ty in func.params) or "none"
        raise ValueError(f"{ns.target} takes {len(func.params)} argument(s) ({wanted}), got {len(ns.args)}")
    params = []
    for (pname, ty), text in zip(func.params, ns.args, strict=True):
        try:
            params.append(parse(text, ty))
        except Exception as exc:
            raise ValueError(f"argument {pname} ({t.type_name(ty)}): {exc}") from exc
    return instance, name, func, params


async def _call(
    ns: argparse.Namespace,
    instance: str,
    name: str,
    func: t.FunctionType,
    params: list[Any],
    headers: dict[str, str],
) -> Any:
    from wrpc.client import Client
    from wrpc.transport.asyncvalues import materialize

    async with open_transport(ns, serving=False) as transport:
        client = Client(transport, timeout=ns.timeout, headers=headers)
        try:
            result = await client.invoke(instance, func, params, name=name)
            return await materialize(result)
        finally:
            await client.close()


def to_json(value: Any, ty: t.WitType | None) -> Any:
    """A JSON-ready form of a canonical value: records as objects, `bytes` as base64, `{"ok": ...}`,
    `{"err": ...}`, variants as `{"case": value}`, flags as sorted lists, options as the value or null."""
    match ty:
        case None:
            return None
        case t.List(elem=t.U8()) | t.Own() | t.Borrow() | t.Stream(inner=t.U8()):
            return base64.b64encode(bytes(value)).decode()
        case t.List(elem=elem) | t.FixedList(elem=elem) | t.Stream(inner=elem):
            return [to_json(v, elem) for v in value]
        case t.Tuple(types=types):
            return [to_json(v, x) for v, x in zip(value, types, strict=True)]
        case t.Record(fields=fields):
            return {name: to_json(value[name], f) for name, f in fields}
        case t.Variant(cases=cases):
            assert isinstance(value, Variant)
            payload = dict(cases)[value.case]
            return {value.case: to_json(value.value, payload)}
        case t.Flags():
            return sorted(value)
        case t.Option(inner=inner):
            if value is None:
                return None
            return to_json(value.value if isinstance(value, Some) else value, inner)
        case t.Result(ok=ok, err=err):
            if isinstance(value, Ok):
                return {"ok": to_json(value.value, ok)}
            assert isinstance(value, Err)
            return {"err": to_json(value.value, err)}
        case t.Future(inner=inner):
            return to_json(value, inner)
    return value
