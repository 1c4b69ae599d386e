"""wRPC for Python: wire-exact codec, typed bindings, NATS and framed transports."""
