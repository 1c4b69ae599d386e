"""What `wrpc.bindgen.generate` lays out: one package per world, instance and wire names as the reference
generators use them (protocol notes 4.1 and 4.2), resources as proxies or protocols, and names that a WIT
type cannot take away from the generated API."""

from __future__ import annotations

import inspect
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

import witparser
from tests.bindgen_support import bindings, submodule
from tests.conftest import ROOT
from wrpc.bindgen import generate
from wrpc.bindgen import runtime as rt
from wrpc.client import Client
from wrpc.server import Server
from wrpc.transport.base import Acceptor, ClientInvocation, Invoker, Listener, PathPattern

WIT = """
package demo:shapes@1.2.0;

/// Counters.
interface counters {
    /// A counter.
    resource counter {
        constructor(start: u32);
        /// The current count.
        get-count: func() -> u32;
        sum: static func(a: borrow<counter>, b: borrow<counter>) -> u32;
    }
    record counters { all: list<counter> }
    total: func(c: counters) -> u32;
}

world shapes {
    import counters;
    export counters;
    import inline: interface {
        ping: func();
    }
    export area: func(w: f64, h: f64) -> f64;
    import log: func(%for: string);
}
"""


def test_one_package_per_world_with_a_module_per_interface_and_side() -> None:
    resolve = witparser.parse(WIT)
    files = generate(resolve, resolve.select_world(world="shapes"))
    assert sorted(files) == [
        "__init__.py",
        "exports/__init__.py",
        "exports/counters.py",
        "imports/__init__.py",
        "imports/counters.py",
        "imports/inline.py",
    ]
    assert all(compile(source, name, "exec") for name, source in files.items())


def test_instances_and_wire_names_follow_the_reference_generators(tmp_path: Path) -> None:
    world = bindings(WIT, "shapes", tmp_path)
    imported = submodule(world, "imports.counters")
    inline = submodule(world, "imports.inline")
    assert imported.Counters.INSTANCE == "demo:shapes/counters@1.2.0"
    assert inline.Inline.INSTANCE == "demo:shapes/inline@1.2.0"
    assert world.Imports.INSTANCE == "demo:shapes/shapes@1.2.0"
    wire = {f.name for f in vars(imported).values() if type(f).__name__ == "Function"}
    assert wire == {"counter", "counter.get-count", "counter.sum", "total"}


def test_imported_resources_are_proxies_and_exported_ones_protocols(tmp_path: Path) -> None:
    world = bindings(WIT, "shapes", tmp_path)
    imported = submodule(world, "imports.counters")
    exported = submodule(world, "exports.counters")
    assert issubclass(imported.Counter, imported._rt.ImportedResource)
    assert inspect.iscoroutinefunction(imported.Counter.get_count)
    assert list(inspect.signature(imported.Counters.counter_new).parameters) == ["self", "start"]
    assert list(inspect.signature(imported.Counters.counter_sum).parameters) == ["self", "a", "b"]
    assert getattr(exported.Counter, "_is_protocol", False)
    assert getattr(exported.Handler, "_is_protocol", False)
    assert {"counter_new", "counter_sum", "total"} <= set(dir(exported.Handler))


def test_a_wit_type_named_like_the_interface_yields_the_plain_name_to_the_api(tmp_path: Path) -> None:
    world = bindings(WIT, "shapes", tmp_path)
    imported = submodule(world, "imports.counters")
    assert issubclass(imported.Counters, imported._rt.Stub)
    assert imported.Counters_.__dataclass_fields__.keys() == {"all"}


def test_docs_keywords_and_world_functions(tmp_path: Path) -> None:
    world = bindings(WIT, "shapes", tmp_path)
    imported = submodule(world, "imports.counters")
    docs = imported.__doc__ or ""
    assert docs.startswith("The imported interface `demo:shapes/counters@1.2.0`.")
    assert "Counters." in docs
    assert imported.Counter.__doc__.startswith("A counter.")
    assert imported.Counter.get_count.__doc__ == "The current count."
    assert list(inspect.signature(world.Imports.log).parameters) == ["self", "for_"]
    assert list(inspect.signature(world.serve).parameters) == ["server", "counters", "world"]


class _NoTransport(Invoker):
    async def invoke(self, *args: object, **kwargs: object) -> ClientInvocation:
        raise AssertionError("no call is made in this test")


def test_a_proxy_inherits_its_callers_instance_override_only_for_its_own_interface(tmp_path: Path) -> None:
    world = bindings(WIT, "shapes", tmp_path)
    imported = submodule(world, "imports.counters")
    client = Client(_NoTransport())
    own_interface = rt.Context(client, "elsewhere:shapes/counters", imported.Counter.INSTANCE)
    assert imported._t_counter.lift(b"\x07", own_interface)._wrpc_instance == "elsewhere:shapes/counters"
    other_interface = rt.Context(client, "elsewhere:x/y", "demo:shapes/other@1.2.0")
    proxy = imported._t_counter.lift(b"\x07", other_interface)
    assert proxy._wrpc_instance == "demo:shapes/counters@1.2.0"
    assert proxy.handle == b"\x07"
    assert proxy == imported.Counter(b"\x07", client)


def test_generated_code_runs_without_loading_the_generator_or_the_wit_parser() -> None:
    check = (
        "import sys, wrpc.bindgen.runtime; "
        "loaded = [m for m in sys.modules if m.startswith(('witparser', 'wrpc.bindgen._'))]; "
        "assert not loaded, loaded"
    )
    done = subprocess.run([sys.executable, "-c", check], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


class _BothWays(_NoTransport, Acceptor):
    async def serve(self, instance: str, func: str, *, param_paths: Sequence[PathPattern] = ()) -> Listener:
        raise AssertionError("nothing is served in this test")


def test_serve_accepts_a_server_a_transport_or_a_client_whose_transport_serves() -> None:
    both = _BothWays()
    server = Server(both)
    assert rt.as_server(server) is server
    assert rt.as_server(both).transport is both
    assert rt.as_server(Client(both)).transport is both
    with pytest.raises(TypeError, match="_NoTransport cannot serve"):
        rt.as_server(Client(_NoTransport()))
