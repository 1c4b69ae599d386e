"""wRPC transports: the shared abstraction (`base`), NATS (`nats`) and framed TCP/Unix (`framed`).

Import the concrete transports from their modules; only the abstraction is re-exported here, so
importing it never pulls in nats-py or socket code.
"""

from wrpc.transport.base import (
    ROOT,
    Acceptor,
    ChannelReader,
    ChannelWriter,
    ClientInvocation,
    Invoker,
    Listener,
    Path,
    PathPattern,
    ServerInvocation,
    path_str,
)

__all__ = [
    "ROOT",
    "Acceptor",
    "ChannelReader",
    "ChannelWriter",
    "ClientInvocation",
    "Invoker",
    "Listener",
    "Path",
    "PathPattern",
    "ServerInvocation",
    "path_str",
]
