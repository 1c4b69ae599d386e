"""Spot checks of the computed (`gen-*`) vectors in spec/vectors/values.json against hex worked out by hand.

The computed vectors come from our own encoder, so on their own they would only test the decoder
against the encoder. These entries were derived by hand from the rules of spec/wrpc.md section 1
(LEB128 by hand, IEEE-754 bit patterns, UTF-8 tables, flag bit positions) and pin the generator.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import ROOT

VECTORS = {v["name"]: v for v in json.loads(Path(ROOT, "spec", "vectors", "values.json").read_text())}

BY_HAND = {
    "gen u16 16383": "ff 7f",  # 0x3fff: 7f | 0x80, then 0x7f
    "gen u16 16384": "80 80 01",
    "gen u64 72057594037927936": "80 80 80 80 80 80 80 80 01",  # 2^56: eight zero groups, then 1
    "gen s16 8191": "ff 3f",  # 0x1fff: bit 6 of the last group (0x3f) is clear, so it ends
    "gen s16 8192": "80 c0 00",  # 0x2000: the group 0x40 has bit 6 set, so a 0 group must follow
    "gen s16 -8193": "ff bf 7f",
    "gen f32 -2.5": "00 00 20 c0",  # 0xc0200000 little-endian
    "gen f64 inf": "00 00 00 00 00 00 f0 7f",  # 0x7ff0000000000000
    "gen char U+07FF": "df bf",
    "gen char U+0800": "e0 a0 80",
    "gen char U+10FFFF": "f4 8f bf bf",
    "gen variant of 200 cases, case 128": "80 01",  # even cases have no payload
    "gen variant of 200 cases, case 129": "81 01 81",  # odd cases carry their index as u8
    "gen variant of 200 cases, case 199": "c7 01 c7",
    "gen enum of 300 cases, case 299": "ab 02",  # 0x12b
    "gen flags of 10 labels": "21 02",  # labels 0, 5 and 9
    "gen flags of 130 labels": "01 00 00 00 00 00 00 00 02 00 00 00 00 00 00 00 02",  # 0, 65, 129
    "gen option^10 of u8 none at depth 5": "01 01 01 01 00",
    "gen record person": "03 41 64 61 24 01 01 78 00",  # "Ada", 36, ["x"], none
}


@pytest.mark.parametrize(("name", "hex_"), BY_HAND.items())
def test_computed_vector_matches_hand_derived_hex(name: str, hex_: str) -> None:
    assert VECTORS[name]["hex"] == hex_
