"""Parsing semver version strings exactly as the Rust `semver` crate (1.0.x) does, errors included.

WIT versions (`package a:b@1.0.0-rc.1+build;`, `@since(version = 1.2.3)`) are parsed by the reference
with `semver::Version::parse`, and its error text reaches the user verbatim inside a WIT error. This
module reproduces that parser and its messages; comparing versions is `witparser._model.Version`'s job.

Rules of this module:
1. Input is the raw source text of the version (it may hold spaces or comments the WIT lexer skipped);
   anything the semver grammar does not allow is an error, never silently dropped.
2. Errors are `SemverError(message)` carrying the crate's exact `Display` text.
"""

from __future__ import annotations

from witparser._lex import rust_char_debug
from witparser._model import Version

_U64_MAX = (1 << 64) - 1


class SemverError(ValueError):
    """A version string the semver grammar rejects; `str(err)` is the `semver` crate's message."""


def _numeric(text: str, pos: str) -> tuple[int, str]:
    length = 0
    value = 0
    while length < len(text) and "0" <= text[length] <= "9":
        if value == 0 and length > 0:
            raise SemverError(f"invalid leading zero in {pos}")
        value = value * 10 + ord(text[length]) - 48
        if value > _U64_MAX:
            raise SemverError(f"value of {pos} exceeds u64::MAX")
        length += 1
    if length > 0:
        return value, text[length:]
    if text:
        raise SemverError(f"unexpected character {rust_char_debug(text[0])} while parsing {pos}")
    raise SemverError(f"unexpected end of input while parsing {pos}")


def _dot(text: str, pos: str) -> str:
    if text.startswith("."):
        return text[1:]
    if text:
        raise SemverError(f"unexpected character {rust_char_debug(text[0])} after {pos}")
    raise SemverError(f"unexpected end of input while parsing {pos}")


def _identifier(text: str, pos: str) -> tuple[str, str]:
    accumulated = 0
    segment = 0
    nondigit = False
    while True:
        index = accumulated + segment
        boundary = text[index] if index < len(text) else None
        if boundary is not None and (boundary.isascii() and (boundary.isalpha() or boundary == "-")):
            segment += 1
            nondigit = True
            continue
        if boundary is not None and "0" <= boundary <= "9":
            segment += 1
            continue
        if segment == 0:
            if accumulated == 0 and boundary != ".":
                return "", text
            raise SemverError(f"empty identifier segment in {pos}")
        if pos == _PRE and segment > 1 and not nondigit and text[accumulated:].startswith("0"):
            raise SemverError(f"invalid leading zero in {pos}")
        accumulated += segment
        if boundary == ".":
            accumulated += 1
            segment = 0
            nondigit = False
        else:
            return text[:accumulated], text[accumulated:]


_MAJOR = "major version number"
_MINOR = "minor version number"
_PATCH = "patch version number"
_PRE = "pre-release identifier"
_BUILD = "build metadata"


def parse_version(text: str) -> Version:
    """Parse `text` as a semver version; raises `SemverError` with the `semver` crate's message."""
    if not text:
        raise SemverError("empty string, expected a semver version")
    major, rest = _numeric(text, _MAJOR)
    rest = _dot(rest, _MAJOR)
    minor, rest = _numeric(rest, _MINOR)
    rest = _dot(rest, _MINOR)
    patch, rest = _numeric(rest, _PATCH)
    if not rest:
        return Version(major, minor, patch)
    pos = _PATCH
    pre = ""
    if rest.startswith("-"):
        pos = _PRE
        pre, rest = _identifier(rest[1:], _PRE)
        if not pre:
            raise SemverError(f"empty identifier segment in {pos}")
    build = ""
    if rest.startswith("+"):
        pos = _BUILD
        build, rest = _identifier(rest[1:], _BUILD)
        if not build:
            raise SemverError(f"empty identifier segment in {pos}")
    if rest:
        raise SemverError(f"unexpected character {rust_char_debug(rest[0])} after {pos}")
    return Version(
        major,
        minor,
        patch,
        tuple(pre.split(".")) if pre else (),
        tuple(build.split(".")) if build else (),
    )
