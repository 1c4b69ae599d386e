"""The sans-IO framing: the byte vectors of protocol notes 3.5 and 3.6, incremental parsing, routing, limits."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wrpc.transport._frames import (
    NEED_DATA,
    EndOfInput,
    FrameReader,
    FrameReceived,
    IngressAborted,
    InvocationHeader,
    encode_frame,
    encode_invocation,
    encode_uleb32,
)

HELLO_INSTANCE = "wrpc-examples:hello/handler"


def h(text: str) -> bytes:
    return bytes.fromhex(text)


# --- 3.5: the frame codec vectors of upstream's codec.rs test ---------------------------------------


@pytest.mark.parametrize(
    ("path", "data", "wire"),
    [
        ((0, 1, 2), b"test", "03 00 01 02 04 74 65 73 74"),
        ((), b"", "00 00"),
        ((0x42,), "\x7fƒ𐍈Ő".encode(), "01 42 09 7f c6 92 f0 90 8d 88 c5 90"),
    ],
)
def test_frame_codec_vectors_encode_and_decode(path: tuple[int, ...], data: bytes, wire: str) -> None:
    assert encode_frame(path, data) == h(wire)
    reader = FrameReader(expect_header=False, paths=[path])
    reader.receive_data(h(wire))
    reader.receive_data(b"")
    assert reader.events() == [FrameReceived(path, data), EndOfInput()]


# --- 3.6: worked hello() and echo(stream<u8>) exchanges ----------------------------------------------


HELLO_CLIENT = (
    "00 1b 77 72 70 63 2d 65 78 61 6d 70 6c 65 73 3a 68 65 6c 6c 6f 2f 68 61 6e 64 6c 65 72"
    " 05 68 65 6c 6c 6f 00 00"
)
HELLO_SERVER = "00 10 0f 68 65 6c 6c 6f 20 66 72 6f 6d 20 52 75 73 74"


def test_hello_invocation_bytes_match_the_worked_example() -> None:
    assert encode_invocation(HELLO_INSTANCE, "hello", b"") == h(HELLO_CLIENT)
    assert encode_frame((), h("0f") + b"hello from Rust") == h(HELLO_SERVER)


def test_server_reads_hello_header_then_empty_root_frame_then_eof() -> None:
    reader = FrameReader(expect_header=True)
    reader.receive_data(h(HELLO_CLIENT))
    reader.receive_data(b"")
    assert reader.events() == [
        InvocationHeader(HELLO_INSTANCE, "hello"),
        FrameReceived((), b""),
        EndOfInput(),
    ]


def test_echo_stream_exchange_routes_path_zero() -> None:
    instance = "example:bytes/handler"
    client = (
        encode_invocation(instance, "echo", b"\x00")
        + encode_frame((0,), b"\x03foo")
        + encode_frame((0,), b"\x03bar")
        + encode_frame((0,), b"\x00")
    )
    assert client == (
        b"\x00\x15" + instance.encode() + h("04 65 63 68 6f 00 01 00")
        + h("01 00 04 03 66 6f 6f") + h("01 00 04 03 62 61 72") + h("01 00 01 00")
    )  # fmt: skip
    reader = FrameReader(expect_header=True)
    reader.receive_data(client)
    reader.receive_data(b"")
    assert reader.next_event() == InvocationHeader(instance, "echo")
    reader.register((0,))
    assert reader.events() == [
        FrameReceived((), b"\x00"),
        FrameReceived((0,), b"\x03foo"),
        FrameReceived((0,), b"\x03bar"),
        FrameReceived((0,), b"\x00"),
        EndOfInput(),
    ]


# --- incremental parsing -----------------------------------------------------------------------------


def test_events_are_the_same_when_bytes_arrive_one_at_a_time() -> None:
    wire = encode_invocation(HELLO_INSTANCE, "hello", b"abc") + encode_frame((1, 300), b"x" * 200)
    reader = FrameReader(expect_header=True, paths=[(1, 300)])
    events = []
    for i in range(len(wire)):
        reader.receive_data(wire[i : i + 1])
        events.extend(reader.events())
    reader.receive_data(b"")
    events.extend(reader.events())
    assert events == [
        InvocationHeader(HELLO_INSTANCE, "hello"),
        FrameReceived((), b"abc"),
        FrameReceived((1, 300), b"x" * 200),
        EndOfInput(),
    ]


def test_zero_length_frame_is_data_not_end_of_stream() -> None:
    reader = FrameReader(expect_header=False, paths=[(0,)])
    reader.receive_data(encode_frame((0,), b"") + encode_frame((0,), b"\x01"))
    assert reader.events() == [FrameReceived((0,), b""), FrameReceived((0,), b"\x01")]
    assert reader.next_event() is NEED_DATA


@settings(max_examples=60)
@given(
    frames=st.lists(
        st.tuples(st.lists(st.integers(0, 2**32 - 1), max_size=4).map(tuple), st.binary(max_size=300)),
        max_size=8,
    ),
    cuts=st.lists(st.integers(1, 50), max_size=30),
)
def test_any_split_of_frames_decodes_to_the_same_frames(
    frames: list[tuple[tuple[int, ...], bytes]], cuts: list[int]
) -> None:
    wire = b"".join(encode_frame(p, d) for p, d in frames)
    reader = FrameReader(expect_header=False, paths=[p for p, _ in frames])
    events = []
    pos = 0
    for cut in cuts:
        if wire[pos : pos + cut]:  # an empty chunk would mean the half-close
            reader.receive_data(wire[pos : pos + cut])
        pos += cut
        events.extend(reader.events())
    if wire[pos:]:
        reader.receive_data(wire[pos:])
    reader.receive_data(b"")
    events.extend(reader.events())
    assert events == [FrameReceived(p, d) for p, d in frames] + [EndOfInput()]


# --- routing and violations ----------------------------------------------------------------------------


def test_unregistered_path_aborts_ingress_and_stays_aborted() -> None:
    reader = FrameReader(expect_header=False, paths=[(0,)])
    reader.receive_data(encode_frame((), b"ok") + encode_frame((1,), b"x") + encode_frame((0,), b"y"))
    first, second = reader.events()
    assert first == FrameReceived((), b"ok")
    assert second == IngressAborted("`[1]` subscription not found")
    reader.receive_data(encode_frame((0,), b"more"))
    assert reader.next_event() == second


def test_wildcard_registration_routes_any_index_at_that_position() -> None:
    reader = FrameReader(expect_header=False, paths=[(0, None)])
    reader.receive_data(encode_frame((0, 7), b"a") + encode_frame((1, 7), b"b"))
    assert reader.events() == [FrameReceived((0, 7), b"a"), IngressAborted("`[1, 7]` subscription not found")]


def test_parent_of_a_registered_path_is_not_registered() -> None:
    reader = FrameReader(expect_header=False, paths=[(0, 1)])
    reader.receive_data(encode_frame((0,), b"a"))
    assert reader.events() == [IngressAborted("`[0]` subscription not found")]


def test_unsupported_version_byte_is_rejected() -> None:
    reader = FrameReader(expect_header=True)
    reader.receive_data(b"\x01\x00\x00")
    assert reader.events() == [IngressAborted("unsupported version byte: 1")]


def test_half_close_inside_a_frame_is_an_abort_not_eof() -> None:
    reader = FrameReader(expect_header=False)
    reader.receive_data(h("00 05 61 62"))
    reader.receive_data(b"")
    assert reader.events() == [
        IngressAborted("connection closed inside a frame (4 bytes of it were received)")
    ]


def test_half_close_before_header_is_an_abort() -> None:
    reader = FrameReader(expect_header=True)
    reader.receive_data(b"")
    (event,) = reader.events()
    assert isinstance(event, IngressAborted)


def test_limits_are_enforced_before_the_data_is_buffered() -> None:
    reader = FrameReader(expect_header=False, max_frame_size=10)
    reader.receive_data(encode_uleb32(0) + encode_uleb32(11))
    assert reader.events() == [IngressAborted("payload length of `11` exceeds maximum of `10`")]
    deep = FrameReader(expect_header=False, max_depth=2)
    deep.receive_data(b"\x03")
    assert deep.events() == [IngressAborted("path length of `3` exceeds maximum of `2`")]
    names = FrameReader(expect_header=True, max_name_size=4)
    names.receive_data(b"\x00\x05")
    (event,) = names.events()
    assert isinstance(event, IngressAborted)
    assert "exceeds the maximum of 4" in event.reason


def test_overlong_varint_is_rejected() -> None:
    reader = FrameReader(expect_header=False)
    reader.receive_data(h("00 ff ff ff ff 1f"))
    assert reader.events() == [IngressAborted("varint overflows a 32-bit integer")]


def test_invalid_utf8_name_is_rejected() -> None:
    reader = FrameReader(expect_header=True)
    reader.receive_data(h("00 01 ff"))
    (event,) = reader.events()
    assert isinstance(event, IngressAborted)
    assert "instance is not valid UTF-8" in event.reason


def test_uleb32_encoding_is_minimal_and_bounded() -> None:
    assert encode_uleb32(0) == b"\x00"
    assert encode_uleb32(624485) == h("e5 8e 26")
    assert encode_uleb32(2**32 - 1) == h("ff ff ff ff 0f")
    with pytest.raises(ValueError):
        encode_uleb32(2**32)
