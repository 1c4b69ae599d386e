"""`wrpc serve` and `wrpc call` as a user runs them: separate processes, a real nats-server, WAVE and JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from wrpc.embedded import EmbeddedNats

WIT = """
package demo:cli@0.1.0;

interface api {
    record pair { left: s32, right: option<string> }
    add: func(a: s64, b: s64) -> s64;
    swap: func(p: pair) -> pair;
    shout: func(words: stream<string>) -> future<list<string>>;
    fail: func();
}

world service { export api; }
"""

IMPL = """
class Service:
    def add(self, a, b):
        return a + b

    def swap(self, p):
        return {"left": -p["left"], "right": (p["right"] or "") + "!"}

    async def shout(self, words):
        out = [w.upper() async for w in words]
        async def later():
            return out
        return later()

    def fail(self):
        raise RuntimeError("no luck")
"""


def wrpc(*args: str, cwd: Path | None = None, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wrpc.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        **kw,  # type: ignore[call-overload]
    )


@pytest.fixture(scope="module")
def served(nats_server: EmbeddedNats, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """`wrpc serve` running the implementation above; yields (nats url, wit path)."""
    d = tmp_path_factory.mktemp("cli")
    (d / "service.wit").write_text(WIT)
    (d / "impl.py").write_text(textwrap.dedent(IMPL))
    env = {**os.environ, "PYTHONPATH": str(d) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "wrpc.cli", "serve", "--wit", str(d / "service.wit"), "--nats", nats_server.url,
         "--prefix", "cli", "impl:Service"],
        stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    assert proc.stderr is not None
    line = proc.stderr.readline()
    assert "serving 4 function(s)" in line, line
    yield nats_server.url, d / "service.wit"
    proc.terminate()
    proc.wait(timeout=10)


def call(served: tuple[str, Path], *args: str) -> subprocess.CompletedProcess[str]:
    url, wit = served
    return wrpc("call", "--wit", str(wit), "--nats", url, "--prefix", "cli", *args)


def test_call_prints_the_result_as_wave_and_takes_negative_numbers_after_double_dash(
    served: tuple[str, Path],
) -> None:
    done = call(served, "demo:cli/api@0.1.0.add", "--", "-5", "3")
    assert (done.returncode, done.stdout.strip()) == (0, "-2"), done.stderr
    done = call(served, "demo:cli/api@0.1.0.swap", '{left: 7, right: some("hi")}')
    assert (done.returncode, done.stdout.strip()) == (0, '{left: -7, right: some("hi!")}'), done.stderr


def test_call_prints_json_and_reads_async_results_to_the_end(served: tuple[str, Path]) -> None:
    done = call(served, "--json", "demo:cli/api@0.1.0.shout", '["a", "b"]')
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == ["A", "B"]
    done = call(served, "--json", "demo:cli/api@0.1.0.swap", "{left: 1}")
    assert json.loads(done.stdout) == {"left": -1, "right": "!"}


def test_call_reports_failures_with_the_servers_text_and_exit_status(served: tuple[str, Path]) -> None:
    done = call(served, "demo:cli/api@0.1.0.fail")
    assert done.returncode == 1 and "RuntimeError: no luck" in done.stderr
    started = time.monotonic()
    done = wrpc(
        "call",
        "--wit",
        str(served[1]),
        "--nats",
        served[0],
        "--prefix",
        "elsewhere",
        "demo:cli/api@0.1.0.fail",
    )
    assert done.returncode == 1 and "no server is listening" in done.stderr
    assert time.monotonic() - started < 10
    done = call(served, "demo:cli/api@0.1.0.nope")
    assert done.returncode == 2 and "no function" in done.stderr
    done = call(served, "demo:cli/api@0.1.0.add", "1")
    assert done.returncode == 2 and "takes 2 argument(s)" in done.stderr
    done = call(served, "demo:cli/api@0.1.0.add", "x", "1")
    assert done.returncode == 2 and "argument a" in done.stderr
