"""How calls over the framed transport behave when things go wrong or get busy: failures (which the framed
wire carries without a reason), deadlines, many calls at once, a server going away mid-call."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

import witparser
from wrpc import types as t
from wrpc.client import Client
from wrpc.errors import ConnectionLost, DeadlineExceeded, IncompleteResults, NoResponders
from wrpc.functions import interface_functions
from wrpc.server import Server
from wrpc.transport.framed import FramedClient, FramedServer

WIT = """
package test:framed;
interface calls {
    echo: func(v: string) -> string;
    fire: func(v: string);
    slow: func() -> u32;
    chunks: func(n: u32) -> stream<u32>;
}
"""
INSTANCE = "test:framed/calls"
FUNCS = {name: func for (_, name), func in interface_functions(witparser.parse(WIT)).items()}


async def serve(server: FramedServer, handlers: dict[str, object]) -> Server:
    wrpc_server = Server(server)
    for name, handler in handlers.items():
        await wrpc_server.serve(INSTANCE, FUNCS[name], handler)  # type: ignore[arg-type]
    return wrpc_server


def func(name: str) -> t.FunctionType:
    return FUNCS[name]


async def test_handler_failure_ends_the_call_as_incomplete_results(framed_server: FramedServer) -> None:
    def echo(v: str) -> str:
        raise ValueError("no echo today")

    async with await serve(framed_server, {"echo": echo}):
        with pytest.raises(IncompleteResults):
            await Client(FramedClient(framed_server.address), timeout=5).invoke(
                INSTANCE, func("echo"), ["hi"]
            )


async def test_failed_void_call_looks_like_success_on_the_framed_wire(framed_server: FramedServer) -> None:
    """Protocol notes 1.8 #5: no error text travels over framed streams, and a void result is zero bytes."""
    ran = asyncio.Event()

    def fire(v: str) -> None:
        ran.set()
        raise ValueError("lost")

    async with await serve(framed_server, {"fire": fire}):
        assert (
            await Client(FramedClient(framed_server.address), timeout=5).invoke(INSTANCE, func("fire"), ["x"])
            is None
        )
        assert ran.is_set()


async def test_deadline_fails_the_call_in_time(framed_server: FramedServer) -> None:
    async def slow() -> int:
        await asyncio.sleep(30)
        return 1

    async with await serve(framed_server, {"slow": slow}):
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(DeadlineExceeded):
            await Client(FramedClient(framed_server.address), timeout=0.3).invoke(INSTANCE, func("slow"))
        assert loop.time() - started < 2


async def test_many_concurrent_calls_each_get_their_own_answer(framed_server: FramedServer) -> None:
    async def echo(v: str) -> str:
        await asyncio.sleep(0.01)
        return v.upper()

    async with await serve(framed_server, {"echo": echo}):
        client = Client(FramedClient(framed_server.address), timeout=30)
        words = [f"word-{i}" for i in range(300)]
        answers = await asyncio.gather(*(client.invoke(INSTANCE, func("echo"), [w]) for w in words))
        assert answers == [w.upper() for w in words]


async def test_stream_results_arrive_in_order(framed_server: FramedServer) -> None:
    async def chunks(n: int) -> AsyncIterator[int]:
        for i in range(n):
            yield i

    async with await serve(framed_server, {"chunks": chunks}):
        client = Client(FramedClient(framed_server.address), timeout=10)
        stream = await client.invoke(INSTANCE, func("chunks"), [500])
        assert [i async for i in stream] == list(range(500))
        await client.close()


async def test_server_going_away_mid_call_fails_the_call_at_once(framed_server: FramedServer) -> None:
    started = asyncio.Event()

    async def slow() -> int:
        started.set()
        await asyncio.sleep(30)
        return 1

    wrpc_server = await serve(framed_server, {"slow": slow})
    client = Client(FramedClient(framed_server.address), timeout=20)
    call = asyncio.create_task(client.invoke(INSTANCE, func("slow")))
    await started.wait()
    loop = asyncio.get_running_loop()
    stopped = loop.time()
    await wrpc_server.close()
    await framed_server.aclose()
    with pytest.raises((IncompleteResults, ConnectionLost)):
        await call
    assert loop.time() - stopped < 2
    with pytest.raises(NoResponders):
        await client.invoke(INSTANCE, func("slow"))


async def test_caller_vanishing_mid_stream_does_not_stop_the_server(framed_server: FramedServer) -> None:
    got: list[int] = []
    ended = asyncio.Event()

    async def sink(items: AsyncIterator[int]) -> int:
        try:
            async for item in items:
                got.append(item)
        finally:
            ended.set()
        return len(got)

    wit = "package test:sink; interface s { sink: func(items: stream<u32>) -> u32; echo: func(v: string) -> string; }"
    funcs = {name: f for (_, name), f in interface_functions(witparser.parse(wit)).items()}
    async with Server(framed_server) as wrpc_server:
        await wrpc_server.serve("test:sink/s", funcs["sink"], sink)
        await wrpc_server.serve("test:sink/s", funcs["echo"], lambda v: v)

        async def endless() -> AsyncIterator[int]:
            i = 0
            while True:
                yield i
                i += 1
                await asyncio.sleep(0.001)

        client = Client(FramedClient(framed_server.address), timeout=0.3)
        with pytest.raises(DeadlineExceeded):  # the caller gives up and closes its connection
            await client.invoke("test:sink/s", funcs["sink"], [endless()])
        await asyncio.wait_for(ended.wait(), 5)  # the handler's stream ended instead of hanging
        assert got and got == list(range(len(got)))
        assert await Client(FramedClient(framed_server.address)).invoke(
            "test:sink/s", funcs["echo"], ["still here"]
        ) == ("still here")
