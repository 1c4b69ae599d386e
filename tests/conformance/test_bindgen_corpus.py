"""Bindings generate, import and type-check for every world of the shared WIT corpus: the reference
generator's codegen tests (`wrpc-codegen/`), the reference integration worlds (`wrpc-tests/`) and the
wasmCloud provider worlds (`provider-keyvalue/`, `provider-postgres/`), and for good measure the wasmCloud
host's own WIT tree (WASI 0.2 and friends), the reference's keyvalue example and benchmark worlds.

Every param and result type without handles or async values also round-trips through its generated
classes (about a thousand bindings). Everything is generated into one temporary directory and checked by a single strict mypy run (mypy is
slow to start; once is enough), with imports of the project's own modules followed silently, so only
the generated code is judged.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

import witparser
from tests.bindgen_support import generate_into, import_bindings
from tests.conftest import ROOT, shared_path
from tests.integration.samples import sample
from wrpc import types as t
from wrpc.bindgen import runtime as rt
from wrpc.codec import compile


def corpus() -> list[Path]:
    codegen = shared_path("wit", "wrpc-codegen")
    return [
        *sorted(codegen.glob("*.wit")),
        shared_path("wit", "wrpc-tests"),
        shared_path("wit", "provider-keyvalue"),
        shared_path("wit", "provider-postgres"),
        shared_path("wit", "wasi-keyvalue"),
        shared_path("wit", "wasmcloud-runtime"),
        shared_path("wit", "wrpc-bench"),
    ]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """Every world's bindings under one directory: (directory, package names)."""
    out = tmp_path_factory.mktemp("corpus")
    packages = []
    for path in corpus():
        resolve = witparser.load(str(path), all_features=True)
        for package_id in resolve.main_packages:
            for world in resolve.packages[package_id].worlds:
                qualified = resolve.id_of_name(package_id, world)
                name = f"{path.stem.replace('-', '_')}__{world.replace('-', '_')}"
                packages.append(generate_into(resolve, qualified, out, name))
    return out, packages


def test_the_corpus_has_every_expected_world(generated: tuple[Path, list[str]]) -> None:
    _, packages = generated
    assert len(packages) >= 80
    assert "wrpc_tests__sync_server" in packages
    assert "provider_keyvalue__interfaces" in packages
    assert "wasmcloud_runtime__interfaces" in packages


def test_every_generated_module_imports(generated: tuple[Path, list[str]]) -> None:
    out, packages = generated
    failures = []
    for package in packages:
        import_bindings(out, package)
        for path in sorted((out / package).rglob("*.py")):
            dotted = ".".join(path.relative_to(out).with_suffix("").parts).removesuffix(".__init__")
            try:
                importlib.import_module(dotted)
            except Exception as exc:
                failures.append(f"{dotted}: {type(exc).__name__}: {exc}")
    assert not failures, "\n".join(failures)


def _plain(ty: t.WitType | None) -> bool:
    """No handles, futures or streams inside: a value of it can round-trip without a peer."""
    match ty:
        case None | t.Own() | t.Borrow() | t.Future() | t.Stream():
            return ty is None
        case t.List(elem=inner) | t.FixedList(elem=inner) | t.Option(inner=inner):
            return _plain(inner)
        case t.Record(fields=fields):
            return all(_plain(f) for _, f in fields)
        case t.Tuple(types=types):
            return all(_plain(x) for x in types)
        case t.Variant(cases=cases):
            return all(_plain(c) for _, c in cases)
        case t.Result(ok=ok, err=err):
            return _plain(ok) and _plain(err)
    return True


def test_every_param_and_result_type_round_trips_through_its_generated_classes(
    generated: tuple[Path, list[str]],
) -> None:
    """For each function of each generated module: sample value -> typed -> wire -> typed -> dynamic."""
    out, packages = generated
    cx = rt.Context(None, "", "")
    checked, failures = 0, []
    for package in packages:
        import_bindings(out, package)
        for path in sorted((out / package).rglob("*.py")):
            dotted = ".".join(path.relative_to(out).with_suffix("").parts).removesuffix(".__init__")
            for func in vars(importlib.import_module(dotted)).values():
                if not isinstance(func, rt.Function):
                    continue
                bindings = [b for _, b in func.params] + ([func.result] if func.result else [])
                for binding in bindings:
                    if not _plain(binding.wit) or isinstance(binding.wit, t.FixedList):
                        continue
                    dynamic = sample(binding.wit)
                    try:
                        typed = binding.lift(dynamic, cx)
                        wire = compile(binding.wit).encode(binding.lower(typed, cx))
                        back = binding.lift(compile(binding.wit).decode(wire), cx)
                        assert back == typed, f"{back!r} != {typed!r}"
                        assert binding.lower(back, cx) == dynamic
                    except Exception as exc:
                        failures.append(f"{dotted} {func.name} {t.type_name(binding.wit)}: {exc!r}")
                    checked += 1
    assert not failures, "\n".join(failures)
    assert checked > 500


def test_every_generated_module_passes_strict_mypy(generated: tuple[Path, list[str]]) -> None:
    out, packages = generated
    env = {**os.environ, "MYPYPATH": str(ROOT)}
    command = [
        sys.executable, "-m", "mypy", "--strict", "--python-version", "3.11", "--follow-imports", "silent",
        "--no-incremental", "--cache-dir", os.devnull, "--explicit-package-bases", *packages,
    ]  # fmt: skip
    done = subprocess.run(command, cwd=out, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
