"""Every byte vector in spec/vectors/ passes both ways: encode to the hex, decode back to the value.

The `ref-*` vectors have hex typed in from the protocol notes (Rust/Go sources), so these tests pin our
codec to the reference encoding, not to itself.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from wrpc import types as t
from wrpc.codec import STREAM_END, compile, encode_future_value, encode_stream_chunk, stream_decoder
from wrpc.errors import DecodeError, TruncatedInput
from wrpc.values import PendingFuture, PendingStream
from wrpc.vectors import from_json, same, vector_type

VECTORS = Path(ROOT, "spec", "vectors")
VALUES: list[dict[str, Any]] = json.loads((VECTORS / "values.json").read_text())
INVALID: list[dict[str, Any]] = json.loads((VECTORS / "invalid.json").read_text())
PLAIN = [v for v in VALUES if "kind" not in v]
CHANNELS = [v for v in VALUES if "kind" in v]


def _ids(vectors: list[dict[str, Any]]) -> list[str]:
    return [v["name"] for v in vectors]


def test_vector_files_are_large_enough_and_cover_the_reference_table() -> None:
    assert len(VALUES) >= 150
    refs = {v["name"].split()[0] for v in VALUES if v["name"].startswith("ref-")}
    assert refs == {f"ref-{i}" for i in range(1, 41)}


@pytest.mark.parametrize("vector", PLAIN, ids=_ids(PLAIN))
def test_value_vector_encodes_to_its_hex(vector: dict[str, Any]) -> None:
    ty = vector_type(vector)
    value = from_json(ty, vector["value"])
    data, _ = compile(ty).encode_with_deferred(value)
    assert data.hex(" ") == vector["hex"], vector["name"]


@pytest.mark.parametrize("vector", PLAIN, ids=_ids(PLAIN))
def test_value_vector_decodes_to_its_value(vector: dict[str, Any]) -> None:
    ty = vector_type(vector)
    decoded = compile(ty).decode(bytes.fromhex(vector["hex"]))
    expected = from_json(ty, vector["value"])
    assert same(ty, decoded, expected), f"{vector['name']}: decoded {decoded!r}, expected {expected!r}"


@pytest.mark.parametrize("vector", PLAIN, ids=_ids(PLAIN))
def test_value_vector_decodes_when_split_at_every_byte(vector: dict[str, Any]) -> None:
    ty = vector_type(vector)
    codec = compile(ty)
    data = bytes.fromhex(vector["hex"])
    expected = codec.decode(data)
    splits = range(1, len(data)) if len(data) <= 80 else range(1, len(data), max(1, len(data) // 40))
    for cut in splits:
        decoder = codec.decoder()
        assert not decoder.feed(data[:cut]), f"complete after only {cut} of {len(data)} bytes"
        assert decoder.feed(data[cut:])
        assert same(ty, decoder.value, expected)
        assert decoder.trailing == b""


def _named(name: str) -> dict[str, Any]:
    return next(v for v in VALUES if v["name"] == name)


@pytest.mark.parametrize("vector", CHANNELS, ids=_ids(CHANNELS))
def test_channel_vector_encodes_and_decodes(vector: dict[str, Any]) -> None:
    ty = vector_type(vector)
    data = bytes.fromhex(vector["hex"])
    path = (0,)
    if isinstance(ty, t.Stream):
        chunk_type = t.List(ty.inner or t.ErrorContext())
        chunks = [from_json(chunk_type, c) for c in vector["value"]]
        encoded = b"".join(encode_stream_chunk(ty, c, path)[0] for c in chunks) + STREAM_END
        assert encoded == data
        for step in (len(data), 1):
            decoder = stream_decoder(ty, path)
            items: list[Any] = []
            for k in range(0, len(data), step):
                items += decoder.feed(data[k : k + step])
            assert decoder.done
            flat = [x for c in chunks for x in c]
            assert (bytes(items) if isinstance(ty.inner, t.U8) else items) == (
                bytes(flat) if isinstance(ty.inner, t.U8) else flat
            )
    else:
        assert isinstance(ty, t.Future) and ty.inner is not None
        value = from_json(ty.inner, vector["value"])
        assert encode_future_value(ty, value, path)[0] == data
        future_decoder = compile(ty.inner).decoder(path)
        assert future_decoder.feed(data)
        assert same(ty.inner, future_decoder.value, value)


@pytest.mark.parametrize("vector", INVALID, ids=_ids(INVALID))
def test_invalid_bytes_raise_the_expected_decode_error(vector: dict[str, Any]) -> None:
    ty = vector_type(vector)
    data = bytes.fromhex(vector["hex"])
    with pytest.raises(DecodeError) as caught:
        compile(ty).decode(data)
    if vector["error"] == "truncated":
        assert isinstance(caught.value, TruncatedInput), str(caught.value)
    else:
        assert not isinstance(caught.value, TruncatedInput), str(caught.value)
    assert str(caught.value).startswith("value"), "the message names the type path"
    decoder = compile(ty).decoder()
    try:
        complete = decoder.feed(data)
    except DecodeError:
        return
    if complete:
        assert decoder.trailing, "a complete streaming decode of invalid bytes must leave trailing bytes"
    else:
        with pytest.raises(TruncatedInput):
            decoder.finish()


def test_pending_values_carry_their_absolute_index_paths() -> None:
    vector = _named("ref-40 req params sync")
    ty = vector_type(vector)
    codec = compile(ty)
    data, deferred = codec.encode_with_deferred(from_json(ty, vector["value"]), (7,))
    assert data == bytes.fromhex(vector["hex"])
    assert [d.path for d in deferred] == [(7, 0, 0), (7, 0, 1)]
    decoded = codec.decode(data, (7,))
    assert decoded == (
        {
            "numbers": PendingStream((7, 0, 0), t.Stream(t.U64())),
            "bytes": PendingStream((7, 0, 1), t.Stream(t.U8())),
        },
    )
    future = compile(t.parse_type_expr("future<stream<u8>>")).decode(b"\x00", (0,))
    assert future == PendingFuture((0,), t.Future(t.Stream(t.U8())))
