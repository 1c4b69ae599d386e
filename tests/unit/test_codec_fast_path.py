"""The fast generated code agrees with the precise code wherever it returns at all.

The codec runs fast code first and re-runs the precise code only when the fast code fails (or, when
decoding, ends past the buffer). That is sound only if fast code never returns something the precise
code would not: these seeded fuzz tests compare the two modes directly on random types, on random and
mutated bytes, and on random values, well-formed or not.
"""

from __future__ import annotations

import random
from typing import Any

from tests.unit.codec_strategies import random_type, random_value
from tests.unit.test_codec_fuzz import _mutate
from wrpc import _encode
from wrpc import types as t
from wrpc.codec import _generate, compile
from wrpc.vectors import same

TYPES = 120
INPUTS_PER_TYPE = 200


def _agree(ty: t.WitType, got: tuple[Any, int], expected: object) -> bool:
    """Same value (NaN equal to NaN, as `same` compares) and same end position."""
    return isinstance(expected, tuple) and got[1] == expected[1] and same(ty, got[0], expected[0])


def _outcome(run: Any, *args: Any) -> Any:
    try:
        return run(*args)
    except Exception as error:  # the kind is enough: the public errors are pinned elsewhere
        return type(error)


def test_fast_decoders_return_what_precise_decoders_return_or_give_way() -> None:
    rng = random.Random(20261126)
    for _ in range(TYPES):
        ty = random_type(rng)
        fast = _generate(ty, precise=False, encoding=False)[1]
        precise = _generate(ty, precise=True, encoding=False)[1]
        seeds = [compile(ty).encode(random_value(rng, ty)) for _ in range(4)]
        for k in range(INPUTS_PER_TYPE):
            data = rng.randbytes(rng.randint(0, 24)) if k % 4 == 0 else _mutate(rng, rng.choice(seeds))
            got = _outcome(fast, data, 0, ())
            if isinstance(got, tuple) and got[1] <= len(data):
                assert _agree(ty, got, _outcome(precise, data, 0, ())), f"{t.type_name(ty)}: {data.hex()}"


def test_fast_decoders_read_long_leb128_like_precise_decoders() -> None:
    rng = random.Random(7)
    for ty in (t.U16(), t.U32(), t.U64(), t.S16(), t.S32(), t.S64(), t.String(), t.List(t.U8())):
        fast = _generate(ty, precise=False, encoding=False)[1]
        precise = _generate(ty, precise=True, encoding=False)[1]
        for _ in range(3000):
            size = rng.randint(1, 11)
            data = bytes(
                rng.choice([0, 1, 3, 4, 15, 16, 63, 64, 127, 128, 129, 191, 192, 255]) for _ in range(size)
            )
            data += bytes(8)
            got = _outcome(fast, data, 0, ())
            if isinstance(got, tuple) and got[1] <= len(data):
                assert _agree(ty, got, _outcome(precise, data, 0, ())), f"{t.type_name(ty)}: {data.hex()}"


def _encoded(run: Any, value: Any) -> object:
    out = _encode.Out()
    failed = _outcome(run, value, out, (), [])
    return failed if isinstance(failed, type) else out.finish()


def test_fast_encoders_write_the_same_bytes_and_refuse_the_same_values() -> None:
    rng = random.Random(20261127)
    for _ in range(TYPES):
        ty = random_type(rng)
        fast = _generate(ty, precise=False, encoding=True)[1]
        precise = _generate(ty, precise=True, encoding=True)[1]
        other = random_type(rng)
        for k in range(40):
            value = random_value(rng, ty if k % 2 else other)  # half of them of the wrong type
            expected = _encoded(precise, value)
            got = _encoded(fast, value)
            assert (got == expected) if isinstance(expected, bytes) else isinstance(got, type), t.type_name(
                ty
            )
