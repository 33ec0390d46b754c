"""State of registry, operator and military flag from the ICAO address and callsign.

Expected blocks are derived by hand from the binary prefixes printed in ICAO Annex 10 Vol. III
Table 9-1 (the block is every address that starts with the prefix), independently of the CSV.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pycountry
import pytest

from skyborder.tracks import nationality
from skyborder.tracks.nationality import annotate, callsign_fields, icao24_to_int, state_of_registry

# (binary prefix from the Annex 10 table, ISO alpha-3)
PUBLISHED_PREFIXES = [
    ("0001", "RUS"),
    ("010010111", "TUR"),
    ("011101111", "SYR"),
    ("1010", "USA"),
    ("001111", "DEU"),
    ("00000000010000", "ZWE"),
    ("01010000000111", "HRV"),
    ("01001100100000", "CYP"),
    ("011100101", "IRQ"),
    ("011100110", "IRN"),
    ("011100111", "ISR"),
    ("011101001", "LBN"),
    ("010001101", "GRC"),
    ("010100001", "UKR"),
    ("011110", "CHN"),
]


def _block(prefix: str) -> tuple[int, int]:
    return int(prefix.ljust(24, "0"), 2), int(prefix.ljust(24, "1"), 2)


@pytest.mark.parametrize("prefix,iso3", PUBLISHED_PREFIXES)
def test_block_edges_match_published_prefix(prefix: str, iso3: str) -> None:
    start, end = _block(prefix)
    inside = [f"{a:06x}" for a in (start, start + 1, (start + end) // 2, end - 1, end)]
    got, _ = state_of_registry(inside)
    assert list(got) == [iso3] * 5
    outside, _ = state_of_registry([f"{start - 1:06x}", f"{end + 1:06x}"])
    assert iso3 not in list(outside)


def test_named_cases_and_neighbours() -> None:
    iso3, name = state_of_registry(["4B8000", "4bffff", "778000", "77FFFF", "780000", "777fff",
                                    "100000", "1fffff", "0fffff", "a00000", "afffff", "3c0000"])
    assert list(iso3) == ["TUR", "TUR", "SYR", "SYR", "CHN", "LKA",
                          "RUS", "RUS", None, "USA", "USA", "DEU"]
    assert name[0] == "Türkiye" and name[2] == "Syrian Arab Republic" and name[6] == "Russian Federation"


@pytest.mark.parametrize("value", ["000000", "200000", "b00000", "ffffff", "f08000", "~4b8123", "",
                                   None, "4b81", "4b81234", "ghijkl", " 4b8123x", "4b812é"])
def test_unknown_or_invalid_is_none(value) -> None:
    iso3, name = state_of_registry([value])
    assert iso3[0] is None
    if value in ("~4b8123", "", None, "4b81", "4b81234", "ghijkl", " 4b8123x", "4b812é"):
        assert name[0] is None


def test_icao_own_blocks_have_no_state_code() -> None:
    iso3, name = state_of_registry(["f00000", "f09000"])
    assert list(iso3) == [None, None]
    assert name[0].startswith("ICAO") and name[1].startswith("ICAO")


def test_hex_parsing() -> None:
    got = icao24_to_int(["000000", "FFFFFF", "aBcDeF", " 4b8123 ", "4b812", None, "zz0000"])
    assert list(got) == [0, 0xFFFFFF, 0xABCDEF, 0x4B8123, -1, -1, -1]
    assert icao24_to_int([]).shape == (0,)


def test_vectorised_lookup_matches_brute_force() -> None:
    table = nationality._read_table("icao24_allocations.csv")
    blocks = [(int(s, 16), int(e, 16), iso or None) for s, e, iso in
              zip(table["start_hex"], table["end_hex"], table["iso3"])]
    rng = np.random.default_rng(7)
    edges = np.array([v for s, e, _ in blocks for v in (s - 1, s, e, e + 1)])
    addresses = np.concatenate([rng.integers(0, 1 << 24, 20_000), edges.clip(0, (1 << 24) - 1)])
    got, _ = state_of_registry([f"{a:06x}" for a in addresses])
    for address, iso3 in zip(addresses, got):
        expected = next((iso for s, e, iso in blocks if s <= address <= e), None)
        assert iso3 == expected, hex(address)


def test_allocation_table_is_consistent() -> None:
    table = nationality._read_table("icao24_allocations.csv")
    starts = table["start_hex"].map(lambda h: int(h, 16)).to_numpy()
    ends = table["end_hex"].map(lambda h: int(h, 16)).to_numpy()
    bits = table["prefix_bits"].astype(int).to_numpy()
    sizes = ends - starts + 1
    assert np.all(sizes == 2 ** (24 - bits))
    assert np.all(starts % sizes == 0)          # a block is a binary prefix
    assert np.all(starts[1:] > ends[:-1])       # sorted and disjoint
    assert len(table) >= 190
    for iso3 in table["iso3"]:
        assert iso3 == "" or pycountry.countries.get(alpha_3=iso3) is not None, iso3


def test_military_blocks_lie_in_their_states_allocation() -> None:
    military = nationality._read_table("military_blocks.csv")
    for start, end, iso3 in zip(military["start_hex"], military["end_hex"], military["iso3"]):
        got, _ = state_of_registry([start, end])
        assert list(got) == [iso3, iso3], (start, end)


def test_callsign_fields() -> None:
    designator, name, rule = callsign_fields(
        ["THY6CJ", " thy6cj ", "XYZ123", "N123AB", "RCH123", "NATO01", "NATOX", "RCHX1", "REACH7",
         "SAMBA1", None, "AFL1234"])
    assert list(designator) == ["THY", "THY", "XYZ", None, "RCH", None, None, None, None,
                                None, None, "AFL"]
    assert name[0] == "Turkish Airlines" and name[2] is None and name[11] == "Aeroflot"
    assert name[4].startswith("United States Air Force")
    assert list(rule) == [None, None, None, None, "callsign:RCH", "callsign:NATO", None, None,
                          "callsign:REACH", None, None, None]


def test_annotate_adds_columns_per_row_and_keeps_index() -> None:
    tracks = pd.DataFrame({
        "track_id": ["a", "b", "c", "d", "e", "f"],
        "icao24": pd.array(["4b8123", "ae1234", None, "43c001", "4b8123", "adf7c7"], dtype="string"),
        "callsign": pd.array(["THY6CJ", "RCH123", "NATO01", None, "THY6CJ", "N99999"], dtype="string"),
    }, index=[10, 11, 12, 13, 14, 15])
    out = annotate(tracks)
    assert list(out.index) == [10, 11, 12, 13, 14, 15]
    assert out["country"].tolist() == ["TUR", "USA", pd.NA, "GBR", "TUR", "USA"]
    assert out["operator"].tolist() == ["THY", "RCH", pd.NA, pd.NA, "THY", pd.NA]
    assert out["military"].tolist() == [False, True, True, True, False, False]
    assert out["military_rule"].tolist() == [
        pd.NA, "icao-block:USA-military;callsign:RCH", "callsign:NATO", "icao-block:GBR-military",
        pd.NA, pd.NA]
    assert out["military"].dtype == bool and str(out["country"].dtype) == "string"
    assert "country" not in tracks.columns


def test_annotate_without_identity_columns() -> None:
    out = annotate(pd.DataFrame({"track_id": ["x", "y"], "lat": [1.0, 2.0]}))
    assert out["country"].isna().all() and out["operator"].isna().all()
    assert not out["military"].any()
    assert annotate(pd.DataFrame({"icao24": pd.Series([], dtype="string")})).shape == (0, 7)
