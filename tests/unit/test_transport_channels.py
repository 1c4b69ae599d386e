"""The transport-independent channel layer: readers, values decoded across arbitrary splits, futures and
streams bound to channels, and deferred values written back, all without a network."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from wrpc.codec import compile
from wrpc.errors import IncompleteResults, RemoteError
from wrpc.transport.asyncvalues import Channels, RemoteFuture, RemoteStream, bind, materialize, send_deferred
from wrpc.transport.base import ChannelReader, ChannelWriter, Path
from wrpc.types import parse_type_expr


class MemoryWriter(ChannelWriter):
    """Collects what is written; `ended` holds the EOF's error text (or "" for a plain EOF)."""

    def __init__(self) -> None:
        self.data = b""
        self.ended: str | None = None

    @property
    def closed(self) -> bool:
        return self.ended is not None

    async def write(self, data: bytes) -> None:
        assert self.ended is None, "write after close"
        self.data += data

    async def close(self) -> None:
        self.ended = ""


def feeding(chunks: dict[Path, list[bytes]], errors: dict[Path, str] | None = None) -> Channels:
    """Channels whose readers already hold `chunks` (split as given) and then end."""
    readers: dict[Path, ChannelReader] = {}

    def reader_for(path: Path) -> ChannelReader:
        if path not in readers:
            reader = readers[path] = ChannelReader(str(path))
            for chunk in chunks.get(path, []):
                reader.feed(chunk)
            reader.feed_eof((errors or {}).get(path))
        return readers[path]

    return Channels(reader_for, "test")


async def test_a_reader_returns_fed_bytes_then_empty_at_eof_and_ignores_empty_feeds() -> None:
    reader = ChannelReader()
    reader.feed(b"ab")
    reader.feed(b"")
    reader.feed(b"c")
    reader.feed_eof("why")
    assert [chunk async for chunk in reader] == [b"ab", b"c"]
    assert await reader.read() == b""
    assert reader.error_text == "why"


async def test_a_value_split_at_every_byte_decodes_and_leaves_the_rest_for_the_next() -> None:
    ty = parse_type_expr("tuple<string, u32>")
    data = compile(ty).encode(("hello", 624485)) + b"\x05tail!"
    channels = feeding({(): [bytes([b]) for b in data]})
    source = channels.source(())
    assert await source.decode(ty, (), what="t") == ("hello", 624485)
    assert await source.decode(parse_type_expr("string"), (), what="t") == "tail!"
    assert await source.at_end()


async def test_a_channel_ending_early_is_incomplete_or_the_peers_error() -> None:
    ty = parse_type_expr("string")
    with pytest.raises(IncompleteResults):
        await feeding({(): [b"\x05ab"]}).source(()).decode(ty, (), what="t")
    with pytest.raises(RemoteError, match="disk full"):
        await feeding({(): [b"\x05ab"]}, {(): "disk full"}).source(()).decode(ty, (), what="t")


async def test_pending_futures_and_streams_become_awaitables_and_async_iterators() -> None:
    ty = parse_type_expr("tuple<future<string>, stream<u8>, future<stream<u32>>>")
    value = compile(ty).decode(b"\x00\x00\x00")
    channels = feeding(
        {
            (0,): [b"\x03", b"abc"],
            (1,): [b"\x02xy\x01", b"z\x00"],
            (2,): [b"\x00\x02\x01\x02", b"\x01\x03\x00"],
        }
    )
    bound = bind(value, channels)
    assert isinstance(bound[0], RemoteFuture) and isinstance(bound[1], RemoteStream)
    assert await materialize(bound) == ("abc", b"xyz", [1, 2, 3])


async def test_a_stream_cut_off_by_a_failing_peer_raises_its_text() -> None:
    ty = parse_type_expr("stream<u32>")
    stream = bind(compile(ty).decode(b"\x00"), feeding({(): [b"\x01\x07"]}, {(): "sensor unplugged"}))
    got = []
    with pytest.raises(RemoteError, match="sensor unplugged"):
        async for item in stream:
            got.append(item)
    assert got == [7]


async def test_deferred_values_are_written_on_their_paths_with_nested_ones_on_the_same_channel() -> None:
    ty = parse_type_expr("tuple<stream<string>, future<stream<u8>>>")

    async def words() -> AsyncIterator[str]:
        yield "a"
        yield "bc"

    async def later() -> list[bytes]:
        await asyncio.sleep(0)
        return [b"x", b"yz"]

    sync, deferred = compile(ty).encode_with_deferred((words(), later()))
    assert sync == b"\x00\x00"
    writers: dict[Path, MemoryWriter] = {}
    await send_deferred(deferred, lambda path: writers.setdefault(path, MemoryWriter()))
    assert writers[(0,)].data == b"\x01\x01a\x01\x02bc\x00"
    assert writers[(1,)].data == b"\x00\x03xyz\x00"
    assert all(w.ended == "" for w in writers.values())


async def test_a_failing_source_leaves_its_channel_open_for_the_owner_to_fail() -> None:
    ty = parse_type_expr("stream<u8>")

    async def broken() -> AsyncIterator[bytes]:
        yield b"ok"
        raise ValueError("gone")

    _, deferred = compile(ty).encode_with_deferred(broken())
    writers: dict[Path, MemoryWriter] = {}
    with pytest.raises(ValueError, match="gone"):
        await send_deferred(deferred, lambda path: writers.setdefault(path, MemoryWriter()))
    assert writers[()].data == b"\x02ok" and writers[()].ended is None
