"""Futures and streams across an invocation, whatever the transport: what `wrpc.client` and `wrpc.server`
share.

Sending: the codec writes a future or stream as pending (`00`) and hands back a `Deferred` with its
index path; `send_deferred` drains the Python object (an awaitable, an async or sync iterable) onto the
channel at that path. Receiving: the codec decodes a pending future or stream as a placeholder with its
path; `bind` replaces each placeholder with a `RemoteFuture` (awaitable) or `RemoteStream` (async
iterator) reading the channel at that path.

Rules of this module:
1. Protocol notes 1.4-1.6: a future's channel carries the plain encoding of its value; a stream's
   channel carries chunks (ULEB count + elements), ended by an empty chunk (`00`). Async values at the
   top of a future's value continue on the same channel, so channels are read through one shared
   `ChannelSource` per path that keeps the bytes a decode did not consume.
2. A writer's channel is closed only after everything that shares it has been written.
3. `stream<u8>` is exchanged as `bytes` chunks; any other `stream<T>` as single items (a sync iterable
   is sent as one chunk, an async iterable item by item).
4. All codec calls go through `encode`, `ChannelSource.decode` and `signature`, the only places that
   know the codec's API. Compiled codecs are found by the identity of their type (a hash of a WIT type
   walks the whole type), and a function's param and result types are built once (`signature`), so a
   call looks nothing up by hash.
"""

from __future__ import annotations

import asyncio
import collections
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterable
from typing import Any, NamedTuple

from wrpc import codec as _codec
from wrpc import types as t
from wrpc._gen import min_size
from wrpc.errors import DecodeError, IncompleteResults, RemoteError, TruncatedInput, WrpcError
from wrpc.transport.base import ChannelReader, ChannelWriter, Path
from wrpc.values import (
    Deferred,
    Err,
    Ok,
    PendingFuture,
    PendingStream,
    ReadyFuture,
    ReadyStream,
    Some,
    Variant,
)

_U8 = t.U8()

_IDENTITY_CACHE_SIZE = 4096

_compiled_by_id: dict[int, tuple[t.WitType, _codec.Codec, int]] = {}


def _compiled(ty: t.WitType) -> tuple[_codec.Codec, int]:
    """The codec of `ty` and the fewest bytes a value of it takes (0: a value may be complete before
    any byte arrives), found by identity; each entry keeps its type alive, so no other type can reuse
    an id in the table."""
    entry = _compiled_by_id.get(id(ty))
    if entry is None or entry[0] is not ty:
        if len(_compiled_by_id) >= _IDENTITY_CACHE_SIZE:
            _compiled_by_id.clear()
        entry = _compiled_by_id[id(ty)] = (ty, _codec.compile(ty), min_size(ty))
    return entry[1], entry[2]


class Signature(NamedTuple):
    """What a call of one function needs from the codec, worked out once per function."""

    params: t.Tuple
    results: t.Tuple
    params_async: bool
    """Whether the params can hold futures or streams (only then are decoded params bound)."""
    results_async: bool
    param_paths: list[_codec.WildcardPath]
    result_paths: list[_codec.WildcardPath]


_signatures_by_id: dict[int, tuple[t.FunctionType, Signature]] = {}


def signature(func: t.FunctionType) -> Signature:
    """The `Signature` of `func`, found by identity like the codecs."""
    entry = _signatures_by_id.get(id(func))
    if entry is None or entry[0] is not func:
        if len(_signatures_by_id) >= _IDENTITY_CACHE_SIZE:
            _signatures_by_id.clear()
        params, results = func.params_type, func.results_type
        param_paths, result_paths = _codec.function_async_paths(func)
        sig = Signature(
            params,
            results,
            _compiled(params)[0].has_async,
            _compiled(results)[0].has_async,
            param_paths,
            result_paths,
        )
        entry = _signatures_by_id[id(func)] = (func, sig)
    return entry[1]


def encode(
    ty: t.WitType, value: Any, path: Path = (), *, root: str = "value"
) -> tuple[bytes, list[Deferred]]:
    """The sync encoding of `value` at index path `path`, and the async values it left for later."""
    return _compiled(ty)[0].encode_with_deferred(value, path, root=root)


class ChannelSource:
    """One incoming channel read value after value; bytes a decode did not consume stay for the next."""

    def __init__(self, reader: ChannelReader, max_buffered: int = _codec.DEFAULT_MAX_BUFFERED) -> None:
        self.reader = reader
        self.max_buffered = max_buffered
        self._buffer = b""

    def _incomplete(self, what: str, exc: Exception | None = None) -> WrpcError:
        """The error for a channel that ended early: the peer's reason when it sent one (`RemoteError`)."""
        if self.reader.error_text is not None:
            return RemoteError(self.reader.error_text, subject=self.reader.name or None)
        detail = f" ({exc})" if exc is not None else ""
        return IncompleteResults(f"{what} ended before the value was complete{detail}")

    async def next_bytes(self) -> bytes:
        """Bytes left over by the last decode, else the next received bytes; `b""` at EOF."""
        if self._buffer:
            data, self._buffer = self._buffer, b""
            return data
        return await self.reader.read()

    def push_back(self, data: bytes) -> None:
        self._buffer = data + self._buffer

    async def decode(self, ty: t.WitType, path: Path, *, what: str) -> Any:
        """Decode one `ty` at `path`; EOF before it is complete raises `IncompleteResults`.

        The first bytes are tried whole (a value usually arrives in one message); only a value
        they do not complete goes through the incremental decoder.
        """
        codec, min_size = _compiled(ty)
        if not self._buffer and min_size > 0:
            self._buffer = await self.reader.read()
        if self._buffer or min_size == 0:
            try:
                value, end = codec.decode_prefix(self._buffer, 0, path, root=what)
            except TruncatedInput:
                pass
            else:
                self._buffer = self._buffer[end:]
                return value
        decoder = codec.decoder(path, root=what, max_buffered=self.max_buffered)
        while True:
            data = await self.next_bytes()
            if not data:
                try:
                    return decoder.finish()
                except DecodeError as exc:
                    raise self._incomplete(what, exc) from exc
            if decoder.feed(data):
                self.push_back(decoder.trailing)
                return decoder.value

    async def at_end(self) -> bool:
        """True if the channel has no more bytes."""
        data = await self.next_bytes()
        self.push_back(data)
        return not data


ReaderFor = Callable[[Path], ChannelReader]
WriterFor = Callable[[Path], ChannelWriter]


class Channels:
    """The incoming channels of one invocation side, one `ChannelSource` per path."""

    def __init__(self, reader_for: ReaderFor, what: str) -> None:
        self._reader_for = reader_for
        self._sources: dict[Path, ChannelSource] = {}
        self.what = what
        self.live = 0
        """Remote futures and streams of this invocation not yet finished, nested ones included."""
        self._idle: asyncio.Future[None] | None = None
        """Made only when someone waits: most calls have no async values."""

    def track(self) -> None:
        self.live += 1

    def untrack(self) -> None:
        self.live -= 1
        if self.live == 0 and self._idle is not None and not self._idle.done():
            self._idle.set_result(None)

    async def wait_idle(self) -> None:
        """Until every remote future and stream bound so far (and any bound while waiting) finished.

        A future's value is bound (and its own futures and streams tracked) before the future itself
        counts as finished, so the count never touches zero while nested values are still to come.
        """
        while self.live:
            self._idle = asyncio.get_running_loop().create_future()
            try:
                await self._idle
            finally:
                self._idle = None

    def source(self, path: Path) -> ChannelSource:
        src = self._sources.get(path)
        if src is None:
            src = self._sources[path] = ChannelSource(self._reader_for(path))
        return src


def _finish(finished: asyncio.Event, channels: Channels) -> None:
    if not finished.is_set():
        finished.set()
        channels.untrack()


class RemoteFuture(Awaitable[Any]):
    """A future whose value arrives on an invocation channel; await it (once) for the value."""

    def __init__(self, channels: Channels, path: Path, ty: t.Future) -> None:
        self._channels = channels
        self.path = path
        self.type = ty
        self._task: asyncio.Future[Any] | None = None
        self.finished = asyncio.Event()
        """Set once the value arrived or its channel failed."""
        channels.track()

    async def _get(self) -> Any:
        try:
            if self.type.inner is None:
                return None
            source = self._channels.source(self.path)
            what = f"{self._channels.what} future at {list(self.path)}"
            value = await source.decode(self.type.inner, self.path, what=what)
            return bind(value, self._channels)
        finally:
            _finish(self.finished, self._channels)

    def __await__(self) -> Generator[Any, None, Any]:
        if self._task is None:
            self._task = asyncio.ensure_future(self._get())
        return self._task.__await__()


class RemoteStream(AsyncIterator[Any]):
    """A stream whose chunks arrive on an invocation channel: an async iterator of items (`bytes` chunks
    for `stream<u8>`)."""

    def __init__(self, channels: Channels, path: Path, ty: t.Stream) -> None:
        self._channels = channels
        self.path = path
        self.type = ty
        self._pending: collections.deque[Any] = collections.deque()
        self._decoder = _codec.stream_decoder(ty, path, root=f"{channels.what} stream at {list(path)}")
        self._u8 = ty.inner == _U8
        self.finished = asyncio.Event()
        """Set once the stream ended or its channel failed."""
        channels.track()

    def __aiter__(self) -> RemoteStream:
        return self

    async def __anext__(self) -> Any:
        try:
            return await self._next()
        except BaseException:
            _finish(self.finished, self._channels)
            raise

    async def _next(self) -> Any:
        source = self._channels.source(self.path)
        while not self._pending:
            if self._decoder.done:
                raise StopAsyncIteration
            data = await source.next_bytes()
            if not data:
                what = f"{self._channels.what} stream at {list(self.path)}"
                if source.reader.error_text is not None:
                    raise source._incomplete(what)
                try:
                    self._decoder.finish()
                except DecodeError as exc:
                    raise source._incomplete(what, exc) from exc
                raise StopAsyncIteration
            items = self._decoder.feed(data)
            if self._u8:
                if items:
                    return bytes(items)
            else:
                self._pending.extend(bind(item, self._channels) for item in items)
        return self._pending.popleft()

    async def read_all(self) -> Any:
        """Every remaining item: `bytes` for `stream<u8>`, otherwise a list."""
        items = [item async for item in self]
        return b"".join(items) if self._u8 else items


def bind(value: Any, channels: Channels) -> Any:
    """`value` with each pending future/stream placeholder replaced by its remote awaitable/iterator."""
    match value:
        case PendingFuture(path=path, type=t.Future() as ty):
            return RemoteFuture(channels, path, ty)
        case PendingStream(path=path, type=t.Stream() as ty):
            return RemoteStream(channels, path, ty)
        case ReadyFuture(value=inner):
            return _ready(bind(inner, channels))
        case ReadyStream(items=items):
            return _ready_stream(items)
        case list():
            return [bind(v, channels) for v in value]
        case tuple():
            return tuple(bind(v, channels) for v in value)
        case dict():
            return {k: bind(v, channels) for k, v in value.items()}
        case Some(value=inner):
            return Some(bind(inner, channels))
        case Ok(value=inner):
            return Ok(bind(inner, channels))
        case Err(value=inner):
            return Err(bind(inner, channels))
        case Variant(case=case, value=inner):
            return Variant(case, bind(inner, channels))
    return value


def _ready(value: Any) -> asyncio.Future[Any]:
    future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    future.set_result(value)
    return future


async def _ready_stream(items: Any) -> AsyncIterator[Any]:
    if isinstance(items, (bytes, bytearray)):
        yield bytes(items)
        return
    for item in items:
        yield item


async def send_deferred(deferred: Iterable[Deferred], writer_for: WriterFor) -> None:
    """Write every deferred async value to its channel, concurrently, and close each channel after."""
    tasks = [asyncio.ensure_future(_send_on_own_channel(d, writer_for)) for d in deferred]
    if not tasks:
        return
    try:
        await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


async def _send_on_own_channel(d: Deferred, writer_for: WriterFor) -> None:
    # On failure the channel stays open: the invocation's owner ends it as a failure (with the reason,
    # where the transport can carry one), so the reader cannot take a cut-off stream for a whole one.
    writer = writer_for(d.path)
    await _send(d, writer, writer_for)
    await writer.close()


async def _send(d: Deferred, writer: ChannelWriter, writer_for: WriterFor) -> None:
    """Write `d` to `writer`; deferred values inside it on the same path follow on the same writer."""
    if isinstance(d.type, t.Future):
        value = await d.value if inspect.isawaitable(d.value) else d.value
        data, nested = _codec.encode_future_value(d.type, value, d.path)
        await writer.write(data)
        await _send_nested(d.path, nested, writer, writer_for)
    elif isinstance(d.type, t.Stream):
        await _send_stream(d.type, d, writer, writer_for)
    else:
        raise TypeError(f"deferred value of type {t.type_name(d.type)} is neither a future nor a stream")


async def _send_nested(
    path: Path, nested: list[Deferred], writer: ChannelWriter, writer_for: WriterFor
) -> None:
    same = [n for n in nested if n.path == path]
    others = [n for n in nested if n.path != path]
    other_task = asyncio.ensure_future(send_deferred(others, writer_for)) if others else None
    try:
        for n in same:
            await _send(n, writer, writer_for)
    finally:
        if other_task is not None:
            await other_task


async def _send_stream(ty: t.Stream, d: Deferred, writer: ChannelWriter, writer_for: WriterFor) -> None:
    u8 = ty.inner == _U8
    index = 0
    nested_tasks: list[asyncio.Future[None]] = []

    async def send_chunk(items: Any) -> None:
        nonlocal index
        data, nested = _codec.encode_stream_chunk(ty, items, d.path, index)
        await writer.write(data)
        nested_tasks.extend(asyncio.ensure_future(_send_on_own_channel(n, writer_for)) for n in nested)
        index += len(items)

    source = d.value
    try:
        if hasattr(source, "__aiter__"):
            async for item in source:
                await send_chunk(bytes(item) if u8 else [item])
        elif u8 and isinstance(source, (bytes, bytearray, memoryview)):
            await send_chunk(bytes(source))
        elif u8:
            await send_chunk(b"".join(bytes(chunk) for chunk in source))
        else:
            await send_chunk(list(source))
        await writer.write(_codec.STREAM_END)
    finally:
        if nested_tasks:
            await asyncio.gather(*nested_tasks)


def has_async(ty: t.WitType | None) -> bool:
    """Whether values of `ty` can hold futures or streams."""
    return ty is not None and _compiled(ty)[0].has_async


async def materialize(value: Any) -> Any:
    """`value` with every remote future awaited and every remote stream read to its end, recursively
    (`bytes` for `stream<u8>`, a list otherwise): a plain value to print, log or compare."""
    if isinstance(value, RemoteStream):
        items = [item async for item in value]
        if value.type.inner == _U8:
            return b"".join(items)
        return [await materialize(i) for i in items]
    if inspect.isawaitable(value):
        return await materialize(await value)
    match value:
        case list():
            return [await materialize(v) for v in value]
        case tuple():
            return tuple([await materialize(v) for v in value])
        case dict():
            return {k: await materialize(v) for k, v in value.items()}
        case Some(value=inner):
            return Some(await materialize(inner))
        case Ok(value=inner):
            return Ok(await materialize(inner))
        case Err(value=inner):
            return Err(await materialize(inner))
        case Variant(case=case, value=inner):
            return Variant(case, await materialize(inner))
    return value
