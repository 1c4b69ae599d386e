"""Our client and server against the Rust reference peer (published wRPC crates), over NATS and framed
TCP, both ways: Python client -> Rust server and Rust client -> Python server, plus Rust <-> Rust
through the same fixtures as a sanity check of the peer and the harness.

Covered: every function of the wrpc-tests worlds (sync, async streams and futures, resources), the
reference's chained calls (`rust_bindgen_nats_sync`), `test.sync` and `test.reset` (`rust_dynamic_nats`;
its `test.async` has multi-value results our API cannot express, so it runs Rust to Rust only: spec/wrpc.md
5.2 item 4), hello, payloads larger than the nats-server's `max_payload`, the error cases
(a server that drops the invocation, nobody serving), and 100 calls in flight at once.
"""

from __future__ import annotations

import pytest

from tests.interop import worlds
from tests.interop.peer import INTEROP_TIMEOUT, Peer, failed
from tests.interop.sides import BIG, TRANSPORTS, PythonSide, python_client, rust_server
from wrpc.errors import WrpcError

pytestmark = [pytest.mark.interop, pytest.mark.timeout(INTEROP_TIMEOUT)]

# Python client -> Rust server


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_python_client_calls_every_function_of_a_rust_server(
    peer: Peer, py: PythonSide, transport: str
) -> None:
    client = await python_client(py, transport, await rust_server(peer, transport))
    assert await worlds.Caller(client)("wrpc-examples:hello/handler", "hello") == "hello from Rust"
    await worlds.sync_scenario(client)
    await worlds.streams_scenario(client)
    handle = await worlds.resources_scenario(client)
    assert handle.startswith(b"foo-"), handle
    await worlds.chain(client)
    assert await worlds.Caller(client)("wrpc-test:integration/bar", "bar") == "bar"
    await worlds.record_scenario(client)


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("scenario", ["future", "nested"])
async def test_python_client_reads_nested_async_results_from_a_rust_server(
    peer: Peer, py: PythonSide, transport: str, scenario: str
) -> None:
    """A future whose value holds a stream (or further futures) continues on the future's channel."""
    client = await python_client(py, transport, await rust_server(peer, transport))
    await {"future": worlds.future_scenario, "nested": worlds.nested_scenario}[scenario](client)


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_python_client_and_rust_server_exchange_the_reference_sync_values(
    peer: Peer, py: PythonSide, transport: str
) -> None:
    client = await python_client(py, transport, await rust_server(peer, transport))
    returned = await worlds.Caller(client)("test", "sync", *worlds.SYNC_VALUES)
    worlds.check_sync_values(returned)


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_python_client_sends_and_receives_payloads_larger_than_max_payload(
    peer: Peer, py: PythonSide, transport: str
) -> None:
    client = await python_client(py, transport, await rust_server(peer, transport))
    await worlds.echo_scenario(client, BIG)


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_python_client_fails_when_the_rust_server_drops_the_invocation(
    peer: Peer, py: PythonSide, transport: str
) -> None:
    client = await python_client(py, transport, await rust_server(peer, transport))
    for _ in range(3):
        with pytest.raises(WrpcError):
            await worlds.Caller(client)("test", "reset", "arg")


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_python_client_keeps_100_calls_in_flight_against_a_rust_server(
    peer: Peer, py: PythonSide, transport: str
) -> None:
    client = await python_client(py, transport, await rust_server(peer, transport))
    await worlds.concurrency_scenario(client, 100)


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_rust_bar_chains_its_calls_to_a_python_server(
    peer: Peer, py: PythonSide, transport: str
) -> None:
    """Python client -> Rust `bar.bar` -> Python `foo`, `f`, `shared` and counter (three hops)."""
    python_target, contracts = await py.serve(transport, ["sync", "chain"])
    chain_flag = "--chain-prefix" if transport == "nats" else "--chain-tcp"
    rust = await rust_server(peer, transport, "serve", "--only", "chain", chain_flag, python_target)
    client = await python_client(py, transport, rust)
    assert await worlds.Caller(client)("wrpc-test:integration/bar", "bar") == "bar"
    assert contracts.counters == [3, 3], contracts.counters


# Rust client -> Python server


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_rust_client_calls_every_function_of_a_python_server(
    peer: Peer, py: PythonSide, transport: str
) -> None:
    target, _ = await py.serve(transport, [*worlds.WORLDS, "dynamic"])
    reports = await peer.call(
        transport, target, "hello", "sync", "async", "resources", "chain", "bar", "record", "test-sync"
    )
    assert not failed(reports), "\n".join(failed(reports))
    assert reports[0]["detail"] == "hello from Python"


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_rust_client_sends_and_receives_payloads_larger_than_max_payload(
    peer: Peer, py: PythonSide, transport: str
) -> None:
    target, _ = await py.serve(transport, ["echo"])
    reports = await peer.call(transport, target, f"echo:{BIG}")
    assert not failed(reports), "\n".join(failed(reports))


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_rust_client_fails_when_the_python_server_drops_the_invocation(
    peer: Peer, py: PythonSide, transport: str
) -> None:
    target, contracts = await py.serve(transport, ["dynamic"])
    reports = await peer.call(transport, target, "reset", timeout=60)
    assert not failed(reports), "\n".join(failed(reports))
    assert contracts.resets == 3


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_rust_client_fails_fast_when_nobody_serves(peer: Peer, py: PythonSide, transport: str) -> None:
    target, _ = await py.serve(transport, ["hello"])
    reports = await peer.call(transport, target, "unserved", timeout=60)
    assert not failed(reports), "\n".join(failed(reports))
    assert reports[0]["ms"] < 5000, reports


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_rust_client_keeps_100_calls_in_flight_against_a_python_server(
    peer: Peer, py: PythonSide, transport: str
) -> None:
    target, _ = await py.serve(transport, ["sync", "async", "echo"])
    reports = await peer.call(transport, target, "concurrency:100")
    assert not failed(reports), "\n".join(failed(reports))


# Rust <-> Rust through our fixtures


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_rust_client_and_rust_server_pass_every_scenario(peer: Peer, transport: str) -> None:
    target = await rust_server(peer, transport)
    reports = await peer.call(
        transport,
        target,
        "hello",
        "sync",
        "async",
        "resources",
        "chain",
        "bar",
        "dynamic",
        "reset",
        "record",
        "unserved",
        f"echo:{BIG}",
        "concurrency:100",
    )
    assert not failed(reports), "\n".join(failed(reports))
