"""Generated bindings on both ends of a real nats-server (and of the framed transport on TCP): a typed implementation served through the
`*-server` world's bindings answers calls made through the `*-client` world's bindings of the shared
wrpc-tests WIT (the reference's own integration worlds): records, variants, enums, flags, options,
results, tuples, resources as handles (moved by `own`, forgotten by `release`), futures and streams."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from types import ModuleType
from typing import Any

import pytest
from nats.aio.client import Client as NATS

from tests.bindgen_support import chunks, submodule, wrpc_tests_bindings
from wrpc.bindgen.runtime import release
from wrpc.client import Client
from wrpc.errors import IncompleteResults, RemoteError
from wrpc.transport.base import Acceptor, Invoker
from wrpc.transport.framed import FramedClient, FramedServer
from wrpc.transport.nats import NatsTransport
from wrpc.values import Err, Ok


@pytest.fixture(scope="module")
def worlds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ModuleType]:
    return wrpc_tests_bindings(tmp_path_factory.mktemp("bindings"))


@pytest.fixture(params=["nats", "tcp"])
async def transports(request: pytest.FixtureRequest, nc: NATS) -> AsyncIterator[tuple[Invoker, Acceptor]]:
    """(what the client calls through, what the server serves on): NATS, or the framed transport on TCP."""
    if request.param == "nats":
        transport = NatsTransport(nc, prefix="bindgen")
        yield transport, transport
        await transport.close()
    else:
        async with FramedServer("tcp://127.0.0.1:0") as server:
            yield FramedClient(server.address), server


async def test_typed_sync_world_crosses_the_wire(
    worlds: dict[str, ModuleType], transports: tuple[Invoker, Acceptor]
) -> None:
    invoker, acceptor = transports
    server_sync = submodule(worlds["sync-server"], "exports.sync")
    sync = submodule(worlds["sync-client"], "imports.sync")
    foo = submodule(worlds["sync-client"], "imports.foo")
    S = server_sync

    class SyncImpl:
        async def fallible(self, ok: bool) -> Ok | Err:
            return Ok(True) if ok else Err("test")

        async def numbers(self) -> tuple[float, ...]:
            return (1, 2, 3, 4, 5, 6, 7, 8, 9.0, 10.0)

        async def with_flags(self, a: bool, b: bool, c: bool) -> Any:
            flags = S.Abc(0)
            for on, member in ((a, S.Abc.A), (b, S.Abc.B), (c, S.Abc.C)):
                if on:
                    flags |= member
            return flags

        async def with_variant_option(self, ok: bool) -> Any:
            return S.VarVar(S.Rec(S.RecNested("bar"))) if ok else None

        async def with_variant_list(self) -> list[Any]:
            return [S.VarEmpty(), S.VarVar(S.Rec(S.RecNested("foo")))]

        async def with_record(self) -> Any:
            return S.Rec(S.RecNested("foo"))

        async def with_record_list(self, n: int) -> list[Any]:
            return [S.Rec(S.RecNested(str(i))) for i in range(n)]

        async def with_record_tuple(self) -> tuple[Any, Any]:
            return (S.Rec(S.RecNested("0")), S.Rec(S.RecNested("1")))

        async def with_enum(self) -> Any:
            return S.Foobar.BAR

    calls: list[str] = []

    class FooImpl:
        async def f(self, x: str) -> int:
            return len(x)

        async def foo(self, x: str) -> None:
            calls.append(x)

    server = await worlds["sync-server"].serve(acceptor, SyncImpl(), FooImpl())
    try:
        client = sync.Sync(Client(invoker))
        assert await client.fallible(True) == Ok(True)
        assert await client.fallible(False) == Err("test")
        assert await client.numbers() == (1, 2, 3, 4, 5, 6, 7, 8, 9.0, 10.0)
        assert await client.with_flags(True, False, True) == sync.Abc.A | sync.Abc.C
        assert await client.with_variant_option(True) == sync.VarVar(sync.Rec(sync.RecNested("bar")))
        assert await client.with_variant_option(False) is None
        assert await client.with_variant_list() == [
            sync.VarEmpty(),
            sync.VarVar(sync.Rec(sync.RecNested("foo"))),
        ]
        assert await client.with_record() == sync.Rec(sync.RecNested("foo"))
        assert await client.with_record_list(3) == [sync.Rec(sync.RecNested(str(i))) for i in range(3)]
        assert await client.with_record_tuple() == (
            sync.Rec(sync.RecNested("0")),
            sync.Rec(sync.RecNested("1")),
        )
        assert await client.with_enum() is sync.Foobar.BAR
        inline = foo.Foo(invoker)
        assert inline.INSTANCE == "wrpc-test:integration/foo"
        assert await inline.f("four") == 4
        assert await inline.foo("noted") is None
        assert calls == ["noted"]
    finally:
        await server.close()


async def fails_as_unknown_handle(call: Awaitable[Any]) -> None:
    """The server refused the handle: a `RemoteError` saying so where the transport carries error text
    (NATS), otherwise results that end early (framed)."""
    with pytest.raises((RemoteError, IncompleteResults)) as info:
        await call
    if isinstance(info.value, RemoteError):
        assert "unknown Foo handle" in str(info.value)


async def test_typed_resources_are_handles_across_the_wire(
    worlds: dict[str, ModuleType], transports: tuple[Invoker, Acceptor]
) -> None:
    invoker, acceptor = transports
    resources = submodule(worlds["resources-client"], "imports.resources")
    strange = submodule(worlds["resources-client"], "imports.strange")

    class Foo:
        def __init__(self, n: int) -> None:
            self.n = n

        async def bar(self) -> str:
            return f"foo {self.n}"

    created: list[Foo] = []

    class ResourcesImpl:
        async def foo_new(self) -> Foo:
            created.append(Foo(len(created)))
            return created[-1]

        async def foo_foo(self, v: Foo) -> str:
            return f"static {v.n}"

        async def bar(self, v: Foo) -> str:
            return await v.bar()

    class StrangeImpl:
        async def bar(self, v: Foo) -> int:
            return 100 + v.n

    server = await worlds["resources-server"].serve(acceptor, ResourcesImpl(), StrangeImpl())
    try:
        dynamic = Client(invoker)
        client = resources.Resources(dynamic)
        first = await client.foo_new()
        second = await client.foo_new()
        assert isinstance(first, resources.Foo)
        assert len(first.handle) == 16
        assert first != second
        assert await first.bar() == "foo 0"
        assert await second.bar() == "foo 1"
        assert await client.bar(second) == "foo 1"
        assert await strange.Strange(dynamic).bar(second) == 101
        assert await client.foo_foo(first) == "static 0"
        await fails_as_unknown_handle(first.bar())
        release(created[1])
        await fails_as_unknown_handle(second.bar())
    finally:
        await server.close()


async def test_typed_futures_and_streams_cross_the_wire(
    worlds: dict[str, ModuleType], transports: tuple[Invoker, Acceptor]
) -> None:
    invoker, acceptor = transports
    client_async = submodule(worlds["async-client"], "imports.async_")

    class AsyncImpl:
        async def with_streams(self) -> tuple[AsyncIterator[bytes], AsyncIterator[list[str]]]:
            return chunks(b"te", b"st"), chunks(["foo"], ["bar", "baz"])

        async def with_future(self, x: Any, s: AsyncIterator[bytes]) -> Awaitable[AsyncIterator[bytes]]:
            data = b"".join([chunk async for chunk in s])

            async def result() -> AsyncIterator[bytes]:
                return chunks(x.foo.encode(), data)

            return result()

        async def identity_nested_async(self, v: Any) -> Any:
            return v

    server = await worlds["async-server"].serve(acceptor, AsyncImpl())
    try:
        client = client_async.Async(Client(invoker))
        raw, lists = await client.with_streams()
        assert b"".join([chunk async for chunk in raw]) == b"test"
        assert [item async for item in lists] == [["foo"], ["bar", "baz"]]
        future = await client.with_future(client_async.Something("bar"), chunks(b"f", b"oo"))
        stream = await future
        assert b"".join([chunk async for chunk in stream]) == b"barfoo"
    finally:
        await server.close()
