"""The `witparser` public surface: `parse`, `load`, and the `Resolve` lookups downstream code uses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import witparser

STORE = """package wasi:keyvalue@0.2.0-draft;

interface store {
    variant error { no-such-store, access-denied, other(string) }
    resource bucket {
        get: func(key: string) -> result<option<list<u8>>, error>;
    }
    open: func(identifier: string) -> result<bucket, error>;
}

world imports {
    import store;
}

package wasi:other {
    world two { export f: func(); }
    world three { export g: func(); }
}
"""


@pytest.fixture
def resolve() -> witparser.Resolve:
    return witparser.parse(STORE, "store.wit")


def test_id_of_names_an_interface_with_its_package_and_version(resolve: witparser.Resolve) -> None:
    store = resolve.interface_by_name("wasi:keyvalue/store@0.2.0-draft")
    assert resolve.id_of(store) == "wasi:keyvalue/store@0.2.0-draft"


def test_type_by_name_finds_a_type_in_a_versioned_interface(resolve: witparser.Resolve) -> None:
    error = resolve.type_by_name("wasi:keyvalue/store@0.2.0-draft.error")
    assert resolve.types[error].name == "error"
    assert isinstance(resolve.types[error].kind, witparser.Variant)
    with pytest.raises(KeyError):
        resolve.type_by_name("wasi:keyvalue/store@0.2.0-draft.missing")


def test_lookups_without_a_version_take_the_only_version_loaded(resolve: witparser.Resolve) -> None:
    assert resolve.type_by_name("wasi:keyvalue/store.error") == resolve.type_by_name(
        "wasi:keyvalue/store@0.2.0-draft.error"
    )


def test_lookups_without_a_version_refuse_to_guess_between_versions() -> None:
    text = "package a:b@1.0.0;\ninterface i {}\npackage a:b@2.0.0 { interface i {} }\n"
    resolve = witparser.parse(text)
    assert resolve.id_of(resolve.interface_by_name("a:b/i@2.0.0")) == "a:b/i@2.0.0"
    with pytest.raises(KeyError, match="several versions"):
        resolve.interface_by_name("a:b/i")


def test_a_resource_returned_by_value_becomes_an_own_handle(resolve: witparser.Resolve) -> None:
    store = resolve.interfaces[resolve.interface_by_name("wasi:keyvalue/store@0.2.0-draft")]
    ok = resolve.types[store.functions["open"].result].kind  # type: ignore[index]
    assert isinstance(ok, witparser.Result) and isinstance(ok.ok, int)
    handle = resolve.types[ok.ok].kind
    assert handle == witparser.Handle("own", store.types["bucket"])


def test_select_world_by_plain_and_qualified_name(resolve: witparser.Resolve) -> None:
    (main,) = resolve.main_packages
    assert resolve.packages[main].name.name == "keyvalue"
    assert resolve.worlds[resolve.select_world(main)].name == "imports"
    assert resolve.worlds[resolve.select_world(main, "imports")].name == "imports"
    assert resolve.worlds[resolve.select_world(None, "wasi:other/three")].name == "three"
    with pytest.raises(LookupError, match="multiple worlds in `wasi:other`"):
        resolve.select_world(resolve.package_by_name("wasi:other"))
    with pytest.raises(LookupError, match="World `nope` not found"):
        resolve.select_world(main, "nope")


def test_elaborated_world_imports_interfaces_by_id(resolve: witparser.Resolve) -> None:
    world = resolve.worlds[resolve.select_world(None, "wasi:keyvalue/imports@0.2.0-draft")]
    assert list(world.imports) == [resolve.interface_by_name("wasi:keyvalue/store@0.2.0-draft")]


def test_unstable_items_need_their_feature() -> None:
    text = "package a:b;\ninterface i {\n  @unstable(feature = x)\n  f: func();\n  g: func();\n}\n"
    assert list(witparser.parse(text).interfaces[0].functions) == ["g"]
    assert list(witparser.parse(text, features=["x"]).interfaces[0].functions) == ["f", "g"]
    assert list(witparser.parse(text, all_features=True).interfaces[0].functions) == ["f", "g"]


def test_errors_render_with_the_given_path() -> None:
    with pytest.raises(witparser.WitError) as info:
        witparser.parse("package a:b;\ninterface i { use c.{t}; }\n", "here.wit")
    assert "--> here.wit:2:" in str(info.value)


def test_load_reads_a_directory_with_deps(tmp_path: Path) -> None:
    (tmp_path / "deps" / "types").mkdir(parents=True)
    (tmp_path / "deps" / "types" / "t.wit").write_text("package dep:types;\ninterface t { type id = u64; }\n")
    (tmp_path / "main.wit").write_text(
        "package app:main;\ninterface api { use dep:types/t.{id}; f: func() -> id; }\n"
    )
    resolve = witparser.load(str(tmp_path))
    assert [str(p.name) for p in resolve.packages] == ["dep:types", "app:main"]
    assert resolve.main_packages == [1]
    assert json.loads(resolve.to_json())["packages"][1]["interfaces"] == {"api": 1}


def test_load_into_adds_packages_to_an_existing_resolve(tmp_path: Path) -> None:
    (tmp_path / "a.wit").write_text("package x:a;\ninterface i { type t = u8; }\n")
    (tmp_path / "b.wit").write_text("package x:b;\ninterface j { use x:a/i.{t}; }\n")
    resolve = witparser.Resolve()
    assert witparser.load_into(resolve, str(tmp_path / "a.wit")) == 0
    assert witparser.load_into(resolve, str(tmp_path / "b.wit")) == 1
    assert resolve.id_of(1) == "x:b/j"
