"""The source map: every WIT text the parser has seen, addressed by one global offset, and error rendering.

The reference (`SourceMap` in wit-parser's ast.rs) concatenates all files of a package group into one
offset space so that a single integer pair (a `Span`) locates anything; errors carry spans from the lexer
onward and are rendered once, with a rustc-like snippet, by the map that owns the text. This module is
that map and that renderer.

Rules of this module:
1. Offsets count code points of Python `str`s, not UTF-8 bytes: the lexer works on `str`, and nothing but
   rendering can observe the unit. Rendering converts to what the reference prints (1-based line, column
   in UTF-8 bytes, marker length in code points), so the output is byte for byte the reference's.
2. Each pushed file gets one extra `\n` appended (as the reference does), so a span pointing one past the
   end of a file still belongs to that file.
3. The first file starts at offset 1, never 0: `Span(0, 0)` is the model's "no location" and must never
   name a real place.
4. Rendering (`highlight`, `render_location`, `error`) is the only way a span becomes text; nothing else
   in the parser formats locations.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from witparser._error import WitError
from witparser._model import Span

_LONG_LINE_BYTES = 500
"""Source lines longer than this (in UTF-8 bytes) are left out of a rendered error."""


@dataclass(slots=True)
class Source:
    """One pushed file: its display path, its global start offset and its text (with the extra `\\n`)."""

    offset: int
    path: str
    contents: str

    @property
    def text(self) -> str:
        """The file's text as given, without the appended newline."""
        return self.contents[:-1]

    def linecol(self, relative: int) -> tuple[int, int]:
        """0-based line and 0-based column (in code points) of a file-relative offset.

        Mirrors the reference: `\\r` counts as part of its line, and an offset past the last line maps to
        (number of lines, 0).
        """
        cur = 0
        for index, line in enumerate(self.contents[:-1].split("\n")):
            if cur + len(line) + 1 > relative:
                return index, relative - cur
            cur += len(line) + 1
        return len(self.lines()), 0

    def lines(self) -> list[str]:
        """The lines as Rust's `str::lines` yields them: split at `\\n`, one trailing `\\r` removed."""
        return [line.removesuffix("\r") for line in self.contents[:-1].split("\n")]


class SourceMap:
    """All texts of one package group (or, after `append`, of several), under one offset space."""

    __slots__ = ("_offset", "_offsets", "sources")

    def __init__(self) -> None:
        self.sources: list[Source] = []
        self._offsets: list[int] = []
        self._offset = 1

    def push(self, path: str, contents: str) -> Source:
        """Add one file's text under its display path; returns the `Source` with its global offset."""
        source = Source(self._offset, path, contents + "\n")
        self.sources.append(source)
        self._offsets.append(source.offset)
        self._offset += len(source.contents)
        return source

    def append(self, other: SourceMap) -> int:
        """Move every source of `other` into this map; returns the amount to add to `other`'s spans."""
        base = self._offset
        for source in other.sources:
            moved = Source(source.offset + base, source.path, source.contents)
            self.sources.append(moved)
            self._offsets.append(moved.offset)
        self._offset += other._offset
        return base

    def source_names(self) -> list[str]:
        """The display paths of all sources, in the order they were pushed."""
        return [source.path for source in self.sources]

    def span_of_rust_byte(self, position: int) -> Span:
        """The one-character span at a global byte offset of the reference's own offset space.

        The reference numbers all sources' UTF-8 bytes from 0; a few of its errors carry such a raw
        position (see `witparser._lex.ParseError.rust_byte`), and this finds the same place here.
        """
        base = 0
        for source in self.sources:
            data = source.contents.encode("utf-8", "surrogatepass")
            if position < base + len(data) or source is self.sources[-1]:
                index = len(data[: position - base].decode("utf-8", "ignore"))
                return Span(source.offset + index, source.offset + index + 1)
            base += len(data)
        return Span()

    def _source_for(self, offset: int) -> Source:
        index = bisect_right(self._offsets, offset) - 1
        return self.sources[max(index, 0)]

    def _locate(self, offset: int) -> tuple[Source, int, int, int]:
        """Source, file-relative offset, 1-based line and 1-based UTF-8 byte column of `offset`."""
        source = self._source_for(offset)
        relative = offset - source.offset
        line, col = source.linecol(relative)
        lines = source.lines()
        if line < len(lines):
            raw = source.contents[:-1].split("\n")[line]
            col = len(raw[:col].encode("utf-8", "surrogatepass"))
        return source, relative, line + 1, col + 1

    def render_location(self, span: Span) -> str:
        """`PATH:LINE:COL` of a span's start, or `<unknown>` for a span with no location."""
        if not is_known(span):
            return "<unknown>"
        source, _, line, col = self._locate(span.start)
        return f"{source.path}:{line}:{col}"

    def location(self, span: Span) -> tuple[str, int, int] | None:
        """Path, 1-based line and 1-based byte column of a span's start, or `None` without a location."""
        if not is_known(span):
            return None
        source, _, line, col = self._locate(span.start)
        return source.path, line, col

    def highlight(self, span: Span, message: str) -> str | None:
        """The message with its source snippet, or `None` when the span has no location."""
        if not is_known(span):
            return None
        source, start, line, col = self._locate(span.start)
        lines = source.lines()
        snippet = lines[line - 1] if line - 1 < len(lines) else ""
        if len(snippet.encode("utf-8", "surrogatepass")) > _LONG_LINE_BYTES:
            return f"{source.path}:{line}:{col}: {message}"
        end = span.end - source.offset
        dashes = 0
        if 0 <= start <= end <= len(source.contents):
            dashes = max(end - start - 1, 0)
        marker = " " * (col - 1) + "^" + "-" * dashes
        return f"{message}\n     --> {source.path}:{line}:{col}\n      |\n {line:4} | {snippet}\n      | {marker}"

    def error(self, span: Span, message: str) -> WitError:
        """A `WitError` for `message` at `span`, rendered with its snippet (no snippet without a location)."""
        where = self.location(span)
        rendered = self.highlight(span, message)
        if where is None:
            return WitError(message, rendered=rendered)
        path, line, col = where
        return WitError(message, rendered=rendered, path=path, line=line, column=col)


def is_known(span: Span) -> bool:
    """Whether a span names a place in some source (`Span(0, 0)` is "no location")."""
    return span.start != 0 or span.end != 0
