"""`wrpc serve`: serve a Python implementation of a WIT world's exports until interrupted.

    wrpc serve --wit PATH --world W MODULE:OBJECT [--nats URL | --tcp HOST:PORT | --unix PATH] [--prefix P] [--group G]

`MODULE:OBJECT` names the implementation (a class is instantiated without arguments). Each exported
function `f` of interface `iface` is looked up as `OBJECT.iface.f` when `OBJECT` has an attribute named
after the interface, else as `OBJECT.f`; names use underscores (`get-count` -> `get_count`; the method
`counter.get-count` -> `counter_get_count`). Handlers get the canonical dynamic values of `wrpc.values`
(futures as awaitables, streams as async iterators) and may be `async`.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import signal
import sys
from typing import Any

from wrpc import types as t
from wrpc.commands._endpoints import add_transport_arguments, describe, open_transport
from wrpc.errors import WrpcError
from wrpc.functions import Address


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--wit", metavar="PATH", required=True, help="WIT file or directory")
    parser.add_argument(
        "--world", metavar="W", help="the world whose exports to serve (default: the only one)"
    )
    add_transport_arguments(parser, serving=True)
    parser.add_argument(
        "--timeout",
        type=float,
        metavar="S",
        help="stop a call after S seconds when its caller sent no deadline",
    )
    parser.add_argument("implementation", metavar="MODULE:OBJECT", help="the Python implementation")
    parser.set_defaults(func=run)


def python_name(name: str) -> str:
    return name.replace("-", "_").replace(".", "_")


def find_handlers(impl: Any, functions: dict[Address, t.FunctionType]) -> dict[Address, Any]:
    """The handler of every function, by the lookup rules above; `LookupError` listing what is missing."""
    handlers: dict[Address, Any] = {}
    missing: list[str] = []
    for instance, name in functions:
        iface = instance.split("/", 1)[-1].split("@", 1)[0]
        owner = getattr(impl, python_name(iface), impl)
        handler = getattr(owner, python_name(name), None)
        if handler is None and owner is not impl:
            handler = getattr(impl, python_name(name), None)
        if handler is None or not callable(handler):
            missing.append(
                f"{instance}.{name} (as {python_name(iface)}.{python_name(name)} or {python_name(name)})"
            )
        else:
            handlers[(instance, name)] = handler
    if missing:
        raise LookupError(f"{type(impl).__name__} does not implement: " + ", ".join(missing))
    return handlers


def load_implementation(spec: str) -> Any:
    module_name, sep, attr = spec.partition(":")
    if not sep or not attr:
        raise ValueError(f"{spec!r} is not MODULE:OBJECT")
    sys.path.insert(0, "")
    obj: Any = importlib.import_module(module_name)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj() if isinstance(obj, type) else obj


def run(ns: argparse.Namespace) -> int:
    import witparser
    from wrpc.functions import world_functions

    try:
        resolve = witparser.load(ns.wit)
        functions = world_functions(resolve, resolve.select_world(None, ns.world))
        impl = load_implementation(ns.implementation)
        handlers = find_handlers(impl, functions)
    except Exception as exc:  # any set-up failure is the user's to fix: say what and stop
        print(f"wrpc serve: {exc}", file=sys.stderr)
        return 2
    from wrpc.log import configure

    configure("INFO")
    try:
        asyncio.run(_serve(ns, functions, handlers))
    except WrpcError as exc:
        print(f"wrpc serve: {exc}", file=sys.stderr)
        return 1
    return 0


async def _serve(
    ns: argparse.Namespace, functions: dict[Address, t.FunctionType], handlers: dict[Address, Any]
) -> None:
    from wrpc.server import Server

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with open_transport(ns, serving=True) as transport:
        server = Server(transport, default_timeout=ns.timeout)
        try:
            for (instance, name), func in functions.items():
                await server.serve(instance, func, handlers[(instance, name)], name=name)
            print(
                f"wrpc serve: serving {len(functions)} function(s) on {describe(ns)}",
                file=sys.stderr,
                flush=True,
            )
            await stop.wait()
        finally:
            await server.close()
