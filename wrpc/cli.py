"""The `wrpc` command line: a thin dispatcher over one module per subcommand in `wrpc.commands`.

Each command module exposes `register(subparsers)` which adds its parser and sets `func` to a callable
taking the parsed namespace and returning the exit code. Modules are imported only when their command
runs, so `wrpc wit ...` never pays for NATS or wasmtime imports.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

COMMANDS: dict[str, str] = {
    "wit": "WIT files: check, json, print",
    "value": "encode and decode wRPC values",
    "bindgen": "generate typed Python bindings from WIT",
    "call": "invoke a function over NATS, TCP or a Unix socket",
    "serve": "serve a Python implementation of a WIT world",
    "spy": "show live wRPC traffic, decoded",
}


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="wrpc", description="wRPC: WIT-native RPC for Python")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, help_text in COMMANDS.items():
        sub.add_parser(name, help=help_text, add_help=False)
    if not args or args[0] not in COMMANDS:
        parser.parse_args(args or ["--help"])
        return 2
    name = args[0]
    module = importlib.import_module(f"wrpc.commands.{name}")
    command_parser = argparse.ArgumentParser(prog=f"wrpc {name}", description=COMMANDS[name])
    module.register(command_parser)
    ns = command_parser.parse_args(args[1:])
    code: int = ns.func(ns)
    return code


if __name__ == "__main__":
    sys.exit(main())
