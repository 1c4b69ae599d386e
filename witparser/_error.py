"""The one exception the WIT parser raises: `WitError`, rendered exactly like the reference's errors.

The Rust crate reports failures as an `anyhow` chain: outer context layers (for example
`failed to parse package: DIR`) wrapped around one typed parse or resolve error, which is rendered with
a rustc-like source snippet when it has a location. The chain is printed with its layers joined by
`": "`. `WitError` keeps those parts apart so callers can inspect them, while `str(err)` gives the full
text byte for byte as a `.wit.result` file holds it.

Rules of this module:
1. It knows nothing about sources: a located error is built by `witparser._source.SourceMap.error`,
   which renders the snippet once and hands the finished text in as `rendered`.
2. Contexts are only ever prepended (`with_context`), mirroring `anyhow::Context`: the first entry of
   `contexts` is the outermost layer.
"""

from __future__ import annotations


class WitError(Exception):
    """A WIT parse or resolve failure.

    `message` is the innermost error text without any snippet; `path`, `line` and `column` (1-based,
    the column in UTF-8 bytes) locate it, or are all `None` for errors without a source location;
    `contexts` are the outer layers, outermost first. `WitError(message)` is an error without a
    location; `SourceMap.error(span, message)` makes a located one.
    """

    message: str
    rendered: str
    path: str | None
    line: int | None
    column: int | None
    contexts: list[str]

    def __init__(
        self,
        message: str,
        *,
        rendered: str | None = None,
        path: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.rendered = message if rendered is None else rendered
        self.path = path
        self.line = line
        self.column = column
        self.contexts = []

    def with_context(self, text: str) -> WitError:
        """Wrap this error in one more outer layer (like `anyhow::Context`) and return it."""
        self.contexts.insert(0, text)
        return self

    def __str__(self) -> str:
        return ": ".join([*self.contexts, self.rendered])

    def __repr__(self) -> str:
        return f"WitError({str(self)!r})"
