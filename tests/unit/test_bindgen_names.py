"""WIT names become Python names: snake_case, PascalCase, UPPER members, reserved words escaped."""

from __future__ import annotations

import keyword

import pytest

from wrpc.bindgen._names import Namespace, pascal, snake, upper


@pytest.mark.parametrize(
    ("wit", "expected"),
    [("get-count", "get_count"), ("%type", "type"), ("for", "for_"), ("self", "self_"), ("bytes", "bytes_"),
     ("list", "list_"), ("a", "a"), ("HTTP-error", "http_error"), ("class", "class_")],
)  # fmt: skip
def test_snake_case_escapes_keywords_and_shadowed_builtins(wit: str, expected: str) -> None:
    assert snake(wit) == expected


@pytest.mark.parametrize(
    ("wit", "expected"),
    [
        ("rec-nested", "RecNested"),
        ("%type", "Type"),
        ("none", "None_"),
        ("HTTP-error", "HTTPError"),
        ("x", "X"),
    ],
)
def test_pascal_case_keeps_acronyms_and_escapes_keywords(wit: str, expected: str) -> None:
    assert pascal(wit) == expected


def test_enum_and_flag_members_are_upper_snake() -> None:
    assert upper("show-a") == "SHOW_A"
    assert upper("%none") == "NONE"


def test_no_generated_identifier_is_a_python_keyword() -> None:
    for word in [*keyword.kwlist, *(w.lower() for w in keyword.kwlist)]:
        for convert in (snake, pascal, upper):
            assert not keyword.iskeyword(convert(word)), (convert.__name__, word)


def test_namespace_appends_underscores_until_free() -> None:
    names = Namespace({"Ok"})
    assert names.claim("Ok") == "Ok_"
    assert names.claim("Ok") == "Ok__"
    assert names.claim("Rec") == "Rec"
    assert "Rec" in names
