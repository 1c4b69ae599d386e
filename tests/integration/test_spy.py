"""`wrpc spy`: calls pieced together from NATS messages (the sequences of protocol notes 2.9 and 2.10),
decoded with the WIT, and the real command watching a real nats-server, recording and replaying."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest
from nats.aio.client import Client as NATS

import witparser
from tests.conftest import ROOT
from wrpc.client import Client
from wrpc.commands.spy import Correlator, Message, describe, format_line, split_invocation_subject
from wrpc.embedded import EmbeddedNats
from wrpc.functions import all_functions
from wrpc.server import Server
from wrpc.transport.nats import NatsTransport

HELLO_WIT = ROOT / "examples" / "hello" / "wit"
ECHO_WIT = "package example:bytes; interface handler { echo: func(data: stream<u8>) -> stream<u8>; }"


def msg(
    t: float, subject: str, data: bytes = b"", reply: str = "", headers: dict[str, str] | None = None
) -> Message:
    return Message(t, subject, reply, headers, data)


def test_hello_sequence_is_one_call_with_decoded_result() -> None:
    functions = all_functions(witparser.load(str(HELLO_WIT)))
    spy = Correlator(functions)
    subject = "rust.wrpc.0.0.1.wrpc-examples:hello/handler.hello"
    seen = [
        *spy.observe(msg(0.0, subject, reply="_INBOX.Ic.N1")),
        *spy.observe(msg(0.001, "_INBOX.Ic.N1", reply="_INBOX.Is.N2")),
        *spy.observe(msg(0.002, "_INBOX.Is.N2.params")),
        *spy.observe(msg(0.003, "_INBOX.Ic.N1.results", b"\x0fhello from Rust")),
        *spy.observe(msg(0.004, "_INBOX.Ic.N1.results")),
    ]
    (call,) = seen
    info = describe(call, functions)
    assert info["instance"] == "wrpc-examples:hello/handler"
    assert info["func"] == "hello"
    assert info["prefix"] == "rust"
    assert info["caller"] == "_INBOX.Ic"
    assert info["params"] == []
    assert info["results"] == ['"hello from Rust"']
    assert info["error"] is None
    assert info["messages"] == 5
    assert info["duration_ms"] == pytest.approx(4.0)
    assert 'wrpc-examples:hello/handler.hello() -> "hello from Rust"' in format_line(info)


def test_echo_stream_sequence_decodes_the_async_channels() -> None:
    functions = all_functions(witparser.parse(ECHO_WIT))
    spy = Correlator(functions)
    sequence = [
        msg(0.0, "demo.wrpc.0.0.1.example:bytes/handler.echo", b"\x00", reply="_INBOX.Ic.N1"),
        msg(0.1, "_INBOX.Ic.N1", reply="_INBOX.Is.N2"),
        msg(0.2, "_INBOX.Is.N2.params"),
        msg(0.3, "_INBOX.Is.N2.params.0", b"\x03foo"),
        msg(0.4, "_INBOX.Is.N2.params.0", b"\x03bar\x00"),
        msg(0.5, "_INBOX.Is.N2.params.0"),
        msg(0.6, "_INBOX.Ic.N1.results", b"\x00"),
        msg(0.7, "_INBOX.Ic.N1.results"),
        msg(0.8, "_INBOX.Ic.N1.results.0", b"\x03foo\x03bar\x00"),
        msg(0.9, "_INBOX.Ic.N1.results.0"),  # the call ends here: the stream's channel ended too
    ]
    calls = [c for m in sequence[:-1] for c in spy.observe(m)]
    assert calls == []
    (call,) = spy.observe(sequence[-1])
    info = describe(call, functions)
    foobar = "[102, 111, 111, 98, 97, 114]"  # WAVE writes a stream<u8> as the list<u8> of its items
    assert info["params"] == [f"data: {foobar}"]
    assert info["results"] == [foobar]


def test_failed_call_shows_the_error_text_and_no_responders_shows_as_such() -> None:
    spy = Correlator()
    spy.observe(msg(0.0, "p.wrpc.0.0.1.a:b/c.f", b"\x01", reply="_INBOX.X.1"))
    spy.observe(msg(0.0, "_INBOX.X.1", reply="_INBOX.Y.1"))
    (failed,) = spy.observe(msg(0.1, "_INBOX.X.1.results", headers={"wrpc-error": "ValueError: boom"}))
    assert describe(failed, {})["error"] == "ValueError: boom"
    spy.observe(msg(1.0, "p.wrpc.0.0.1.a:b/c.f", reply="_INBOX.X.2"))
    (nobody,) = spy.observe(msg(1.0, "_INBOX.X.2", headers={"Status": "503"}))
    assert describe(nobody, {})["error"] == "no responders"
    spy.observe(msg(2.0, "p.wrpc.0.0.1.a:b/c.f", reply="_INBOX.X.3"))
    (unanswered,) = spy.expire(10.0)
    assert "no handshake" in describe(unanswered, {})["error"]
    assert spy.flush() == []


@pytest.mark.parametrize(
    ("subject", "parts"),
    [
        ("wrpc.0.0.1.wrpc-bench:bench/ping.ping", ("", "wrpc-bench:bench/ping", "ping")),
        (
            "a.b.wrpc.0.0.1.wasi:keyvalue/store@0.2.0-draft2.open",
            ("a.b", "wasi:keyvalue/store@0.2.0-draft2", "open"),
        ),
        ("x.wrpc.0.0.1.ns:pkg/iface.counter.get-count", ("x", "ns:pkg/iface", "counter.get-count")),
        ("x.wrpc.0.0.1.root-func", ("x", "", "root-func")),
        ("x.other.subject", None),
    ],
)
def test_invocation_subjects_split_without_the_wit(subject: str, parts: tuple[str, str, str] | None) -> None:
    assert split_invocation_subject(subject, {}) == parts


# --- the real command -----------------------------------------------------------------------------


def spy_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "wrpc.cli", "spy", *args]


async def test_live_spy_records_and_replays_the_same_calls(tmp_path: Path) -> None:
    record = tmp_path / "traffic.cbor"
    functions = all_functions(witparser.load(str(HELLO_WIT)))
    (hello,) = functions.values()
    with EmbeddedNats(jetstream=False) as server:
        spy = subprocess.Popen(
            spy_command("--nats", server.url, "--prefix", "spied", "--wit", str(HELLO_WIT), "--json",
                        "--count", "2", "--record", str(record), "--seconds", "60"),
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            assert spy.stderr is not None
            ready = await asyncio.to_thread(spy.stderr.readline)
            assert "watching" in ready, ready
            nc = NATS()
            await nc.connect(server.url)
            transport = NatsTransport(nc, prefix="spied")
            calls = 0

            def greet() -> str:
                nonlocal calls
                calls += 1
                if calls > 1:
                    raise RuntimeError("only one greeting today")
                return "hello from the spied server"

            async with Server(transport) as srv:
                await srv.serve("wrpc-examples:hello/handler", hello, greet)
                client = Client(transport, timeout=5)
                assert (
                    await client.invoke("wrpc-examples:hello/handler", hello) == "hello from the spied server"
                )
                with pytest.raises(Exception, match="only one greeting"):
                    await client.invoke("wrpc-examples:hello/handler", hello)
            await transport.close()
            await nc.close()
            out, _ = await asyncio.to_thread(spy.communicate, timeout=30)
        finally:
            if spy.poll() is None:
                spy.kill()
                spy.wait()
    live = [json.loads(line) for line in out.splitlines()]
    assert [c["results"] for c in live] == [['"hello from the spied server"'], []]
    assert live[0]["error"] is None
    assert "only one greeting today" in live[1]["error"]
    assert all(c["subject"] == "spied.wrpc.0.0.1.wrpc-examples:hello/handler.hello" for c in live)
    replay = subprocess.run(
        spy_command("--replay", str(record), "--wit", str(HELLO_WIT), "--json"),
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert [json.loads(line) for line in replay.stdout.splitlines()] == live


def test_replay_of_a_missing_file_says_so(tmp_path: Path) -> None:
    result = subprocess.run(
        spy_command("--replay", str(tmp_path / "absent.cbor")),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "cannot read the recording" in result.stderr


def test_answers_that_overtake_their_invocation_are_still_matched() -> None:
    """The spy's two subscriptions deliver independently: the inbox traffic can come in first."""
    functions = all_functions(witparser.load(str(HELLO_WIT)))
    spy = Correlator(functions)
    early = [
        msg(0.001, "_INBOX.Ic.N1", reply="_INBOX.Is.N2"),
        msg(0.002, "_INBOX.Is.N2.params"),
        msg(0.003, "_INBOX.Ic.N1.results", b"\x0fhello from Rust"),
        msg(0.004, "_INBOX.Ic.N1.results"),
    ]
    assert [c for m in early for c in spy.observe(m)] == []
    (call,) = spy.observe(
        msg(0.005, "rust.wrpc.0.0.1.wrpc-examples:hello/handler.hello", reply="_INBOX.Ic.N1")
    )
    assert describe(call, functions)["results"] == ['"hello from Rust"']
    assert describe(call, functions)["messages"] == 5
    assert describe(call, functions)["duration_ms"] == pytest.approx(3.0)  # first message seen to results end
