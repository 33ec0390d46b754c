"""skyborder against traffic's clipping on real flights (the OpenSky sample shipped in traffic).

traffic (PyPI ``traffic``, MIT) is installed only for this benchmark, in its own virtual
environment ``.venv-traffic`` (traffic 2.13 needs pandas < 3, skyborder's suite runs pandas 3).
In one run, on the same fixes: traffic's ``Flight.clip_iterate`` of every flight to Switzerland's
polygon (the embedded dataset's CHE), then ``skyborder detect --airspace CHE`` end to end (read
Parquet, passages with entry/exit on the boundary, depth, near misses, CSV out) in a fresh
process. Prints both times, the ratio, the depth search's share and each side's peak memory.

Run: .venv/bin/python benchmarks/bench_traffic.py
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import shapely

from skyborder.airspace import world

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv-traffic"
CAP = ["prlimit", "--as=8000000000", "--"]


def traffic_python() -> str:
    """The traffic environment's interpreter (created on first use)."""
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "traffic>=2.13", "pandas<3"], check=True)
    return str(python)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        shape, fixes = os.path.join(tmp, "che.wkb"), os.path.join(tmp, "switzerland.parquet")
        Path(shape).write_bytes(shapely.to_wkb(world.country("CHE").geometry))
        base = subprocess.run(CAP + [traffic_python(), str(ROOT / "benchmarks" / "traffic_baseline.py"), shape, fixes],
                              check=True, capture_output=True, text=True)
        traffic = json.loads(base.stdout.strip().splitlines()[-1])
        out = os.path.join(tmp, "passages.csv")
        run = subprocess.run(CAP + [sys.executable, str(ROOT / "benchmarks" / "run_detect.py"), "--", "detect",
                                    fixes, "--airspace", "CHE", "--format", "csv", "-o", out, "-q"],
                             check=True, capture_output=True, text=True)
        sky = json.loads(run.stdout.strip().splitlines()[-1])
        rows = Path(out).read_text().count("\n") - 1
    rest = sky["wall_s"] - sky["depth_s"]
    lines = [
        ("real flights", f"{traffic['fixes']:,} fixes", f"{traffic['flights']} flights (traffic's Switzerland sample)"),
        ("traffic clip_iterate", f"{traffic['seconds']:.2f} s", f"{traffic['pieces']} pieces inside CHE; "
                                                               f"peak RSS {traffic['peak_rss_mb']:.0f} MB"),
        ("skyborder detect", f"{sky['wall_s']:.2f} s", f"{rows} rows (passages + near misses) to CSV; "
                                                       f"peak RSS {sky['peak_rss_mb']:.0f} MB"),
        ("  of which depth search", f"{sky['depth_s']:.2f} s", "being replaced (engine-depth): re-run after merging"),
        ("  of which near misses", f"{sky['near_s']:.2f} s", ""),
        ("ratio traffic / skyborder", f"{traffic['seconds'] / sky['wall_s']:.2f} x", "target >= 10 x"),
        ("ratio without depth search", f"{traffic['seconds'] / rest:.2f} x", "what the rest of detect gives"),
    ]
    width = max(len(n) for n, _, _ in lines)
    print("\nskyborder vs traffic on real flights (same fixes, one run)")
    for name, value, note in lines:
        print(f"  {name:<{width}}  {value:>16}  {note}")


if __name__ == "__main__":
    main()
