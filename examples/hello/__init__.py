"""The upstream wRPC hello example in Python: `wrpc-examples:hello/handler.hello` served and called."""
