"""The framed transport on real TCP and Unix sockets, byte level: what goes on the wire, half-close,
routing by path, and the failures a caller meets. Typed calls through wrpc.client/server are in
test_framed_matrix.py."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from wrpc.errors import NoResponders, RemoteProtocolError
from wrpc.transport import ServerInvocation
from wrpc.transport._frames import encode_frame, encode_invocation
from wrpc.transport.framed import FramedAddress, FramedClient, FramedServer

HELLO = "wrpc-examples:hello/handler"
HELLO_REPLY = bytes.fromhex("0f") + b"hello from Rust"


async def read_all(reader: object) -> bytes:
    out = b""
    async for chunk in reader:  # type: ignore[attr-defined]
        out += chunk
    return out


async def open_raw(address: FramedAddress) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    if address.scheme == "unix":
        return await asyncio.open_unix_connection(address.path)
    return await asyncio.open_connection(address.host, address.port)


async def serve_once(server: FramedServer, instance: str, func: str, **kw: object) -> ServerInvocation:
    listener = await server.serve(instance, func, **kw)  # type: ignore[arg-type]
    async for invocation in listener:
        return invocation
    raise AssertionError("listener ended")


async def test_hello_client_writes_the_worked_bytes_then_half_closes(framed_server: FramedServer) -> None:
    received = asyncio.get_running_loop().create_future()

    async def raw_peer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        received.set_result(await reader.read())  # read() returns at the client's half-close
        writer.write(encode_frame((), HELLO_REPLY))
        writer.write_eof()
        writer.close()

    await framed_server.aclose()  # replace the wRPC server by a raw socket peer on the same address
    addr = framed_server.address
    if addr.scheme == "unix":
        raw = await asyncio.start_unix_server(raw_peer, addr.path)
    else:
        raw = await asyncio.start_server(raw_peer, addr.host, 0)
        addr = FramedAddress("tcp", host=addr.host, port=raw.sockets[0].getsockname()[1])
    async with raw:
        call = await FramedClient(addr).invoke(HELLO, "hello", b"")
        assert await read_all(call.reader()) == HELLO_REPLY
        assert await received == encode_invocation(HELLO, "hello", b"")
        await call.close()


async def test_hello_server_answers_raw_bytes_with_root_frame_and_half_close(
    framed_server: FramedServer,
) -> None:
    listener = await framed_server.serve(HELLO, "hello")

    async def handle() -> None:
        async for invocation in listener:
            assert await read_all(invocation.reader()) == b""
            await invocation.writer().write(HELLO_REPLY)
            await invocation.close()
            return

    task = asyncio.create_task(handle())
    reader, writer = await open_raw(framed_server.address)
    writer.write(encode_invocation(HELLO, "hello", b""))
    writer.write_eof()
    assert await reader.read() == encode_frame((), HELLO_REPLY)  # the whole answer, then EOF
    writer.close()
    await task


async def test_async_param_and_result_paths_travel_as_indexed_frames(framed_server: FramedServer) -> None:
    accepted = asyncio.create_task(
        serve_once(framed_server, "example:bytes/handler", "echo", param_paths=[(0,)])
    )
    await asyncio.sleep(0)
    client = FramedClient(framed_server.address)
    call = await client.invoke(
        "example:bytes/handler", "echo", b"\x00", param_paths=[(0,)], result_paths=[(0,)]
    )
    inv = await accepted
    for chunk in (b"\x03foo", b"", b"\x03bar", b"\x00"):  # the empty write is not an end of stream
        await call.writer((0,)).write(chunk)
    await call.writer((0,)).close()
    assert await read_all(inv.reader()) == b"\x00"
    echoed = await read_all(inv.reader((0,)))
    assert echoed == b"\x03foo\x03bar\x00"
    await inv.writer().write(b"\x00")
    await inv.writer((0,)).write(echoed)
    await inv.close()
    assert await read_all(call.reader()) == b"\x00"
    assert await read_all(call.reader((0,))) == echoed
    await call.close()


async def test_unregistered_path_ends_every_reader_with_a_protocol_error(framed_server: FramedServer) -> None:
    accepted = asyncio.create_task(serve_once(framed_server, "x:y/z", "f", param_paths=[(0,)]))
    reader, writer = await open_raw(framed_server.address)
    writer.write(
        encode_invocation("x:y/z", "f", b"") + encode_frame((0,), b"\x01") + encode_frame((5,), b"\x02")
    )
    inv = await accepted
    with pytest.raises(RemoteProtocolError, match=r"`\[5\]` subscription not found"):
        await read_all(inv.reader((0,)))
    await inv.close()
    assert await reader.read() == b""
    writer.close()


async def test_unserved_function_drops_the_connection_so_results_end_empty(
    framed_server: FramedServer,
) -> None:
    call = await FramedClient(framed_server.address).invoke("nobody:serves/this", "f", b"")
    assert await read_all(call.reader()) == b""  # the client layer reports this as incomplete results
    await call.close()


async def test_bad_version_byte_drops_the_connection(framed_server: FramedServer) -> None:
    await framed_server.serve(HELLO, "hello")
    reader, writer = await open_raw(framed_server.address)
    writer.write(b"\x01" + encode_invocation(HELLO, "hello", b"")[1:])
    assert await reader.read() == b""
    writer.close()


async def test_nobody_listening_is_no_responders_at_once(tmp_path: Path) -> None:
    with pytest.raises(NoResponders):
        await FramedClient(f"unix://{tmp_path / 'absent.sock'}").invoke(HELLO, "hello", b"")
    async with FramedServer("tcp://127.0.0.1:0") as srv:
        address = srv.address
    with pytest.raises(NoResponders):
        await FramedClient(address).invoke(HELLO, "hello", b"")


async def test_large_write_is_split_into_frames_and_arrives_whole(framed_server: FramedServer) -> None:
    accepted = asyncio.create_task(serve_once(framed_server, "big:data/x", "f"))
    await asyncio.sleep(0)
    payload = bytes(range(256)) * 12_000  # about 3 MiB: more than one frame's worth
    call = await FramedClient(framed_server.address).invoke("big:data/x", "f", payload)
    inv = await accepted
    assert await read_all(inv.reader()) == payload
    await inv.writer().write(payload)
    await inv.close()
    assert await read_all(call.reader()) == payload
    await call.close()


def test_address_parsing_round_trips() -> None:
    assert str(FramedAddress.parse("tcp://127.0.0.1:7761")) == "tcp://127.0.0.1:7761"
    assert FramedAddress.parse("tcp://[::1]:80") == FramedAddress("tcp", host="::1", port=80)
    assert FramedAddress.parse("unix:///tmp/w.sock") == FramedAddress("unix", path="/tmp/w.sock")
    with pytest.raises(ValueError, match="tcp://HOST:PORT"):
        FramedAddress.parse("nats://localhost:4222")


async def test_connection_without_a_header_is_dropped_after_the_header_timeout(tmp_path: Path) -> None:
    async with FramedServer(f"unix://{tmp_path / 's.sock'}", header_timeout=0.2) as srv:
        reader, writer = await open_raw(srv.address)
        writer.write(b"\x00\x05ab")  # a header cut short, then silence
        assert await asyncio.wait_for(reader.read(), 5) == b""
        writer.close()


async def test_caller_that_never_half_closes_is_dropped_after_the_linger_time(tmp_path: Path) -> None:
    async with FramedServer(f"unix://{tmp_path / 's.sock'}", linger=0.2) as srv:
        accepted = asyncio.create_task(serve_once(srv, HELLO, "hello", param_paths=[(0,)]))
        reader, writer = await open_raw(srv.address)
        writer.write(encode_invocation(HELLO, "hello", b""))  # and never a FIN
        inv = await accepted
        await inv.writer().write(HELLO_REPLY)
        await inv.close()
        assert await asyncio.wait_for(reader.read(), 5) == encode_frame((), HELLO_REPLY)  # the half-close
        assert len(srv._streams) == 1  # our side may still send...
        await asyncio.sleep(0.5)
        assert len(srv._streams) == 0  # ...until the linger time is over
        writer.close()
