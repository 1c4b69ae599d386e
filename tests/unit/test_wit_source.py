"""The source map: global offsets across files, locations and the reference's error snippet."""

from __future__ import annotations

from witparser._model import Span
from witparser._source import SourceMap


def test_each_file_gets_its_own_offset_range_and_offset_zero_is_never_used() -> None:
    sources = SourceMap()
    first = sources.push("a.wit", "abc")
    second = sources.push("b.wit", "x\ny")
    assert (first.offset, second.offset) == (1, 5)
    assert sources.render_location(Span(second.offset + 2, second.offset + 3)) == "b.wit:2:1"
    assert sources.render_location(Span()) == "<unknown>"


def test_a_span_one_past_the_end_of_a_file_still_belongs_to_it() -> None:
    sources = SourceMap()
    first = sources.push("a.wit", "abc")
    sources.push("b.wit", "x")
    assert sources.render_location(Span(first.offset + 3, first.offset + 3)) == "a.wit:1:4"


def test_appending_a_map_shifts_its_spans_by_the_returned_amount() -> None:
    target = SourceMap()
    target.push("a.wit", "abc")
    other = SourceMap()
    source = other.push("b.wit", "line\nsecond")
    shift = target.append(other)
    span = Span(source.offset + 5 + shift, source.offset + 11 + shift)
    assert target.render_location(span) == "b.wit:2:1"
    assert target.source_names() == ["a.wit", "b.wit"]


def test_the_snippet_marks_the_span_and_counts_the_column_in_bytes() -> None:
    sources = SourceMap()
    source = sources.push("a.wit", "/* é */ foo bar\r\nnext")
    error = sources.error(Span(source.offset + 8, source.offset + 11), "boom")
    assert str(error) == "boom\n     --> a.wit:1:10\n      |\n    1 | /* é */ foo bar\n      |          ^--"
    assert (error.path, error.line, error.column, error.message) == ("a.wit", 1, 10, "boom")


def test_a_span_across_a_line_end_counts_the_newline_in_the_marker() -> None:
    sources = SourceMap()
    source = sources.push("a.wit", "ab\ncd")
    error = sources.error(Span(source.offset + 1, source.offset + 4), "x")
    assert str(error).splitlines()[-1] == "      |  ^--"


def test_long_lines_leave_the_snippet_out() -> None:
    sources = SourceMap()
    source = sources.push("a.wit", "a" * 501)
    assert str(sources.error(Span(source.offset + 3, source.offset + 4), "x")) == "a.wit:1:4: x"


def test_errors_without_a_location_render_as_their_message() -> None:
    error = SourceMap().error(Span(), "no location")
    assert str(error) == "no location" and error.path is None


def test_reference_byte_positions_map_across_files_and_multibyte_text() -> None:
    sources = SourceMap()
    sources.push("a.wit", "é\n")
    second = sources.push("b.wit", "xy")
    # a.wit holds "é\n" plus the appended "\n": 4 bytes in the reference's offset space.
    assert sources.span_of_rust_byte(5) == Span(second.offset + 1, second.offset + 2)
    assert sources.span_of_rust_byte(2) == Span(2, 3)
