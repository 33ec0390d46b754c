"""skyborder's ADS-B encoder, checked against literature frames, pyModeS and brute force."""
import math

import numpy as np
import pyModeS as pms
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyModeS.position import airborne_position_pair, airborne_position_with_ref, cprNL

from skyborder.geodesy import GEOD
from skyborder.sim import encode
from skyborder.tracks.modes import crc

# Well-known example frames (The 1090 MHz Riddle; pyModeS test data).
IDENT_KLM1023 = "8D4840D6202CC371C32CE0576098"
POS_EVEN = "8D40621D58C382D690C8AC2863A7"
POS_ODD = "8D40621D58C386435CC412692AD6"
VELOCITY = "8D485020994409940838175B284F"
DF5_0356 = "2A00516D492B80"   # squawk 0356 from address 510AF9



def cpr_half_cell_m(lat: float) -> float:
    """Half the diagonal of the widest CPR cell (either format) at a latitude, metres.

    Latitude cells are 360/59/2^17 deg at most (5.2 m); longitude cells 360/max(NL-1, 1)/2^17
    deg, shrunk by cos(lat). 111.7 km bounds a degree of WGS84 meridian (and of the equator).
    """
    metres_per_degree = 111_700.0
    lat_cell = 360.0 / 59 / 2**17 * metres_per_degree
    zones = max(int(encode.cpr_nl(abs(lat) + 0.001)) - 1, 1)
    lon_cell = 360.0 / zones / 2**17 * metres_per_degree * math.cos(math.radians(abs(lat) - 0.001))
    return 0.5 * math.hypot(lat_cell, lon_cell) + 0.01


def brute_force_remainder(frame: bytes) -> int:
    """Polynomial long division, one bit at a time, of the whole frame by 0x1FFF409."""
    bits = int.from_bytes(frame, "big")
    n = len(frame) * 8
    for shift in range(n - 1, 23, -1):
        if bits >> shift & 1:
            bits ^= crc.GENERATOR << (shift - 24)
    return bits


@pytest.mark.parametrize("frame", [IDENT_KLM1023, POS_EVEN, POS_ODD, VELOCITY])
def test_literature_squitters_have_zero_remainder(frame):
    data = bytes.fromhex(frame)
    assert crc.remainder(data) == 0 == brute_force_remainder(data)


def test_df5_remainder_is_the_address():
    assert crc.remainder(bytes.fromhex(DF5_0356)) == 0x510AF9


@given(st.binary(min_size=7, max_size=7) | st.binary(min_size=14, max_size=14))
def test_crc_matches_bitwise_division(frame):
    assert crc.remainder(frame) == brute_force_remainder(frame)


@given(st.lists(st.binary(min_size=14, max_size=14), min_size=1, max_size=20))
def test_vectorised_crc_matches_scalar(frames):
    array = np.frombuffer(b"".join(frames), dtype=np.uint8).reshape(-1, 14)
    assert crc.remainders(array).tolist() == [crc.remainder(f) for f in frames]


def test_identification_golden():
    assert encode.extended_squitter("4840D6", encode.identification_me("KLM1023")).hex().upper() == IDENT_KLM1023


def test_position_golden_pair():
    # The pair decodes (even newer) to 52.2572 N 3.9194 E at 38000 ft; encoding that position
    # back gives the literature frames bit for bit.
    lat_e, lon_e = airborne_position_pair(93000, 51372, 74158, 50194, even_is_newer=True)
    lat_o, lon_o = airborne_position_pair(93000, 51372, 74158, 50194, even_is_newer=False)
    assert lat_e == pytest.approx(52.2572, abs=1e-4) and lon_e == pytest.approx(3.9194, abs=1e-4)
    even = encode.extended_squitter("40621D", encode.airborne_position_me(lat_e, lon_e, 38000, odd=False))
    odd = encode.extended_squitter("40621D", encode.airborne_position_me(lat_o, lon_o, 38000, odd=True))
    assert even.hex().upper() == POS_EVEN
    assert odd.hex().upper() == POS_ODD


def test_velocity_golden():
    # 159 kt, track 182.88 deg, -832 ft/min from GNSS, geometric 550 ft above baro; IFR bit set.
    me = encode.airborne_velocity_me(159, 182.8803775528476, -832, baro_vertical_rate=False,
                                     geo_minus_baro_ft=550, ifr_capable=True)
    assert encode.extended_squitter("485020", me).hex().upper() == VELOCITY


def test_df5_golden_fields():
    mine = encode.surveillance_identity(0x510AF9, "0356", flight_status=2, utility_message=2)
    golden = int(DF5_0356, 16)
    # identical except the X bit (bit 26 of the ID field: unused, set in the captured frame) and
    # therefore the parity
    assert (int.from_bytes(mine, "big") ^ golden) >> 24 == 1 << 6
    assert crc.remainder(mine) == 0x510AF9
    assert pms.decode(mine.hex())["squawk"] == "0356"


@pytest.mark.parametrize("alt_ft", [-1000, -975, 0, 25, 38000, 12_345 - 20, 50_175])
def test_altitude_code_decodes_back(alt_ft):
    frame = encode.extended_squitter("abcdef", encode.airborne_position_me(10.0, 20.0, alt_ft, odd=False))
    assert pms.decode(frame.hex())["altitude"] == 25 * round(alt_ft / 25)


def test_altitude_code_bits():
    # 38000 ft: N = 39000/25 = 1560 = 0b11000011000; Q bit inserted as the 8th of 12 bits.
    assert encode.altitude_code(38000) == 0b110000111000
    with pytest.raises(ValueError):
        encode.altitude_code(50_200)


def test_nl_closed_form_matches_pyModeS_table():
    lats = np.concatenate([np.linspace(-90, 90, 36_001), [0.0, 87.0, -87.0, 10.47047130]])
    mine = encode.cpr_nl(lats)
    assert mine.tolist() == [cprNL(x) for x in lats]
    assert encode.cpr_nl(0.0) == 59 and encode.cpr_nl(87.0) == 2 and encode.cpr_nl(88.0) == 1


latitudes = st.floats(-86.9, 86.9, allow_nan=False)
longitudes = st.floats(-180.0, 179.999, allow_nan=False)


@settings(max_examples=300)
@given(latitudes, longitudes, st.floats(-1000, 50_175))
def test_cpr_pair_round_trip(lat, lon, alt_ft):
    ye, xe = encode.cpr_encode(lat, lon, False)
    yo, xo = encode.cpr_encode(lat, lon, True)
    for even_newer in (True, False):
        decoded = airborne_position_pair(int(ye), int(xe), int(yo), int(xo), even_is_newer=even_newer)
        if decoded is None:  # the two formats straddle an NL boundary: pyModeS refuses, rightly
            assert encode.cpr_nl(lat + 0.01) != encode.cpr_nl(lat - 0.01)
            continue
        _, _, dist = GEOD.inv(lon, lat, decoded[1], decoded[0])
        assert dist < cpr_half_cell_m(lat)


@settings(max_examples=300)
@given(latitudes, longitudes, st.booleans(), st.floats(-0.5, 0.5), st.floats(-0.5, 0.5))
def test_cpr_local_decode_round_trip(lat, lon, odd, dlat, dlon):
    # a reference within ~55 km (well inside the 180 NM the local decode allows)
    y, x = encode.cpr_encode(lat, lon, odd)
    ref_lat = float(np.clip(lat + dlat, -89.0, 89.0))
    got_lat, got_lon = airborne_position_with_ref(int(odd), int(y), int(x), ref_lat, lon + dlon)
    _, _, dist = GEOD.inv(lon, lat, (got_lon + 180) % 360 - 180, got_lat)
    assert dist < cpr_half_cell_m(lat)


def test_cpr_precision_is_a_few_metres_at_the_2015_border():
    assert cpr_half_cell_m(35.9) < 3.8


@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=8))
def test_identification_round_trip(callsign):
    frame = encode.extended_squitter(0x123456, encode.identification_me(callsign))
    assert crc.remainder(frame) == 0
    assert pms.decode(frame.hex())["callsign"] == callsign


@given(st.floats(5, 1000), st.floats(0, 359.99), st.integers(-20_000, 20_000).map(lambda v: v // 64 * 64))
def test_velocity_round_trip(speed_kt, track_deg, vrate):
    frame = encode.extended_squitter(0x123456, encode.airborne_velocity_me(speed_kt, track_deg, vrate))
    got = pms.decode(frame.hex())
    # each component is rounded to a whole knot (|error| <= sqrt(2)/2 kt on the vector), and
    # pyModeS reports the speed truncated to a whole knot (< 1 kt more)
    east, north = speed_kt * math.sin(math.radians(track_deg)), speed_kt * math.cos(math.radians(track_deg))
    east_got = got["groundspeed"] * math.sin(math.radians(got["track"]))
    north_got = got["groundspeed"] * math.cos(math.radians(got["track"]))
    assert math.hypot(east - east_got, north - north_got) <= math.sqrt(2) / 2 + 1.0
    assert got["vertical_rate"] == vrate


@given(st.text(alphabet="01234567", min_size=4, max_size=4), st.integers(0, 0xFFFFFF))
def test_squawk_round_trip(squawk, address):
    df5 = encode.surveillance_identity(address, squawk)
    assert crc.remainder(df5) == address
    assert pms.decode(df5.hex())["squawk"] == squawk
    tc28 = pms.decode(encode.extended_squitter(address, encode.emergency_status_me(squawk, 5)).hex())
    assert (tc28["squawk"], tc28["emergency_state"]) == (squawk, 5)


def test_df11_squitter_has_plain_parity():
    frame = encode.acquisition_squitter("4840d6")
    assert crc.remainder(frame) == 0 and pms.decode(frame.hex())["icao"] == "4840D6"
