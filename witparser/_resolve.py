"""The `Resolve`: every package loaded so far, in one arena of worlds, interfaces and types.

(Skeleton: the resolver fills this in. The attribute names below are the contract other modules use.)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from witparser._model import Interface, Package, PackageName, TypeDef, World


@dataclass(slots=True)
class Resolve:
    worlds: list[World] = field(default_factory=list)
    interfaces: list[Interface] = field(default_factory=list)
    types: list[TypeDef] = field(default_factory=list)
    packages: list[Package] = field(default_factory=list)
    package_names: dict[PackageName, int] = field(default_factory=dict)
    features: set[str] = field(default_factory=set)
    all_features: bool = False
