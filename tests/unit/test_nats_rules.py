"""The sans-IO rules of wRPC over NATS: subjects, routing, message sizes, handshake statuses, headers."""

from __future__ import annotations

import pytest

from wrpc.errors import (
    ConnectionLost,
    DeadlineExceeded,
    LocalError,
    NoResponders,
    RemoteError,
    RemoteProtocolError,
)
from wrpc.transport import nats_rules as rules


@pytest.mark.parametrize(
    ("prefix", "instance", "func", "subject"),
    [
        ("rust", "wrpc-examples:hello/handler", "hello", "rust.wrpc.0.0.1.wrpc-examples:hello/handler.hello"),
        ("", "wrpc-bench:bench/ping", "ping", "wrpc.0.0.1.wrpc-bench:bench/ping.ping"),
        (
            "default.http",
            "wasi:http/incoming-handler@0.2.0",
            "handle",
            "default.http.wrpc.0.0.1.wasi:http/incoming-handler@0.2.0.handle",
        ),
        ("p", "", "f", "p.wrpc.0.0.1.f"),
        ("p", "ns:pkg/i", "counter.get-count", "p.wrpc.0.0.1.ns:pkg/i.counter.get-count"),
    ],
)
def test_invocation_subjects_follow_the_rust_layout(
    prefix: str, instance: str, func: str, subject: str
) -> None:
    assert rules.invocation_subject(prefix, instance, func) == subject


def test_channel_subjects_append_the_kind_and_the_decimal_path() -> None:
    assert rules.channel_subject("_INBOX.a.b", "results", ()) == "_INBOX.a.b.results"
    assert rules.channel_subject("_INBOX.a.b", "params", (0, 1)) == "_INBOX.a.b.params.0.1"


def test_inbox_subjects_route_to_token_kind_and_path() -> None:
    inbox = "_INBOX.abc"
    assert rules.parse_inbox_subject(inbox, "_INBOX.abc.T1") == ("T1", "", ())
    assert rules.parse_inbox_subject(inbox, "_INBOX.abc.T1.results") == ("T1", "results", ())
    assert rules.parse_inbox_subject(inbox, "_INBOX.abc.T1.params.3.14") == ("T1", "params", (3, 14))
    assert rules.parse_inbox_subject(inbox, "_INBOX.abcd.T1") is None
    assert rules.parse_inbox_subject(inbox, "_INBOX.abc.T1.results.x") is None
    assert rules.parse_inbox_subject(inbox, "_INBOX.abc.T1.results.4294967296") is None


def test_the_first_message_leaves_room_for_the_reply_subject_and_headers() -> None:
    assert rules.first_message_limit(1024, "_INBOX.x.y", b"") == 1024 - 10
    headers = {"a": "bc"}
    block = rules.encode_headers(headers)
    assert len(block) == len("NATS/1.0\r\n\r\n") + len("a: bc\r\n")
    assert rules.first_message_limit(1024, "r", block) == 1024 - 1 - len(block)


def test_header_blocks_are_what_nats_py_sends() -> None:
    assert rules.encode_headers(None) == rules.encode_headers({}) == b""
    assert rules.encode_headers({" wrpc-timeout-ms ": " 60000 ", "x": "a\r\nb"}) == (
        b"NATS/1.0\r\nwrpc-timeout-ms: 60000\r\nx: a  b\r\n\r\n"
    )
    assert rules.encode_headers({" ": "dropped", "k": "v"}) == b"NATS/1.0\r\nk: v\r\n\r\n"
    with pytest.raises(LocalError, match="invalid NATS header name 'a b'"):
        rules.encode_headers({"a b": "v"})


def test_an_invocation_carries_the_callers_headers_then_the_deadline_and_the_liveness_opt_in() -> None:
    assert rules.invocation_headers((("source-id", "c1"),), 1.5) == (
        b"NATS/1.0\r\nsource-id: c1\r\nwrpc-timeout-ms: 1500\r\nwrpc-liveness: 1\r\n\r\n"
    )
    assert rules.invocation_headers((), None) == b"NATS/1.0\r\nwrpc-liveness: 1\r\n\r\n"


def test_split_never_yields_an_empty_message_nor_one_over_the_limit() -> None:
    assert list(rules.split(b"", 4)) == []
    assert list(rules.split(b"abcdefghij", 4)) == [b"abcd", b"efgh", b"ij"]
    with pytest.raises(ValueError):
        list(rules.split(b"x", 0))


def test_handshake_statuses_map_to_named_errors() -> None:
    assert isinstance(rules.status_error("503", "", "s", None), NoResponders)
    assert isinstance(rules.status_error("408", "", "s", 1.0), DeadlineExceeded)
    assert isinstance(rules.status_error("409", "x", "s", None), ConnectionLost)
    assert isinstance(rules.status_error("500", "boom", "s", None), RemoteError)


@pytest.mark.parametrize("text", ["plain", "two\nlines\r\n", "back\\slash \\n not a newline", "ünïcode"])
def test_error_texts_survive_a_header_value(text: str) -> None:
    encoded = rules.encode_error_text(text)
    assert "\n" not in encoded and "\r" not in encoded
    assert rules.decode_error_text(encoded) == text


def test_long_error_texts_are_cut_to_fit() -> None:
    assert len(rules.encode_error_text("x" * 10_000)) == rules.MAX_ERROR_TEXT


def test_the_deadline_header_is_whole_milliseconds_and_bad_values_are_ignored() -> None:
    assert rules.timeout_header(1.5) == "1500"
    assert rules.timeout_header(0.0001) == "1"
    assert rules.parse_timeout_header("250") == 0.25
    assert rules.parse_timeout_header(None) is None
    assert rules.parse_timeout_header("soon") is None
    assert rules.parse_timeout_header("-5") is None


def test_the_handshake_names_the_server_subject_or_says_what_went_wrong() -> None:
    assert rules.handshake_outcome(None, "_INBOX.s.1", "subj") == "_INBOX.s.1"
    assert isinstance(rules.handshake_outcome({"Status": "503"}, "", "subj"), NoResponders)
    assert isinstance(rules.handshake_outcome(None, "", "subj"), RemoteProtocolError)


def test_tokens_are_distinct_22_character_base62_nuids_across_a_sequence_rollover() -> None:
    tokens = rules.Tokens()
    seen = {tokens.next() for _ in range(20_000)}
    tokens._sequence = 62**10 - 1  # the next step passes the largest sequence: a new prefix
    seen |= {tokens.next() for _ in range(1_000)}
    assert len(seen) == 21_000
    assert all(len(t) == 22 and t.isalnum() and t.isascii() for t in seen)
