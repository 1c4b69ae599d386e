"""WAVE (the WebAssembly Value Encoding) text <-> canonical Python values, for the CLI, logs and scripts.

WAVE is the text form wasmtime's `--invoke` and the `wasm-wave` crate use (`[1, 2]`, `{a: some("x")}`,
`ok`, `%err(3)`). Humans type it on `wrpc call` and read it in `wrpc spy`; this module is the one place
that knows its syntax.

Rules of this module:
1. Parsing is two steps: a lark LALR grammar turns text into an untyped tree (`_Node`), and `_Typed`
   checks that tree against a `wrpc.types` type and builds the canonical value of `wrpc.values`.
   The grammar knows nothing about types; the typed step knows nothing about characters.
2. Formatting writes what `wasm-wave`'s writer writes (`some(...)` explicit, `none` fields omitted,
   `{:}` for an empty record, `%` before keyword-named cases, Rust's float `Display`), so output can be
   compared with Rust tooling.
3. Every failure is a `wrpc.errors.WaveError` naming the line and column (parsing) or the path inside
   the value (typing/formatting).
4. WAVE has no syntax for resources, futures or streams. Handles are written as their opaque bytes in
   `list<u8>` form; a `future<T>` is written as its `T`; a `stream<T>` as the `list<T>` of its items.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, VisitError

from wrpc import types as t
from wrpc.errors import WaveError
from wrpc.values import Err, Ok, Some, Variant

__all__ = ["format_value", "parse"]

_GRAMMAR = r'''
?start: value

?value: NUMBER             -> number
      | LABEL              -> label
      | LABEL "(" value ")" -> labelled
      | CHAR               -> char
      | STRING             -> string
      | ML_STRING          -> ml_string
      | "(" [value ("," value)* [","]] ")"   -> tuple_
      | "[" [value ("," value)* [","]] "]"   -> list_
      | "{" ":" "}"                          -> empty_record
      | "{" entry ("," entry)* [","] "}"     -> record
      | "{" [LABEL ("," LABEL)* [","]] "}"   -> flags

entry: LABEL ":" value

NUMBER: /-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/ | "-inf"
LABEL: /%?([a-z][a-z0-9]*|[A-Z][A-Z0-9]*)(-([a-z0-9]+|[A-Z0-9]+))*/
CHAR: /'([^\\'\n]{1,4}|\\['"tnr\\]|\\u\{[0-9a-fA-F]{1,6}\})'/
STRING: /"([^\\"\n]|\\['"tnr\\]|\\u\{[0-9a-fA-F]{1,6}\})*"/
ML_STRING.2: /"""\r?\n(.|\n)*?"""/

COMMENT: /\/\/[^\n]*/
%ignore COMMENT
%ignore /[ \t\r\n]+/
'''

_KEYWORDS = frozenset({"true", "false", "some", "none", "ok", "err", "inf", "nan"})


@dataclass(frozen=True, slots=True)
class _Node:
    """One untyped WAVE term: `kind` is the grammar rule, `items` its parts, `line`/`column` its start."""

    kind: str
    items: tuple[Any, ...]
    line: int
    column: int


def _node(kind: str, meta_token: Any, items: Sequence[Any]) -> _Node:
    return _Node(
        kind, tuple(items), getattr(meta_token, "line", 0) or 0, getattr(meta_token, "column", 0) or 0
    )


@v_args(meta=True)
class _ToNodes(Transformer[Token, _Node]):
    def number(self, meta: Any, items: list[Token]) -> _Node:
        return _node("number", items[0], [str(items[0])])

    def label(self, meta: Any, items: list[Token]) -> _Node:
        return _node("label", items[0], [str(items[0]), None])

    def labelled(self, meta: Any, items: list[Any]) -> _Node:
        return _node("label", items[0], [str(items[0]), items[1]])

    def char(self, meta: Any, items: list[Token]) -> _Node:
        text = _unescape(str(items[0])[1:-1], items[0])
        if len(text) != 1:
            raise _error(items[0], "a char literal must hold exactly one character")
        return _node("char", items[0], [text])

    def string(self, meta: Any, items: list[Token]) -> _Node:
        return _node("string", items[0], [_unescape(str(items[0])[1:-1], items[0])])

    def ml_string(self, meta: Any, items: list[Token]) -> _Node:
        return _node("string", items[0], [_multiline(items[0])])

    def tuple_(self, meta: Any, items: list[Any]) -> _Node:
        return _Node("tuple", tuple(i for i in items if i is not None), meta.line, meta.column)

    def list_(self, meta: Any, items: list[Any]) -> _Node:
        return _Node("list", tuple(i for i in items if i is not None), meta.line, meta.column)

    def empty_record(self, meta: Any, items: list[Any]) -> _Node:
        return _Node("record", (), meta.line, meta.column)

    def record(self, meta: Any, items: list[Any]) -> _Node:
        return _Node("record", tuple(i for i in items if i is not None), meta.line, meta.column)

    def entry(self, meta: Any, items: list[Any]) -> tuple[str, _Node, Token]:
        return (str(items[0]).removeprefix("%"), items[1], items[0])

    def flags(self, meta: Any, items: list[Any]) -> _Node:
        labels = [i for i in items if i is not None]
        return _Node("flags", tuple(str(i).removeprefix("%") for i in labels), meta.line, meta.column)


@cache
def _parser() -> Lark:
    return Lark(_GRAMMAR, parser="lalr", propagate_positions=True, maybe_placeholders=True)


def _error(token: Any, message: str) -> WaveError:
    return WaveError(message, line=getattr(token, "line", None), column=getattr(token, "column", None))


_SIMPLE_ESCAPES = {"'": "'", '"': '"', "t": "\t", "n": "\n", "r": "\r", "\\": "\\"}


def _unescape(body: str, token: Any) -> str:
    if "\\" not in body:
        return body
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        nxt = body[i + 1]
        if nxt == "u":
            end = body.index("}", i)
            code = int(body[i + 3 : end], 16)
            if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                raise _error(token, f"\\u{{{body[i + 3 : end]}}} is not a Unicode scalar value")
            out.append(chr(code))
            i = end + 1
        else:
            out.append(_SIMPLE_ESCAPES[nxt])
            i += 2
    return "".join(out)


def _multiline(token: Token) -> str:
    raw = str(token)[3:-3]
    raw = raw[2:] if raw.startswith("\r\n") else raw[1:]
    lines = raw.split("\n")
    indent = lines[-1]
    if indent.strip(" "):
        raise _error(token, 'a multiline string must end with a line break, spaces and """')
    body = lines[:-1]
    for line in body:
        if not line.startswith(indent):
            raise _error(token, f"a multiline string's lines must be indented at least {len(indent)} spaces")
    text = "\n".join(line[len(indent) :].removesuffix("\r") for line in body)
    return _unescape(text, token)


def parse_untyped(text: str) -> _Node:
    """Parse WAVE text into an untyped tree; raises `WaveError` with the position of the first problem."""
    try:
        result = _ToNodes().transform(_parser().parse(text))
    except VisitError as exc:
        if isinstance(exc.orig_exc, WaveError):
            raise exc.orig_exc from None
        raise
    except UnexpectedCharacters as exc:
        char = text[exc.pos_in_stream or 0]
        raise WaveError(f"unexpected character {char!r}", line=exc.line, column=exc.column) from None
    except UnexpectedInput as exc:
        found = getattr(exc, "token", None)
        if found is None or found.type == "$END":
            end_line, end_column = text.count("\n") + 1, len(text) - text.rfind("\n")
            raise WaveError("unexpected end of input", line=end_line, column=end_column) from None
        raise WaveError(f"unexpected {str(found)!r}", line=exc.line, column=exc.column) from None
    assert isinstance(result, _Node)
    return result


def parse(text: str, ty: t.WitType) -> Any:
    """The canonical Python value (see `wrpc.values`) that WAVE `text` denotes as a value of `ty`."""
    return _typed(parse_untyped(text), ty, "value")


_INT_RANGES: dict[type, tuple[int, int]] = {
    t.U8: (0, 2**8 - 1), t.U16: (0, 2**16 - 1), t.U32: (0, 2**32 - 1), t.U64: (0, 2**64 - 1),
    t.S8: (-(2**7), 2**7 - 1), t.S16: (-(2**15), 2**15 - 1),
    t.S32: (-(2**31), 2**31 - 1), t.S64: (-(2**63), 2**63 - 1),
}  # fmt: skip


def _fail(node: _Node, path: str, message: str) -> WaveError:
    return WaveError(f"{path}: {message}", line=node.line, column=node.column)


def _describe(node: _Node) -> str:
    if node.kind == "label":
        return f"`{node.items[0]}`"
    if node.kind in ("number", "string", "char"):
        return f"{node.kind} {node.items[0]!r}"
    return f"a {node.kind}"


def _label(node: _Node) -> tuple[str, _Node | None] | None:
    """(name, payload) for a label term; `%`-escaped names are returned without the `%`."""
    if node.kind != "label":
        return None
    name: str = node.items[0]
    return name, node.items[1]


def _is_flat_forbidden(ty: t.WitType | None) -> bool:
    return isinstance(ty, (t.Option, t.Result))


def _typed(node: _Node, ty: t.WitType, path: str) -> Any:
    if isinstance(ty, t.Bool):
        lab = _label(node)
        if lab is not None and lab[1] is None and lab[0] in ("true", "false"):
            return lab[0] == "true"
        raise _fail(node, path, f"expected `true` or `false`, found {_describe(node)}")
    if type(ty) in _INT_RANGES:
        if node.kind != "number" or not _is_integer(node.items[0]):
            raise _fail(node, path, f"expected an integer ({t.type_name(ty)}), found {_describe(node)}")
        value = int(node.items[0])
        lo, hi = _INT_RANGES[type(ty)]
        if not lo <= value <= hi:
            raise _fail(node, path, f"{value} is out of range for {t.type_name(ty)} ({lo}..={hi})")
        return value
    if isinstance(ty, (t.F32, t.F64)):
        return _float(node, ty, path)
    if isinstance(ty, t.Char):
        if node.kind != "char":
            raise _fail(node, path, f"expected a char literal like 'x', found {_describe(node)}")
        return node.items[0]
    if isinstance(ty, t.String):
        if node.kind != "string":
            raise _fail(node, path, f"expected a string literal, found {_describe(node)}")
        return node.items[0]
    if isinstance(ty, (t.List, t.FixedList)):
        return _list(node, ty, path)
    if isinstance(ty, (t.Own, t.Borrow)):
        return bytes(_list(node, t.List(t.U8()), path))
    if isinstance(ty, t.Tuple):
        if node.kind != "tuple" or len(node.items) != len(ty.types):
            raise _fail(node, path, f"expected a tuple of {len(ty.types)} values, found {_describe(node)}")
        return tuple(
            _typed(n, et, f"{path}.{i}") for i, (n, et) in enumerate(zip(node.items, ty.types, strict=True))
        )
    if isinstance(ty, t.Record):
        return _record(node, ty, path)
    if isinstance(ty, t.Flags):
        return _flags(node, ty, path)
    if isinstance(ty, t.Enum):
        lab = _label(node)
        if lab is None or lab[1] is not None or _case_name(lab[0]) not in ty.cases:
            raise _fail(node, path, f"expected one of the cases of enum {ty.name} ({', '.join(ty.cases)})")
        return _case_name(lab[0])
    if isinstance(ty, t.Variant):
        return _variant(node, ty, path)
    if isinstance(ty, t.Option):
        lab = _label(node)
        if lab == ("none", None):
            return None
        if lab is not None and lab[0] == "some" and lab[1] is not None:
            inner = _typed(lab[1], ty.inner, f"{path}.some")
        elif _is_flat_forbidden(ty.inner):
            raise _fail(node, path, "expected `none` or `some(...)` (the payload is an option or result)")
        else:
            inner = _typed(node, ty.inner, path)
        return Some(inner) if isinstance(ty.inner, t.Option) else inner
    if isinstance(ty, t.Result):
        return _result(node, ty, path)
    if isinstance(ty, t.Future):
        if ty.inner is None:
            raise _fail(node, path, "a future without a payload has no WAVE form")
        return _typed(node, ty.inner, path)
    if isinstance(ty, t.Stream):
        if ty.inner is None:
            raise _fail(node, path, "a stream without a payload has no WAVE form")
        return _list(node, t.List(ty.inner), path)
    raise _fail(node, path, f"{t.type_name(ty)} has no WAVE form")


def _is_integer(text: str) -> bool:
    return not any(c in text for c in ".eE") and text != "-inf"


def _float(node: _Node, ty: t.WitType, path: str) -> float:
    lab = _label(node)
    if lab is not None and lab[1] is None and lab[0] in ("nan", "inf"):
        return math.nan if lab[0] == "nan" else math.inf
    if node.kind != "number":
        raise _fail(node, path, f"expected a number, `nan` or `inf`, found {_describe(node)}")
    value = float(node.items[0])
    if isinstance(ty, t.F32) and not math.isinf(value):
        value = (
            struct.unpack("<f", struct.pack("<f", value))[0] if abs(value) <= 3.4028235677973366e38 else value
        )
        if math.isinf(value) or abs(value) > 3.4028234663852886e38:
            raise _fail(node, path, f"{node.items[0]} is out of range for f32")
    return value


def _list(node: _Node, ty: t.List | t.FixedList, path: str) -> Any:
    if node.kind != "list":
        raise _fail(node, path, f"expected a list like [a, b], found {_describe(node)}")
    if isinstance(ty, t.FixedList) and len(node.items) != ty.n:
        raise _fail(node, path, f"expected exactly {ty.n} elements, found {len(node.items)}")
    items = [_typed(n, ty.elem, f"{path}[{i}]") for i, n in enumerate(node.items)]
    return bytes(items) if isinstance(ty, t.List) and isinstance(ty.elem, t.U8) else items


def _record(node: _Node, ty: t.Record, path: str) -> dict[str, Any]:
    if node.kind == "flags" and not node.items and not ty.fields:
        return {}
    if node.kind != "record":
        raise _fail(node, path, f"expected a record like {{field: value}}, found {_describe(node)}")
    given: dict[str, _Node] = {}
    for name, value, token in node.items:
        if name in given:
            raise _error(token, f"{path}: field `{name}` is given twice")
        given[name] = value
    fields = dict(ty.fields)
    for name in given:
        if name not in fields:
            raise _fail(node, path, f"record {ty.name} has no field `{name}`")
    out: dict[str, Any] = {}
    for name, fty in ty.fields:
        if name in given:
            out[name] = _typed(given[name], fty, f"{path}.{name}")
        elif isinstance(fty, t.Option):
            out[name] = None
        else:
            raise _fail(node, path, f"missing field `{name}` of record {ty.name}")
    return out


def _flags(node: _Node, ty: t.Flags, path: str) -> frozenset[str]:
    if node.kind == "record" and not node.items:
        return frozenset()
    if node.kind != "flags":
        raise _fail(node, path, f"expected flags like {{a, b}}, found {_describe(node)}")
    for label in node.items:
        if label not in ty.labels:
            raise _fail(node, path, f"flags {ty.name} has no label `{label}` ({', '.join(ty.labels)})")
    return frozenset(node.items)


def _case_name(label: str) -> str:
    return label.removeprefix("%")


def _variant(node: _Node, ty: t.Variant, path: str) -> Variant:
    lab = _label(node)
    cases = dict(ty.cases)
    if lab is None or _case_name(lab[0]) not in cases:
        raise _fail(node, path, f"expected a case of variant {ty.name} ({', '.join(cases)})")
    name, payload = lab
    if name in _KEYWORDS:
        raise _fail(node, path, f"case `{name}` is a WAVE keyword and must be written `%{name}`")
    case = _case_name(name)
    cty = cases[case]
    if (cty is None) != (payload is None):
        need = "no payload" if cty is None else "a payload"
        raise _fail(node, path, f"case `{case}` of variant {ty.name} takes {need}")
    value = None if cty is None or payload is None else _typed(payload, cty, f"{path}.{case}")
    return Variant(case, value)


def _result(node: _Node, ty: t.Result, path: str) -> Ok | Err:
    lab = _label(node)
    if lab is not None and lab[0] in ("ok", "err"):
        side, payload = lab
        sty = ty.ok if side == "ok" else ty.err
        if (sty is None) != (payload is None):
            need = "no payload" if sty is None else "a payload"
            raise _fail(node, path, f"`{side}` of {t.type_name(ty)} takes {need}")
        value = None if sty is None or payload is None else _typed(payload, sty, f"{path}.{side}")
        return Ok(value) if side == "ok" else Err(value)
    if ty.ok is None or _is_flat_forbidden(ty.ok):
        raise _fail(node, path, f"expected `ok(...)` or `err(...)`, found {_describe(node)}")
    return Ok(_typed(node, ty.ok, path))


# --- formatting ---------------------------------------------------------------------------------------


def format_value(value: Any, ty: t.WitType) -> str:
    """WAVE text for a canonical value of `ty`, as wasm-wave's writer would write it."""
    out: list[str] = []
    _write(value, ty, out, "value")
    return "".join(out)


def _write(value: Any, ty: t.WitType, out: list[str], path: str) -> None:
    if isinstance(ty, t.Bool):
        out.append("true" if value else "false")
    elif type(ty) in _INT_RANGES:
        out.append(str(int(value)))
    elif isinstance(ty, t.F32):
        out.append(_format_float(float(value), f32=True))
    elif isinstance(ty, t.F64):
        out.append(_format_float(float(value), f32=False))
    elif isinstance(ty, t.Char):
        out.append("'" + _escape(value) + "'")
    elif isinstance(ty, t.String):
        out.append('"' + _escape(value) + '"')
    elif isinstance(ty, (t.List, t.FixedList)):
        _write_seq(value, ty.elem, out, path, "[", "]")
    elif isinstance(ty, (t.Own, t.Borrow)):
        _write_seq(bytes(value), t.U8(), out, path, "[", "]")
    elif isinstance(ty, t.Tuple):
        out.append("(")
        for i, (v, et) in enumerate(zip(value, ty.types, strict=True)):
            if i:
                out.append(", ")
            _write(v, et, out, f"{path}.{i}")
        out.append(")")
    elif isinstance(ty, t.Record):
        _write_record(value, ty, out, path)
    elif isinstance(ty, t.Flags):
        out.append("{" + ", ".join(label for label in ty.labels if label in value) + "}")
    elif isinstance(ty, t.Enum):
        out.append(_label_text(value))
    elif isinstance(ty, t.Variant):
        out.append(_label_text(value.case))
        cty = dict(ty.cases)[value.case]
        if cty is not None:
            out.append("(")
            _write(value.value, cty, out, f"{path}.{value.case}")
            out.append(")")
    elif isinstance(ty, t.Option):
        if value is None:
            out.append("none")
        else:
            out.append("some(")
            _write(value.value if isinstance(value, Some) else value, ty.inner, out, f"{path}.some")
            out.append(")")
    elif isinstance(ty, t.Result):
        side, sty = ("ok", ty.ok) if isinstance(value, Ok) else ("err", ty.err)
        out.append(side)
        if sty is not None:
            out.append("(")
            _write(value.value, sty, out, f"{path}.{side}")
            out.append(")")
    elif isinstance(ty, t.Future) and ty.inner is not None:
        _write(value, ty.inner, out, path)
    elif isinstance(ty, t.Stream) and ty.inner is not None:
        _write_seq(value, ty.inner, out, path, "[", "]")
    else:
        raise WaveError(f"{path}: {t.type_name(ty)} has no WAVE form")


def _write_seq(
    items: Iterable[Any], elem: t.WitType, out: list[str], path: str, open_: str, close: str
) -> None:
    out.append(open_)
    for i, v in enumerate(items):
        if i:
            out.append(", ")
        _write(v, elem, out, f"{path}[{i}]")
    out.append(close)


def _write_record(value: Mapping[str, Any], ty: t.Record, out: list[str], path: str) -> None:
    out.append("{")
    first = True
    for name, fty in ty.fields:
        v = value[name]
        if isinstance(fty, t.Option) and v is None:
            continue
        if not first:
            out.append(", ")
        first = False
        out.append(f"{name}: ")
        _write(v, fty, out, f"{path}.{name}")
    if first:
        out.append(":")
    out.append("}")


def _label_text(name: str) -> str:
    return f"%{name}" if name in _KEYWORDS else name


_WRITE_ESCAPES = {"\\": "\\\\", '"': '\\"', "'": "\\'", "\t": "\\t", "\r": "\\r", "\n": "\\n"}


def _escape(text: str) -> str:
    out: list[str] = []
    for ch in text:
        esc = _WRITE_ESCAPES.get(ch)
        if esc is not None:
            out.append(esc)
        elif ch.isprintable() or ch == " ":
            out.append(ch)
        else:
            out.append(f"\\u{{{ord(ch):x}}}")
    return "".join(out)


def _format_float(value: float, *, f32: bool) -> str:
    """Rust's `Display` for floats: the shortest digits that round-trip, never in exponent form."""
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    digits = _shortest_f32(value) if f32 else repr(value)
    return _plain_decimal(digits)


def _shortest_f32(value: float) -> str:
    packed = struct.pack("<f", value)
    for precision in range(1, 18):
        text = f"{value:.{precision}g}"
        if struct.pack("<f", float(text)) == packed:
            return text
    return repr(value)


def _plain_decimal(text: str) -> str:
    """`1e-07` -> `0.0000001`, `1.5e+20` -> `150000000000000000000`, `2.0` -> `2`."""
    sign = "-" if text.startswith("-") else ""
    text = text.lstrip("-")
    mantissa, _, exp_text = text.lower().partition("e")
    exponent = int(exp_text) if exp_text else 0
    whole, _, frac = mantissa.partition(".")
    digits = (whole + frac).lstrip("0")
    if not digits:
        return sign + "0"
    point = len(whole) + exponent - (len(whole + frac) - len((whole + frac).lstrip("0")))
    if point <= 0:
        result = "0." + "0" * -point + digits
    elif point >= len(digits):
        result = digits + "0" * (point - len(digits))
    else:
        result = digits[:point] + "." + digits[point:]
    if "." in result:
        result = result.rstrip("0").rstrip(".")
    return sign + result
