"""Typed Python bindings generated from WIT: `generate(resolve, world_id)` -> {filename: source}.

For a world the result is one Python package (layout in `wrpc.bindgen._context`):

```python
from hello.imports.handler import Handler     # client of an imported interface
print(await Handler(client).hello())

from hello import serve                      # serve every export of the world
server = await serve(transport, MyHandler())  # MyHandler fulfils hello.exports.handler.Handler
```

Records are dataclasses rather than msgspec Structs: the codec's dynamic values are dicts, so a Struct's
fast encoding would go unused, while dataclasses are what a reader (and mypy) knows best. Generated code
runs on `wrpc.bindgen.runtime`, which converts typed values to and from the codec's dynamic values, so
the wire is exactly the codec's.

Rules of this package:
1. Generation is pure: a `Resolve` and a world id in, source text out; only `write` touches files.
2. Every module a world needs is generated, even when empty, so imports of it never fail.
3. Importing generated code imports `wrpc.bindgen.runtime`, and so this package: it stays free of the
   generator (and the WIT parser) until one of the names below is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wrpc.bindgen._generate import GENERATED, generate, package_name, write

__all__ = ["GENERATED", "generate", "package_name", "write"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from wrpc.bindgen import _generate

        return getattr(_generate, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
