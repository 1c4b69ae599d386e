"""Random WIT programs that exercise what the resolver decides: ids, gates, uses, includes, elaboration.

Each program is one file: a main package and up to two nested packages it may depend on, with
interfaces (types of every kind, resources with constructors, methods and statics, `use` of earlier
interfaces, local or foreign, renamed), worlds (imports and exports by path, by name, inline, functions,
world types and `use`, `include` of earlier worlds, with renames) and feature gates on any item
(`@unstable` with an enabled or a disabled feature, `@since` and `@deprecated`, now and then an
unreleased version). Many programs are invalid on purpose; the reference decides, and the comparison
covers its error text too.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

ENABLED_FEATURE = "active"


class _Package:
    def __init__(self, rng: random.Random, name: str, version: str | None, earlier: list[_Package]) -> None:
        self.rng = rng
        self.name = name
        self.version = version
        self.earlier = earlier
        self.interfaces: dict[str, tuple[list[str], list[str]]] = {}
        self.worlds: list[str] = []
        self.world_names: dict[str, list[str]] = {}
        """World name -> the plain names used in it (what an `include ... with` may rename)."""
        self.decls: list[str] = []

    @property
    def header(self) -> str:
        return f"t:{self.name}@{self.version}" if self.version else f"t:{self.name}"

    def path(self, owner: _Package, item: str) -> str:
        """How this package refers to `item` of `owner`: plainly when local, by full path otherwise."""
        if owner is self:
            return item
        ref = f"t:{owner.name}/{item}"
        return f"{ref}@{owner.version}" if owner.version else ref

    def gate(self) -> str:
        x = self.rng.random()
        if x < 0.08:
            return f"@unstable(feature = {ENABLED_FEATURE})\n"
        if x < 0.10:
            return "@unstable(feature = disabled)\n"
        if x < 0.16 and self.version:
            return "@since(version = 0.1.0)\n"
        if x < 0.18 and self.version:
            return "@since(version = 0.1.0)\n@deprecated(version = 0.1.1)\n"
        if x < 0.185 and self.version:
            return "@since(version = 1.5.0)\n"
        return ""

    def build(self) -> None:
        for index in range(self.rng.randint(1, 4)):
            self.interface(f"i{index}")
        for index in range(self.rng.randint(0, 3)):
            self.world(f"w{index}")

    def interface(self, name: str) -> None:
        rng = self.rng
        types: list[str] = []
        resources: list[str] = []
        items: list[str] = []
        candidates = [
            (pkg, iface, ty)
            for pkg in [*self.earlier, self]
            for iface, (tys, _) in pkg.interfaces.items()
            for ty in tys
        ]
        if candidates and rng.random() < 0.7:
            for pkg, iface, ty in rng.sample(candidates, min(len(candidates), rng.randint(1, 2))):
                alias = f"u{len(types)}"
                items.append(f"{self.gate()}use {self.path(pkg, iface)}.{{{ty} as {alias}}};")
                types.append(alias)
                if ty in pkg.interfaces[iface][1]:
                    resources.append(alias)

        def value_type() -> str:
            inner = rng.choice(["u8", "string", *types])
            x = rng.random()
            if x < 0.15:
                return f"list<{inner}>"
            if x < 0.25:
                return f"option<{inner}>"
            if x < 0.27:
                return f"{rng.choice(['future', 'stream'])}<{inner}>"
            if x < 0.29:
                return f"map<string, {inner}>"
            if x < 0.30:
                return f"list<{inner}, 3>"
            if x < 0.30 and resources:
                return f"borrow<{rng.choice(resources)}>"
            if x < 0.35 and resources:
                return f"own<{rng.choice(resources)}>"
            return inner

        for index in range(rng.randint(0, 4)):
            ty = f"t{index}"
            gate = self.gate()
            kind = rng.choice(
                [
                    "alias",
                    "record",
                    "variant",
                    "enum",
                    "flags",
                    "tuple",
                    "option",
                    "result",
                    "list",
                    "resource",
                ]
            )
            if kind == "resource":
                funcs = []
                if rng.random() < 0.5:
                    funcs.append(f"constructor(x: {value_type()});")
                if rng.random() < 0.7:
                    funcs.append(f"{self.gate()}m: func(x: {value_type()}) -> {value_type()};")
                if rng.random() < 0.4:
                    funcs.append(f"s: static func() -> {ty};")
                items.append(f"{gate}resource {ty} {{ {' '.join(funcs)} }}")
                resources.append(ty)
            else:
                items.append(gate + _typedef(kind, ty, value_type))
            types.append(ty)
        for index in range(rng.randint(0, 3)):
            pool = ["u32", *types]
            asynchronous = "async " if rng.random() < 0.15 else ""
            items.append(
                f"{self.gate()}f{index}: {asynchronous}func(a: {rng.choice(pool)}) -> {rng.choice(pool)};"
            )
        self.interfaces[name] = (types, resources)
        self.decls.append(f"{self.gate()}interface {name} {{\n  " + "\n  ".join(items) + "\n}")

    def world(self, name: str) -> None:
        rng = self.rng
        used: set[str] = set()

        def fresh(prefix: str) -> str:
            while True:
                candidate = f"{prefix}{rng.randint(0, 9)}"
                if candidate not in used:
                    used.add(candidate)
                    return candidate

        interfaces = [(pkg, iface) for pkg in [*self.earlier, self] for iface in pkg.interfaces]
        worlds = [(pkg, world) for pkg in [*self.earlier, self] for world in pkg.worlds]
        items: list[str] = []
        for _ in range(rng.randint(0, 5)):
            x = rng.random()
            direction = rng.choice(["import", "export"])
            gate = self.gate()
            if x < 0.4:
                pkg, iface = rng.choice(interfaces)
                target = self.path(pkg, iface)
                named = f"{fresh('n')}: " if rng.random() < 0.3 else ""
                items.append(f"{gate}{direction} {named}{target};")
            elif x < 0.55:
                items.append(f"{gate}{direction} {fresh('x')}: func();")
            elif x < 0.65:
                items.append(f"{gate}{direction} {fresh('y')}: interface {{ h: func(); }}")
            elif x < 0.8 and any(tys for tys, _ in self.interfaces.values()):
                iface = rng.choice([i for i, (tys, _) in self.interfaces.items() if tys])
                alias = fresh("z")
                items.append(f"{gate}use {iface}.{{{rng.choice(self.interfaces[iface][0])} as {alias}}};")
                if rng.random() < 0.5:
                    items.append(f"import {fresh('g')}: func(v: {alias}) -> {alias};")
            elif x < 0.9:
                items.append(f"{gate}type {fresh('q')} = u32;")
            elif worlds:
                pkg, world = rng.choice(worlds)
                renamed = [n for n in pkg.world_names[world] if rng.random() < 0.3]
                with_clause = ", ".join(f"{n} as {fresh('r')}" for n in renamed)
                tail = f" with {{ {with_clause} }}" if renamed else ";"
                items.append(f"{gate}include {self.path(pkg, world)}{tail}")
        self.worlds.append(name)
        self.world_names[name] = sorted(used)
        self.decls.append(f"{self.gate()}world {name} {{\n  " + "\n  ".join(items) + "\n}")


def _typedef(kind: str, name: str, value_type: Callable[[], str]) -> str:
    """A non-resource type definition of `kind` whose members are drawn from `value_type`."""
    if kind == "record":
        return f"record {name} {{ a: {value_type()}, b: {value_type()} }}"
    if kind == "variant":
        return f"variant {name} {{ a({value_type()}), b }}"
    if kind in ("enum", "flags"):
        return f"{kind} {name} {{ a, b }}"
    if kind == "tuple":
        return f"type {name} = tuple<{value_type()}, {value_type()}>;"
    if kind in ("option", "list"):
        return f"type {name} = {kind}<{value_type()}>;"
    if kind == "result":
        return f"type {name} = result<{value_type()}, {value_type()}>;"
    return f"type {name} = {value_type()};"


def _packages(seed: int) -> list[_Package]:
    """The random packages of `seed`, each after those it may depend on; the last is the main one."""
    rng = random.Random(seed)
    packages: list[_Package] = []
    for index in range(rng.randint(1, 3)):
        version = rng.choice([None, "1.0.0", "0.2.0", "2.0.0-rc.1"])
        pkg = _Package(rng, f"p{index}", version, list(packages))
        pkg.build()
        packages.append(pkg)
    return packages


def program(seed: int) -> str:
    """One random WIT file (deterministic in `seed`): the main package, the others nested in it."""
    *nested, main = _packages(seed)
    text = f"package {main.header};\n" + "\n".join(main.decls) + "\n"
    for pkg in nested:
        text += f"package {pkg.header} {{\n" + "\n".join(pkg.decls) + "\n}\n"
    return text


def write_directory(seed: int, root: Path) -> None:
    """The packages of `seed` as a directory: the main one in `root.wit`, the others under `deps/`.

    Dependencies alternate between a single `deps/NAME.wit` file and a `deps/NAME/` folder.
    """
    *deps, main = _packages(seed)
    (root / "deps").mkdir(parents=True)
    (root / "root.wit").write_text(f"package {main.header};\n" + "\n".join(main.decls) + "\n", "utf-8")
    for index, pkg in enumerate(deps):
        text = f"package {pkg.header};\n" + "\n".join(pkg.decls) + "\n"
        if (seed + index) % 2:
            (root / "deps" / f"{pkg.name}.wit").write_text(text, "utf-8")
        else:
            (root / "deps" / pkg.name).mkdir()
            (root / "deps" / pkg.name / "package.wit").write_text(text, "utf-8")
