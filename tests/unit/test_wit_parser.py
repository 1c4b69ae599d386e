"""The WIT front end: parse errors and their rendering, docs, gates, anonymous types and arena order."""

from __future__ import annotations

import pytest

from witparser._ast_resolve import parse_group, parse_text
from witparser._error import WitError
from witparser._model import (
    Alias,
    AstInterface,
    Handle,
    List,
    Option,
    OwnerInterface,
    PackageName,
    Stable,
    Unknown,
    Unstable,
    Version,
)
from witparser._semver import SemverError, parse_version


def error_of(text: str, path: str = "x.wit") -> WitError:
    with pytest.raises(WitError) as caught:
        parse_text(text, path)
    return caught.value


def test_a_wanted_token_error_points_at_the_first_byte_of_what_was_found() -> None:
    error = error_of("package a:b;\ninterface x {\n  type t = list<u8 type\n}\n")
    assert str(error) == (
        "expected '>', found keyword `type`\n"
        "     --> x.wit:3:20\n"
        "      |\n"
        "    3 |   type t = list<u8 type\n"
        "      |                    ^"
    )
    assert (error.message, error.path, error.line, error.column) == (
        "expected '>', found keyword `type`", "x.wit", 3, 20,
    )  # fmt: skip


def test_a_wanted_kind_error_spans_the_whole_token_found() -> None:
    error = error_of("package a:b;\ninterface x {\n  type t = interface;\n}\n")
    assert str(error).splitlines()[0] == "expected a type, found keyword `interface`"
    assert str(error).splitlines()[-1] == "      |            ^--------"


def test_columns_count_utf8_bytes_and_markers_count_characters() -> None:
    error = error_of("package a:b;\n/* é */ interface é-x {}\n")
    assert str(error) == (
        "invalid character in identifier 'é'\n"
        "     --> x.wit:2:20\n"
        "      |\n"
        "    2 | /* é */ interface é-x {}\n"
        "      | " + " " * 19 + "^"
    )
    error = error_of("package a:b;\n/* é */ interface x { type t = Éé; }\n")
    assert str(error).splitlines()[1:] == [
        "     --> x.wit:2:33",
        "      |",
        "    2 | /* é */ interface x { type t = Éé; }",
        "      | " + " " * 32 + "^",
    ]
    assert error_of("package a:b;\n/* é */ interface x { type t = %é-é; }\n").column == 33


def test_an_error_at_the_end_of_the_file_points_past_the_last_line() -> None:
    error = error_of("package a:b;\ninterface x {\n  type t\n")
    assert str(error) == ("expected '=', found eof\n     --> x.wit:4:1\n      |\n    4 | \n      | ^")


def test_a_very_long_line_is_left_out_of_the_message() -> None:
    error = error_of("package a:b; interface x " + "y" * 600 + " {}")
    assert str(error) == "x.wit:1:26: expected '{', found an identifier"


def test_errors_without_a_location_are_just_the_message() -> None:
    error = error_of("interface x {}\n")
    assert str(error) == "no `package` header was found in any WIT file for this package"
    assert error.path is None and error.line is None


def test_contexts_are_prepended_and_joined_with_colons() -> None:
    error = error_of("interface x {}\n").with_context("inner").with_context("outer")
    assert error.contexts == ["outer", "inner"]
    assert str(error) == "outer: inner: no `package` header was found in any WIT file for this package"


def test_deep_type_nesting_is_a_wit_error_not_a_recursion_error() -> None:
    depth = 10_000
    error = error_of("package a:b;\ninterface x { type t = " + "list<" * depth + "u8" + ">" * depth + "; }")
    assert error.message == "type nesting too deep"
    assert error.column == 24 + 5 * 100


def test_deep_package_nesting_is_a_wit_error() -> None:
    text = "".join(f"package a:b{i} {{\n" for i in range(150)) + "}" * 150
    error = error_of(text)
    assert (error.message, error.line) == ("package nesting too deep", 101)


def test_name_errors_point_at_the_name_as_written() -> None:
    error = error_of("package a:b;\ninterface x {\n  type t = float32;\n}\n")
    assert str(error).splitlines()[:2] == [
        "type `float32` does not exist",
        "the `float32` type has been renamed to `f32` and is no longer accepted, but the "
        "`WIT_REQUIRE_F32_F64=0` environment variable can be used to temporarily disable this error",
    ]
    assert error_of("package a:b;\ninterface x { type a = b; type b = a; }").message == (
        "type `b` depends on itself"
    )
    assert error_of("package a:b;\nworld w { import y; }").message == "interface or world `y` does not exist"


def test_files_of_a_group_are_read_in_path_order() -> None:
    with pytest.raises(WitError) as caught:
        parse_group([("b.wit", "package foo:b;"), ("a.wit", "package foo:a;")])
    assert (
        caught.value.message == "package identifier `foo:b` does not match previous package name of `foo:a`"
    )
    assert caught.value.path == "b.wit"


def test_docs_are_gathered_from_every_comment_before_an_item() -> None:
    group = parse_text(
        "package a:b;\n// plain\n///   one\n///     two\n/** three */\ninterface x {}\n", "x.wit"
    )
    assert group.main.interfaces[0].docs == "plain\n  one\n    two\nthree"


def test_gates_are_attached_and_inherited_by_anonymous_types() -> None:
    group = parse_text(
        "package a:b@1.0.0;\ninterface x {\n"
        "  @unstable(feature = f) type t = u8;\n"
        "  @since(version = 1.0.0) @deprecated(version = 1.1.0) type u = list<t>;\n"
        "  type v = tuple<option<t>>;\n}\n",
        "x.wit",
    )
    types = group.main.types
    assert [t.name for t in types] == ["t", "u", None, "v"]
    assert types[0].stability == Unstable("f")
    assert types[1].kind == List(0) and types[1].stability == Stable(Version(1, 0, 0), Version(1, 1, 0))
    assert types[2].kind == Option(0) and types[2].stability == Unstable("f")
    assert types[3].stability is None


def test_anonymous_types_are_shared_and_own_handles_are_plain_references() -> None:
    group = parse_text(
        "package a:b;\ninterface x {\n  resource r;\n"
        "  f: func(a: list<u8>, b: list<u8>, c: own<r>, d: borrow<r>) -> borrow<r>;\n}\n",
        "x.wit",
    )
    types = group.main.types
    assert [t.name for t in types] == ["r", None, None]
    assert types[1].kind == List("u8") and types[2].kind == Handle("borrow", 0)
    params = group.main.interfaces[0].functions["f"].params
    assert [p.type for p in params] == [1, 1, 0, 2]


def test_foreign_items_become_placeholders() -> None:
    group = parse_text("package a:b;\ninterface x { use c:d/y@1.0.0.{t}; type u = own<t>; }", "x.wit")
    pkg = group.main
    dep = PackageName("c", "d", Version(1, 0, 0))
    assert pkg.foreign_deps == {dep: {"y": (AstInterface(0), [None])}}
    assert pkg.interfaces[0].name is None and pkg.interfaces[1].name == "x"
    assert pkg.types[0].kind == Unknown() and pkg.types[0].owner == OwnerInterface(0)
    assert pkg.types[1].kind == Alias(0) and pkg.required_resource_types[0][0] == 0


def test_nested_packages_are_their_own_packages() -> None:
    group = parse_text("package c:d;\npackage a:b { interface x {} }\nworld w {}\n", "x.wit")
    assert str(group.main.name) == "c:d" and [str(p.name) for p in group.nested] == ["a:b"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1.0.0-01", "invalid leading zero in pre-release identifier"),
        ("01.0.0", "invalid leading zero in major version number"),
        ("1.0 .0", "unexpected character ' ' after minor version number"),
        ("1.0.", "unexpected end of input while parsing patch version number"),
        ("1.0.0-a..b", "empty identifier segment in pre-release identifier"),
        ("99999999999999999999.0.0", "value of major version number exceeds u64::MAX"),
    ],
)
def test_versions_are_rejected_with_the_semver_crates_messages(text: str, message: str) -> None:
    with pytest.raises(SemverError, match=message):
        parse_version(text)


def test_versions_keep_prerelease_and_build_identifiers() -> None:
    assert parse_version("1.2.3-rc.1+build.5") == Version(1, 2, 3, ("rc", "1"), ("build", "5"))
