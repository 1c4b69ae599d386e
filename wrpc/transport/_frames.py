"""The framed wRPC transport as a pure state machine: bytes in, events out; values in, bytes out.

This is the wire format upstream wRPC uses over TCP, Unix sockets, QUIC and WebSockets (section 3 of the
protocol notes, `spec/wrpc.md` section 3). One bidirectional byte stream carries one invocation:

    client -> server:  00 | ULEB(len) instance | ULEB(len) name | frame* | half-close
    server -> client:  frame* | half-close
    frame:             ULEB(n) | n x ULEB(path element) | ULEB(len) | data

Rules of this module:
1. It never touches a socket, a task or a clock. `FrameReader.receive_data` buffers bytes (an empty
   `bytes` means the peer half-closed) and `next_event` hands back one event at a time, so an adapter can
   act on `InvocationHeader` (look up a handler, register its paths) before the frames behind it are routed.
2. Routing rules live here and only here: path `()` is the root (sync) channel and is always accepted; a
   frame for a path nobody registered aborts the whole ingress, as upstream does ("subscription not found").
   A zero-length frame is data, never end-of-stream: only the half-close ends the channels.
3. Limits are constructor arguments with safe defaults; going past one aborts the ingress with a reason.
4. Once an `IngressAborted` or `EndOfInput` event was returned, the reader only ever returns that event again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from wrpc._leb128 import uleb

PROTOCOL_VERSION: Final = 0
"""The framing version byte the client sends first; a server drops any other value."""

DEFAULT_MAX_DEPTH: Final = 32
DEFAULT_MAX_FRAME_SIZE: Final = 64 * 1024 * 1024
DEFAULT_MAX_NAME_SIZE: Final = 64 * 1024
_U32_MAX: Final = 0xFFFF_FFFF

Path = tuple[int, ...]


@dataclass(frozen=True, slots=True)
class InvocationHeader:
    """The server learned which function the client calls (version byte, instance, function name)."""

    instance: str
    name: str


@dataclass(frozen=True, slots=True)
class FrameReceived:
    """A frame arrived for `path` (`()` is the root channel). `data` may be empty; that is not EOF."""

    path: Path
    data: bytes


@dataclass(frozen=True, slots=True)
class EndOfInput:
    """The peer half-closed cleanly on a frame boundary: every channel of this direction has ended."""


@dataclass(frozen=True, slots=True)
class IngressAborted:
    """The peer broke the framing (or a limit); every channel must end with this `reason` as the error."""

    reason: str


class _NeedData:
    """Sentinel type: the reader needs more bytes before it can return another event."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "NEED_DATA"


NEED_DATA: Final = _NeedData()

Event = InvocationHeader | FrameReceived | EndOfInput | IngressAborted


# --- writing ------------------------------------------------------------------------------------------


def encode_uleb32(value: int) -> bytes:
    """Minimal unsigned LEB128 of a u32, as every length, path element and count on this wire."""
    if not 0 <= value <= _U32_MAX:
        raise ValueError(f"{value} does not fit in a u32")
    return uleb(value)


def encode_path(path: Sequence[int]) -> bytes:
    """The path prefix of a frame: element count, then each element. Cache it per channel."""
    if not path:
        return b"\x00"
    return encode_uleb32(len(path)) + b"".join(encode_uleb32(p) for p in path)


def encode_frame(path: Sequence[int], data: bytes | bytearray | memoryview) -> bytes:
    """One frame: path, data length, data."""
    return encode_framed(encode_path(path), data)


def encode_framed(path_prefix: bytes, data: bytes | bytearray | memoryview) -> bytes:
    """One frame from a path prefix already encoded by `encode_path` (the writers' hot path)."""
    return b"".join((path_prefix, encode_uleb32(len(data)), data))


def _encode_name(name: str) -> bytes:
    raw = name.encode()
    return encode_uleb32(len(raw)) + raw


def encode_header(instance: str, name: str) -> bytes:
    """Version byte and the two names that open every client stream."""
    return bytes((PROTOCOL_VERSION,)) + _encode_name(instance) + _encode_name(name)


def encode_invocation(instance: str, name: str, params: bytes | bytearray | memoryview) -> bytes:
    """What a client writes first: the header and the root params frame, which is present even when empty."""
    return encode_header(instance, name) + encode_framed(b"\x00", params)


# --- reading ------------------------------------------------------------------------------------------


class _Incomplete(Exception):
    """Internal: the buffer ends inside the item being parsed."""


class _Violation(Exception):
    """Internal: the bytes break the framing; turned into `IngressAborted` at the single entry point."""


def _read_uleb32(buf: bytearray, pos: int) -> tuple[int, int]:
    """Decode a ULEB128 u32 at `pos`; padding is accepted, overflow is not (as upstream's decoder)."""
    result = 0
    shift = 0
    end = len(buf)
    while True:
        if pos >= end:
            raise _Incomplete
        byte = buf[pos]
        pos += 1
        if shift == 28 and byte > 0x0F:
            raise _Violation("varint overflows a 32-bit integer")
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7


class _Routes:
    """The registered index paths; `None` in a registered path is a wildcard, as upstream's index trie."""

    __slots__ = ("_exact", "_wild")

    def __init__(self) -> None:
        self._exact: set[Path] = set()
        self._wild: list[tuple[int | None, ...]] = []

    def add(self, path: Sequence[int | None]) -> None:
        if any(p is None for p in path):
            self._wild.append(tuple(path))
        else:
            self._exact.add(tuple(p for p in path if p is not None))

    def __contains__(self, path: Path) -> bool:
        if path in self._exact:
            return True
        return any(
            len(w) == len(path) and all(a is None or a == b for a, b in zip(w, path, strict=True))
            for w in self._wild
        )


class FrameReader:
    """Turns one direction of a framed stream into events.

    `expect_header=True` is the server's role (the stream opens with the version byte and two names);
    the client reads frames only. Paths must be registered (`register`) before frames for them arrive;
    the server does so after `InvocationHeader`, before asking for the next event.
    """

    __slots__ = (
        "_buf",
        "_done",
        "_eof",
        "_expect_header",
        "_max_depth",
        "_max_frame_size",
        "_max_name_size",
        "_routes",
    )

    def __init__(
        self,
        *,
        expect_header: bool,
        paths: Iterable[Sequence[int | None]] = (),
        max_depth: int = DEFAULT_MAX_DEPTH,
        max_frame_size: int = DEFAULT_MAX_FRAME_SIZE,
        max_name_size: int = DEFAULT_MAX_NAME_SIZE,
    ) -> None:
        self._buf = bytearray()
        self._expect_header = expect_header
        self._max_depth = max_depth
        self._max_frame_size = max_frame_size
        self._max_name_size = max_name_size
        self._routes = _Routes()
        self._eof = False
        self._done: EndOfInput | IngressAborted | None = None
        for path in paths:
            self.register(path)

    def register(self, path: Sequence[int | None]) -> None:
        """Accept frames for `path` from now on (`None` elements match any index)."""
        if path:
            self._routes.add(path)

    def receive_data(self, data: bytes | bytearray | memoryview) -> None:
        """Buffer bytes from the peer; `b""` records the peer's half-close."""
        if self._eof or self._done is not None:
            return
        if data:
            self._buf += data
        else:
            self._eof = True

    def next_event(self) -> Event | _NeedData:
        """The next event, or `NEED_DATA` when the buffer ends inside one."""
        if self._done is not None:
            return self._done
        try:
            event = self._parse()
        except _Incomplete:
            if not self._eof:
                return NEED_DATA
            if not self._buf and not self._expect_header:
                self._done = EndOfInput()
            elif self._expect_header:
                self._done = IngressAborted("connection closed before the invocation header was complete")
            else:
                self._done = IngressAborted(
                    f"connection closed inside a frame ({len(self._buf)} bytes of it were received)"
                )
            self._buf.clear()
            return self._done
        except _Violation as exc:
            self._done = IngressAborted(str(exc))
            self._buf.clear()
            return self._done
        return event

    def events(self) -> list[Event]:
        """Every event the buffered bytes make, up to and including a final one (EOF or abort)."""
        out: list[Event] = []
        while True:
            event = self.next_event()
            if isinstance(event, _NeedData):
                return out
            out.append(event)
            if isinstance(event, EndOfInput | IngressAborted):
                return out

    def _parse(self) -> Event:
        if self._expect_header:
            return self._parse_header()
        return self._parse_frame()

    def _parse_header(self) -> InvocationHeader:
        buf = self._buf
        if not buf:
            raise _Incomplete
        if buf[0] != PROTOCOL_VERSION:
            raise _Violation(f"unsupported version byte: {buf[0]}")
        instance, pos = self._read_name(buf, 1, "instance")
        name, pos = self._read_name(buf, pos, "function name")
        del buf[:pos]
        self._expect_header = False
        return InvocationHeader(instance, name)

    def _read_name(self, buf: bytearray, pos: int, what: str) -> tuple[str, int]:
        size, pos = _read_uleb32(buf, pos)
        if size > self._max_name_size:
            raise _Violation(f"{what} length of {size} bytes exceeds the maximum of {self._max_name_size}")
        end = pos + size
        if end > len(buf):
            raise _Incomplete
        try:
            return buf[pos:end].decode(), end
        except UnicodeDecodeError as exc:
            raise _Violation(f"{what} is not valid UTF-8: {exc.reason}") from None

    def _parse_frame(self) -> FrameReceived:
        buf = self._buf
        if not buf:
            raise _Incomplete
        if buf[0] == 0:
            path: Path = ()
            pos = 1
        else:
            depth, pos = _read_uleb32(buf, 0)
            if depth > self._max_depth:
                raise _Violation(f"path length of `{depth}` exceeds maximum of `{self._max_depth}`")
            elements = []
            for _ in range(depth):
                element, pos = _read_uleb32(buf, pos)
                elements.append(element)
            path = tuple(elements)
            if path not in self._routes:
                raise _Violation(f"`{list(path)}` subscription not found")
        size, pos = _read_uleb32(buf, pos)
        if size > self._max_frame_size:
            raise _Violation(f"payload length of `{size}` exceeds maximum of `{self._max_frame_size}`")
        end = pos + size
        if end > len(buf):
            raise _Incomplete
        data = bytes(buf[pos:end])
        del buf[:end]
        return FrameReceived(path, data)
