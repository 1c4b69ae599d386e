"""The WIT printer's layout (`witparser._printer`), pinned on one text that uses every construct.

The layout is the reference `WitPrinter`'s (what `wasm-tools component wit` prints); round trips over
real trees are in tests/conformance/test_wit_print.py.
"""

from __future__ import annotations

import pytest

import witparser
from tests.wit_canonical import canonical
from witparser import format_resolve

SOURCE = """\
/// The package.
package test:printer@0.2.0;

/// Shapes and files.
///
///   Indented line.
@since(version = 0.1.0)
interface types {
  @since(version = 0.1.0)
  use test:dep/base@1.0.0.{id, name as label};

  /// A point.
  record point { x: s32, /** why */ y: s32 }
  enum %type { a, %record }
  flags perms { read, write }
  variant shape { circle(f64), nothing }
  type bytes = list<u8>;
  type pair = tuple<u8, string>;
  type maybe = option<point>;
  type outcome = result<_, string>;
  type fixed = list<u8, 4>;
  type table = map<string, u32>;
  type later = future<u32>;
  type flow = stream;

  resource file {
    /// Opens it.
    constructor(path: string);
    read: async func(n: u32) -> result<bytes, string>;
    @unstable(feature = active)
    @deprecated(version = 0.1.0)
    open: static func(path: string) -> file;
  }
  type handle = own<file>;

  peek: func(f: borrow<file>) -> option<label>;
  %list: func() -> list<file>;
}

world app {
  import types;
  import clock: interface {
    /// Now.
    now: func() -> u64;
  }
  use types.{point};
  import run: func(p: point);
  @since(version = 0.2.0)
  export types;
  export done: async func();
}

package test:dep@1.0.0 {
  interface base {
    type id = u64;
    type name = string;
  }
}
"""

PRINTED = """\
/// The package.
package test:printer@0.2.0;

/// Shapes and files.
///
///   Indented line.
@since(version = 0.1.0)
interface types {
  @since(version = 0.1.0)
  use test:dep/base@1.0.0.{id, name as label};

  /// A point.
  record point {
    x: s32,
    /// why
    y: s32,
  }

  enum %type {
    a,
    %record,
  }

  flags perms {
    read,
    write,
  }

  variant shape {
    circle(f64),
    nothing,
  }

  type bytes = list<u8>;

  type pair = tuple<u8, string>;

  type maybe = option<point>;

  type outcome = result<_, string>;

  type fixed = list<u8, 4>;

  type table = map<string, u32>;

  type later = future<u32>;

  type flow = stream;

  resource file {
    /// Opens it.
    constructor(path: string);
    read: async func(n: u32) -> result<bytes, string>;
    @unstable(feature = active)
    @deprecated(version = 0.1.0)
    open: static func(path: string) -> file;
  }

  type handle = own<file>;

  peek: func(f: borrow<file>) -> option<label>;

  %list: func() -> list<file>;
}

world app {
  import test:dep/base@1.0.0;
  import types;
  import clock: interface {
    /// Now.
    now: func() -> u64;
  }
  use types.{point};
  import run: func(p: point);

  export done: async func();
  @since(version = 0.2.0)
  export types;
}
package test:dep@1.0.0 {
  interface base {
    type id = u64;

    type name = string;
  }
}
"""


def load() -> witparser.Resolve:
    return witparser.parse(SOURCE, path="in.wit", features={"active"})


def test_every_construct_prints_in_the_reference_layout() -> None:
    assert format_resolve(load()) == PRINTED


def test_the_printed_text_parses_back_to_the_same_packages() -> None:
    original = load()
    reparsed = witparser.parse(PRINTED, path="printed.wit", features={"active"})
    assert canonical(reparsed) == canonical(original)


def test_explicit_packages_print_the_last_as_main_and_the_rest_nested() -> None:
    resolve = load()
    dep = resolve.package_names[next(n for n in resolve.package_names if n.name == "dep")]
    text = format_resolve(resolve, [dep])
    assert text.startswith("package test:dep@1.0.0;\n\ninterface base {\n")
    assert "package test:printer" not in text


def test_an_empty_resolve_has_nothing_to_print() -> None:
    with pytest.raises(witparser.WitError, match="no packages"):
        format_resolve(witparser.Resolve())
