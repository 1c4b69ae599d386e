"""`wrpc value`: encode WAVE text to wRPC bytes and decode bytes back, one value or a batch.

This is how a person checks what a value looks like on the wire, and how another implementation's test
generator asks ours for reference bytes: `--batch` reads JSON lines and answers one JSON line each, so a
script can drive thousands of values through one process.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from wrpc.errors import DecodeError, EncodeError, UnsupportedType, WaveError

if TYPE_CHECKING:
    from witparser import Resolve
    from wrpc.types import WitType

_VALUE_ERRORS = (WaveError, EncodeError, DecodeError, UnsupportedType)


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--wit", metavar="PATH", help="WIT file or directory whose named types TYPE may use")
    parser.add_argument(
        "--batch",
        action="store_true",
        help='read JSON lines {"type", "value"} (encode) or {"type", "hex"} (decode) on stdin; '
        'write {"hex"}, {"value"} or {"error"} lines',
    )
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    encode = sub.add_parser("encode", help="WAVE text -> lowercase hex")
    encode.add_argument("type", help="a WIT type expression (list<option<string>>) or a named type")
    encode.add_argument("value", help="the value in WAVE text")
    decode = sub.add_parser("decode", help="hex -> WAVE text")
    decode.add_argument("type", help="a WIT type expression (list<option<string>>) or a named type")
    decode.add_argument("hex", nargs="+", help="the encoded bytes as hex (spaces allowed)")
    parser.set_defaults(func=_run)


def _run(ns: argparse.Namespace) -> int:
    resolve = _load_wit(ns.wit) if ns.wit else None
    if ns.wit and resolve is None:
        return 1
    if ns.batch:
        return _batch(resolve)
    if ns.action is None:
        print("wrpc value: give `encode TYPE WAVE`, `decode TYPE HEX` or --batch", file=sys.stderr)
        return 2
    try:
        ty = _type(ns.type, resolve)
        if ns.action == "encode":
            print(_encode(ty, ns.value))
        else:
            print(_decode(ty, "".join(ns.hex)))
    except (ValueError, LookupError, *_VALUE_ERRORS) as err:
        print(f"wrpc value {ns.action}: {err}", file=sys.stderr)
        return 1
    return 0


def _load_wit(path: str) -> Resolve | None:
    import witparser

    try:
        return witparser.load(path)
    except witparser.WitError as err:
        print(str(err), file=sys.stderr)
        return None


def _type(text: str, resolve: Resolve | None) -> WitType:
    from wrpc.types import parse_type_expr

    return parse_type_expr(text, resolve)


def _encode(ty: WitType, text: str) -> str:
    from wrpc import codec, wave

    return codec.compile(ty).encode(wave.parse(text, ty)).hex()


def _decode(ty: WitType, hex_text: str) -> str:
    from wrpc import codec, wave

    try:
        data = bytes.fromhex(hex_text)
    except ValueError as err:
        raise ValueError(f"not hex: {err}") from None
    return wave.format_value(codec.compile(ty).decode(data), ty)


def _batch(resolve: Resolve | None) -> int:
    """One answer line per input line; a bad line gets `{"error"}` and the batch goes on."""
    for line in sys.stdin:
        if not line.strip():
            continue
        answer: dict[str, Any]
        try:
            request = json.loads(line)
            ty = _type(request["type"], resolve)
            if "value" in request:
                answer = {"hex": _encode(ty, request["value"])}
            elif "hex" in request:
                answer = {"value": _decode(ty, request["hex"])}
            else:
                answer = {"error": 'a request needs "value" (to encode) or "hex" (to decode)'}
        except (ValueError, LookupError, TypeError, *_VALUE_ERRORS) as err:
            answer = {"error": str(err)}
        sys.stdout.write(json.dumps(answer, ensure_ascii=False) + "\n")
        sys.stdout.flush()
    return 0
