"""The embedded world dataset: complete, valid, right where the 2015 case happened."""
import shapely

from skyborder.airspace import world


def test_all_features_loaded_and_valid():
    countries = world.countries()
    assert len(countries) == 250
    assert all(shapely.is_valid(a.geometry) for a in countries.values())


def test_hatay_salient_is_turkish():
    # Yayladağı (35.90 N 36.06 E) is in Türkiye; 10 km further south is Syria.
    tur, syr = world.country("TUR"), world.country("syr")
    assert shapely.contains_xy(tur.geometry, 36.06, 35.90)
    assert shapely.contains_xy(syr.geometry, 36.06, 35.80)
    assert not shapely.contains_xy(tur.geometry, 36.06, 35.80)


def test_enclave_repair_keeps_san_marino_out_of_italy():
    ita, smr = world.country("ITA"), world.country("SMR")
    assert shapely.contains_xy(smr.geometry, 12.45, 43.94)
    assert not shapely.contains_xy(ita.geometry, 12.45, 43.94)


def test_double_claims_and_hierarchy_are_told_apart():
    pairs = {frozenset(p[:2]) for p in world.double_claims()}
    assert frozenset(("RUS", "UKR")) in pairs
    assert frozenset(("PSE", "ISR")) in pairs
    assert frozenset(("FRA", "PYF")) not in pairs
    assert world.country("PYF").sovereign == "FRA"
