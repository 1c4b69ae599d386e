"""The examples run as a user runs them: the hello server and client over a Unix socket and over TCP
(real processes), and `make demo` from start to clean shutdown."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT
from wrpc.embedded import free_port


def run_hello(transport: list[str]) -> str:
    server = subprocess.Popen(
        [sys.executable, "-m", "examples.hello.server", *transport],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        assert "serving wrpc-examples:hello/handler.hello" in server.stdout.readline()
        client = subprocess.run(
            [sys.executable, "-m", "examples.hello.client", *transport],
            cwd=ROOT, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert client.returncode == 0, client.stderr
        return client.stdout.strip()
    finally:
        server.terminate()
        assert server.wait(timeout=15) == 0


def test_hello_example_over_a_unix_socket(tmp_path: Path) -> None:
    assert run_hello(["--unix", str(tmp_path / "hello.sock")]) == "hello from Python"


def test_hello_example_over_tcp() -> None:
    assert run_hello(["--tcp", f"127.0.0.1:{free_port()}"]) == "hello from Python"


@pytest.mark.slow
def test_make_demo_runs_end_to_end_and_leaves_nothing_running() -> None:
    started = time.monotonic()
    demo = subprocess.run(
        [sys.executable, "-m", "examples.demo"], cwd=ROOT, capture_output=True, text=True, timeout=240
    )
    assert demo.returncode == 0, demo.stdout + demo.stderr
    out = demo.stdout
    assert "trend: rising(3.75)" in out
    assert '"north +3h: 19.5 °C"' in out
    assert "ValueError: no readings to summarize" in out
    assert "shows the same 3 calls: True" in out
    assert "wrpc serve stopped on SIGTERM with status 0" in out
    assert time.monotonic() - started < 240
