"""Code written against generated bindings is type-checked by mypy: correct client calls and handler
implementations pass, and a wrong argument, a wrong result type or an implementation that does not
fulfil the handler protocol are reported."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import witparser
from tests.bindgen_support import generate_into
from tests.conftest import ROOT

WIT = """
package example:hello;

interface handler {
    record greeting { name: string, times: u32 }
    hello: func(g: greeting) -> string;
}

world hello {
    import handler;
    export handler;
}
"""

HEADER = """
from hello_typed import serve
from hello_typed.exports import handler as exported
from hello_typed.imports.handler import Greeting, Handler
from wrpc.client import Client
from wrpc.server import Server
"""

GOOD = (
    HEADER
    + """

class Impl:
    async def hello(self, g: exported.Greeting) -> str:
        return g.name * g.times


async def main(client: Client, server: Server) -> None:
    text: str = await Handler(client).hello(Greeting("x", 2))
    await serve(server, Impl())
    print(text)
"""
)

BAD = (
    HEADER
    + """

class Wrong:
    async def hello(self, g: exported.Greeting) -> int:
        return g.times


async def main(client: Client, server: Server) -> None:
    number: int = await Handler(client).hello(Greeting("x", 2))
    await Handler(client).hello("x")
    await serve(server, Wrong())
    print(number)
"""
)


def test_mypy_checks_user_code_against_the_generated_types(tmp_path: Path) -> None:
    generate_into(witparser.parse(WIT), None, tmp_path, "hello_typed")
    (tmp_path / "good.py").write_text(GOOD)
    (tmp_path / "bad.py").write_text(BAD)
    env = {**os.environ, "MYPYPATH": str(ROOT)}
    command = [
        sys.executable, "-m", "mypy", "--strict", "--follow-imports", "silent", "--no-incremental",
        "--cache-dir", os.devnull, "good.py", "bad.py",
    ]  # fmt: skip
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    errors = [line for line in done.stdout.splitlines() if ": error:" in line]
    assert not [e for e in errors if e.startswith("good.py")], done.stdout
    bad = "\n".join(e for e in errors if e.startswith("bad.py"))
    assert 'Incompatible types in assignment (expression has type "str", variable has type "int")' in bad
    assert 'Argument 1 to "hello" of "Handler" has incompatible type "str"; expected "Greeting"' in bad
    assert 'Argument 2 to "serve" has incompatible type "Wrong"; expected "Handler"' in bad
