"""Topological sort of named items by their dependencies, with the reference's tie-break and errors.

Used twice by `_ast_resolve`: for interfaces and worlds of a package (edges from `use` and `include`)
and for the type definitions of one interface or world. The order decides arena ids, so it must be
exactly the reference's (`ast/toposort.rs`): Kahn's algorithm that always takes, among the ready items,
the one declared first.

Rules of this module:
1. `deps` maps each name, in declaration order, to the `Id`s it depends on (with their spans).
2. An edge to an unknown name fails with "`KIND` `NAME` does not exist" at that edge; a cycle fails with
   "`KIND` `NAME` depends on itself" at the first edge (in declaration order) between two unsorted items.
"""

from __future__ import annotations

import heapq

from witparser._ast import Id
from witparser._lex import ParseError


def toposort(kind: str, deps: dict[str, list[Id]]) -> list[str]:
    """The names of `deps` in dependency order (dependencies first, ties in declaration order)."""
    names = list(deps)
    index = {name: i for i, name in enumerate(names)}
    remaining = [0] * len(names)
    reverse: list[list[int]] = [[] for _ in names]
    for i, edges in enumerate(deps.values()):
        remaining[i] = len(edges)
        for edge in edges:
            j = index.get(edge.name)
            if j is None:
                raise ParseError(edge.span, f"{kind} `{edge.name}` does not exist", not_found=edge.name)
            reverse[j].append(i)

    ready = [i for i in range(len(names)) if remaining[i] == 0]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        i = heapq.heappop(ready)
        order.append(names[i])
        for dependent in reverse[i]:
            remaining[dependent] -= 1
            if remaining[dependent] == 0:
                heapq.heappush(ready, dependent)
    if len(order) == len(names):
        return order

    for i, edges in enumerate(deps.values()):
        if remaining[i] == 0:
            continue
        for edge in edges:
            if remaining[index[edge.name]] != 0:
                raise ParseError(edge.span, f"{kind} `{edge.name}` depends on itself")
    raise AssertionError("a cycle must have an edge between two unsorted items")
