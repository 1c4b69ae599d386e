"""One module per `wrpc` subcommand; see `wrpc.cli`."""
