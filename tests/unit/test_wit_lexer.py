"""The WIT tokenizer: token kinds, comments, identifier rules and the reference lexer's error texts."""

from __future__ import annotations

import pytest

from witparser import _lex as lex
from witparser._ast_resolve import parse_text
from witparser._error import WitError
from witparser._lex import ParseError, tokenize


def kinds(text: str) -> list[str]:
    tokens = tokenize(text, 1)
    if tokens.error is not None:
        raise tokens.error
    return [lex.describe(kind) for kind in tokens.kinds[:-1]]


def texts(text: str) -> list[str]:
    tokens = tokenize(text, 1)
    return [tokens.slice(s, e) for s, e in zip(tokens.starts[:-1], tokens.ends[:-1], strict=True)]


def test_keywords_identifiers_and_punctuation_are_told_apart() -> None:
    assert kinds("a: func() -> list<u8>") == [
        "an identifier", "':'", "keyword `func`", "'('", "')'", "`->`", "keyword `list`", "'<'",
        "keyword `u8`", "'>'",
    ]  # fmt: skip
    assert kinds("_ %a %bool % - -x") == [
        "keyword `_`", "an '%' identifier", "an '%' identifier", "an '%' identifier", "`-`", "`-`",
        "an identifier",
    ]  # fmt: skip
    assert kinds("error-context 1.2.3 @ * + / = , . ; { }") == [
        "keyword `error-context`", "an integer", "'.'", "an integer", "'.'", "an integer", "`@`", "`*`",
        "`+`", "`/`", "'='", "','", "'.'", "';'", "'{'", "'}'",
    ]  # fmt: skip


def test_identifiers_may_hold_any_unicode_word_characters_until_validated() -> None:
    assert texts("garçon-hühnervögel-москва-東京 a\u0301b %é") == [
        "garçon-hühnervögel-москва-東京", "a\u0301b", "%é",
    ]  # fmt: skip
    assert texts("apple--Pear _a_p_p_l_e_") == ["apple--Pear", "_a_p_p_l_e_"]


def test_comments_nest_and_are_kept_aside_for_docs() -> None:
    tokens = tokenize("a /* x /* y */ z */ b // c\n/// d\r\nc", 1)
    assert [tokens.slice(s, e) for s, e in tokens.comments] == ["/* x /* y */ z */", "// c\n", "/// d\r\n"]
    assert tokens.comments_before(1) == tokens.comments[:1]
    assert tokens.comments_before(2) == tokens.comments[1:]
    assert texts("a /* x /* y */ z */ b // c\n/// d\r\nc") == ["a", "b", "c"]


def test_crlf_is_a_newline_but_a_lone_carriage_return_is_not() -> None:
    assert kinds("a\r\n\tb") == ["an identifier", "an identifier"]
    with pytest.raises(ParseError, match=r"unexpected character '\\r'"):
        kinds("a\rb")


def test_a_byte_order_mark_is_skipped() -> None:
    assert texts("\ufeffpackage") == ["package"]


def test_lexer_errors_wait_until_the_parser_reaches_them() -> None:
    tokens = tokenize("a b $ c", 1)
    assert tokens.kinds[-1] == lex.ERROR and len(tokens.kinds) == 3
    with pytest.raises(WitError) as caught:
        parse_text("package a:b;\ninterface x { y: func() }\n$", "x.wit")
    assert caught.value.message == "expected ';', found '}'"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("a /* b", "unterminated block comment"),
        ("\x0b", "Control code '\\u{b}'"),
        (
            "\u202a",
            "Input contains bidirectional override codepoint EscapeUnicode(EscapeIterInner('\\u{202a}'))",
        ),
        ("\u0149", "Codepoint EscapeUnicode(EscapeIterInner('\\u{149}')) is discouraged by Unicode"),
        ("#", "unexpected character '#'"),
        ('"\\q"', "invalid string escape 'q'"),
        ('"\t"', "invalid string character '\\t'"),
        ('"abc', "unexpected end of file"),
        ('"\\u{110000}"', "invalid unicode value 0x110000"),
        ('"\\u{1_}"', "trailing underscore in number"),
        ('"\\u0"', "expected character '{'"),
        ('"\\0g"', "invalid hex digit 'g'"),
        ('"\\ff"', "invalid UTF-8: invalid utf-8 sequence of 1 bytes from index 0"),
    ],
)
def test_lexer_errors_use_the_reference_wording(source: str, message: str) -> None:
    with pytest.raises(ParseError) as caught:
        kinds(source)
    assert caught.value.message == message


@pytest.mark.parametrize(
    "name", ["apple", "apple-pear", "a0", "APPLE-PEAR", "apple-PEAR-grape", "is-XML", "a0-000-3d4a-54FF"]
)
def test_valid_identifiers_pass(name: str) -> None:
    lex.validate_id(1, name)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "identifiers must have characters between '-'s"),
        ("a-", "identifiers must have characters between '-'s"),
        ("apple--pear", "identifiers must have characters between '-'s"),
        ("0a", "invalid character in identifier '0'"),
        ("Apple", "invalid character in identifier 'p'"),
        ("applE", "invalid character in identifier 'E'"),
        ("apple_pear", "invalid character in identifier '_'"),
        ("garçon", "invalid character in identifier 'ç'"),
        ("a0-000-3d4A-54Ff", "invalid character in identifier 'A'"),
    ],
)
def test_invalid_identifiers_are_diagnosed_like_the_reference(name: str, message: str) -> None:
    with pytest.raises(ParseError) as caught:
        lex.validate_id(1, name)
    assert caught.value.message == message
