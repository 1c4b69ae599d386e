"""Minimal unsigned LEB128, the one writer every length, count, index and path element on the wire uses.

It lives apart from the codec generator and the framing so that neither depends on the other.
"""

from __future__ import annotations


def uleb(value: int) -> bytes:
    """Minimal unsigned LEB128 of a non-negative integer (callers check their own width)."""
    if value < 0x80:
        return bytes((value,))
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)
