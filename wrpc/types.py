"""The wRPC value-type model: what the codec compiles, independent of where the type came from.

A `WitType` is an immutable, hashable tree of the classes below. It is built from a witparser `Resolve`
(`from_resolve`, `function_from_resolve`), from a WIT type expression (`parse_type_expr`) or from
wasmtime's component types (`from_wasmtime`), and it is the key of the codec cache.

Rules of this module:
1. Types are structural values: two equal trees encode identically. Names (of records, variants, enums,
   flags and resources) are carried for messages and bindings only; the wire never sees them.
2. Aliases are followed when building: the model never contains an alias.
3. No encoding knowledge lives here (that is `wrpc.codec`); types that wRPC cannot encode (fixed-size
   lists, maps) are representable or rejected here, and refused by the codec with `UnsupportedType`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

from wrpc.errors import UnsupportedType

if TYPE_CHECKING:
    from witparser._model import Function
    from witparser._resolve import Resolve


@dataclass(frozen=True, slots=True)
class Bool:
    pass


@dataclass(frozen=True, slots=True)
class U8:
    pass


@dataclass(frozen=True, slots=True)
class U16:
    pass


@dataclass(frozen=True, slots=True)
class U32:
    pass


@dataclass(frozen=True, slots=True)
class U64:
    pass


@dataclass(frozen=True, slots=True)
class S8:
    pass


@dataclass(frozen=True, slots=True)
class S16:
    pass


@dataclass(frozen=True, slots=True)
class S32:
    pass


@dataclass(frozen=True, slots=True)
class S64:
    pass


@dataclass(frozen=True, slots=True)
class F32:
    pass


@dataclass(frozen=True, slots=True)
class F64:
    pass


@dataclass(frozen=True, slots=True)
class Char:
    pass


@dataclass(frozen=True, slots=True)
class String:
    pass


@dataclass(frozen=True, slots=True)
class ErrorContext:
    """Encoded as zero bytes, as the Rust generator does (the other implementations reject it)."""


@dataclass(frozen=True, slots=True)
class List:
    elem: WitType


@dataclass(frozen=True, slots=True)
class FixedList:
    """`list<T, N>`: representable, but upstream defines no encoding, so the codec refuses it."""

    elem: WitType
    n: int


@dataclass(frozen=True, slots=True)
class Record:
    name: str
    fields: tuple[tuple[str, WitType], ...]


@dataclass(frozen=True, slots=True)
class Tuple:
    types: tuple[WitType, ...]


@dataclass(frozen=True, slots=True)
class Variant:
    name: str
    cases: tuple[tuple[str, WitType | None], ...]


@dataclass(frozen=True, slots=True)
class Enum:
    name: str
    cases: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Flags:
    name: str
    labels: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Option:
    inner: WitType


@dataclass(frozen=True, slots=True)
class Result:
    ok: WitType | None = None
    err: WitType | None = None


@dataclass(frozen=True, slots=True)
class Own:
    resource: str


@dataclass(frozen=True, slots=True)
class Borrow:
    resource: str


@dataclass(frozen=True, slots=True)
class Future:
    inner: WitType | None = None


@dataclass(frozen=True, slots=True)
class Stream:
    inner: WitType | None = None


WitType: TypeAlias = (
    Bool | U8 | U16 | U32 | U64 | S8 | S16 | S32 | S64 | F32 | F64 | Char | String | ErrorContext
    | List | FixedList | Record | Tuple | Variant | Enum | Flags | Option | Result | Own | Borrow
    | Future | Stream
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class FunctionType:
    """A function as wRPC sees it: the params travel as one tuple, the result as a 0- or 1-tuple."""

    name: str
    params: tuple[tuple[str, WitType], ...]
    result: WitType | None = None

    @property
    def params_type(self) -> Tuple:
        return Tuple(tuple(t for _, t in self.params))

    @property
    def results_type(self) -> Tuple:
        return Tuple(() if self.result is None else (self.result,))


PRIMITIVES: Mapping[str, WitType] = {
    "bool": Bool(), "u8": U8(), "u16": U16(), "u32": U32(), "u64": U64(),
    "s8": S8(), "s16": S16(), "s32": S32(), "s64": S64(), "f32": F32(), "f64": F64(),
    "char": Char(), "string": String(), "error-context": ErrorContext(),
}  # fmt: skip
"""WIT primitive names, as witparser spells them, to their types."""


def type_name(ty: WitType | None) -> str:
    """The WIT spelling of a type, naming nominal types by name (`list<option<rec>>`, `result<_, string>`)."""
    if ty is None:
        return "_"
    match ty:
        case Record(name=name) | Variant(name=name) | Enum(name=name) | Flags(name=name):
            return name or type(ty).__name__.lower()
        case List(elem):
            return f"list<{type_name(elem)}>"
        case FixedList(elem, n):
            return f"list<{type_name(elem)}, {n}>"
        case Tuple(types):
            return f"tuple<{', '.join(type_name(t) for t in types)}>"
        case Option(inner):
            return f"option<{type_name(inner)}>"
        case Result(ok, err):
            if ok is None and err is None:
                return "result"
            if err is None:
                return f"result<{type_name(ok)}>"
            return f"result<{type_name(ok)}, {type_name(err)}>"
        case Own(resource):
            return f"own<{resource}>"
        case Borrow(resource):
            return f"borrow<{resource}>"
        case Future(inner) | Stream(inner):
            kind = type(ty).__name__.lower()
            return kind if inner is None else f"{kind}<{type_name(inner)}>"
    for name, prim in PRIMITIVES.items():
        if prim == ty:
            return name
    raise TypeError(f"not a WIT type: {ty!r}")


# ---------------------------------------------------------------------------------------------------
# From a witparser Resolve


def from_resolve(resolve: Resolve, ty: str | int) -> WitType:
    """The model of a witparser `Type` (a primitive name or a type id), aliases followed."""
    from witparser import _model as m

    if isinstance(ty, str):
        try:
            return PRIMITIVES[ty]
        except KeyError:
            raise UnsupportedType(f"unknown primitive type {ty!r}") from None
    typedef = resolve.types[ty]
    kind = typedef.kind
    name = typedef.name or ""

    def sub(t: str | int | None) -> WitType | None:
        return None if t is None else from_resolve(resolve, t)

    match kind:
        case m.Alias(type=target):
            return from_resolve(resolve, target)
        case m.Record(fields=fields):
            return Record(name, tuple((f.name, from_resolve(resolve, f.type)) for f in fields))
        case m.Variant(cases=cases):
            return Variant(name, tuple((c.name, sub(c.type)) for c in cases))
        case m.Enum(cases=enum_cases):
            return Enum(name, tuple(c.name for c in enum_cases))
        case m.Flags(flags=flags):
            return Flags(name, tuple(f.name for f in flags))
        case m.Tuple(types=types):
            return Tuple(tuple(from_resolve(resolve, t) for t in types))
        case m.Option(type=inner):
            return Option(from_resolve(resolve, inner))
        case m.Result(ok=ok, err=err):
            return Result(sub(ok), sub(err))
        case m.List(type=inner):
            return List(from_resolve(resolve, inner))
        case m.FixedLengthList(type=inner, length=length):
            return FixedList(from_resolve(resolve, inner), length)
        case m.Future(type=inner):
            return Future(sub(inner))
        case m.Stream(type=inner):
            return Stream(sub(inner))
        case m.Handle(kind=handle_kind, resource=resource):
            resource_name = _resource_name(resolve, resource)
            return Own(resource_name) if handle_kind == "own" else Borrow(resource_name)
        case m.Resource():
            return Own(name)
        case m.Map():
            raise UnsupportedType(f"type {name or ty!r}: map types have no wRPC encoding")
    raise UnsupportedType(f"type {name or ty!r} ({type(kind).__name__}) has no wRPC encoding")


def _unalias(resolve: Resolve, type_id: int) -> int:
    """The id an alias chain (`use` and `type a = b`) ends at; a `use`d type is the same type."""
    from witparser._model import Alias

    kind = resolve.types[type_id].kind
    while isinstance(kind, Alias) and isinstance(kind.type, int):
        type_id = kind.type
        kind = resolve.types[type_id].kind
    return type_id


def _resource_name(resolve: Resolve, resource: int) -> str:
    return resolve.types[_unalias(resolve, resource)].name or ""


def function_from_resolve(resolve: Resolve, function: Function) -> FunctionType:
    """The wRPC view of a witparser `Function` (a method's `self` is its first, borrowed, param)."""
    params = tuple((p.name, from_resolve(resolve, p.type)) for p in function.params)
    result = None if function.result is None else from_resolve(resolve, function.result)
    return FunctionType(function.name, params, result)


# ---------------------------------------------------------------------------------------------------
# WIT type expressions

_TOKEN = re.compile(r"\s*(?:([<>,_])|([A-Za-z0-9%][A-Za-z0-9%_:/@.+-]*))")


def parse_type_expr(
    text: str, resolve: Resolve | None = None, names: Mapping[str, WitType] | None = None
) -> WitType:
    """Parse a WIT type expression such as `list<option<string>>` or `result<_, wasi:keyvalue/store.error>`.

    A name that is not a WIT keyword is looked up first in `names`, then in `resolve`: either fully
    qualified (`ns:pkg/iface[@version].type`) or, when unique across the Resolve, bare (`error`).
    Raises `ValueError` on malformed text and `LookupError` on an unknown name.
    """
    tokens: list[str] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise ValueError(f"cannot parse type expression {text!r} at column {pos}")
        tokens.append(match.group(1) or match.group(2))
        pos = match.end()
    parser = _ExprParser(tokens, text, resolve, names or {})
    ty = parser.type()
    if parser.pos != len(tokens):
        raise ValueError(f"unexpected {tokens[parser.pos]!r} in type expression {text!r}")
    return ty


class _ExprParser:
    def __init__(self, tokens: list[str], text: str, resolve: Resolve | None, names: Mapping[str, WitType]):
        self.tokens = tokens
        self.text = text
        self.pos = 0
        self.resolve = resolve
        self.names = names

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None or (expected is not None and token != expected):
            want = repr(expected) if expected else "a type"
            raise ValueError(f"expected {want} in type expression {self.text!r}, found {token!r}")
        self.pos += 1
        return token

    def args(self) -> list[WitType | None]:
        """`<a, b, ...>` where `_` stands for "no type"; empty when no `<` follows."""
        if self.peek() != "<":
            return []
        self.take("<")
        out: list[WitType | None] = []
        if self.peek() == ">":
            self.take()
            return out
        while True:
            if self.peek() == "_":
                self.take()
                out.append(None)
            else:
                out.append(self.type())
            if self.peek() == ">":
                self.take()
                return out
            self.take(",")

    def type(self) -> WitType:
        word = self.take()
        if word in ("<", ">", ",", "_"):
            raise ValueError(f"expected a type in type expression {self.text!r}, found {word!r}")
        if word in PRIMITIVES:
            return PRIMITIVES[word]
        if word == "list":
            self.take("<")
            elem = self.type()
            if self.peek() == ",":
                self.take()
                length = self.take()
                self.take(">")
                if not length.isdigit():
                    raise ValueError(f"fixed-size list length {length!r} is not a number in {self.text!r}")
                return FixedList(elem, int(length))
            self.take(">")
            return List(elem)
        if word in ("option", "tuple", "result", "future", "stream", "own", "borrow"):
            if word in ("own", "borrow"):
                self.take("<")
                resource = self.take()
                self.take(">")
                return Own(resource) if word == "own" else Borrow(resource)
            args = self.args()
            return self.generic(word, args)
        return self.named(word)

    def generic(self, word: str, args: list[WitType | None]) -> WitType:
        if word == "tuple":
            if any(a is None for a in args):
                raise ValueError(f"`_` is not a type inside tuple<...> in {self.text!r}")
            return Tuple(tuple(a for a in args if a is not None))
        if word == "result" and len(args) <= 2:
            return Result(args[0] if args else None, args[1] if len(args) == 2 else None)
        if word in ("future", "stream") and len(args) <= 1:
            inner = args[0] if args else None
            return Future(inner) if word == "future" else Stream(inner)
        if word == "option" and len(args) == 1 and args[0] is not None:
            return Option(args[0])
        raise ValueError(f"wrong type arguments for {word} in {self.text!r}")

    def named(self, word: str) -> WitType:
        if word in self.names:
            return self.names[word]
        if self.resolve is not None:
            type_id = _lookup(self.resolve, word)
            if type_id is not None:
                return from_resolve(self.resolve, type_id)
        raise LookupError(f"unknown type {word!r} in type expression {self.text!r}")


def _lookup(resolve: Resolve, name: str) -> int | None:
    """The type id of `ns:pkg/iface[@ver].type`, or of a bare type name unique across all interfaces."""
    if "/" in name:
        iface_name, _, type_name_ = name.rpartition(".")
        for interface in resolve.interfaces:
            if interface.package is None or interface.name is None:
                continue
            package = resolve.packages[interface.package].name
            base = f"{package.namespace}:{package.name}/{interface.name}"
            qualified = f"{base}@{package.version}" if package.version is not None else base
            if iface_name in (qualified, base) and type_name_ in interface.types:
                return interface.types[type_name_]
        return None
    found = [_unalias(resolve, iface.types[name]) for iface in resolve.interfaces if name in iface.types]
    if len(set(found)) > 1:
        raise LookupError(f"type name {name!r} is ambiguous; qualify it as ns:pkg/interface.{name}")
    return found[0] if found else None


# ---------------------------------------------------------------------------------------------------
# From wasmtime's component types


def from_wasmtime(ty: Any) -> WitType:
    """The model of a `wasmtime.component` `ValType`.

    wasmtime-py 50 exposes structure but no names: records, variants, enums and flags get an empty
    name, and handles an empty resource name (the lattice names them from the WIT when it needs to).
    """
    import wasmtime.component as wc

    simple: dict[type, WitType] = {
        wc.Bool: Bool(), wc.U8: U8(), wc.U16: U16(), wc.U32: U32(), wc.U64: U64(),
        wc.S8: S8(), wc.S16: S16(), wc.S32: S32(), wc.S64: S64(), wc.F32: F32(), wc.F64: F64(),
        wc.Char: Char(), wc.String: String(), wc.ErrorContext: ErrorContext(),
    }  # fmt: skip
    found = simple.get(type(ty))
    if found is not None:
        return found

    def sub(t: Any) -> WitType | None:
        return None if t is None else from_wasmtime(t)

    if isinstance(ty, wc.ListType):
        return List(from_wasmtime(ty.element))
    if isinstance(ty, wc.RecordType):
        return Record("", tuple((n, from_wasmtime(t)) for n, t in ty.fields))
    if isinstance(ty, wc.TupleType):
        return Tuple(tuple(from_wasmtime(t) for t in ty.elements))
    if isinstance(ty, wc.VariantType):
        return Variant("", tuple((n, sub(t)) for n, t in ty.cases))
    if isinstance(ty, wc.EnumType):
        return Enum("", tuple(ty.names))
    if isinstance(ty, wc.FlagsType):
        return Flags("", tuple(ty.names))
    if isinstance(ty, wc.OptionType):
        return Option(from_wasmtime(ty.payload))
    if isinstance(ty, wc.ResultType):
        return Result(sub(ty.ok), sub(ty.err))
    if isinstance(ty, wc.OwnType):
        return Own("")
    if isinstance(ty, wc.BorrowType):
        return Borrow("")
    if isinstance(ty, wc.FutureType):
        return Future(sub(ty.payload))
    if isinstance(ty, wc.StreamType):
        return Stream(sub(ty.payload))
    raise UnsupportedType(f"wasmtime type {type(ty).__name__} has no wRPC encoding")


def function_from_wasmtime(name: str, func_type: Any) -> FunctionType:
    """The wRPC view of a `wasmtime.component.FuncType` (`.params` as (name, ValType), `.result`)."""
    params = tuple((n, from_wasmtime(t)) for n, t in func_type.params)
    result = None if func_type.result is None else from_wasmtime(func_type.result)
    return FunctionType(name, params, result)
