"""`skyborder report`: HTML loaded in headless Chromium, PDF rendered and read back (pypdfium2),
GeoJSON and KML opened with GDAL (what QGIS uses), figures checked against the engine's result.

Chromium (Debian ``chromium``, driven by Playwright) may be missing only outside CI.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest

from skyborder.airspace import world
from skyborder.cli import main
from skyborder.detection.engine import detect
from skyborder.report.radar_map import hms
from skyborder.report.style import BORDER

CHROMIUM = "/usr/bin/chromium"
TRACK_ID = "SU24<script>"  # must come out escaped, and not reach a file name


def write_crossing(folder, track_id: str):
    """A CSV track flying west across the Hatay salient at 35.83 N, a fix every 4 s."""
    rows = [f"2015-11-24T07:23:{4 * i:02d}Z,{track_id},35.83,{36.25 - 0.01 * i:.3f},5791\n" for i in range(15)]
    source = folder / "t.csv"
    source.write_text("time,track_id,lat,lon,alt_m\n" + "".join(rows))
    return source


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report")
    source = write_crossing(tmp, TRACK_ID)
    out = tmp / "out"
    code = main(["report", str(source), "--airspace", "TUR", "--format", "html,pdf,geojson,kml", "-o", str(out),
                 "--samples", "300", "--position-error", "radar"])
    assert code == 0
    tracks = pd.read_csv(source)
    result = detect(tracks, [world.country("TUR")], near_m=0)
    passage = result[result["status"] == "closed"].iloc[0]
    return source, out, passage


def files_of(out, suffix):
    return sorted(p for p in out.iterdir() if p.suffix == suffix and p.name != "index.html")


def test_one_file_per_format_and_safe_names(made):
    _, out, _ = made
    for suffix in (".html", ".pdf", ".geojson", ".kml", ".png"):
        assert len(files_of(out, suffix)) == 1, suffix
    assert all(re.fullmatch(r"[A-Za-z0-9_.-]+", p.name) for p in out.iterdir())
    html = files_of(out, ".html")[0].read_text(encoding="utf-8")
    assert "<script>" not in html and "SU24&lt;script&gt;" in html
    assert "Content-Security-Policy" in html and 'src="data:image/png;base64,' in html
    assert "http://" not in html and "https://" not in html  # nothing to fetch


def test_pdf_text_and_picture(made):
    import pypdfium2

    source, out, passage = made
    pdf = pypdfium2.PdfDocument(str(files_of(out, ".pdf")[0]))
    text = "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    flat = re.sub(r"\s+", " ", text)
    assert "Passage through" in flat and "ODbL" in flat
    assert hms(passage["entry_time"]) in flat and hms(passage["exit_time"]) in flat
    assert f"{passage['duration_s']:.1f} s" in flat and f"{passage['max_depth_m'] / 1000:.3f} km" in flat
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    assert digest in flat.replace(" ", "") or digest in text.replace("\n", "").replace(" ", "")
    image = np.asarray(pdf[0].render(scale=1.5).to_pil().convert("RGB"), float) / 255
    assert image.std() > 0.1  # not blank
    rgb = np.array([int(BORDER[i:i + 2], 16) / 255 for i in (1, 3, 5)])
    assert (np.abs(image - rgb).max(axis=-1) < 0.08).sum() > 50  # the border line of the map


def test_geojson_opens_with_gdal(made):
    import geopandas as gpd

    _, out, passage = made
    frame = gpd.read_file(files_of(out, ".geojson")[0])
    roles = set(frame["role"])
    assert {"track", "inside", "entry", "exit", "max_depth", "airspace"} <= roles
    entry = frame[frame["role"] == "entry"].geometry.iloc[0]
    assert entry.x == pytest.approx(passage["entry_lon"], abs=1e-9) and entry.y == pytest.approx(passage["entry_lat"],
                                                                                                 abs=1e-9)
    inside = frame[frame["role"] == "inside"].geometry.iloc[0]
    assert inside.coords[0][:2] == pytest.approx((passage["entry_lon"], passage["entry_lat"]), abs=1e-9)
    assert frame[frame["role"] == "airspace"].geometry.iloc[0].is_valid
    data = json.loads(files_of(out, ".geojson")[0].read_text())
    assert data["type"] == "FeatureCollection"


def test_kml_opens_with_gdal_and_is_kml_22(made):
    import pyogrio

    _, out, passage = made
    path = files_of(out, ".kml")[0]
    root = ET.parse(path).getroot()
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    assert root.tag == "{http://www.opengis.net/kml/2.2}kml"
    names = [p.findtext("k:name", namespaces=ns) for p in root.iter("{http://www.opengis.net/kml/2.2}Placemark")]
    assert {"track", "inside", "entry", "exit", "max depth"} <= set(names)
    layers = pyogrio.list_layers(path)
    total = sum(len(pyogrio.read_dataframe(path, layer=name)) for name, _ in layers)
    assert total == len(names)
    entry = next(p for p in root.iter("{http://www.opengis.net/kml/2.2}Placemark")
                 if p.findtext("k:name", namespaces=ns) == "entry")
    lon, lat = (float(v) for v in entry.find(".//k:coordinates", ns).text.strip().split(",")[:2])
    assert lon == pytest.approx(passage["entry_lon"], abs=1e-9) and lat == pytest.approx(passage["entry_lat"], abs=1e-9)


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM) or shutil.which("chromium") is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing (scripts/install-system-deps.sh installs it)")
        pytest.skip("chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu",
                                                             "--disable-background-networking",
                                                             "--disable-component-update", "--no-first-run"])
        yield b
        b.close()


def test_html_in_chromium(made, browser):
    _, out, passage = made
    page = browser.new_page()
    requests, errors = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    url = files_of(out, ".html")[0].as_uri()
    page.goto(url)
    page.wait_for_load_state("load")
    assert [r for r in requests if not r.startswith(("file:", "data:"))] == []
    assert errors == []
    assert page.evaluate("() => [...document.images].every(i => i.complete && i.naturalWidth > 1000)")
    cells = page.eval_on_selector_all("table.facts tr", "rows => rows.map(r => [...r.cells].map(c => c.innerText))")
    facts = {row[0]: row[1] for row in cells if len(row) > 1}
    assert facts["duration"] == f"{passage['duration_s']:.1f} s"
    assert facts["length inside"] == f"{passage['length_inside_m'] / 1000:.3f} km"
    assert hms(passage["entry_time"]) in facts["entry"]
    assert 0.0 <= float(facts["probability inside"].split()[0]) <= 1.0
    page.goto((out / "index.html").as_uri())
    links = page.eval_on_selector_all("a", "links => links.map(a => a.getAttribute('href'))")
    assert links and all((out / href).exists() and "/" not in href for href in links)
    page.close()


def test_report_command_errors(tmp_path, capsys):
    assert main(["report", "--format", "docx", "x.csv"]) == 2
    assert "choose from" in capsys.readouterr().err
    assert main(["report"]) == 2
    assert "--db" in capsys.readouterr().err
