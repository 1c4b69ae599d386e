"""Futures and streams: always sent pending, deferred with their index paths, channel data encoded apart."""

from __future__ import annotations

import pytest

from wrpc import types as t
from wrpc.codec import (
    STREAM_END,
    async_paths,
    compile,
    encode_future_value,
    encode_stream_chunk,
    function_async_paths,
    stream_decoder,
)
from wrpc.errors import DecodeError, EncodeError
from wrpc.values import Deferred, PendingFuture, PendingStream, ReadyFuture, ReadyStream, Variant

REQ = t.Record("req", (("numbers", t.Stream(t.U64())), ("bytes", t.Stream(t.U8()))))


def test_echo_paths_match_the_reference_example() -> None:
    echo = t.FunctionType("echo", (("r", REQ),), t.Tuple((t.Stream(t.U64()), t.Stream(t.U8()))))
    assert function_async_paths(echo) == ([(0, 0), (0, 1)], [(0, 0), (0, 1)])


def test_with_future_paths_match_the_reference_example() -> None:
    something = t.Record("something", (("foo", t.String()),))
    fn = t.FunctionType(
        "with-future", (("x", something), ("s", t.Stream(t.U8()))), t.Future(t.Stream(t.U8()))
    )
    assert function_async_paths(fn) == ([(1,)], [(0,)])


def test_payloads_keep_the_path_and_elements_are_wildcards() -> None:
    ty = t.Tuple(
        (
            t.Option(t.Future(t.U8())),
            t.Variant("v", (("a", t.Stream(t.U8())), ("b", None))),
            t.List(t.Record("r", (("x", t.U8()), ("s", t.Stream(t.Stream(t.U8())))))),
            t.Result(None, t.Future(t.Future(t.String()))),
            t.U32(),
        )
    )
    assert async_paths(ty) == [(0,), (1,), (2, None, 1), (2, None, 1, None), (3,)]


def test_async_values_are_written_pending_and_deferred_with_absolute_paths() -> None:
    params = t.Tuple((t.String(), REQ, t.Option(t.Future(t.String()))))
    numbers, data, later = object(), object(), object()
    value = ("hi", {"numbers": numbers, "bytes": data}, later)
    encoded, deferred = compile(params).encode_with_deferred(value)
    assert encoded == b"\x02hi\x00\x00\x01\x00"
    assert deferred == [
        Deferred((1, 0), t.Stream(t.U64()), numbers),
        Deferred((1, 1), t.Stream(t.U8()), data),
        Deferred((2,), t.Future(t.String()), later),
    ]
    decoded = compile(params).decode(encoded)
    assert decoded[1]["numbers"] == PendingStream((1, 0), t.Stream(t.U64()))
    assert decoded[2] == PendingFuture((2,), t.Future(t.String()))


def test_elements_of_lists_get_their_index_in_the_path() -> None:
    ty = t.List(t.Variant("v", (("f", t.Future(t.U8())), ("n", None))))
    encoded, deferred = compile(ty).encode_with_deferred([Variant("n"), Variant("f", "x")], (3,))
    assert encoded == b"\x02\x01\x00\x00"
    assert [d.path for d in deferred] == [(3, 1)]


def test_plain_encode_refuses_types_with_async_parts() -> None:
    with pytest.raises(EncodeError, match="encode_with_deferred"):
        compile(t.Stream(t.U8())).encode(object())


def test_ready_forms_from_rust_peers_decode() -> None:
    assert compile(t.Future(t.U8())).decode(b"\x01\x07") == ReadyFuture(7)
    assert compile(t.Stream(t.U8())).decode(b"\x02\x07\x08") == ReadyStream(b"\x07\x08")
    assert compile(t.Stream(t.String())).decode(b"\x01\x01a") == ReadyStream(["a"])


def test_future_channel_carries_the_plain_value_and_nested_async_continue_on_it() -> None:
    ty = t.Future(t.Future(t.Future(t.Stream(t.String()))))
    data, deferred = encode_future_value(ty, "inner", (0,))
    assert data == b"\x00"
    assert [(d.path, d.type) for d in deferred] == [((0,), t.Future(t.Future(t.Stream(t.String()))))]
    assert encode_future_value(t.Future(t.List(t.U64())), [1, 2, 3], (0,))[0] == bytes.fromhex("03010203")


def test_stream_chunks_end_with_an_empty_chunk_and_never_emit_an_empty_one_early() -> None:
    ty = t.Stream(t.U32())
    assert encode_stream_chunk(ty, [], (0,)) == (b"", [])
    chunks = encode_stream_chunk(ty, [0xC0, 0xFF], (0,))[0] + encode_stream_chunk(ty, [0xEE], (0,))[0]
    assert chunks + STREAM_END == bytes.fromhex("02c001ff0101ee0100")


def test_stream_elements_with_async_parts_are_indexed_across_chunks() -> None:
    ty = t.Stream(t.Stream(t.U8()))
    data, deferred = encode_stream_chunk(ty, ["a", "b"], (0,), first_index=5)
    assert data == b"\x02\x00\x00"
    assert [d.path for d in deferred] == [(0, 5), (0, 6)]
    decoder = stream_decoder(ty, (0,))
    assert decoder.feed(b"\x01\x00\x02\x00\x00\x00") == [
        PendingStream((0, 0), t.Stream(t.U8())),
        PendingStream((0, 1), t.Stream(t.U8())),
        PendingStream((0, 2), t.Stream(t.U8())),
    ]
    assert decoder.done


def test_stream_decoder_yields_bytes_as_they_arrive_and_ignores_bytes_after_the_end() -> None:
    decoder = stream_decoder(t.Stream(t.U8()), (0,))
    assert decoder.feed(b"\x06fo") == b"fo"
    assert decoder.feed(b"oba") == b"oba"
    assert decoder.feed(b"r\x02xy") == b"rxy"
    assert not decoder.done
    assert decoder.feed(b"\x00\x00garbage") == b""
    assert decoder.done
    assert decoder.feed(b"more") == b""


def test_stream_decoder_waits_for_whole_elements() -> None:
    decoder = stream_decoder(t.Stream(t.String()), (0,))
    assert decoder.feed(b"\x02\x03ab") == []
    assert decoder.feed(b"c\x01") == ["abc"]
    assert decoder.feed(b"d") == ["d"]


def test_stream_channel_closing_between_chunks_ends_it_but_inside_a_chunk_fails() -> None:
    clean = stream_decoder(t.Stream(t.U8()), (0,))
    clean.feed(b"\x01a")
    clean.finish()
    assert clean.done
    cut = stream_decoder(t.Stream(t.U8()), (0,))
    cut.feed(b"\x03a")
    with pytest.raises(DecodeError, match="bytes remaining on stream"):
        cut.finish()


def test_stream_decoder_reports_bad_elements_with_their_index() -> None:
    decoder = stream_decoder(t.Stream(t.Bool()), (0,), root="results[0]")
    with pytest.raises(DecodeError, match=r"results\[0\]\[1\]: invalid bool tag 0x07 at byte 2"):
        decoder.feed(b"\x02\x01\x07")


def test_stream_of_zero_size_elements_emits_a_chunk_at_once() -> None:
    decoder = stream_decoder(t.Stream(t.Tuple(())), (0,))
    assert decoder.feed(b"\x03") == [(), (), ()]
    decoder.finish()
    assert decoder.done
