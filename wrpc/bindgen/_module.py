"""One generated Python module while it is being written: its names, its imports and its text.

Rules of this module:
1. It knows Python source layout only (imports, blocks, docstrings), nothing about WIT.
2. Every top-level name of a generated module is claimed through its `Namespace`, so a WIT name can
   never shadow a name the generated code itself relies on (`Ok`, `dataclass`, `_rt`, ...).
3. Other generated modules of the same package are imported as private module aliases
   (`from ..imports import store as _i_store`) and referred to through them, so their names never
   collide with this module's own.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Literal

from wrpc.bindgen._names import Namespace

HEADER_IMPORTS: tuple[str, ...] = (
    "from collections.abc import AsyncIterator, Awaitable",
    "from dataclasses import dataclass",
    "from enum import Enum, Flag",
    "from typing import Protocol, TypeAlias",
    "",
    "from wrpc.bindgen import runtime as _rt",
    "from wrpc.values import Err, Ok, Some",
)
"""The imports a generated module may need; `render` keeps the names its text uses."""

_DEFINITION = re.compile(r"^(?:class (\w+)|(\w+): TypeAlias =|async def (\w+)\()")

RESERVED: frozenset[str] = frozenset(
    {
        "AsyncIterator", "Awaitable", "dataclass", "Enum", "Flag", "Protocol", "TypeAlias",
        "_rt", "Err", "Ok", "Some", "annotations",
    }
)  # fmt: skip


def _used_imports(code: str) -> list[str]:
    """The lines of `HEADER_IMPORTS` narrowed to the names `code` refers to, so no import is unused."""
    out: list[str] = []
    for line in HEADER_IMPORTS:
        if not line:
            if out and out[-1]:
                out.append(line)
            continue
        source, _, names = line.partition(" import ")
        used = [n for n in names.split(", ") if re.search(rf"\b{n.rpartition(' as ')[2]}\b", code)]
        if used:
            out.append(f"{source} import {', '.join(used)}")
    return out


def lit(text: str) -> str:
    """A double-quoted Python string literal of `text` (JSON's escapes are Python's too)."""
    return json.dumps(text)


def tuple_call(head: str, entries: list[str], tail: str, width: int = 110) -> list[str]:
    """`head` + a tuple of `entries` + `tail` on one line, or the entries one per line when too long."""
    line = f"{head}({', '.join(entries)}{',' if entries else ''}){tail}"
    if len(line) <= width:
        return [line]
    return [f"{head}(", *(f"    {entry}," for entry in entries), f"){tail}"]


def docstring(text: str | None, indent: str) -> list[str]:
    """The lines of a docstring for `text` at `indent`, or none when there is no text."""
    if not text or not text.strip():
        return []
    body = text.strip().replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    if body.endswith('"'):
        body = body[:-1] + '\\"'
    lines = body.splitlines()
    if len(lines) == 1:
        return [f'{indent}"""{lines[0]}"""']
    out = [f'{indent}"""{lines[0]}']
    out += [f"{indent}{line}" if line.strip() else "" for line in lines[1:]]
    out.append(f'{indent}"""')
    return out


@dataclass
class Module:
    """A module of the generated package; `dotted` is relative to the package (`""` is `__init__`)."""

    dotted: str
    docs: list[str]
    direction: Literal["import", "export"] = "import"
    """Which side of the world this module's types belong to (decides how resources appear)."""
    names: Namespace = field(default_factory=lambda: Namespace(RESERVED))
    body: list[str] = field(default_factory=list)
    tail: list[str] = field(default_factory=list)
    """Function descriptors: written after every type, since they refer to the types' bindings."""
    _aliases: dict[str, str] = field(default_factory=dict)
    _import_lines: list[str] = field(default_factory=list)

    @property
    def filename(self) -> str:
        parts = self.dotted.split(".") if self.dotted else []
        if not parts or self.is_package:
            return "/".join([*parts, "__init__.py"])
        return "/".join(parts) + ".py"

    @property
    def is_package(self) -> bool:
        return self.dotted in ("", "imports", "exports")

    def alias_of(self, other: Module) -> str:
        """The private name under which this module refers to `other`, importing it on first use."""
        if other.dotted in self._aliases:
            return self._aliases[other.dotted]
        head, _, tail = other.dotted.rpartition(".")
        prefix = "_i_" if head == "imports" else "_e_" if head == "exports" else "_"
        alias = self.names.claim(prefix + tail)
        self._aliases[other.dotted] = alias
        self._import_lines.append(f"from {self._relative(head)} import {tail} as {alias}")
        return alias

    def _relative(self, package: str) -> str:
        """The relative import path of sibling package `package` ("" is the top package) from here."""
        own_package = self.dotted if self.is_package else self.dotted.rpartition(".")[0]
        depth = len(own_package.split(".")) if own_package else 0
        return "." * (depth + 1) + package

    def add(self, *lines: str) -> None:
        self.body.extend(lines)

    def public_names(self) -> list[str]:
        """The names this module defines for its users (classes, aliases, functions), for `__all__`."""
        names = set()
        for line in self.body:
            match = _DEFINITION.match(line)
            if match is not None:
                names.add(next(group for group in match.groups() if group))
        return sorted(name for name in names if not name.startswith("_"))

    def render(self) -> str:
        exported = ["", "", f"__all__ = [{', '.join(lit(name) for name in self.public_names())}]"]
        code = "\n".join([*self.body, "", "", *self.tail, *exported])
        out = [*docstring("\n".join(self.docs), ""), "", "from __future__ import annotations", ""]
        out += _used_imports(code)
        out += self._import_lines
        out += ["", "# ruff: noqa", ""]
        text = "\n".join([*out, code]).rstrip() + "\n"
        while "\n\n\n\n" in text:
            text = text.replace("\n\n\n\n", "\n\n\n")
        return text
