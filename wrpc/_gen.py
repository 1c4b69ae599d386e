"""What the encoder and decoder generators (`_encode`, `_decode`) share: a source emitter and type facts.

The codec compiles each type into Python source (straight-line code, one function per compound type)
and `exec`s it once. Both twins walk the type tree the same way; this module holds the walk's common
vocabulary so that they cannot drift apart.

Rules of this module:
1. No encoding or decoding logic: only source assembly and facts about types (`min_size`, `has_async`,
   `is_inline`, the path-segment spelling used in error messages).
2. Generated names are unique per compilation; constants reach the generated code through `Emitter.const`.
3. Each type is compiled twice, in two modes of the same generators (`Emitter.precise`): the fast code
   the codec runs first, which only has to refuse what it cannot handle, and the precise code, compiled
   on the first failure, which re-runs the value to say exactly what is wrong and where.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from wrpc import types as t
from wrpc.errors import UnsupportedType

SCALARS = (
    t.Bool, t.U8, t.U16, t.U32, t.U64, t.S8, t.S16, t.S32, t.S64, t.F32, t.F64, t.Char, t.String,
    t.ErrorContext, t.Enum, t.Flags, t.Own, t.Borrow,
)  # fmt: skip
"""Types whose code is small and block-free enough to inline into the enclosing function."""

MAX_ZERO_SIZE_ELEMENTS = 1 << 16
"""Longest accepted list of elements that encode to zero bytes: nothing else bounds their count."""


def is_scalar(ty: t.WitType | None) -> bool:
    """A type whose code has no blocks worth a function: primitives, enums, flags, handles, bytes."""
    return isinstance(ty, SCALARS) or (isinstance(ty, t.List) and isinstance(ty.elem, t.U8))


def is_inline(ty: t.WitType) -> bool:
    """Whether a type's code is emitted in place rather than as a call to its own function.

    Scalars are, and so are options and results of scalars: one level of blocks, no loops.
    """
    match ty:
        case t.Option(inner):
            return is_scalar(inner)
        case t.Result(ok, err):
            return (ok is None or is_scalar(ok)) and (err is None or is_scalar(err))
    return is_scalar(ty)


def has_async(ty: t.WitType | None) -> bool:
    """Whether a future or stream occurs anywhere inside the type."""
    match ty:
        case None:
            return False
        case t.Future() | t.Stream():
            return True
        case t.List(elem) | t.FixedList(elem, _) | t.Option(elem):
            return has_async(elem)
        case t.Record(fields=fields):
            return any(has_async(f) for _, f in fields)
        case t.Tuple(types):
            return any(has_async(f) for f in types)
        case t.Variant(cases=cases):
            return any(has_async(c) for _, c in cases)
        case t.Result(ok, err):
            return has_async(ok) or has_async(err)
    return False


def min_size(ty: t.WitType | None) -> int:
    """The fewest bytes any value of the type encodes to (bounds list counts before decoding them)."""
    match ty:
        case None | t.ErrorContext():
            return 0
        case t.F32():
            return 4
        case t.F64():
            return 8
        case t.Flags(labels=labels):
            return (len(labels) + 7) // 8
        case t.Record(fields=fields):
            return sum(min_size(f) for _, f in fields)
        case t.Tuple(types):
            return sum(min_size(f) for f in types)
        case t.Variant(cases=cases):
            return 1 + min((min_size(c) for _, c in cases), default=0)
        case t.FixedList():
            raise UnsupportedType(_FIXED_LIST)
    return 1


_FIXED_LIST = (
    "fixed-size lists (list<T, N>) have no wRPC encoding: upstream defines none and its generators "
    "refuse them; use list<T>"
)


def check_supported(ty: t.WitType | None) -> None:
    """Refuse, before any code is generated, the types that have no wRPC encoding."""
    match ty:
        case t.FixedList():
            raise UnsupportedType(_FIXED_LIST)
        case t.List(elem) | t.Option(elem) | t.Future(elem) | t.Stream(elem):
            check_supported(elem)
        case t.Record(fields=fields):
            for _, f in fields:
                check_supported(f)
        case t.Tuple(types):
            for f in types:
                check_supported(f)
        case t.Variant(cases=cases):
            for _, c in cases:
                check_supported(c)
        case t.Result(ok, err):
            check_supported(ok)
            check_supported(err)


class Emitter:
    """Accumulates generated functions and the constants they refer to, then `exec`s them once.

    `precise` selects the mode: precise code tracks the path of every member (a `try` per member, list
    indexes) and checks each length before use, so a failure says exactly what and where; fast code
    does neither and relies on its caller to re-run the precise code when it raises (see rule 3).
    """

    def __init__(self, namespace: dict[str, Any], *, precise: bool) -> None:
        self.namespace = namespace
        self.precise = precise
        self.chunks: list[str] = []
        self.functions: dict[t.WitType, str] = {}
        self._counter = itertools.count()
        self._late: list[tuple[str, Callable[[dict[str, Any]], object]]] = []

    def fresh(self, prefix: str) -> str:
        return f"{prefix}{next(self._counter)}"

    def const(self, value: object, prefix: str = "K") -> str:
        name = self.fresh(prefix)
        self.namespace[name] = value
        return name

    def late(self, prefix: str, make: Callable[[dict[str, Any]], object]) -> str:
        """A constant built after the source is executed, from the namespace (e.g. tables of functions)."""
        name = self.fresh(prefix)
        self._late.append((name, make))
        return name

    def function(self, ty: t.WitType, prefix: str, build: Callable[[str], list[str]]) -> str:
        """The name of the generated function for `ty`, generating it (once per type) with `build(name)`."""
        name = self.functions.get(ty)
        if name is None:
            name = self.fresh(prefix)
            self.functions[ty] = name
            self.chunks.append("\n".join(build(name)))
        return name

    def compile(self, filename: str) -> dict[str, Any]:
        source = "\n\n".join(self.chunks) + "\n"
        exec(compile(source, filename, "exec"), self.namespace)
        for name, make in self._late:
            self.namespace[name] = make(self.namespace)
        self.namespace["__source__"] = source
        return self.namespace


def indent(lines: list[str], levels: int = 1) -> list[str]:
    pad = "    " * levels
    return [pad + line for line in lines]
