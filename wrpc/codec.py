"""Compile a WIT type once into a wRPC encoder and decoders (sans-IO: bytes in, bytes out).

Public API (everything a transport, the CLI or generated bindings need):

- `compile(ty) -> Codec`, cached per type. A `Codec` has
  - `encode(value) -> bytes`: the value's encoding; refuses types containing futures or streams;
  - `encode_with_deferred(value, base_path=()) -> (bytes, [Deferred])`, `encode_into(value, out,
    base_path=()) -> [Deferred]`: every future and stream is written pending (`00`) and returned as a
    `wrpc.values.Deferred(path, type, value)` whose absolute index path names its async channel;
  - `decode(data) -> value`: exactly one value filling `data` (trailing bytes are a `DecodeError`);
  - `decode_prefix(data, offset=0) -> (value, end)`: one value starting at `offset`; raises
    `TruncatedInput` (a `DecodeError` carrying `needed`, the least total length that could succeed)
    when `data` ends early;
  - `decoder(base_path=(), max_buffered=...) -> ValueDecoder`: the incremental decoder for a byte
    stream split anywhere (the sync channel, a future's channel).
  Decoded futures and streams are `PendingFuture(path, type)` / `PendingStream(path, type)`.
- Async channels: `encode_future_value(future_type, value, path)` and
  `encode_stream_chunk(stream_type, items, path, first_index)` give `(bytes, [Deferred])` for the data on
  a future's or stream's channel; `STREAM_END` (`00`) ends a stream; `stream_decoder(stream_type, path)`
  reads chunks incrementally; a future's channel is read with `compile(inner).decoder(base_path=path)`.
  Nested async values whose path equals their container's path continue on the same channel after it.
- `async_paths(ty)` and `function_async_paths(fn)`: the index paths (with `None` for list and stream
  element wildcards) at which a receiver must expect async channels.

Every `DecodeError` names the byte offset in the stream and the path inside the value
(`params[0].rec.b: truncated LEB128 at byte 17`); every `EncodeError` names the path.

Rules of this module:
1. Bad bytes raise `DecodeError` and nothing else; bad values raise `EncodeError` and nothing else.
2. No I/O, no clocks, no threads. Buffering is bounded by `max_buffered`.
3. The encoding itself lives in the generated code (`_encode`, `_decode`); this module is the edge that
   compiles, caches, buffers and translates internal failures into the public errors.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from wrpc import _decode, _encode
from wrpc import types as t
from wrpc._gen import MAX_ZERO_SIZE_ELEMENTS, Emitter, check_supported, min_size
from wrpc.errors import DecodeError, EncodeError, TruncatedInput
from wrpc.values import Deferred, IndexPath

DEFAULT_MAX_BUFFERED = 64 << 20
"""Default bound on the bytes an incremental decoder holds while a value is incomplete."""

STREAM_END = b"\x00"
"""The zero-count chunk that ends a stream on its channel."""

WildcardPath = tuple[int | None, ...]


def _path_text(root: str, segments: list[str | int]) -> str:
    parts = [f"[{s}]" if isinstance(s, int) else s for s in reversed(segments)]
    return root + "".join(parts)


def _decode_error(error: _decode.Fail, root: str, base_offset: int, buffered: int) -> DecodeError:
    path = _path_text(root, error.segments)
    if isinstance(error, _decode.Short):
        return TruncatedInput(error.reason, offset=base_offset + buffered, path=path, needed=error.need)
    offset = error.offset if isinstance(error, _decode.Bad) else buffered
    return DecodeError(error.reason, offset=base_offset + offset, path=path)


def _encode_error(error: Exception, root: str) -> EncodeError:
    failure = error if isinstance(error, _encode.Fail) else _encode.wrap(error, "")
    return EncodeError(failure.reason, _path_text(root, failure.segments))


class Codec:
    """The compiled encoder and decoder of one type; get one with `compile(ty)`.

    Each direction runs fast generated code first; only when it fails is the precise code (compiled
    then, once) run on the same input to produce the exact error and path (see `wrpc._gen`, rule 3).
    The precise code's outcome is the authoritative one. `source` holds the fast code.
    """

    __slots__ = ("_dec_fast", "_dec_precise", "_enc_fast", "_enc_precise", "has_async", "source", "type")

    def __init__(self, ty: t.WitType) -> None:
        from wrpc._gen import has_async

        check_supported(ty)
        self.type = ty
        self.has_async = has_async(ty)
        enc_source, self._enc_fast = _generate(ty, precise=False, encoding=True)
        dec_source, self._dec_fast = _generate(ty, precise=False, encoding=False)
        self._enc_precise: Any = None
        self._dec_precise: Any = None
        self.source = enc_source + "\n" + dec_source

    def __repr__(self) -> str:
        return f"<Codec {t.type_name(self.type)}>"

    # --- encoding -------------------------------------------------------------------------------

    def encode(self, value: Any, *, root: str = "value") -> bytes:
        """The encoding of `value`; for types with futures or streams use `encode_with_deferred`."""
        if self.has_async:
            raise EncodeError(
                f"{t.type_name(self.type)} contains futures or streams: use encode_with_deferred", root
            )
        out = _encode.Out()
        try:
            self._enc_fast(value, out, (), None)
        except Exception:
            return self._encode_precise(value, (), root)[0]
        return bytes(out) if out.parts is None else out.finish()

    def encode_with_deferred(
        self, value: Any, base_path: IndexPath = (), *, root: str = "value"
    ) -> tuple[bytes, list[Deferred]]:
        """The encoding of `value` and its futures and streams (written pending), with their paths."""
        out = _encode.Out()
        deferred: list[Deferred] = []
        try:
            self._enc_fast(value, out, base_path, deferred)
        except Exception:
            return self._encode_precise(value, base_path, root)
        return out.finish(), deferred

    def _encode_precise(self, value: Any, base_path: IndexPath, root: str) -> tuple[bytes, list[Deferred]]:
        """Encode again with the precise code after the fast code failed: its error names the path."""
        if self._enc_precise is None:
            self._enc_precise = _generate(self.type, precise=True, encoding=True)[1]
        out = _encode.Out()
        deferred: list[Deferred] = []
        try:
            self._enc_precise(value, out, base_path, deferred)
        except Exception as error:
            raise _encode_error(error, root) from None
        return out.finish(), deferred

    def encode_into(
        self, value: Any, out: bytearray, base_path: IndexPath = (), *, root: str = "value"
    ) -> list[Deferred]:
        """Append the encoding of `value` to `out`; returns the futures and streams written pending."""
        data, deferred = self.encode_with_deferred(value, base_path, root=root)
        out += data
        return deferred

    # --- decoding -------------------------------------------------------------------------------

    def _dec(self, buf: bytes, pos: int, path: IndexPath) -> tuple[Any, int]:
        """The generated decoder's contract (`f(buf, pos, P) -> (value, end)`, raising `_decode.Fail`
        and what `_decode.wrap` translates): the fast code, or the precise code if that fails or
        reads past the end of `buf`."""
        try:
            value, end = self._dec_fast(buf, pos, path)
        except Exception:
            pass
        else:
            if end <= len(buf):
                return value, end
        if self._dec_precise is None:
            self._dec_precise = _generate(self.type, precise=True, encoding=False)[1]
        result: tuple[Any, int] = self._dec_precise(buf, pos, path)
        return result

    def decode_prefix(
        self, data: bytes, offset: int = 0, base_path: IndexPath = (), *, root: str = "value"
    ) -> tuple[Any, int]:
        """Decode one value starting at `offset`; `TruncatedInput` if `data` ends before it does."""
        if type(data) is not bytes:
            data = bytes(data)
        try:
            return self._dec(data, offset, base_path)
        except Exception as error:
            raise _decode_error(_decode.wrap(error, None, data), root, 0, len(data)) from None

    def decode(self, data: bytes, base_path: IndexPath = (), *, root: str = "value") -> Any:
        """Decode exactly one value that fills `data`."""
        if type(data) is not bytes:
            data = bytes(data)
        try:
            value, end = self._dec_fast(data, 0, base_path)
        except Exception:
            end = -1
        if end != len(data):
            try:
                value, end = self._dec(data, 0, base_path)
            except Exception as error:
                raise _decode_error(_decode.wrap(error, None, data), root, 0, len(data)) from None
            if end != len(data):
                raise DecodeError(f"{len(data) - end} trailing bytes after the value", offset=end, path=root)
        return value

    def decoder(
        self, base_path: IndexPath = (), *, root: str = "value", max_buffered: int = DEFAULT_MAX_BUFFERED
    ) -> ValueDecoder:
        return ValueDecoder(self, base_path, root=root, max_buffered=max_buffered)


def _generate(ty: t.WitType, *, precise: bool, encoding: bool) -> tuple[str, Any]:
    """Generate, compile and return the source and the entry function of one direction and mode."""
    twin = _encode if encoding else _decode
    em = Emitter(dict(twin.HELPERS), precise=precise)
    name = _encode.encoder(em, ty) if encoding else _decode.decoder(em, ty)
    mode = "precise" if precise else "fast"
    namespace = em.compile(f"<wrpc {mode} {'encoder' if encoding else 'decoder'} {t.type_name(ty)}>")
    return namespace["__source__"], namespace[name]


@functools.lru_cache(maxsize=1024)
def compile(ty: t.WitType) -> Codec:
    """The codec of `ty`, compiled once and cached; `UnsupportedType` for types wRPC cannot encode."""
    return Codec(ty)


class _Buffer:
    """Received bytes kept as parts until enough have arrived to be worth joining and retrying."""

    __slots__ = ("consumed", "need", "parts", "size")

    def __init__(self, minimum: int = 1) -> None:
        self.parts: list[bytes] = []
        self.size = 0
        self.need = minimum
        self.consumed = 0

    def add(self, data: bytes) -> bool:
        """Add bytes; True when at least `need` bytes are buffered (a decode attempt may succeed)."""
        if data:
            self.parts.append(bytes(data))
            self.size += len(data)
        return self.size >= self.need

    def joined(self) -> bytes:
        if len(self.parts) != 1:
            self.parts = [b"".join(self.parts)]
        return self.parts[0] if self.parts else b""

    def drop(self, count: int) -> None:
        """Forget the first `count` bytes (decoded and handed out)."""
        data = self.joined()[count:]
        self.parts = [data] if data else []
        self.size = len(data)
        self.consumed += count


class _Layout:
    """How one record or tuple type is decoded member by member, worked out once per `ValueDecoder`
    value rather than once per record (a list of records shares its element's layout)."""

    __slots__ = ("_children", "decoders", "members", "names", "wholes")

    def __init__(self, ty: t.Record | t.Tuple) -> None:
        if isinstance(ty, t.Record):
            self.names: tuple[str, ...] | None = tuple(f for f, _ in ty.fields)
            self.members: tuple[tuple[str | int, t.WitType], ...] = tuple(
                ("." + f, fty) for f, fty in ty.fields
            )
        else:
            self.names = None
            self.members = tuple(enumerate(ty.types))
        self.decoders = tuple(_leaf_decoder(m) for _, m in self.members)
        self.wholes = tuple(_whole_decoder(m) for _, m in self.members)
        self._children: dict[int, _Layout] = {}

    def child(self, index: int) -> _Layout:
        """The layout of member `index`, itself a record or tuple."""
        layout = self._children.get(index)
        if layout is None:
            ty = self.members[index][1]
            assert isinstance(ty, t.Record | t.Tuple)
            layout = self._children[index] = _Layout(ty)
        return layout


class _Product:
    """A record or tuple being decoded member by member (a resumable frame of `ValueDecoder`)."""

    __slots__ = ("layout", "path", "values")

    def __init__(self, layout: _Layout, path: IndexPath) -> None:
        self.layout = layout
        self.path = path
        self.values: list[Any] = []

    def child_layout(self) -> _Layout:
        return self.layout.child(len(self.values))

    def build(self) -> Any:
        names = self.layout.names
        if names is None:
            return tuple(self.values)
        return dict(zip(names, self.values, strict=True))


class _Sequence:
    """A list being decoded element by element; `count` is None until its length prefix is read."""

    __slots__ = ("_layout", "count", "decoder", "elem", "items", "path", "whole", "zero_size")

    def __init__(self, elem: t.WitType, path: IndexPath) -> None:
        self.elem = elem
        self.decoder = _leaf_decoder(elem)
        self.whole = _whole_decoder(elem)
        self.zero_size = min_size(elem) == 0
        self.path = path
        self.count: int | None = None
        self.items: list[Any] = []
        self._layout: _Layout | None = None

    def child_layout(self) -> _Layout:
        if self._layout is None:
            assert isinstance(self.elem, t.Record | t.Tuple)
            self._layout = _Layout(self.elem)
        return self._layout


_Frame = _Product | _Sequence


def _is_frame_type(ty: t.WitType) -> bool:
    """Types a `ValueDecoder` decodes member by member, keeping what is complete between feeds."""
    if isinstance(ty, t.Record):
        return True
    if isinstance(ty, t.Tuple):
        return bool(ty.types)
    return isinstance(ty, t.List) and not isinstance(ty.elem, t.U8)


def _leaf_decoder(ty: t.WitType) -> Any:
    return None if _is_frame_type(ty) else compile(ty)._dec


def _whole_decoder(ty: t.WitType) -> Any:
    """For a frame type, the fast decoder that is tried before decoding it member by member."""
    return compile(ty)._dec_fast if _is_frame_type(ty) else None


class ValueDecoder:
    """Decode one value from bytes that arrive in pieces split at any byte boundary.

    `feed(data)` returns True once the value is complete (then `value` holds it and `trailing` any bytes
    that followed it); `finish()` is called at end of input and returns the value or raises the
    `DecodeError` of a truncated value.

    When a value arrives whole, one call of the generated decoder decodes it. Otherwise records,
    tuples and lists are decoded member by member: completed members are kept and their bytes
    released, so a large value arriving in many pieces costs one pass, not one pass per piece (a
    member that is itself a record or list and has fully arrived is still decoded in one call). Bytes
    are retried only once enough have arrived to possibly complete the member in progress, and a value
    whose bytes (received or announced by a length prefix) exceed `max_buffered` fails at once.
    """

    __slots__ = (
        "_buffer", "_codec", "_committed", "_last", "_path", "_root", "_stack", "done", "max_buffered",
        "trailing", "value",
    )  # fmt: skip

    def __init__(
        self, codec: Codec, base_path: IndexPath = (), *, root: str = "value", max_buffered: int
    ) -> None:
        self._codec = codec
        self._path = base_path
        self._root = root
        self._buffer = _Buffer(min_size(codec.type))
        self._stack: list[_Frame] | None = None  # None until a whole-value attempt has failed
        self._committed = 0
        self._last: _decode.Short | None = None
        self.max_buffered = max_buffered
        self.done = False
        self.value: Any = None
        self.trailing = b""

    def feed(self, data: bytes) -> bool:
        if self.done:
            self.trailing += data
            return True
        buffer = self._buffer
        if not buffer.add(data):
            self._check_size(buffer.need)
            return False
        joined = buffer.joined()
        self._committed = 0
        try:
            end = -1
            if self._stack is None:
                try:  # the fast code alone: if it fails, the frames below find out why, member by member
                    self.value, end = self._codec._dec_fast(joined, 0, self._path)
                except Exception:
                    end = -1
                if end < 0 or end > len(joined):
                    self._stack = []
                    end = -1
            if end >= 0:
                self._committed = end
                self.done = True
            else:
                self._run(joined)
        except Exception as error:
            failure = _decode.wrap(error, None, joined)
            failure.segments.extend(self._segments())
            if not isinstance(failure, _decode.Short):
                raise _decode_error(failure, self._root, buffer.consumed, len(joined)) from None
            self._last = failure
            committed = self._committed
            buffer.drop(committed)
            buffer.need = failure.need - committed
            self._check_size(buffer.need)
            return False
        self.trailing = joined[self._committed :]
        buffer.drop(len(joined))
        return True

    def _check_size(self, need: int) -> None:
        buffer = self._buffer
        total = buffer.consumed + max(need, buffer.size)
        if total > self.max_buffered:
            path = _path_text(self._root, self._last.segments) if self._last else self._root
            raise DecodeError(
                f"value needs at least {total} bytes, more than max_buffered={self.max_buffered}",
                offset=buffer.consumed + buffer.size,
                path=path,
            )

    def _segments(self) -> list[str | int]:
        """The path segments of the member in progress, innermost first (as failures collect them)."""
        out: list[str | int] = []
        for frame in reversed(self._stack or []):
            if isinstance(frame, _Product):
                out.append(frame.layout.members[len(frame.values)][0])
            elif frame.count is not None:
                out.append(len(frame.items))
        return out

    def _run(self, buf: bytes) -> None:
        """Advance the frames over `buf`, committing each completed member; Short when bytes run out."""
        stack = self._stack
        assert stack is not None
        pos = self._committed
        while True:
            if not stack:  # (the whole value has just been tried)
                ty, path, decode, whole = self._codec.type, self._path, _leaf_decoder(self._codec.type), None
            else:
                frame = stack[-1]
                if isinstance(frame, _Sequence):
                    if frame.count is None:
                        count, pos = _decode._uleb(buf, pos, 5, 32)
                        if frame.zero_size and count > MAX_ZERO_SIZE_ELEMENTS:
                            raise _decode.Bad(f"{count} zero-size elements exceed the limit", pos - 1)
                        frame.count = count
                        self._committed = pos
                    if len(frame.items) == frame.count:
                        stack.pop()
                        if self._deliver(frame.items):
                            return
                        continue
                    ty, path, decode, whole = (
                        frame.elem,
                        (*frame.path, len(frame.items)),
                        frame.decoder,
                        frame.whole,
                    )
                else:
                    index = len(frame.values)
                    layout = frame.layout
                    if index == len(layout.members):
                        stack.pop()
                        if self._deliver(frame.build()):
                            return
                        continue
                    ty, path = layout.members[index][1], (*frame.path, index)
                    decode, whole = layout.decoders[index], layout.wholes[index]
            if decode is None:
                if whole is not None:  # a record or list that is all there takes one fast call
                    try:
                        value, end = whole(buf, pos, path)
                    except Exception:
                        end = -1
                    if 0 <= end <= len(buf):
                        pos = self._committed = end
                        if self._deliver(value):
                            return
                        continue
                if isinstance(ty, t.List):
                    stack.append(_Sequence(ty.elem, path))
                else:
                    assert isinstance(ty, t.Record | t.Tuple)
                    stack.append(_Product(stack[-1].child_layout() if stack else _Layout(ty), path))
                continue
            value, pos = decode(buf, pos, path)
            self._committed = pos
            if self._deliver(value):
                return

    def _deliver(self, value: Any) -> bool:
        """Hand a completed member to its parent frame; True when it was the whole value."""
        stack = self._stack
        if not stack:
            self.value = value
            self.done = True
            return True
        frame = stack[-1]
        if isinstance(frame, _Sequence):
            frame.items.append(value)
        else:
            frame.values.append(value)
        return False

    def finish(self) -> Any:
        """End of input: the decoded value, or the `DecodeError` saying where it was cut short."""
        if self.done or self.feed(b""):  # a zero-size value completes without any bytes
            return self.value
        buffer = self._buffer
        failure = self._last or _decode.Short(buffer.need)
        raise _decode_error(failure, self._root, buffer.consumed, buffer.size)


class StreamDecoder:
    """Decode the chunks on a stream's channel incrementally: `feed(data)` returns the new elements.

    Elements come out as soon as each is complete, even in the middle of a chunk (for `stream<u8>` the
    result is `bytes`, otherwise a list). `done` turns True at the `00` chunk; anything after it is
    ignored. `finish()` at channel close accepts a close between chunks as the end of the stream, like
    the Rust decoders, and raises `DecodeError` if it cuts a chunk short.
    """

    __slots__ = (
        "_buffer",
        "_elem",
        "_path",
        "_remaining",
        "_root",
        "_u8",
        "_zero_size",
        "done",
        "index",
        "max_buffered",
    )

    def __init__(
        self,
        stream_type: t.Stream,
        path: IndexPath,
        *,
        root: str = "stream",
        max_buffered: int = DEFAULT_MAX_BUFFERED,
    ) -> None:
        elem = t.ErrorContext() if stream_type.inner is None else stream_type.inner
        self._u8 = isinstance(elem, t.U8)
        self._zero_size = min_size(elem) == 0
        self._elem = compile(elem)._dec
        self._path = path
        self._root = root
        self._buffer = _Buffer()
        self._remaining = 0
        self.index = 0
        self.done = False
        self.max_buffered = max_buffered

    def feed(self, data: bytes) -> Any:
        items: list[Any] = []
        buffer = self._buffer
        if self.done or not buffer.add(data):
            return b"" if self._u8 else items
        buf = buffer.joined()
        buffer.need = 1
        try:
            pos = self._drain(buf, items)
        except Exception as error:
            failure = _decode.wrap(error, self.index if self._remaining else None, buf)
            raise _decode_error(failure, self._root, buffer.consumed, len(buf)) from None
        buffer.drop(pos)
        if self.done:
            buffer.parts = []
        elif buffer.size > self.max_buffered:
            raise DecodeError(
                f"stream element needs more than max_buffered={self.max_buffered} bytes",
                offset=buffer.consumed + buffer.size,
                path=f"{self._root}[{self.index}]",
            )
        return b"".join(items) if self._u8 else items

    def _drain(self, buf: bytes, items: list[Any]) -> int:
        """Decode what `buf` holds; returns how many bytes were used. Leaves `need` for the rest."""
        pos = 0
        end = len(buf)
        while pos < end:
            if not self._remaining:
                try:
                    count, after = _decode._uleb(buf, pos, 5, 32)
                except _decode.Short as short:
                    self._buffer.need = short.need - pos
                    return pos
                pos = after
                if count == 0:
                    self.done = True
                    return pos
                if self._zero_size and count > MAX_ZERO_SIZE_ELEMENTS:
                    raise _decode.Bad(f"chunk of {count} zero-size elements exceeds the limit", pos)
                self._remaining = count
                if self._zero_size:  # nothing to read: the whole chunk is one value repeated
                    value, _ = self._elem(buf, pos, (*self._path, self.index))
                    items.extend([value] * count)
                    self.index += count
                    self._remaining = 0
                    continue
            if self._u8:
                take = min(self._remaining, end - pos)
                items.append(buf[pos : pos + take])
                pos += take
                self._remaining -= take
                self.index += take
                continue
            try:
                value, after = self._elem(buf, pos, (*self._path, self.index))
            except Exception as error:
                failure = _decode.wrap(error, None, buf)
                if not isinstance(failure, _decode.Short):
                    raise failure from None
                self._buffer.need = failure.need - pos
                return pos
            items.append(value)
            pos = after
            self._remaining -= 1
            self.index += 1
        return pos

    def finish(self) -> None:
        """Channel closed: fine between chunks, a `DecodeError` inside one."""
        if self.done:
            return
        if self._remaining or self._buffer.size:
            raise DecodeError(
                "stream channel closed inside a chunk (bytes remaining on stream)",
                offset=self._buffer.consumed + self._buffer.size,
                path=f"{self._root}[{self.index}]",
            )
        self.done = True


def stream_decoder(
    stream_type: t.Stream, path: IndexPath, *, root: str = "stream", max_buffered: int = DEFAULT_MAX_BUFFERED
) -> StreamDecoder:
    return StreamDecoder(stream_type, path, root=root, max_buffered=max_buffered)


def encode_future_value(future_type: t.Future, value: Any, path: IndexPath) -> tuple[bytes, list[Deferred]]:
    """The bytes on a future's channel: the plain encoding of its value (no status byte)."""
    if future_type.inner is None:
        return b"", []
    return compile(future_type.inner).encode_with_deferred(value, path, root="future")


def encode_stream_chunk(
    stream_type: t.Stream, items: Sequence[Any] | bytes, path: IndexPath, first_index: int = 0
) -> tuple[bytes, list[Deferred]]:
    """One chunk on a stream's channel (count + elements); empty `items` give no bytes, never `00`."""
    if not len(items):
        return b"", []
    elem = t.ErrorContext() if stream_type.inner is None else stream_type.inner
    data, deferred = compile(t.List(elem)).encode_with_deferred(items, path, root="stream")
    if first_index and deferred:
        k = len(path)
        deferred = [
            Deferred((*d.path[:k], d.path[k] + first_index, *d.path[k + 1 :]), d.type, d.value)
            for d in deferred
        ]
    return data, deferred


# --- async index paths ------------------------------------------------------------------------------


def async_paths(ty: t.WitType) -> list[WildcardPath]:
    """Every index path (relative to the value) at which a future or stream occurs, nested ones too.

    `None` marks a list or stream element (a wildcard). Record fields and tuple elements append their
    index; option, result and variant payloads and a future's value keep their container's path.
    """
    found: dict[WildcardPath, None] = {}

    def walk(ty: t.WitType | None, path: WildcardPath) -> None:
        match ty:
            case t.Future(inner):
                found[path] = None
                walk(inner, path)
            case t.Stream(inner):
                found[path] = None
                walk(inner, (*path, None))
            case t.List(elem) | t.FixedList(elem, _):
                walk(elem, (*path, None))
            case t.Record(fields=fields):
                for j, (_, f) in enumerate(fields):
                    walk(f, (*path, j))
            case t.Tuple(types):
                for j, f in enumerate(types):
                    walk(f, (*path, j))
            case t.Option(inner):
                walk(inner, path)
            case t.Result(ok, err):
                walk(ok, path)
                walk(err, path)
            case t.Variant(cases=cases):
                for _, c in cases:
                    walk(c, path)

    walk(ty, ())
    return list(found)


def function_async_paths(fn: t.FunctionType) -> tuple[list[WildcardPath], list[WildcardPath]]:
    """The async paths of a function's params (from `[i]`) and of its result (from `[0]`)."""
    return async_paths(fn.params_type), async_paths(fn.results_type)


__all__ = [
    "DEFAULT_MAX_BUFFERED",
    "STREAM_END",
    "Codec",
    "StreamDecoder",
    "ValueDecoder",
    "WildcardPath",
    "async_paths",
    "compile",
    "encode_future_value",
    "encode_stream_chunk",
    "function_async_paths",
    "stream_decoder",
]
