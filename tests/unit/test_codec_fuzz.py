"""Fuzz: random and mutated bytes against random types raise only `DecodeError`, and never hang.

Deterministic (seeded) so a failure reproduces; 100,000+ inputs in a few seconds. Every value the
decoder accepts must also be a valid value: it re-encodes, and that encoding decodes to it again.
"""

from __future__ import annotations

import random
import time

from tests.unit.codec_strategies import random_type, random_value
from wrpc import types as t
from wrpc.codec import STREAM_END, Codec, compile, encode_stream_chunk, stream_decoder
from wrpc.errors import DecodeError
from wrpc.vectors import same

TYPES = 250
INPUTS_PER_TYPE = 420


def _mutate(rng: random.Random, data: bytes) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 3)):
        op = rng.randrange(6)
        if op == 0 and buf:
            buf[rng.randrange(len(buf))] = rng.randrange(256)
        elif op == 1 and buf:
            buf[rng.randrange(len(buf))] = rng.choice([0x00, 0x01, 0x7F, 0x80, 0xFF])
        elif op == 2:
            buf.insert(rng.randint(0, len(buf)), rng.randrange(256))
        elif op == 3 and buf:
            del buf[rng.randrange(len(buf))]
        elif op == 4:
            del buf[rng.randint(0, len(buf)) :]
        else:
            buf += rng.randbytes(rng.randint(1, 4))
    return bytes(buf)


def test_random_and_mutated_bytes_raise_only_decode_errors() -> None:
    rng = random.Random(20261125)
    started = time.perf_counter()
    inputs = accepted = 0
    for _ in range(TYPES):
        ty = random_type(rng)
        codec = compile(ty)
        seeds = [codec.encode(random_value(rng, ty)) for _ in range(4)]
        for k in range(INPUTS_PER_TYPE):
            data = rng.randbytes(rng.randint(0, 24)) if k % 4 == 0 else _mutate(rng, rng.choice(seeds))
            inputs += 1
            value: object = _REJECTED
            try:
                value = codec.decode(data)
            except DecodeError:
                pass
            else:
                accepted += 1
                again = codec.encode(value)
                assert same(ty, codec.decode(again), value), f"{t.type_name(ty)}: {data.hex()}"
            if k % 16 == 0:
                _stream_in_pieces(rng, codec, data, value)
    elapsed = time.perf_counter() - started
    assert inputs >= 100_000
    assert accepted > 1000, "the mutations should keep some inputs valid"
    assert elapsed < 60, f"fuzzing {inputs} inputs took {elapsed:.1f} s"


_REJECTED = object()


def _stream_in_pieces(rng: random.Random, codec: Codec, data: bytes, whole: object) -> None:
    """Feeding `data` in random pieces agrees with decoding it whole (`whole`, or `_REJECTED`)."""
    decoder = codec.decoder(max_buffered=1 << 16)
    try:
        pos = 0
        while pos < len(data):
            step = rng.randint(1, 8)
            decoder.feed(data[pos : pos + step])
            pos += step
        decoder.finish()
    except DecodeError:
        assert whole is _REJECTED, f"{t.type_name(codec.type)}: {data.hex()} decodes whole but not in pieces"
        return
    if whole is _REJECTED:
        assert decoder.trailing, f"{t.type_name(codec.type)}: {data.hex()} decodes in pieces but not whole"
    else:
        assert not decoder.trailing and same(codec.type, decoder.value, whole), data.hex()


def test_huge_length_prefixes_fail_fast_without_allocating() -> None:
    started = time.perf_counter()
    cases: list[tuple[t.WitType, bytes]] = [
        (t.String(), b"\xff\xff\xff\xff\x0f" + b"a"),
        (t.List(t.U8()), b"\xff\xff\xff\xff\x0f"),
        (t.List(t.U64()), b"\xff\xff\xff\xff\x0f\x01\x02"),
        (t.List(t.Tuple(())), b"\xff\xff\xff\xff\x0f"),
        (t.List(t.List(t.String())), b"\xff\xff\xff\xff\x0f" * 3),
    ]
    for ty, data in cases:
        codec = compile(ty)
        try:
            codec.decode(data)
        except DecodeError:
            pass
        else:
            raise AssertionError(f"{t.type_name(ty)} accepted {data.hex()}")
        decoder = codec.decoder(max_buffered=1 << 20)
        try:
            decoder.feed(data)
            decoder.finish()
        except DecodeError:
            pass
    assert time.perf_counter() - started < 1.0


ASYNC_TYPES = [
    t.Stream(t.U8()),
    t.Stream(t.String()),
    t.Stream(t.Tuple((t.U32(), t.Option(t.Char())))),
    t.Stream(t.Stream(t.U8())),
    t.Stream(None),
    t.Stream(t.Tuple(())),
]


def test_random_bytes_on_stream_channels_raise_only_decode_errors() -> None:
    rng = random.Random(7)
    inputs = 0
    for ty in ASYNC_TYPES:
        valid = encode_stream_chunk(ty, [random_value(rng, ty.inner) for _ in range(3)], (0,))[0] + STREAM_END
        for k in range(2000):
            data = rng.randbytes(rng.randint(0, 16)) if k % 2 else _mutate(rng, valid)
            decoder = stream_decoder(ty, (0,), max_buffered=1 << 12)
            try:
                pos = 0
                while pos < len(data) and not decoder.done:
                    step = rng.randint(1, 6)
                    decoder.feed(data[pos : pos + step])
                    pos += step
                decoder.finish()
            except DecodeError:
                pass
            inputs += 1
    assert inputs == 2000 * len(ASYNC_TYPES)


def test_random_bytes_against_types_with_futures_and_streams_raise_only_decode_errors() -> None:
    rng = random.Random(11)
    for ty in [
        t.Tuple((t.Future(t.U8()), t.Stream(t.String()), t.U8())),
        t.Record("req", (("numbers", t.Stream(t.U64())), ("bytes", t.Stream(t.U8())))),
        t.List(t.Option(t.Future(t.Future(t.Stream(t.String()))))),
        t.Future(None),
    ]:
        codec = compile(ty)
        for _ in range(2000):
            try:
                codec.decode(rng.randbytes(rng.randint(0, 12)), (1,))
            except DecodeError:
                pass
