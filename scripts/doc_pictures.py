"""Make the pictures of docs/tutorial.md by running the tutorial's own commands.

Run: .venv/bin/python scripts/doc_pictures.py   (needs the test extras: pypdfium2 renders the PDF)

Everything happens in a temporary folder except the pictures, written to docs/img/ as 8-bit PNGs
(palette-quantised, so the repository stays small).
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMG = ROOT / "docs" / "img"
DEMO = ROOT / "src" / "skyborder" / "demo" / "data"
WIDTH = 1100  # pixels of every picture


def skyborder(*args: str, cwd: Path) -> None:
    print("$ skyborder", " ".join(args), flush=True)
    subprocess.run([sys.executable, "-m", "skyborder.cli", *args], cwd=cwd, check=True)


def save(src: Path, name: str) -> None:
    from PIL import Image

    image = Image.open(src).convert("RGB")
    if image.width > WIDTH:
        image = image.resize((WIDTH, round(image.height * WIDTH / image.width)), Image.Resampling.LANCZOS)
    image.quantize(colors=192, method=Image.Quantize.MEDIANCUT).save(IMG / name, optimize=True)
    print(f"  -> docs/img/{name}")


def main() -> None:
    import pypdfium2

    IMG.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        skyborder("simulate", "--scenario", "border-approach", "--format", "sbs", "--out", "approach.sbs",
                  "--duration", "600", "--start", "2015-11-24T07:15:00Z", cwd=work)
        skyborder("map", "approach.sbs", "--airspace", "TUR,SYR", "--track", "15224d", "--passage", "3",
                  "-o", "map.png", cwd=work)
        save(work / "map.png", "map.png")
        skyborder("report", "approach.sbs", "--airspace", "TUR", "--format", "pdf", "-o", "reports", cwd=work)
        pdf = next((work / "reports").glob("passage-*-15224d-TUR.pdf"))
        pypdfium2.PdfDocument(str(pdf))[0].render(scale=1.6).to_pil().save(work / "report.png")
        save(work / "report.png", "report.png")
        skyborder("compare", str(DEMO / "tr_claim.csv"), str(DEMO / "ru_claim.csv"), "--airspace", "TUR",
                  "--map", "compare.png", cwd=work)
        save(work / "compare.png", "compare.png")
        skyborder("claims", "--airspace", "TUR", "--duration", "17", "--length", "1.15mi", "--depth", "1.36mi",
                  "--speed", "960km/h", "--near", "35.812,36.15", "--radius", "5000", "--map", "claims.png", cwd=work)
        save(work / "claims.png", "claims.png")
        skyborder("coverage", "--site", "36.45,36.20,150,Iskenderun", "--site", "36.08,35.97,900,Kel Dag",
                  "--altitude", "3000ft", "--airspace", "TUR", "--track", "approach.sbs", "--map", "coverage.png",
                  cwd=work)
        save(work / "coverage.png", "coverage.png")


if __name__ == "__main__":
    main()
