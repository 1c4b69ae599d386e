"""Hypothesis strategies for random WIT types (without futures and streams) and values of a given type.

Shared by the codec round-trip and fuzz tests; `random_type` is the same generator driven by a plain
`random.Random`, for the fuzz loop that needs many cheap types without hypothesis' shrinking.
"""

from __future__ import annotations

import random
from typing import Any

from hypothesis import strategies as st

from wrpc import types as t
from wrpc.values import Err, Ok, Some, Variant

LEAVES: list[t.WitType] = [
    t.Bool(), t.U8(), t.U16(), t.U32(), t.U64(), t.S8(), t.S16(), t.S32(), t.S64(), t.F32(), t.F64(),
    t.Char(), t.String(), t.List(t.U8()), t.Own("r"), t.Borrow("r"), t.ErrorContext(),
]  # fmt: skip

_NAMES = st.from_regex(r"[a-z][a-z0-9]{0,6}(-[a-z0-9]{1,4})?", fullmatch=True)


def _unique_names(count: int) -> st.SearchStrategy[list[str]]:
    return st.lists(_NAMES, min_size=count, max_size=count, unique=True)


@st.composite
def _enum(draw: st.DrawFn) -> t.WitType:
    count = draw(st.sampled_from([1, 2, 3, 127, 128, 129, 200]))
    return t.Enum("e", tuple(f"c{i}" for i in range(count)))


@st.composite
def _flags(draw: st.DrawFn) -> t.WitType:
    count = draw(st.integers(1, 130))
    return t.Flags("f", tuple(f"l{i}" for i in range(count)))


def _extend(children: st.SearchStrategy[t.WitType]) -> st.SearchStrategy[t.WitType]:
    optional = st.none() | children

    @st.composite
    def record(draw: st.DrawFn) -> t.WitType:
        names = draw(_unique_names(draw(st.integers(1, 4))))
        return t.Record("rec", tuple((n, draw(children)) for n in names))

    @st.composite
    def variant(draw: st.DrawFn) -> t.WitType:
        count = draw(st.sampled_from([1, 2, 3, 4, 130]))
        if count > 4:
            payload = draw(optional)
            return t.Variant("var", tuple((f"c{i}", payload if i % 2 else None) for i in range(count)))
        names = draw(_unique_names(count))
        return t.Variant("var", tuple((n, draw(optional)) for n in names))

    return st.one_of(
        children.map(t.List),
        children.map(t.Option),
        st.builds(t.Result, optional, optional),
        st.lists(children, max_size=4).map(lambda ts: t.Tuple(tuple(ts))),
        record(),
        variant(),
    )


TYPES: st.SearchStrategy[t.WitType] = st.recursive(
    st.sampled_from(LEAVES) | _enum() | _flags(), _extend, max_leaves=8
)


def values(ty: t.WitType | None) -> st.SearchStrategy[Any]:
    """Canonical Python values of `ty` (as the decoder returns them)."""
    match ty:
        case None | t.ErrorContext():
            return st.none()
        case t.Bool():
            return st.booleans()
        case t.U8() | t.U16() | t.U32() | t.U64():
            bits = {t.U8: 8, t.U16: 16, t.U32: 32, t.U64: 64}[type(ty)]
            return st.integers(0, (1 << bits) - 1)
        case t.S8() | t.S16() | t.S32() | t.S64():
            bits = {t.S8: 8, t.S16: 16, t.S32: 32, t.S64: 64}[type(ty)]
            return st.integers(-(1 << (bits - 1)), (1 << (bits - 1)) - 1)
        case t.F32():
            return st.floats(width=32)
        case t.F64():
            return st.floats()
        case t.Char():
            return st.characters(exclude_categories=["Cs"])
        case t.String():
            return st.text(max_size=20) | st.text(max_size=300, alphabet="ab\u00e9\u4e2d\U0001f600")
        case t.List(t.U8()) | t.Own() | t.Borrow():
            return st.binary(max_size=300)
        case t.List(elem):
            return st.lists(values(elem), max_size=4)
        case t.Tuple(types):
            return st.tuples(*(values(e) for e in types))
        case t.Record(fields=fields):
            return st.fixed_dictionaries({f: values(fty) for f, fty in fields})
        case t.Variant(cases=cases):
            return st.one_of(*(st.builds(Variant, st.just(c), values(p)) for c, p in cases[:3] + cases[-2:]))
        case t.Enum(cases=cases):
            return st.sampled_from(cases)
        case t.Flags(labels=labels):
            return st.frozensets(st.sampled_from(labels), max_size=len(labels))
        case t.Option(inner):
            some = values(inner).map(Some) if isinstance(inner, t.Option) else values(inner)
            return st.none() | some
        case t.Result(ok, err):
            return st.builds(Ok, values(ok)) | st.builds(Err, values(err))
    raise AssertionError(f"no value strategy for {ty!r}")


def random_type(rng: random.Random, depth: int = 3) -> t.WitType:
    """A random type (no futures or streams) from a plain RNG, for the fuzz loop."""
    if depth == 0 or rng.random() < 0.35:
        roll = rng.random()
        if roll < 0.1:
            return t.Enum("e", tuple(f"c{i}" for i in range(rng.choice([1, 2, 130]))))
        if roll < 0.2:
            return t.Flags("f", tuple(f"l{i}" for i in range(rng.randint(1, 130))))
        return rng.choice(LEAVES)
    sub = lambda: random_type(rng, depth - 1)  # noqa: E731
    optional = lambda: None if rng.random() < 0.3 else sub()  # noqa: E731
    kind = rng.randrange(6)
    if kind == 0:
        return t.List(sub())
    if kind == 1:
        return t.Option(sub())
    if kind == 2:
        return t.Result(optional(), optional())
    if kind == 3:
        return t.Tuple(tuple(sub() for _ in range(rng.randint(0, 4))))
    if kind == 4:
        return t.Record("rec", tuple((f"f{i}", sub()) for i in range(rng.randint(1, 4))))
    count = rng.choice([1, 2, 3, 130])
    return t.Variant("var", tuple((f"c{i}", optional()) for i in range(count)))


def random_value(rng: random.Random, ty: t.WitType | None) -> Any:
    """A random canonical value of `ty` from a plain RNG (boundary-heavy), for the fuzz loop."""
    match ty:
        case None | t.ErrorContext():
            return None
        case t.Bool():
            return rng.random() < 0.5
        case t.U8() | t.U16() | t.U32() | t.U64():
            bits = {t.U8: 8, t.U16: 16, t.U32: 32, t.U64: 64}[type(ty)]
            return rng.choice([0, 1, 127, 128, (1 << bits) - 1, rng.randrange(1 << bits)])
        case t.S8() | t.S16() | t.S32() | t.S64():
            half = 1 << ({t.S8: 8, t.S16: 16, t.S32: 32, t.S64: 64}[type(ty)] - 1)
            return rng.choice([0, -1, 63, 64, -64, -65, -half, half - 1, rng.randrange(-half, half)])
        case t.F32() | t.F64():
            return rng.choice([0.0, -0.0, 1.5, float("inf"), float("nan"), rng.random()])
        case t.Char():
            return chr(rng.choice([0x41, 0xE9, 0x4E2D, 0x1F600, 0x10FFFF]))
        case t.String():
            return rng.choice(["", "a", "h\u00e9llo", "x" * 130])
        case t.List(t.U8()) | t.Own() | t.Borrow():
            return rng.randbytes(rng.choice([0, 1, 5, 130]))
        case t.List(elem):
            return [random_value(rng, elem) for _ in range(rng.randint(0, 3))]
        case t.Tuple(types):
            return tuple(random_value(rng, e) for e in types)
        case t.Record(fields=fields):
            return {f: random_value(rng, fty) for f, fty in fields}
        case t.Variant(cases=cases):
            case, payload = rng.choice(cases)
            return Variant(case, random_value(rng, payload))
        case t.Enum(cases=cases):
            return rng.choice(cases)
        case t.Flags(labels=labels):
            return frozenset(label for label in labels if rng.random() < 0.3)
        case t.Option(inner):
            if rng.random() < 0.3:
                return None
            value = random_value(rng, inner)
            return Some(value) if isinstance(inner, t.Option) else value
        case t.Result(ok, err):
            return Ok(random_value(rng, ok)) if rng.random() < 0.5 else Err(random_value(rng, err))
        case t.Future() | t.Stream():
            return "pending"  # any object: the encoder writes it pending and defers it
    raise AssertionError(f"no random value for {ty!r}")
