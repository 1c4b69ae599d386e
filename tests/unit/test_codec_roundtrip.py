"""Property tests: random types (generated too) and values round-trip, whole and split anywhere."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.codec_strategies import TYPES, values
from wrpc import types as t
from wrpc.codec import compile
from wrpc.vectors import same

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def typed_values(draw: st.DrawFn) -> tuple[t.WitType, Any]:
    ty = draw(TYPES)
    return ty, draw(values(ty))


@SETTINGS
@given(typed_values())
def test_random_values_of_random_types_round_trip(case: tuple[t.WitType, Any]) -> None:
    ty, value = case
    codec = compile(ty)
    data = codec.encode(value)
    decoded = codec.decode(data)
    assert same(ty, decoded, value), f"{t.type_name(ty)}: {value!r} -> {data.hex()} -> {decoded!r}"
    assert codec.encode(decoded) == data, "re-encoding the decoded value gives the same bytes"


@SETTINGS
@given(typed_values(), st.data())
def test_incremental_decoding_accepts_any_split(case: tuple[t.WitType, Any], data: st.DataObject) -> None:
    ty, value = case
    codec = compile(ty)
    encoded = codec.encode(value)
    cuts = sorted(
        {c for c in data.draw(st.lists(st.integers(0, len(encoded)), max_size=6)) if c < len(encoded)}
    )
    decoder = codec.decoder()
    done = False
    previous = 0
    for cut in [*cuts, len(encoded)]:
        assert not done, "the decoder finished before all of the value's bytes arrived"
        done = decoder.feed(encoded[previous:cut])
        previous = cut
    assert done or decoder.feed(b"")
    assert same(ty, decoder.value, value)
    assert decoder.trailing == b""


@SETTINGS
@given(typed_values())
def test_every_strict_prefix_is_reported_truncated(case: tuple[t.WitType, Any]) -> None:
    from wrpc.errors import TruncatedInput

    ty, value = case
    codec = compile(ty)
    encoded = codec.encode(value)
    for cut in range(0, len(encoded), max(1, len(encoded) // 16)):
        if cut == len(encoded):
            continue
        try:
            codec.decode(encoded[:cut])
        except TruncatedInput:
            continue
        raise AssertionError(f"{t.type_name(ty)}: prefix of {cut}/{len(encoded)} bytes decoded")


def test_the_same_type_compiles_once() -> None:
    ty = t.List(t.Record("r", (("a", t.U8()),)))
    assert compile(ty) is compile(t.List(t.Record("r", (("a", t.U8()),))))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_stream_chunks_decode_when_split_anywhere(data: st.DataObject) -> None:
    from wrpc.codec import STREAM_END, encode_stream_chunk, stream_decoder

    elem = data.draw(TYPES)
    ty = t.Stream(elem)
    chunks = data.draw(st.lists(st.lists(values(elem), min_size=1, max_size=3), max_size=3))
    encoded = b"".join(encode_stream_chunk(ty, c, (0,))[0] for c in chunks) + STREAM_END
    cuts = sorted(set(data.draw(st.lists(st.integers(0, len(encoded)), max_size=8))))
    decoder = stream_decoder(ty, (4,))
    items: list[Any] = []
    previous = 0
    for cut in [*cuts, len(encoded)]:
        items += decoder.feed(encoded[previous:cut])
        previous = cut
    assert decoder.done
    flat = [x for c in chunks for x in c]
    if isinstance(elem, t.U8):
        assert bytes(items) == bytes(flat)
    else:
        assert len(items) == len(flat) and all(same(elem, a, b) for a, b in zip(items, flat, strict=True))
