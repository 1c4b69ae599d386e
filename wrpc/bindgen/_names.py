"""Python names for WIT names, and the per-scope allocator that keeps generated names unique.

Rules of this module:
1. WIT identifiers are kebab-case words (`get-count`, `%type`); functions, fields, parameters and modules
   become snake_case, types PascalCase, enum and flag members UPPER_SNAKE.
2. A name that Python reserves gets a trailing underscore: keywords (`for` -> `for_`), `self`, and the
   builtins that generated annotations use (`bytes`, `list`, ...), because a field or method of that name
   would shadow the builtin inside its class body.
3. Every generated scope (a module, a class) owns a `Namespace`; a clash after conversion (two WIT names
   that map to one Python name, or a name the generator itself reserved) is resolved by appending
   underscores, deterministically in declaration order.
"""

from __future__ import annotations

import keyword

SHADOWED_BUILTINS: frozenset[str] = frozenset(
    {"bool", "int", "float", "str", "bytes", "list", "tuple", "self"}
)
"""Names generated annotations and method bodies rely on; a member of this name would shadow them."""


def _words(name: str) -> list[str]:
    return [word for word in name.lstrip("%").replace("_", "-").split("-") if word]


def _escape(name: str) -> str:
    if keyword.iskeyword(name) or name in SHADOWED_BUILTINS:
        return name + "_"
    if name[:1].isdigit():
        return "_" + name
    return name


def snake(name: str) -> str:
    """`get-count` -> `get_count`; `%for` -> `for_`."""
    return _escape("_".join(word.lower() for word in _words(name)))


def pascal(name: str) -> str:
    """`rec-nested` -> `RecNested`; acronyms stay as WIT spells them (`HTTPError` stays `HTTPError`)."""
    return _escape("".join(word[:1].upper() + word[1:] for word in _words(name)))


def upper(name: str) -> str:
    """`show-a` -> `SHOW_A`, for enum and flag members."""
    return _escape("_".join(word.upper() for word in _words(name)))


class Namespace:
    """Hands out unique Python names within one scope."""

    def __init__(self, reserved: frozenset[str] | set[str] = frozenset()) -> None:
        self._taken: set[str] = set(reserved)

    def claim(self, name: str) -> str:
        """`name`, or `name` with underscores appended until it is free; the result is taken."""
        while name in self._taken:
            name += "_"
        self._taken.add(name)
        return name

    def __contains__(self, name: str) -> bool:
        return name in self._taken
