"""The interop contracts on the Python side: servers that answer exactly as the Rust peer's
`handlers.rs`, and client scenarios that check exactly what its `scenarios.rs` checks.

Both peers read the same WIT (`tests/interop/rust/wit/`), so a Python server and a Rust server are
interchangeable behind any caller, and either caller can check either server. The answers:
- `wrpc-test:integration/sync`, `resources`, `strange`: the Go test server's values;
- `foo.foo(x)` remembers x, `foo.f("f")` is 42; world `test`'s `f(x)` is 42 if x was remembered;
- `wrpc-test:integration/shared`: the Rust test's values, counter handles are 8-byte indexes;
- `bar.bar()` makes the chained calls through a client (`chain_client`) and answers "bar";
- `test.reset` is accepted and dropped; `test.sync` checks and echoes the reference's 15 values;
- `wrpc-examples:hello/handler.hello` answers "hello from Python" (Rust answers "hello from Rust").
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import witparser
from wrpc import types as t
from wrpc.client import Client
from wrpc.functions import Address, world_functions
from wrpc.server import Server
from wrpc.values import Err, Ok, Variant

WIT = Path(__file__).parent / "rust" / "wit"

GO_NUMBERS = (1, 2, 3, 4, 5, 6, 7, 8, 9.0, 10.0)
RUST_NUMBERS = (
    0xFE,
    0xFEFF,
    0xFEFF_FFFF,
    0xFEFF_FFFF_FFFF_FFFF,
    0x7E,
    0x7EFF,
    0x7EFF_FFFF,
    0x7EFF_FFFF_FFFF_FFFF,
    0.42,
    0.4242,
)
"""`shared.numbers()` of the reference's Rust test; 0.42 is compared as the f32 it travels as."""

SYNC_VALUES = (
    True,
    0xFE,
    0xFEFF,
    0xFEFF_FFFF,
    0xFEFF_FFFF_FFFF_FFFF,
    0x7E,
    0x7EFF,
    0x7EFF_FFFF,
    0x7EFF_FFFF_FFFF_FFFF,
    0.42,
    0.4242,
    "a",
    "test",
    [[b"foo"]],
    [[Ok("bar")]],
)
"""The 15 values of `test.sync` (protocol notes vector #23), as the Python codec represents them."""

SYNC_TYPES = [
    "bool",
    "u8",
    "u16",
    "u32",
    "u64",
    "s8",
    "s16",
    "s32",
    "s64",
    "f32",
    "f64",
    "char",
    "string",
    "list<list<list<u8>>>",
    "list<option<list<result<option<string>>>>>",
]

SAMPLE = {
    "id": 0xFEED_F00D,
    "name": "sample",
    "tags": ["a", "bb", "ccc"],
    "score": 0.4242,
    "active": True,
    "data": b"\x00\x01\x02\xff",
}
"""The record of the `record` scenario and the `record` bench workload (`scenarios::sample()`)."""


@functools.cache
def _resolve(package: str) -> witparser.Resolve:
    return witparser.load(str(WIT / package))


def exports(package: str, world: str) -> dict[Address, t.FunctionType]:
    """The functions `world` of the WIT folder `package` exports, by (instance, wire name)."""
    resolve = _resolve(package)
    return world_functions(resolve, resolve.select_world(None, world))


def imports(package: str, world: str) -> dict[Address, t.FunctionType]:
    resolve = _resolve(package)
    return world_functions(resolve, resolve.select_world(None, world), exports=False)


def dynamic_functions() -> dict[Address, t.FunctionType]:
    """`test.reset` and `test.sync`: the reference's hand-typed functions, with no WIT behind them."""
    types = tuple(t.parse_type_expr(s) for s in SYNC_TYPES)
    return {
        ("test", "reset"): t.FunctionType("reset", (("arg", t.String()),), t.String()),
        ("test", "sync"): t.FunctionType(
            "sync", tuple((f"p{i}", ty) for i, ty in enumerate(types)), t.Tuple(types)
        ),
    }


def same_f32(a: float, b: float) -> bool:
    """Equality of two values that crossed the wire as f32."""
    import struct

    return struct.pack("<f", a) == struct.pack("<f", b)


def rec(foo: str) -> dict[str, Any]:
    return {"nested": {"foo": foo}}


class Contracts:
    """The Python implementation of every served contract, with the state the contracts need."""

    def __init__(self, chain_client: Client | None = None) -> None:
        self.chain_client = chain_client
        self.remembered: str | None = None
        self.counters: list[int] = []
        self.foos: set[bytes] = set()
        self.next_foo = 0
        self.resets = 0

    # wrpc-test:integration/sync and foo
    def handlers(self) -> dict[Address, Callable[..., Any]]:
        sync = "wrpc-test:integration/sync"
        asy = "wrpc-test:integration/async"
        res = "wrpc-test:integration/resources"
        shared = "wrpc-test:integration/shared"
        return {
            (sync, "fallible"): lambda ok: Ok(True) if ok else Err("test"),
            (sync, "numbers"): lambda: GO_NUMBERS,
            (sync, "with-flags"): lambda a, b, c: frozenset(
                name for name, on in (("a", a), ("b", b), ("c", c)) if on
            ),
            (sync, "with-variant-option"): lambda ok: Variant("var", rec("bar")) if ok else None,
            (sync, "with-variant-list"): lambda: [
                Variant("empty", None),
                Variant("var", rec("foo")),
                Variant("empty", None),
                Variant("empty", None),
                Variant("empty", None),
                Variant("var", rec("bar")),
            ],
            (sync, "with-record"): lambda: rec("foo"),
            (sync, "with-record-list"): lambda n: [rec(str(i)) for i in range(n)],
            (sync, "with-record-tuple"): lambda: (rec("0"), rec("1")),
            (sync, "with-enum"): lambda: "bar",
            ("wrpc-test:integration/foo", "f"): self.foo_f,
            ("wrpc-test:integration/foo", "foo"): self.foo_foo,
            (asy, "with-streams"): lambda: (b"test", [["foo"], ["bar", "baz"]]),
            (asy, "with-future"): self.with_future,
            (asy, "identity-nested-async"): lambda v: v,
            (res, "foo"): self.foo_new,
            (res, "foo.foo"): self.foo_consume,
            (res, "foo.bar"): self.foo_bar,
            (res, "bar"): self.foo_bar,
            ("wrpc-test:integration/strange", "bar"): lambda _v: 42,
            (shared, "fallible"): lambda: Ok(True),
            (shared, "numbers"): lambda: RUST_NUMBERS,
            (shared, "with-flags"): lambda: frozenset({"a", "c"}),
            (shared, "counter"): self.counter_new,
            (shared, "counter.clone-counter"): lambda h: self.counter_new(self.counters[self.index(h)]),
            (shared, "counter.get-count"): lambda h: self.counters[self.index(h)],
            (shared, "counter.increment-by"): self.counter_increment,
            (shared, "counter.sum"): lambda a, b: self.counters[self.index(a)] + self.counters[self.index(b)],
            ("wrpc-test:integration/test", "f"): self.world_f,
            ("wrpc-test:integration/bar", "bar"): self.bar,
            ("wrpc-examples:hello/handler", "hello"): lambda: "hello from Python",
            ("wrpc-bench:bench/ping", "ping"): lambda: None,
            ("wrpc-bench:bench/greet", "greet"): lambda name: f"Hello, {name}",
            ("wrpc-interop:echo/echo", "echo-bytes"): lambda data: data,
            ("wrpc-interop:echo/echo", "echo-record"): lambda r: r,
            ("test", "reset"): self.reset,
            ("test", "sync"): self.sync,
        }

    def foo_f(self, x: str) -> int:
        if x != "f":
            raise ValueError(f"foo.f expects 'f', got {x!r}")
        return 42

    def foo_foo(self, x: str) -> None:
        self.remembered = x

    def world_f(self, x: str) -> int:
        if self.remembered != x:
            raise ValueError(f"f({x!r}) does not match what foo.foo stored: {self.remembered!r}")
        return 42

    async def with_future(self, x: dict[str, Any], s: AsyncIterator[bytes]) -> Awaitable[Any]:
        if x["foo"] != "bar":
            raise ValueError(f"with-future expects foo = 'bar', got {x!r}")

        async def value() -> AsyncIterator[bytes]:
            return s

        return value()

    def foo_new(self) -> bytes:
        handle = f"py-foo-{self.next_foo}".encode()
        self.next_foo += 1
        self.foos.add(handle)
        return handle

    def foo_consume(self, handle: bytes) -> str:
        self.foos.remove(handle)
        return "foo"

    def foo_bar(self, handle: bytes) -> str:
        if handle not in self.foos:
            raise KeyError(f"unknown foo {handle!r}")
        return "bar"

    def index(self, handle: bytes) -> int:
        index = int.from_bytes(handle, "little")
        if len(handle) != 8 or index >= len(self.counters):
            raise KeyError(f"unknown counter {handle!r}")
        return index

    def counter_new(self, initial: int) -> bytes:
        self.counters.append(initial)
        return (len(self.counters) - 1).to_bytes(8, "little")

    def counter_increment(self, handle: bytes, n: int) -> None:
        self.counters[self.index(handle)] += n

    async def bar(self) -> str:
        assert self.chain_client is not None, "bar.bar needs a chain client"
        await chain(self.chain_client)
        return "bar"

    async def reset(self, arg: str) -> str:
        """Accept, then drop: the invocation ends without results, as the Rust server's does."""
        self.resets += 1
        raise ConnectionAbortedError(f"test.reset drops every invocation ({arg!r})")

    def sync(self, *values: Any) -> tuple[Any, ...]:
        check_sync_values(values)
        return SYNC_VALUES


def check_sync_values(values: tuple[Any, ...] | list[Any]) -> None:
    got = list(values)
    want: list[Any] = list(SYNC_VALUES)
    assert same_f32(got[9], want[9]), f"test.sync f32 was {got[9]!r}"
    got[9] = want[9]
    assert got == want, f"test.sync values were {values!r}"


WORLDS: dict[str, list[tuple[str, str]]] = {
    "sync": [("integration", "sync-server")],
    "async": [("integration", "async-server")],
    "resources": [("integration", "resources-server")],
    "chain": [("integration", "test")],
    "hello": [("hello", "server")],
    "bench": [("bench", "handler")],
    "echo": [("echo", "server")],
}
"""The Python twin of `serve::register` in the Rust peer: world group -> (WIT folder, world)."""


async def serve(server: Server, contracts: Contracts, groups: list[str]) -> None:
    """Serve the world groups `groups` (keys of WORLDS, plus "dynamic") with `contracts`."""
    handlers = contracts.handlers()
    for group in groups:
        if group == "dynamic":
            functions = dynamic_functions()
        else:
            functions = {}
            for package, world in WORLDS[group]:
                functions.update(exports(package, world))
        for (instance, name), func in functions.items():
            await server.serve(instance, func, handlers[(instance, name)], name=name)


def _all_functions() -> dict[Address, t.FunctionType]:
    found: dict[Address, t.FunctionType] = dynamic_functions()
    for worlds in WORLDS.values():
        for package, world in worlds:
            found.update(exports(package, world))
    return found


class Caller:
    """Calls any contract function by address: `await caller("wrpc-test:integration/sync", "numbers")`."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.functions = _all_functions()

    async def __call__(self, instance: str, name: str, *params: Any) -> Any:
        return await self.client.invoke(instance, self.functions[(instance, name)], params, name=name)


async def collect(stream: AsyncIterator[Any]) -> list[Any]:
    return [item async for item in stream]


async def sync_scenario(client: Client) -> None:
    call = Caller(client)
    s = "wrpc-test:integration/sync"
    assert await call(s, "fallible", True) == Ok(True)
    assert await call(s, "fallible", False) == Err("test")
    numbers = await call(s, "numbers")
    assert numbers == GO_NUMBERS, numbers
    assert await call(s, "with-flags", True, False, True) == frozenset({"a", "c"})
    assert await call(s, "with-flags", False, True, False) == frozenset({"b"})
    assert await call(s, "with-variant-option", True) == Variant("var", rec("bar"))
    assert await call(s, "with-variant-option", False) is None
    empty = Variant("empty", None)
    assert await call(s, "with-variant-list") == [
        empty,
        Variant("var", rec("foo")),
        empty,
        empty,
        empty,
        Variant("var", rec("bar")),
    ]
    assert await call(s, "with-record") == rec("foo")
    assert await call(s, "with-record-list", 3) == [rec("0"), rec("1"), rec("2")]
    assert await call(s, "with-record-list", 0) == []
    assert await call(s, "with-record-tuple") == (rec("0"), rec("1"))
    assert await call(s, "with-enum") == "bar"
    assert await call("wrpc-test:integration/foo", "foo", "foo") is None
    assert await call("wrpc-test:integration/foo", "f", "f") == 42


async def streams_scenario(client: Client) -> None:
    """`with-streams`: two result streams at [0, 0] and [0, 1]."""
    bytes_stream, lists_stream = await Caller(client)("wrpc-test:integration/async", "with-streams")
    chunks, lists = await asyncio.gather(collect(bytes_stream), collect(lists_stream))
    assert b"".join(chunks) == b"test", chunks
    assert lists == [["foo"], ["bar", "baz"]], lists


async def future_scenario(client: Client) -> None:
    """`with-future`: a param stream at [1] echoed back as `future<stream<u8>>` on [0]."""

    async def foobar() -> AsyncIterator[bytes]:
        yield b"foo"
        yield b"bar"

    future = await Caller(client)("wrpc-test:integration/async", "with-future", {"foo": "bar"}, foobar())
    echoed = await future
    got = b"".join(await collect(echoed))
    assert got == b"foobar", got


async def nested_scenario(client: Client) -> None:
    """`identity-nested-async`: `future<future<future<stream<string>>>>` both ways on one channel."""

    async def level3() -> list[str]:
        return ["foo", "bar", "baz"]

    async def level2() -> Awaitable[list[str]]:
        return level3()

    async def level1() -> Awaitable[Awaitable[list[str]]]:
        return level2()

    nested = await Caller(client)("wrpc-test:integration/async", "identity-nested-async", level1())
    inner = await (await (await nested))
    got = await collect(inner)
    assert got == ["foo", "bar", "baz"], got


async def async_scenario(client: Client) -> None:
    await streams_scenario(client)
    await future_scenario(client)
    await nested_scenario(client)


async def resources_scenario(client: Client) -> bytes:
    call = Caller(client)
    r = "wrpc-test:integration/resources"
    foo = await call(r, "foo")
    assert await call(r, "foo.bar", foo) == "bar"
    assert await call(r, "bar", foo) == "bar"
    assert await call("wrpc-test:integration/strange", "bar", foo) == 42
    assert await call(r, "foo.foo", foo) == "foo"
    return bytes(foo)


async def chain(client: Client) -> None:
    """The chained calls of the reference's `rust_bindgen_nats_sync` (what `bar.bar` makes)."""
    functions = imports("integration", "test")
    s = "wrpc-test:integration/shared"

    async def call(instance: str, name: str, *params: Any) -> Any:
        return await client.invoke(instance, functions[(instance, name)], params, name=name)

    await call("wrpc-test:integration/foo", "foo", "foo")
    assert await call("wrpc-test:integration/test", "f", "foo") == 42
    assert await call(s, "fallible") == Ok(True)
    numbers = await call(s, "numbers")
    assert numbers[:8] == RUST_NUMBERS[:8] and same_f32(numbers[8], 0.42) and numbers[9] == 0.4242, numbers
    assert await call(s, "with-flags") == frozenset({"a", "c"})
    counter = await call(s, "counter", 0)
    await call(s, "counter.increment-by", counter, 1)
    assert await call(s, "counter.get-count", counter) == 1
    await call(s, "counter.increment-by", counter, 2)
    assert await call(s, "counter.get-count", counter) == 3
    second = await call(s, "counter.clone-counter", counter)
    assert await call(s, "counter.sum", counter, second) == 6


async def echo_scenario(client: Client, size: int) -> None:
    data = bytes(i % 251 for i in range(size))
    got = await Caller(client)("wrpc-interop:echo/echo", "echo-bytes", data)
    assert got == data, f"echo-bytes returned {len(got)} bytes, sent {size}"


async def record_scenario(client: Client) -> None:
    got = await Caller(client)("wrpc-interop:echo/echo", "echo-record", SAMPLE)
    assert got == SAMPLE, got


async def concurrency_scenario(client: Client, n: int) -> None:
    """`n` calls in flight at once, mixing sync values, bytes and streams (the Rust scenario's mix)."""
    call = Caller(client)

    async def one(i: int) -> None:
        if i % 3 == 0:
            assert await call("wrpc-test:integration/sync", "numbers") == GO_NUMBERS
        elif i % 3 == 1:
            await echo_scenario(client, 1024 + i)
        else:
            a, b = await call("wrpc-test:integration/async", "with-streams")
            chunks, lists = await asyncio.gather(collect(a), collect(b))
            assert b"".join(chunks) == b"test" and len(lists) == 2

    await asyncio.gather(*(one(i) for i in range(n)))
