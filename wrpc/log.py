"""The one logging setup: structlog key-value events, with the invocation id and subject as keys.

Rules of this module:
1. Library modules call `get_logger(name)` and log events as short lowercase phrases with keyword
   context (`log.warning("invocation dropped", subject=..., invocation=..., error=...)`); they never
   configure logging themselves.
2. Programs (the CLIs, the lattice host, providers) call `configure(level)` once at start-up.
3. Logs go to stderr through the standard library, so a host that captures a provider's stderr gets them.
4. An event logged once per call or per message is guarded by `enabled_for(name)`: structlog builds and
   filters the event even when its level is off, which costs more than the rest of a small call's work.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

import structlog


def configure(level: str | int = "INFO", *, json: bool = False) -> None:
    """Route structlog through stdlib logging at `level`, rendering key-value lines (or JSON)."""
    numeric = logging.getLevelName(level.upper()) if isinstance(level, str) else level
    logging.basicConfig(stream=sys.stderr, level=numeric, format="%(message)s", force=True)
    renderer: Any = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.processors.TimeStamper(fmt="iso"),
            structlog.processors.format_exc_info,
            renderer,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def get_logger(name: str) -> Any:
    """A structlog logger named `name`; until `configure` runs, events go to stdlib logging as key-value text."""
    if not structlog.is_configured():
        structlog.configure(
            processors=[
                structlog.stdlib.filter_by_level,
                structlog.stdlib.add_log_level,
                structlog.stdlib.add_logger_name,
                structlog.processors.format_exc_info,
                structlog.dev.ConsoleRenderer(colors=False),
            ],
            logger_factory=structlog.stdlib.LoggerFactory(),
            wrapper_class=structlog.stdlib.BoundLogger,
        )
    return structlog.get_logger(name)


def enabled_for(name: str) -> Callable[[int], bool]:
    """A cheap check whether logger `name` emits events at a level (the stdlib's cached `isEnabledFor`)."""
    return logging.getLogger(name).isEnabledFor
