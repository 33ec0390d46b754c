"""Detection on the embedded world data: double claims, hierarchies, enclaves, the antimeridian."""
import numpy as np
import pandas as pd

import reference
from reference import track
from skyborder import detect
from skyborder.airspace import world


def passages(result):
    return result[result["status"] != "near"].reset_index(drop=True)


def test_crimea_names_both_claimants():
    # Sevastopol to Simferopol, inside Crimea all along
    table = track([33.52, 34.10], [44.60, 44.95], dt_s=30.0)
    result = passages(detect(table, "UKR,RUS", near_m=0))
    assert set(result["airspace"]) == {"UKR", "RUS"}
    by = {r.airspace: r for r in result.itertuples()}
    assert by["UKR"].disputed_with == ["RUS"] and by["RUS"].disputed_with == ["UKR"]


def test_crimea_claim_reported_even_when_only_one_side_is_watched():
    table = track([33.52, 34.10], [44.60, 44.95], dt_s=30.0)
    result = passages(detect(table, "UKR", near_m=0))
    assert list(result["airspace"]) == ["UKR"] and result.iloc[0].disputed_with == ["RUS"]


def test_dependency_inside_its_sovereign_is_not_a_dispute():
    # Papeete, Tahiti: inside PYF and inside FRA's feature (a hierarchy)
    table = track([-149.60, -149.50], [-17.55, -17.50], dt_s=30.0)
    result = passages(detect(table, "FRA,PYF", near_m=0))
    assert set(result["airspace"]) == {"FRA", "PYF"}
    assert all(d == [] for d in result["disputed_with"])


def test_san_marino_enclave():
    # west to east straight through San Marino: ITA, then SMR, then ITA again
    table = track(np.linspace(12.35, 12.56, 22), np.full(22, 43.94), dt_s=5.0)
    result = passages(detect(table, "ITA,SMR", near_m=0))
    assert list(result.loc[result.airspace == "SMR", "status"]) == ["closed"]
    smr = result[result.airspace == "SMR"].iloc[0]
    ita = result[result.airspace == "ITA"]
    assert len(ita) == 2
    # Italy is left exactly where San Marino is entered
    assert abs((ita.iloc[0].exit_time - smr.entry_time).total_seconds()) < 0.1
    assert abs((ita.iloc[1].entry_time - smr.exit_time).total_seconds()) < 0.1


def test_fiji_across_the_antimeridian_matches_brute_force():
    # Fiji's territorial sea spans 180 degrees near 16.2 S
    lons = np.array([179.0, 179.6, 179.95, -179.95, -179.6])
    lats = np.full(5, -16.2)
    table = track(lons, lats, dt_s=60.0)
    result = detect(table, "FJI", near_m=0)
    expected = reference.passages(world.country("FJI").geometry, lons, lats, np.arange(5) * 60.0, step_m=2.0)
    assert len(expected) >= 1 and len(result) == len(expected)
    t0 = table["time"].iloc[0]
    for got, (t_in, t_out, s_in, s_out) in zip(result.itertuples(), expected):
        for value, ref in ((got.entry_time, t_in), (got.exit_time, t_out)):
            assert (ref is None) == (value is pd.NaT or pd.isna(value))
            if ref is not None:
                assert abs((value - t0).total_seconds() - ref) < 0.1
