"""Every reader, fed arbitrary bytes or mangled documents, raises nothing but InputError."""
import json
import os
import tempfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skyborder.errors import BadInput, InputError
from skyborder.tracks.readers.geojson import read_geojson
from skyborder.tracks.readers.gpx import read_gpx
from skyborder.tracks.readers.kml import read_kml
from skyborder.tracks.readers.readsb import read_aircraft_json, read_trace
from skyborder.tracks.readers.sbs import SbsParser, read_sbs
from skyborder.tracks.readers.sniff import read_tracks
from skyborder.tracks.readers.tabular import read_table

READERS = [read_table, read_sbs, read_aircraft_json, read_trace, read_gpx, read_kml, read_geojson, read_tracks]
# SKYBORDER_FUZZ_EXAMPLES=2000 for a deeper run than the default quick one
FUZZ = settings(max_examples=int(os.environ.get("SKYBORDER_FUZZ_EXAMPLES", "60")), deadline=None,
                suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=6), inner, max_size=6),
    max_leaves=25)


def _only_input_errors(reader, data: bytes, name: str = "fuzz") -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, name)
        with open(path, "wb") as handle:
            handle.write(data)
        try:
            table = reader(path, bad=BadInput())
        except InputError:
            return
        assert {"time", "track_id", "lat", "lon"} <= set(table.columns)
        assert ((table["lat"].abs() <= 90) & (table["lon"].abs() <= 180)).all()


@FUZZ
@given(st.binary(max_size=400), st.sampled_from(READERS))
def test_random_bytes(data, reader):
    _only_input_errors(reader, data)


@FUZZ
@given(st.lists(st.lists(st.sampled_from(["", "1448349850", "2015-11-24T07:24:00Z", "36.5", "-200", "abc",
                                         "4ca2d6", "nan", "1e400", '"q"', " "]), max_size=6), max_size=8),
       st.sampled_from([",", ";", "\t"]))
def test_mangled_csv(rows, sep):
    text = sep.join(["time", "icao24", "lat", "lon", "alt_m"]) + "\n" + "\n".join(sep.join(r) for r in rows)
    _only_input_errors(read_table, text.encode())


SBS_FIELDS = ["MSG", "3", "4", "8", "9", "4CA2D6", "~abc123", "2015/11/24", "07:24:01.000", "25:61:00", "36.0",
              "200", "", "ground", "RYR1"]


@FUZZ
@given(st.lists(st.lists(st.sampled_from(SBS_FIELDS), min_size=0, max_size=24), max_size=10),
       st.integers(1, 64))
def test_mangled_sbs_in_any_chunks(lines, size):
    data = "\n".join(",".join(f) for f in lines).encode()
    parser = SbsParser("fuzz", BadInput())
    for i in range(0, len(data), size):
        parser.feed(data[i:i + size])
    parser.flush()
    _only_input_errors(read_sbs, data)


@FUZZ
@given(json_values, st.sampled_from(["aircraft", "trace", "geojson"]))
def test_mangled_json_documents(value, kind):
    docs = {"aircraft": {"now": 1448349850, "aircraft": [value, {"hex": value, "lat": value, "lon": 1}]},
            "trace": {"icao": "4b8302", "timestamp": 1448323200, "trace": [value, [1, value, 2, value]]},
            "geojson": {"type": "FeatureCollection", "features": [
                value, {"type": "Feature", "geometry": {"type": "LineString", "coordinates": value},
                        "properties": {"times": value}},
                {"type": "Feature", "geometry": {"type": "Point", "coordinates": value},
                 "properties": {"time": value, "alt_m": value}}]}}
    reader = {"aircraft": read_aircraft_json, "trace": read_trace, "geojson": read_geojson}[kind]
    _only_input_errors(reader, json.dumps(docs[kind]).encode())


@FUZZ
@given(st.lists(st.sampled_from(["<trk>", "</trk>", "<trkseg>", "</trkseg>", '<trkpt lat="1" lon="2">',
                                 '<trkpt lat="x">', "</trkpt>", "<time>2015-11-24T07:24:00Z</time>",
                                 "<time>later</time>", "<ele>x</ele>", "<name>a</name>", "&amp;", "text"]),
                max_size=20))
def test_mangled_gpx(parts):
    _only_input_errors(read_gpx, ("<gpx>" + "".join(parts) + "</gpx>").encode())


@FUZZ
@given(st.lists(st.sampled_from(["<Placemark>", "</Placemark>", "<gx:Track>", "</gx:Track>", "<LineString>",
                                 "</LineString>", "<when>2015-11-24T07:24:00Z</when>", "<when>x</when>",
                                 "<gx:coord>1 2 3</gx:coord>", "<gx:coord>1</gx:coord>",
                                 "<coordinates>1,2 3,4</coordinates>", "<coordinates>,,</coordinates>",
                                 "<TimeSpan><begin>2015-11-24T07:24:00Z</begin><end>x</end></TimeSpan>",
                                 "<TimeSpan><begin>2015-11-24T07:24:00Z</begin><end>2015-11-24T07:25:00Z</end>"
                                 "</TimeSpan>", "<TimeStamp><when>2015-11-24T07:24:00Z</when></TimeStamp>",
                                 "<Point>", "</Point>", "<Folder>", "</Folder>"]), max_size=20))
def test_mangled_kml(parts):
    head = '<kml xmlns="http://www.opengis.net/kml/2.2" xmlns:gx="http://www.google.com/kml/ext/2.2">'
    _only_input_errors(read_kml, (head + "".join(parts) + "</kml>").encode())


@FUZZ
@given(st.binary(max_size=300), st.integers(0, 2000))
def test_broken_parquet(noise, cut):
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    sink = io.BytesIO()
    pq.write_table(pa.table({"time": [1448349840.0, 1448349841.0], "icao24": ["abc123", "abc123"],
                             "lat": [1.0, 2.0], "lon": [3.0, 4.0]}), sink)
    real = sink.getvalue()
    _only_input_errors(read_tracks, real[:cut] + noise + real[cut:])
    _only_input_errors(read_tracks, b"PAR1" + noise + b"PAR1")
