"""AirspaceIndex.classify against shapely.contains_xy (the independent reference), exactly.

Every test compares the membership of each point in each airspace with ``shapely.contains_xy``
on the same geometry: no tolerance, a point on a boundary is outside (as in shapely).
"""
import numpy as np
import pytest
import shapely

from skyborder.airspace import Airspace, world
from skyborder.airspace import index as index_module
from skyborder.airspace.cache import IndexCache
from skyborder.airspace.index import TABLE_MAX_SLOTS, AirspaceIndex


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("index-cache")


@pytest.fixture(scope="module")
def index(cache_dir):
    return AirspaceIndex.load_or_build(list(world.countries().values()), cache=IndexCache(cache_dir))  # built, saved


def mismatches(index: AirspaceIndex, lon, lat) -> list[tuple[str, float, float]]:
    """(airspace, lon, lat) wherever classify and shapely disagree (bbox-prefiltered)."""
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    combo = index.classify(lon, lat)  # may add combinations: before member()
    member = index.member()[combo]
    bad = []
    for a, geom in enumerate(index.geometries):
        xmin, ymin, xmax, ymax = geom.bounds
        box = (lon >= xmin) & (lon <= xmax) & (lat >= ymin) & (lat <= ymax)
        expected = np.zeros(len(lon), bool)
        expected[box] = shapely.contains_xy(geom, lon[box], lat[box])
        for i in np.flatnonzero(expected != member[:, a])[:5]:
            bad.append((index.airspaces[a].name, float(lon[i]), float(lat[i])))
    return bad


def names_at(index: AirspaceIndex, lon: float, lat: float) -> set[str]:
    combo = index.classify(np.array([lon]), np.array([lat]))[0]
    return {index.airspaces[a].name for a in index.combos[combo]}


def grid(lon0, lat0, lon1, lat1, n=300):
    x, y = np.meshgrid(np.linspace(lon0, lon1, n), np.linspace(lat0, lat1, n))
    return x.ravel(), y.ravel()


def test_random_points_worldwide(index):
    rng = np.random.default_rng(1)
    lon = rng.uniform(-180.0, 180.0, 200_000)
    lat = np.degrees(np.arcsin(rng.uniform(-1.0, 1.0, 200_000)))
    assert mismatches(index, lon, lat) == []


@pytest.mark.parametrize("scale_deg", [1e-2, 1e-4, 1e-6, 1e-8])
def test_points_jittered_around_boundary_vertices(index, scale_deg):
    rng = np.random.default_rng(int(-np.log10(scale_deg)))
    e = index.edges
    pick = rng.integers(0, len(e), 100_000)
    angle = rng.uniform(0.0, 2 * np.pi, len(pick))
    radius = scale_deg * rng.uniform(0.0, 1.0, len(pick))
    lon = np.clip(e.x1[pick] + radius * np.cos(angle), -180.0, 180.0 - 1e-12)
    lat = np.clip(e.y1[pick] + radius * np.sin(angle), -90.0, 90.0)
    assert mismatches(index, lon, lat) == []


def test_points_exactly_on_vertices_and_edge_midpoints_are_outside_like_shapely(index):
    e = index.edges
    pick = np.random.default_rng(5).integers(0, len(e), 20_000)
    lon = np.r_[e.x1[pick], 0.5 * (e.x1[pick] + e.x2[pick])]
    lat = np.r_[e.y1[pick], 0.5 * (e.y1[pick] + e.y2[pick])]
    keep = lon < 180.0
    assert mismatches(index, lon[keep], lat[keep]) == []


def test_points_on_grid_lines_near_borders(index):
    # cell edges of the coarse (0.25 deg) and fine (1/64 deg) grids along Turkey-Syria
    lon = np.repeat(np.arange(35.5, 42.5, 1.0 / 64.0), 200)
    lat = np.tile(np.linspace(35.8, 37.4, 200), len(lon) // 200)
    assert mismatches(index, np.r_[lon, lat * 0 + 36.0 + (lon - 35.5) / 7.0], np.r_[lat, np.tile(
        np.arange(35.75, 37.5, 1.0 / 64.0), 1 + len(lon) // 112)[:len(lon)]]) == []


def test_crimea_is_claimed_by_both(index):
    assert names_at(index, 34.10, 44.95) == {"RUS", "UKR"}  # Simferopol
    assert mismatches(index, *grid(32.4, 44.2, 36.8, 46.3)) == []


@pytest.mark.parametrize("inner, outer, lon, lat, box", [
    ("SMR", "ITA", 12.45, 43.94, (12.38, 43.88, 12.53, 44.0)),
    ("LSO", "ZAF", 28.2, -29.6, (26.9, -30.8, 29.6, -28.5)),
])
def test_enclaves(index, inner, outer, lon, lat, box):
    assert inner in names_at(index, lon, lat) and outer not in names_at(index, lon, lat)
    assert mismatches(index, *grid(*box)) == []


def test_across_the_antimeridian(index):
    assert "FJI" in names_at(index, 178.44, -18.14)  # Suva
    assert "RUS" in names_at(index, -173.2, 64.42)  # Provideniya, Chukotka (west of 180)
    assert "RUS" in names_at(index, 177.5, 64.73)  # Anadyr (east of 180)
    for box in ((176.0, -21.0, 180.0, -15.0), (-180.0, -21.0, -177.0, -15.0),
                (170.0, 62.0, 180.0, 71.5), (-180.0, 62.0, -168.0, 71.5)):
        assert mismatches(index, *grid(*box, n=200)) == []
    # on the cut itself (lon = -180 exactly), as shapely says
    assert mismatches(index, np.full(2000, -180.0), np.linspace(-90.0, 90.0, 2000)) == []


def test_poles(index):
    assert names_at(index, 0.0, -80.0) == {"ATA"}
    # the dataset (web-mercator derived) ends at 85.05113 deg S: the pole itself is unclaimed
    assert names_at(index, 0.0, -89.99) == set() and names_at(index, 0.0, 89.99) == set()
    assert mismatches(index, *grid(-180.0, -90.0, 179.99, -60.0, n=400)) == []
    assert mismatches(index, *grid(-180.0, 80.0, 179.99, 90.0, n=200)) == []


def test_many_airspaces_meeting_in_one_fine_cell():
    # 12 boxes whose east edges lie within one 1/64 deg cell: more slots than a lookup table holds,
    # classified by the shapely fallback; plus a zone much smaller than a fine cell
    zones = [Airspace(name=f"Z{i}", geometry=shapely.box(10.0, 50.0, 10.3 + 0.001 * i, 50.3))
             for i in range(TABLE_MAX_SLOTS + 4)]
    zones.append(Airspace(name="TINY", geometry=shapely.box(10.3051, 50.1, 10.3052, 50.1001)))
    index = AirspaceIndex(zones)
    x, y = grid(10.29, 50.09, 10.32, 50.11, n=400)
    assert mismatches(index, x, y) == []
    east_of_10_3055 = {f"Z{i}" for i in range(6, TABLE_MAX_SLOTS + 4)}  # 10.3 + 0.001 i > 10.3055
    assert names_at(index, 10.30515, 50.10005) == {"TINY"} | east_of_10_3055
    assert names_at(index, 10.3055, 50.2) == east_of_10_3055


def test_index_loaded_from_the_disk_cache_is_memory_mapped_and_classifies_the_same(index, cache_dir):
    entries = list(cache_dir.glob("index-*"))
    assert len(entries) == 1 and entries[0].is_dir() and not list(cache_dir.glob("*.partial"))
    loaded = AirspaceIndex.load_or_build(list(world.countries().values()), cache=IndexCache(cache_dir))
    assert isinstance(loaded.grid.code, np.memmap) and isinstance(loaded.grid.x1, np.memmap)
    assert not loaded.grid.code.flags.writeable
    assert all(np.array_equal(a, index.grid.arrays()[name]) for name, a in loaded.grid.arrays().items())
    assert loaded.combos[:len(index.combos)] == index.combos[:len(loaded.combos)]
    rng = np.random.default_rng(9)
    e = index.edges
    pick = rng.integers(0, len(e), 100_000)
    lon = np.r_[rng.uniform(-180.0, 180.0, 100_000), np.clip(e.x1[pick] + rng.normal(0, 1e-3, len(pick)), -180, 179.9)]
    lat = np.r_[rng.uniform(-90.0, 90.0, 100_000), np.clip(e.y1[pick] + rng.normal(0, 1e-3, len(pick)), -90, 90)]
    a, b = index.classify(lon, lat), loaded.classify(lon, lat)
    assert [index.combos[i] for i in a] == [loaded.combos[i] for i in b]
    assert mismatches(loaded, lon, lat) == []


def test_a_changed_dataset_gets_its_own_cache_entry(cache_dir):
    countries = list(world.countries().values())
    AirspaceIndex.load_or_build(countries[1:], cache=IndexCache(cache_dir))
    assert len(list(cache_dir.glob("index-*"))) == 2


def test_a_broken_cache_entry_is_rebuilt_and_replaced(tmp_path, monkeypatch):
    monkeypatch.setattr(index_module, "CACHE_MIN_EDGES", 0)  # keep even a small index on disk
    zones = [Airspace(name=f"Z{i}", geometry=shapely.Point(10.0 + i, 50.0).buffer(0.4)) for i in range(30)]
    cache = IndexCache(tmp_path)
    built = AirspaceIndex.load_or_build(zones, cache=cache)
    (entry,) = tmp_path.glob("index-*")
    (entry / "table.npy").write_bytes(b"cut short")
    again = AirspaceIndex.load_or_build(zones, cache=cache)
    assert not isinstance(again.grid.table, np.memmap)  # rebuilt ...
    assert isinstance(AirspaceIndex.load_or_build(zones, cache=cache).grid.table, np.memmap)  # ... and stored
    x, y = grid(9.0, 49.0, 41.0, 51.0, n=300)
    assert np.array_equal(built.classify(x, y), again.classify(x, y))


def test_edge_lists_of_fine_cells_find_every_edge_a_box_meets(index):
    # boxes around random edge points: the edge must be among the candidates of its box
    rng = np.random.default_rng(4)
    e = index.edges
    pick = rng.integers(0, len(e), 50_000)
    f = rng.uniform(0.0, 1.0, len(pick))
    x, y = e.x1[pick] + f * (e.x2[pick] - e.x1[pick]), e.y1[pick] + f * (e.y2[pick] - e.y1[pick])
    half = rng.uniform(0.0, 0.02, len(pick))
    box, edge = index.edge_cells.query_boxes(np.clip(x - half, -180, 180), y - half, np.clip(x + half, -180, 180),
                                             y + half)
    found = set((box * len(e) + edge).tolist())
    assert all(i * len(e) + p in found for i, p in enumerate(pick.tolist()))
    assert len(np.unique(box * len(e) + edge)) == len(box)  # each pair once


def test_quiet_segments_meet_no_boundary(index):
    # segments of 0.5-3 km around boundary vertices: where quiet_segments says no boundary can be
    # met, 81 points along the geodesic all classify like its ends
    from skyborder.geodesy import GEOD

    rng = np.random.default_rng(11)
    e = index.edges
    pick = rng.integers(0, len(e), 60_000)
    lon1 = np.clip(e.x1[pick] + rng.normal(0.0, 0.03, len(pick)), -180.0, 179.999)
    lat1 = np.clip(e.y1[pick] + rng.normal(0.0, 0.03, len(pick)), -84.0, 84.0)
    lon2, lat2, _ = GEOD.fwd(lon1, lat1, rng.uniform(0, 360, len(pick)), rng.uniform(500.0, 3000.0, len(pick)))
    lon2 = (lon2 + 180.0) % 360.0 - 180.0
    c1, c2 = index.classify(lon1, lat1), index.classify(lon2, lat2)
    quiet = np.flatnonzero(index.quiet_segments(lon1, lat1, lon2, lat2) & (c1 == c2))
    assert len(quiet) > 10_000  # most such segments are decided without geometry
    az, _, dist = GEOD.inv(lon1[quiet], lat1[quiet], lon2[quiet], lat2[quiet])
    for f in np.linspace(0.0, 1.0, 81):
        x, y, _ = GEOD.fwd(lon1[quiet], lat1[quiet], az, dist * f)
        assert np.array_equal(index.classify((x + 180.0) % 360.0 - 180.0, y), c1[quiet])
