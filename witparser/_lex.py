"""The WIT tokenizer: text in, a flat token array out, with the reference lexer's tokens and errors.

It mirrors wit-parser's `ast/lex.rs` token for token: the same keywords, the same `%`-escaped identifiers,
comments kept for doc extraction, the same error messages at the same positions. For speed the whole file
is tokenized up front, common input by one `findall` pass and the rest by a general loop (about a
million tokens per second); the reference lexes lazily, so a lexer error is stored as an `ERROR` token
and raised only when the parser reaches it, which keeps every error in the order the reference reports
it.

Rules of this module:
1. Offsets are global code-point offsets (`witparser._source` rule 1): a token's `start`/`end` are its
   file-relative index plus the file's offset in the source map.
2. Errors are `ParseError`s (span + message, rendered later by the source map). A few reference errors
   carry a file-relative byte position where the reference forgot to add the file offset; those keep
   the raw position in `rust_byte` so rendering lands where the reference's does.
3. Whitespace is dropped; comments are kept aside (`comments`), each with the index of the token it
   precedes, which is all `parse_docs` needs.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right

from witparser._model import Span

# ---------------------------------------------------------------------------------------------------
# Token kinds (plain ints: compared millions of times)

(
    EOF, ERROR, EQUALS, COMMA, COLON, PERIOD, SEMICOLON, LPAREN, RPAREN, LBRACE, RBRACE, LT, GT,
    RARROW, STAR, AT, SLASH, PLUS, MINUS, STRING, USE, TYPE, FUNC, U8, U16, U32, U64, S8, S16, S32,
    S64, F32, F64, CHAR, RECORD, RESOURCE, OWN, BORROW, FLAGS, VARIANT, ENUM, BOOL, STRING_, OPTION,
    RESULT, FUTURE, STREAM, ERROR_CONTEXT, LIST, MAP, UNDERSCORE, AS, FROM, STATIC, INTERFACE, TUPLE,
    IMPORT, EXPORT, WORLD, PACKAGE, CONSTRUCTOR, ASYNC, ID, EXPLICIT_ID, INTEGER, INCLUDE, WITH,
) = range(67)  # fmt: skip

KEYWORDS: dict[str, int] = {
    "use": USE, "type": TYPE, "func": FUNC, "u8": U8, "u16": U16, "u32": U32, "u64": U64, "s8": S8,
    "s16": S16, "s32": S32, "s64": S64, "f32": F32, "f64": F64, "char": CHAR, "resource": RESOURCE,
    "own": OWN, "borrow": BORROW, "record": RECORD, "flags": FLAGS, "variant": VARIANT, "enum": ENUM,
    "bool": BOOL, "string": STRING_, "option": OPTION, "result": RESULT, "future": FUTURE,
    "stream": STREAM, "error-context": ERROR_CONTEXT, "list": LIST, "map": MAP, "_": UNDERSCORE,
    "as": AS, "from": FROM, "static": STATIC, "interface": INTERFACE, "tuple": TUPLE, "world": WORLD,
    "import": IMPORT, "export": EXPORT, "package": PACKAGE, "constructor": CONSTRUCTOR,
    "include": INCLUDE, "with": WITH, "async": ASYNC,
}  # fmt: skip

_PUNCT: dict[str, int] = {
    "=": EQUALS, ",": COMMA, ":": COLON, ".": PERIOD, ";": SEMICOLON, "(": LPAREN, ")": RPAREN,
    "{": LBRACE, "}": RBRACE, "<": LT, ">": GT, "*": STAR, "@": AT, "/": SLASH, "+": PLUS, "-": MINUS,
}  # fmt: skip

_DESCRIBE: dict[int, str] = {
    EQUALS: "'='", COMMA: "','", COLON: "':'", PERIOD: "'.'", SEMICOLON: "';'", LPAREN: "'('",
    RPAREN: "')'", LBRACE: "'{'", RBRACE: "'}'", LT: "'<'", GT: "'>'", RARROW: "`->`", STAR: "`*`",
    AT: "`@`", SLASH: "`/`", PLUS: "`+`", MINUS: "`-`", STRING: "a string literal",
    ID: "an identifier", EXPLICIT_ID: "an '%' identifier", INTEGER: "an integer", EOF: "eof",
    **{kind: f"keyword `{word}`" for word, kind in KEYWORDS.items()},
}  # fmt: skip


def describe(kind: int) -> str:
    """How the reference names a token kind in "expected X, found Y" messages."""
    return _DESCRIBE[kind]


# ---------------------------------------------------------------------------------------------------
# Errors


class ParseError(Exception):
    """A front-end error at a span (the reference's `ParseError`), rendered later by the source map.

    `rust_byte`, when set, is a position the reference reports without the file's offset: a global byte
    offset in the reference's own offset space, converted by the source map when rendering.
    `not_found` names the missing item of an "`X` does not exist" error, so a caller can add a hint.
    """

    def __init__(
        self, span: Span, message: str, *, rust_byte: int | None = None, not_found: str | None = None
    ) -> None:
        super().__init__(message)
        self.span = span
        self.message = message
        self.rust_byte = rust_byte
        self.not_found = not_found


def _at(position: int, message: str) -> ParseError:
    return ParseError(Span(position, position + 1), message)


def rust_char_debug(ch: str) -> str:
    """`ch` as Rust's `{:?}` prints a `char`: quoted, with Rust's escapes."""
    return "'" + _escape_debug(ch) + "'"


_SIMPLE_DEBUG_ESCAPES = {"\0": "\\0", "\t": "\\t", "\r": "\\r", "\n": "\\n", "'": "\\'", "\\": "\\\\"}

# Grapheme_Extend code points that are not Mn/Me (the Unicode property Other_Grapheme_Extend, as of
# Unicode 16, less the format characters that are escaped anyway as unprintable).
_OTHER_GRAPHEME_EXTEND = frozenset(
    chr(cp)
    for first, last in (
        (0x9BE, 0x9BE), (0x9D7, 0x9D7), (0xB3E, 0xB3E), (0xB57, 0xB57), (0xBBE, 0xBBE), (0xBD7, 0xBD7),
        (0xCC0, 0xCC0), (0xCC2, 0xCC2), (0xCC7, 0xCC8), (0xCCA, 0xCCB), (0xCD5, 0xCD6), (0xD3E, 0xD3E),
        (0xD57, 0xD57), (0xDCF, 0xDCF), (0xDDF, 0xDDF), (0x1715, 0x1715), (0x1734, 0x1734),
        (0x1B35, 0x1B35), (0x1B3B, 0x1B3B), (0x1B3D, 0x1B3D), (0x1B43, 0x1B44), (0x1BAA, 0x1BAA),
        (0x1BF2, 0x1BF3), (0x302E, 0x302F), (0xA953, 0xA953), (0xA9C0, 0xA9C0), (0xFF9E, 0xFF9F),
        (0x111C0, 0x111C0), (0x11235, 0x11235), (0x1133E, 0x1133E), (0x1134D, 0x1134D),
        (0x11357, 0x11357), (0x114B0, 0x114B0), (0x114BD, 0x114BD), (0x115AF, 0x115AF),
        (0x116B6, 0x116B6), (0x11930, 0x11930), (0x1193D, 0x1193D), (0x16FF0, 0x16FF1),
        (0x1D165, 0x1D166), (0x1D16D, 0x1D172),
    )
    for cp in range(first, last + 1)
)  # fmt: skip


def _escape_debug(ch: str) -> str:
    """Rust's `char::escape_debug`: grapheme extenders and unprintable characters become `\\u{..}`.

    Python 3.11's Unicode tables (14.0) are older than the reference's, so characters assigned since
    then count as unprintable here; nothing else differs.
    """
    simple = _SIMPLE_DEBUG_ESCAPES.get(ch)
    if simple is not None:
        return simple
    if unicodedata.category(ch) in ("Mn", "Me") or ch in _OTHER_GRAPHEME_EXTEND or not ch.isprintable():
        return _escape_unicode(ch)
    return ch


def _escape_unicode(ch: str) -> str:
    return f"\\u{{{ord(ch):x}}}"


# ---------------------------------------------------------------------------------------------------
# Character classes

_ASCII_KEYLIKE_CONTINUE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


def _is_keylike_start(ch: str) -> bool:
    """XID_Start, `_` or `-` (the reference diagnoses bad identifiers after lexing them whole).

    The classes come from Python's Unicode tables (14.0 in Python 3.11); letters assigned since then
    are unexpected characters here while the reference lexes them into (invalid) identifiers.
    """
    return ch == "-" or ch.isidentifier()


_JOINERS = frozenset("\u200c\u200d")
"""ZWNJ and ZWJ: XID_Continue since Unicode 15.1, which Python 3.11's tables predate."""


def _is_keylike_continue(ch: str) -> bool:
    """XID_Continue or `-`."""
    if ch in _ASCII_KEYLIKE_CONTINUE:
        return True
    return ch >= "\x80" and (("a" + ch).isidentifier() or ch in _JOINERS)


def _keylike_end(text: str, index: int) -> int:
    """The end of a keylike run whose continuation starts at `index`."""
    n = len(text)
    while index < n and _is_keylike_continue(text[index]):
        index += 1
    return index


_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_DEPRECATED = frozenset("\u0149\u0673\u0f77\u0f79\u17a3\u17a4\u17b4\u17b5")
_INVALID_INPUT = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
    "\u0149\u0673\u0f77\u0f79\u17a3\u17a4\u17b4\u17b5]"
)


def _byte_index(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8", "surrogatepass"))


def detect_invalid_input(text: str) -> None:
    """Reject control codes, bidirectional overrides and deprecated code points, as the reference does.

    The reference reports these at a file-relative byte position (it does not add the file's offset).
    """
    found = _INVALID_INPUT.search(text)
    if found is None:
        return
    ch = found.group()
    if ch in _BIDI:
        message = f"Input contains bidirectional override codepoint EscapeUnicode(EscapeIterInner('{_escape_unicode(ch)}'))"
    elif ch in _DEPRECATED:
        message = (
            f"Codepoint EscapeUnicode(EscapeIterInner('{_escape_unicode(ch)}')) is discouraged by Unicode"
        )
    else:
        message = f"Control code '{_escape_unicode(ch)}'"
    raise ParseError(Span(), message, rust_byte=_byte_index(text, found.start()))


def validate_id(start: int, name: str) -> None:
    """Check identifier syntax (kebab-case words, each all-lower or all-upper); error at `start`."""
    if not name:
        raise _at(start, "identifiers must have characters between '-'s")
    for index, part in enumerate(name.split("-")):
        if not part:
            raise _at(start, "identifiers must have characters between '-'s")
        first = part[0]
        if index == 0 and not (first.isascii() and first.isalpha()):
            raise _at(start, f"invalid character in identifier {rust_char_debug(first)}")
        upper: bool | None = None
        for ch in part:
            if "0" <= ch <= "9":
                continue
            if "A" <= ch <= "Z":
                if upper is None:
                    upper = True
                elif not upper:
                    raise _at(start, f"invalid character in identifier {rust_char_debug(ch)}")
            elif "a" <= ch <= "z":
                if upper is None:
                    upper = False
                elif upper:
                    raise _at(start, f"invalid character in identifier {rust_char_debug(ch)}")
            else:
                raise _at(start, f"invalid character in identifier {rust_char_debug(ch)}")


# ---------------------------------------------------------------------------------------------------
# The tokenizer

# Leading whitespace (`\r\n` counts as a newline, a lone `\r` does not) is skipped by every match; then
# exactly one group matches: 1 keylike, 2 punctuation (with `-` only when not `->`), 3 a comment without
# nesting, 4 integer, 5 `->`, 6 `%` identifier, 7 any other single character (something special).
_TOKEN = re.compile(
    r"[ \t\n]*+(?:\r\n[ \t\n]*+)*+"
    r"(?:([A-Za-z_][A-Za-z0-9_\-]*+)"
    r"|([(){}<>:;,.=@*+]|-(?!>)|/(?![/*]))"
    r"|(//[^\n]*+\n?|/\*(?:[^*/]++|\*(?!/)|/(?!\*))*+\*/)"
    r"|([0-9]++)"
    r"|(->)"
    r"|(%(?:[A-Za-z_\-][A-Za-z0-9_\-]*+)?)"
    r"|(.))?",
    re.S,
)
_BLOCK_EDGE = re.compile(r"/\*|\*/")


class Tokens:
    """One file's tokens as parallel arrays, ending with an `EOF` (or a deferred `ERROR`) token.

    `comments` holds `(start, end)` of every comment and `comment_tokens` the index of the token each
    one precedes, so the comments between tokens `i-1` and `i` are found by bisection.
    """

    __slots__ = ("comment_tokens", "comments", "ends", "error", "kinds", "offset", "starts", "text")

    def __init__(self, text: str, offset: int) -> None:
        self.text = text
        self.offset = offset
        self.kinds: list[int] = []
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.comments: list[tuple[int, int]] = []
        self.comment_tokens: list[int] = []
        self.error: ParseError | None = None

    def slice(self, start: int, end: int) -> str:
        """The source text between two global offsets."""
        return self.text[start - self.offset : end - self.offset]

    def comments_before(self, index: int) -> list[tuple[int, int]]:
        """The comments between token `index - 1` and token `index`."""
        found = self.comment_tokens
        if not found or found[-1] < index:
            return []
        return self.comments[bisect_left(found, index) : bisect_right(found, index)]

    def first_source_byte(self, index: int) -> int:
        """File-relative byte position of a file-relative code-point index (for `rust_byte` errors)."""
        return _byte_index(self.text, index)


def tokenize(text: str, offset: int) -> Tokens:
    """Tokenize one file whose first character sits at global `offset`.

    Raises `ParseError` at once for input the reference rejects before lexing (control codes and the
    like); any other lexer error becomes the final `ERROR` token.
    """
    detect_invalid_input(text)
    tokens = Tokens(text, offset)
    try:
        resume = _tokenize_common(tokens, 1 if text.startswith("\ufeff") else 0)
        if resume >= 0:
            _tokenize_general(tokens, resume)
    except ParseError as error:
        tokens.error = error
        tokens.kinds.append(ERROR)
        tokens.starts.append(error.span.start)
        tokens.ends.append(error.span.end)
        return tokens
    tokens.kinds.append(EOF)
    tokens.starts.append(len(text) + offset)
    tokens.ends.append(len(text) + offset)
    return tokens


# Pairs of (whitespace and comments, token) for the common case: ASCII identifiers, keywords, integers
# and punctuation. Anything else (strings, other characters, nested or unterminated block comments)
# hands over to the general loop.
_COMMON = re.compile(
    r"((?:[ \t\n]++|\r\n|//[^\n]*+\n?|/\*(?:[^*/]++|\*(?!/)|/(?!\*))*+\*/)*+)"
    r"([A-Za-z_][A-Za-z0-9_\-]*+|[0-9]++|->|%(?:[A-Za-z_\-][A-Za-z0-9_\-]*+)?|.|)",
    re.S,
)
_COMMENT = re.compile(r"//[^\n]*+\n?|/\*(?:[^*/]++|\*(?!/)|/(?!\*))*+\*/")
_KINDS: dict[str, int] = {**KEYWORDS, **_PUNCT, "->": RARROW}


def _tokenize_common(tokens: Tokens, pos: int) -> int:
    """Tokenize from `pos` while the input is common; returns where the general loop must resume, or -1.

    It resumes at the first uncommon token, or at the token before it when the two touch (an ASCII
    identifier may continue with non-ASCII letters, so that one is lexed again).
    """
    text = tokens.text
    offset = tokens.offset
    kinds = tokens.kinds
    starts = tokens.starts
    ends = tokens.ends
    table = _KINDS
    for trivia, token in _COMMON.findall(text, pos):
        if trivia:
            if "/" in trivia:
                for m in _COMMENT.finditer(trivia):
                    tokens.comments.append((pos + m.start() + offset, pos + m.end() + offset))
                    tokens.comment_tokens.append(len(kinds))
            pos += len(trivia)
        kind = table.get(token)
        if kind is None:
            first = token[:1]
            if not first:
                return -1
            if "a" <= first <= "z" or "A" <= first <= "Z" or first == "_":
                kind = ID
            elif "0" <= first <= "9":
                kind = INTEGER
            elif first == "%":
                kind = EXPLICIT_ID
            else:
                return _resume_at(tokens, pos, trivia)
        elif kind == SLASH and text.startswith("*", pos + 1):
            return _resume_at(tokens, pos, trivia)
        kinds.append(kind)
        starts.append(pos + offset)
        pos += len(token)
        ends.append(pos + offset)
    return -1


def _resume_at(tokens: Tokens, pos: int, trivia: str) -> int:
    if trivia or not tokens.kinds:
        return pos
    tokens.kinds.pop()
    tokens.ends.pop()
    return tokens.starts.pop() - tokens.offset


def _tokenize_general(tokens: Tokens, pos: int) -> None:
    """Tokenize from `pos` to the end, handling every token the reference's lexer knows."""
    text = tokens.text
    offset = tokens.offset
    kinds = tokens.kinds
    starts = tokens.starts
    ends = tokens.ends
    keywords = KEYWORDS
    punct = _PUNCT
    n = len(text)
    while True:
        resume = -1
        for m in _TOKEN.finditer(text, pos):
            group = m.lastindex
            if group == 1:
                start, end = m.span(1)
                if end < n and text[end] >= "\x80":
                    end = resume = _keylike_end(text, end)
                    kinds.append(keywords.get(text[start:end], ID))
                else:
                    kinds.append(keywords.get(m.group(1), ID))
            elif group == 2:
                start, end = m.span(2)
                kinds.append(punct[m.group(2)])
            elif group == 3:
                start, end = m.span(3)
                tokens.comments.append((start + offset, end + offset))
                tokens.comment_tokens.append(len(kinds))
                continue
            elif group is None:
                break
            elif group == 7:
                start = m.start(7)
                ch = m.group(7)
                if ch == "/":
                    # A `/*` the unnested pattern could not close: nested or unterminated.
                    resume = _block_comment_end(tokens, start)
                    tokens.comments.append((start + offset, resume + offset))
                    tokens.comment_tokens.append(len(kinds))
                    break
                if ch == '"':
                    end = resume = _string_end(tokens, start)
                    kinds.append(STRING)
                elif ch >= "\x80" and _is_keylike_start(ch):
                    end = resume = _keylike_end(text, start + 1)
                    kinds.append(keywords.get(text[start:end], ID))
                else:
                    raise _at(start + offset, f"unexpected character {rust_char_debug(ch)}")
            elif group == 4:
                start, end = m.span(4)
                kinds.append(INTEGER)
            elif group == 5:
                start, end = m.span(5)
                kinds.append(RARROW)
            else:
                start, end = m.span(6)
                kinds.append(EXPLICIT_ID)
                if end < n and text[end] >= "\x80" and (end > start + 1 or _is_keylike_start(text[end])):
                    end = resume = _keylike_end(text, end + (end == start + 1))
            starts.append(start + offset)
            ends.append(end + offset)
            if resume >= 0:
                break
        if resume < 0:
            return
        pos = resume


def _block_comment_end(tokens: Tokens, start: int) -> int:
    """End of the (possibly nested) block comment opening at file-relative `start`."""
    depth = 0
    for m in _BLOCK_EDGE.finditer(tokens.text, start):
        depth += 1 if m.group() == "/*" else -1
        if depth == 0:
            return m.end()
    raise _at(start + tokens.offset, "unterminated block comment")


_SIMPLE_ESCAPES = {'"': '"', "'": "'", "t": "\t", "n": "\n", "r": "\r", "\\": "\\"}
_HEX = "0123456789abcdefABCDEF"


def _string_end(tokens: Tokens, start: int) -> int:
    """End of the string literal opening at file-relative `start`; validates it like the reference."""
    return _string_value(tokens, start + 1, tokens.offset + start)[1]


def string_literal(tokens: Tokens, span: Span) -> str:
    """The value of a string-literal token."""
    return _string_value(tokens, span.start - tokens.offset + 1, span.start + 1)[0]


def _string_value(tokens: Tokens, index: int, utf8_error_at: int) -> tuple[str, int]:
    """Decode a string body starting at file-relative `index` up to its closing quote.

    Positions of errors about single characters are file-relative bytes (`rust_byte`), as the reference
    reports them; running off the end is reported at the end of the file, a bad UTF-8 result at
    `utf8_error_at`. Returns the value and the file-relative index after the closing quote.
    """
    text = tokens.text
    n = len(text)
    out = bytearray()

    def rel_error(position: int, message: str) -> ParseError:
        return ParseError(Span(), message, rust_byte=tokens.first_source_byte(position))

    def next_char() -> tuple[int, str]:
        nonlocal index
        if index >= n:
            raise _at(tokens.offset + n, "unexpected end of file")
        position = index
        ch = text[index]
        index += 1
        if ch == "\r" and index < n and text[index] == "\n":
            index += 1
            ch = "\n"
        return position, ch

    def hexdigit() -> tuple[int, int]:
        position, ch = next_char()
        if ch in _HEX:
            return position, int(ch, 16)
        raise rel_error(position, f"invalid hex digit {rust_char_debug(ch)}")

    while True:
        position, ch = next_char()
        if ch == '"':
            break
        if ch == "\\":
            position, ch = next_char()
            if ch in _SIMPLE_ESCAPES:
                out += _SIMPLE_ESCAPES[ch].encode()
            elif ch == "u":
                brace_at, brace = next_char()
                if brace != "{":
                    raise rel_error(brace_at, "expected character '{'")
                first_at, value = hexdigit()
                last_underscore = False
                while True:
                    if index < n and text[index] == "_":
                        index += 1
                        last_underscore = True
                        continue
                    if index >= n:
                        raise _at(tokens.offset + n, "unexpected end of file")
                    digit_at, digit = index, text[index]
                    if digit not in _HEX:
                        break
                    last_underscore = False
                    index += 1
                    value = value * 16 + int(digit, 16)
                    if value > 0xFFFFFFFF:
                        raise rel_error(digit_at, "number is too big to fit in a u32")
                if last_underscore:
                    raise rel_error(first_at, "trailing underscore in number")
                if value > 0x10FFFF or 0xD800 <= value <= 0xDFFF:
                    raise rel_error(position, f"invalid unicode value {value:#x}")
                out += chr(value).encode()
                close_at, close = next_char()
                if close != "}":
                    raise rel_error(close_at, "expected character '}'")
            elif ch in _HEX:
                _, low = hexdigit()
                out.append(int(ch, 16) * 16 + low)
            else:
                raise rel_error(position, f"invalid string escape {rust_char_debug(ch)}")
        elif ch < "\x20" or ch == "\x7f":
            raise rel_error(position, f"invalid string character {rust_char_debug(ch)}")
        else:
            out += ch.encode("utf-8", "surrogatepass")
    try:
        return out.decode("utf-8"), index
    except UnicodeDecodeError as error:
        raise _at(utf8_error_at, f"invalid UTF-8: {_utf8_error(error)}") from None


def _utf8_error(error: UnicodeDecodeError) -> str:
    """Rust's `Utf8Error` display text (both decoders report maximal invalid subparts alike)."""
    if error.reason == "unexpected end of data":
        return f"incomplete utf-8 byte sequence from index {error.start}"
    return f"invalid utf-8 sequence of {error.end - error.start} bytes from index {error.start}"
