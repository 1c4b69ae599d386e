"""`wrpc wit`: check a WIT directory or file, print its resolved JSON, or print it back as WIT.

`json` prints exactly what the Rust `wit-parser` crate serializes (`serde_json::to_string_pretty`);
`check` prints `OK`; `print` renders the loaded packages as WIT text. A WIT error is printed to
stderr in the reference's rendering and the command exits with 1.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from witparser import Resolve


def register(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    for name, help_text, func in (
        ("check", "load the WIT and print OK, or the error", _check),
        ("json", "print the resolved packages as wit-parser's JSON", _json),
        ("print", "print the resolved packages as WIT text", _print),
    ):
        action = sub.add_parser(name, help=help_text, description=help_text)
        action.add_argument(
            "path", help="a directory (with an optional deps/ folder), a .wit file or a wasm package"
        )
        action.add_argument(
            "--features",
            default="",
            help="comma-separated features that enable @unstable(feature = ...) items",
        )
        action.add_argument("--all-features", action="store_true", help="enable every @unstable feature")
        action.set_defaults(func=func)


def _load(ns: argparse.Namespace) -> Resolve | None:
    import witparser

    features = [f.strip() for f in ns.features.split(",") if f.strip()]
    try:
        return witparser.load(ns.path, features=features, all_features=ns.all_features)
    except witparser.WitError as err:
        print(str(err), file=sys.stderr)
        return None


def _check(ns: argparse.Namespace) -> int:
    if _load(ns) is None:
        return 1
    print("OK")
    return 0


def _json(ns: argparse.Namespace) -> int:
    resolve = _load(ns)
    if resolve is None:
        return 1
    print(resolve.to_json())
    return 0


def _print(ns: argparse.Namespace) -> int:
    resolve = _load(ns)
    if resolve is None:
        return 1
    from witparser import format_resolve

    text = format_resolve(resolve)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0
