"""Generated bindings against the Rust reference peer (wit-bindgen-wrpc over wrpc-transport-nats), both ways:

* the peer serves the reference's integration worlds and `hello`, and the typed Python clients call every
  function (records, variants, enums, flags, results, resources as handles, futures and streams);
* typed Python implementations serve the same worlds, and the peer runs its own client scenarios,
  which hold the Go tests' expectations, against them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from nats.aio.client import Client as NATS

import witparser
from tests.bindgen_support import chunks, generate_into, import_bindings, submodule, wrpc_tests_bindings
from tests.interop.conftest import INTEROP_TIMEOUT
from tests.interop.peer import Peer
from wrpc.client import Client
from wrpc.transport.nats import NatsTransport
from wrpc.values import Err, Ok

pytestmark = [pytest.mark.interop, pytest.mark.timeout(INTEROP_TIMEOUT)]

HELLO_WIT = Path(__file__).parent / "rust" / "wit" / "hello"


@pytest.fixture(scope="module")
def worlds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ModuleType]:
    out: Path = tmp_path_factory.mktemp("bindings")
    loaded = wrpc_tests_bindings(out)
    hello = witparser.load(str(HELLO_WIT))
    for name in ("client", "server"):
        loaded[f"hello-{name}"] = import_bindings(out, generate_into(hello, name, out))
    return loaded


async def test_typed_clients_call_the_rust_reference(
    worlds: dict[str, ModuleType], peer: Peer, nc: NATS
) -> None:
    server = await peer.serve("nats", "bindgen-rust", "serve", "--only", "sync,async,resources,hello")
    transport = NatsTransport(nc, prefix=server.target)
    client = Client(transport, timeout=20.0)
    try:
        hello = submodule(worlds["hello-client"], "imports.handler")
        assert await hello.Handler(client).hello() == "hello from Rust"

        s = submodule(worlds["sync-client"], "imports.sync")
        sync = s.Sync(client)
        assert await sync.fallible(True) == Ok(True)
        assert await sync.fallible(False) == Err("test")
        assert await sync.numbers() == (1, 2, 3, 4, 5, 6, 7, 8, 9.0, 10.0)
        assert await sync.with_flags(True, False, True) == s.Abc.A | s.Abc.C
        assert await sync.with_variant_option(True) == s.VarVar(s.Rec(s.RecNested("bar")))
        assert await sync.with_variant_option(False) is None
        empty, foo, bar = (
            s.VarEmpty(),
            s.VarVar(s.Rec(s.RecNested("foo"))),
            s.VarVar(s.Rec(s.RecNested("bar"))),
        )
        assert await sync.with_variant_list() == [empty, foo, empty, empty, empty, bar]
        assert await sync.with_record_list(3) == [s.Rec(s.RecNested(str(i))) for i in range(3)]
        assert await sync.with_record_tuple() == (s.Rec(s.RecNested("0")), s.Rec(s.RecNested("1")))
        assert await sync.with_enum() is s.Foobar.BAR
        assert await submodule(worlds["sync-client"], "imports.foo").Foo(client).f("f") == 42

        r = submodule(worlds["resources-client"], "imports.resources")
        resources = r.Resources(client)
        handle = await resources.foo_new()
        assert handle.handle.startswith(b"foo-")
        assert await handle.bar() == "bar"
        assert await resources.bar(handle) == "bar"
        assert (
            await submodule(worlds["resources-client"], "imports.strange").Strange(client).bar(handle) == 42
        )
        assert await resources.foo_foo(handle) == "foo"

        a = submodule(worlds["async-client"], "imports.async_")
        asynchronous = a.Async(client)
        raw, lists = await asynchronous.with_streams()
        assert b"".join([chunk async for chunk in raw]) == b"test"
        assert [item async for item in lists] == [["foo"], ["bar", "baz"]]
    finally:
        await client.close()
        await transport.close()


async def test_a_typed_stream_param_comes_back_from_the_rust_reference_as_a_future_stream(
    worlds: dict[str, ModuleType], peer: Peer, nc: NATS
) -> None:
    server = await peer.serve("nats", "bindgen-rust-future", "serve", "--only", "async")
    transport = NatsTransport(nc, prefix=server.target)
    client = Client(transport, timeout=20.0)
    try:
        a = submodule(worlds["async-client"], "imports.async_")
        future = await a.Async(client).with_future(a.Something("bar"), chunks(b"foo", b"bar"))
        stream = await future
        assert b"".join([chunk async for chunk in stream]) == b"foobar"
    finally:
        await client.close()
        await transport.close()


class _Sync:
    def __init__(self, s: ModuleType) -> None:
        self.s = s

    async def fallible(self, ok: bool) -> Ok | Err:
        return Ok(True) if ok else Err("test")

    async def numbers(self) -> tuple[float, ...]:
        return (1, 2, 3, 4, 5, 6, 7, 8, 9.0, 10.0)

    async def with_flags(self, a: bool, b: bool, c: bool) -> Any:
        flags = self.s.Abc(0)
        for on, member in ((a, self.s.Abc.A), (b, self.s.Abc.B), (c, self.s.Abc.C)):
            flags |= member if on else self.s.Abc(0)
        return flags

    def _var(self, foo: str) -> Any:
        return self.s.VarVar(self._rec(foo))

    def _rec(self, foo: str) -> Any:
        return self.s.Rec(self.s.RecNested(foo))

    async def with_variant_option(self, ok: bool) -> Any:
        return self._var("bar") if ok else None

    async def with_variant_list(self) -> list[Any]:
        empty = self.s.VarEmpty()
        return [empty, self._var("foo"), empty, empty, empty, self._var("bar")]

    async def with_record(self) -> Any:
        return self._rec("foo")

    async def with_record_list(self, n: int) -> list[Any]:
        return [self._rec(str(i)) for i in range(n)]

    async def with_record_tuple(self) -> tuple[Any, Any]:
        return (self._rec("0"), self._rec("1"))

    async def with_enum(self) -> Any:
        return self.s.Foobar.BAR


class _Foo:
    async def f(self, x: str) -> int:
        assert x == "f"
        return 42

    async def foo(self, x: str) -> None:
        pass


class _FooResource:
    async def bar(self) -> str:
        return "bar"


class _Resources:
    async def foo_new(self) -> _FooResource:
        return _FooResource()

    async def foo_foo(self, v: _FooResource) -> str:
        return "foo"

    async def bar(self, v: _FooResource) -> str:
        return await v.bar()


class _Strange:
    async def bar(self, v: _FooResource) -> int:
        return 42


class _Async:
    async def with_streams(self) -> tuple[AsyncIterator[bytes], AsyncIterator[list[str]]]:
        return chunks(b"test"), chunks(["foo"], ["bar", "baz"])

    async def with_future(self, x: Any, s: AsyncIterator[bytes]) -> Awaitable[AsyncIterator[bytes]]:
        assert x.foo == "bar"

        async def echo() -> AsyncIterator[bytes]:
            return s

        return echo()

    async def identity_nested_async(self, v: Any) -> Any:
        return v


class _Hello:
    async def hello(self) -> str:
        return "hello from Python"


async def test_the_rust_reference_calls_typed_implementations(
    worlds: dict[str, ModuleType], peer: Peer, nc: NATS
) -> None:
    transport = NatsTransport(nc, prefix="bindgen-python")
    server = await worlds["sync-server"].serve(
        transport, _Sync(submodule(worlds["sync-server"], "exports.sync")), _Foo()
    )
    await worlds["resources-server"].serve(server, _Resources(), _Strange())
    await worlds["async-server"].serve(server, _Async())
    await worlds["hello-server"].serve(server, _Hello())
    try:
        reports = await peer.call("nats", "bindgen-python", "hello", "sync", "resources", "async")
        failed = [r for r in reports if not r["ok"]]
        assert not failed, failed
        assert reports[0]["detail"] == "hello from Python"
    finally:
        await server.close()
        await transport.close()
