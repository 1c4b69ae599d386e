"""Test helper: generate a world's bindings into a temporary directory and import them.

Each call gets a fresh package name, so bindings of different worlds (or of the same world in several
tests) never meet in `sys.modules`. Also what the tests of typed bindings over a transport share: the
bindings of every world of the shared wrpc-tests WIT, and an async iterator to pass as a stream.
"""

from __future__ import annotations

import importlib
import itertools
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType
from typing import Any

import witparser
from tests.conftest import shared_path
from witparser import Resolve
from wrpc.bindgen import generate, write

_serial = itertools.count()

WRPC_TESTS_WORLDS = (
    "sync-server",
    "sync-client",
    "async-server",
    "async-client",
    "resources-server",
    "resources-client",
)
"""The worlds of the shared wrpc-tests WIT (the reference's own integration worlds)."""


def generate_into(resolve: Resolve, world: str | None, out: Path, package: str | None = None) -> str:
    """Write the bindings of `world` under `out` (as a fresh package unless `package` is given)."""
    world_id = resolve.select_world(world=world)
    name = package or f"bindings_{resolve.worlds[world_id].name.replace('-', '_')}_{next(_serial)}"
    write(generate(resolve, world_id), out, name)
    return name


def import_bindings(out: Path, package: str) -> ModuleType:
    """Import generated package `package` from directory `out`."""
    if str(out) not in sys.path:
        sys.path.insert(0, str(out))
    importlib.invalidate_caches()
    return importlib.import_module(package)


def bindings(wit: str, world: str | None, out: Path) -> ModuleType:
    """Parse WIT text, generate `world`'s bindings under `out` and import their top-level package."""
    return import_bindings(out, generate_into(witparser.parse(wit), world, out))


def submodule(package: ModuleType, dotted: str) -> ModuleType:
    """`package.<dotted>` imported (e.g. `imports.sync`)."""
    return importlib.import_module(f"{package.__name__}.{dotted}")


def wrpc_tests_bindings(out: Path) -> dict[str, ModuleType]:
    """The bindings of every world in `WRPC_TESTS_WORLDS`, generated under `out` and imported, by world name."""
    resolve = witparser.load(str(shared_path("wit", "wrpc-tests")))
    return {name: import_bindings(out, generate_into(resolve, name, out)) for name in WRPC_TESTS_WORLDS}


async def chunks(*items: Any) -> AsyncIterator[Any]:
    """`items` as an async iterator: a stream value to send or return."""
    for item in items:
        yield item
