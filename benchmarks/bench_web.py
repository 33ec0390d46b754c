"""The radar page and server under load (printed, with baselines measured in the same run).

1. Page: N live aircraft (default 5,000; the simulator's 'busy' scenario) pushed once a second to
   the radar page in headless Chromium. Main-thread time per update = the renderer main thread's
   task time (Chrome trace, CrRendererMain) over a window of updates, divided by the updates.
   Baseline: the same stream drawn the obvious MapLibre way (benchmarks/web_baseline: GeoJSON
   source + symbol layers, setData per update). Two browser set-ups:
   - the tests' flags (``--disable-gpu``): Chromium composites in software and reads every WebGL
     frame back on the main thread (GLES2::ReadPixels, ~35 ms a frame at 1280x800 here, whatever
     is drawn); that readback is printed separately;
   - GPU compositing through SwiftShader (``--use-angle=swiftshader --enable-unsafe-swiftshader``):
     no readback, the page's own cost.
2. Server: C SSE clients (default 50) on a real ``skyborder serve --simulate A`` (default 1,000
   aircraft) for S seconds: every frame each client receives, its lag (arrival - frame time) and
   the frames it missed; the server's CPU time per frame and peak memory. Baseline: encoding the
   frame once per client instead of once per frame (timed in this process on the same frame).

Run: .venv/bin/python benchmarks/bench_web.py [--aircraft 5000] [--clients 50] [--server-aircraft 1000]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from skyborder.sim import traffic
from skyborder.web.app import create_app
from skyborder.web.server import BackgroundServer, make_server
from skyborder.web.simulated import SimulatedLive
from skyborder.web.stream import encode_aircraft

HERE = Path(__file__).parent
CHROMIUM = "/usr/bin/chromium"
TEST_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
              "--no-first-run"]
GPU_FLAGS = ["--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
             "--disable-background-networking", "--disable-component-update", "--no-first-run"]
VIEW = "skyborder.map.jumpTo({center: [36.0, 35.9], zoom: %s})"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class WithBaseline:
    """The radar app plus the baseline page's files under /bench/ (benchmark only)."""

    def __init__(self, app):
        self.app = app
        self.files = {f"/bench/{p.name}": p.read_bytes() for p in (HERE / "web_baseline").iterdir()}

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["path"] in self.files:
            kind = {".js": b"text/javascript", ".css": b"text/css", ".html": b"text/html"}[
                Path(scope["path"]).suffix]
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", kind)]})
            await send({"type": "http.response.body", "body": self.files[scope["path"]]})
            return
        await self.app(scope, receive, send)


def main_thread_ms(trace: bytes) -> tuple[float, float, float]:
    """(task wall time, task CPU time, readback wall time) in ms on the renderer's main thread,
    from a Chrome trace. Wall time includes waits for a core on a busy machine; CPU time does not."""
    data = json.loads(trace)
    events = data["traceEvents"] if isinstance(data, dict) else data
    main = {(e["pid"], e["tid"]) for e in events
            if e.get("ph") == "M" and e.get("name") == "thread_name" and e["args"].get("name") == "CrRendererMain"}
    tasks = cpu = readback = 0.0
    for e in events:
        if e.get("ph") == "X" and (e["pid"], e["tid"]) in main:
            if e["name"] == "ThreadControllerImpl::RunTask":
                tasks += e.get("dur", 0)
                cpu += e.get("tdur", 0)
            elif e["name"] == "GLES2::ReadPixels":
                readback += e.get("dur", 0)
    return tasks / 1000, cpu / 1000, readback / 1000


def measure_page(playwright, url: str, flags: list[str], window_s: float, count: int, zoom: float) -> dict:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=flags)
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(url)
        page.wait_for_function(f"() => window.skyborder && skyborder.stats.frames >= 2 && "
                               f"(!skyborder.store || skyborder.store.count >= {count} * 0.9)", timeout=180_000)
        page.evaluate(VIEW % zoom)
        time.sleep(3)
        cdp = page.context.new_cdp_session(page)
        cdp.send("Performance.enable")
        before = page.evaluate("skyborder.stats.frames")
        browser.start_tracing(page=page, categories=["toplevel", "gpu", "disabled-by-default-devtools.timeline"])
        time.sleep(window_s)
        trace = browser.stop_tracing()
        after = page.evaluate("skyborder.stats.frames")
        heap = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}["JSHeapUsedSize"]
        update_ms = page.evaluate("skyborder.stats.updateMs.slice(-20)")
        labels = page.evaluate("skyborder.layer ? skyborder.layer.labels.placed : -1")
        shown = page.evaluate("skyborder.store ? skyborder.store.count : -1")
        tasks, cpu, readback = main_thread_ms(trace)
        updates = max(after - before, 1)
        return {"updates": updates, "main_ms": tasks / updates, "cpu_ms": cpu / updates,
                "readback_ms": readback / updates,
                "js_update_ms": statistics.median(update_ms) if update_ms else float("nan"),
                "heap_mb": heap / 1e6, "labels": labels, "aircraft": shown}
    finally:
        browser.close()


def bench_page(aircraft: int, window_s: float, zoom: float) -> None:
    from playwright.sync_api import sync_playwright

    port = free_port()
    live = SimulatedLive(traffic.busy(aircraft, seed=1, duration_s=3600.0), offset_s=60.0)
    app = WithBaseline(create_app(live, None, frame_interval_s=1.0))
    server = BackgroundServer(make_server(app, "127.0.0.1", port, None))
    server.start()
    print(f"page: {aircraft} aircraft, one update a second, 1280x800 at zoom {zoom}, window {window_s:.0f} s")
    try:
        with sync_playwright() as playwright:
            for name, flags in (("--disable-gpu (tests' flags)", TEST_FLAGS), ("GPU compositing (SwiftShader)",
                                                                                 GPU_FLAGS)):
                ours = measure_page(playwright, f"http://127.0.0.1:{port}/", flags, window_s, aircraft, zoom)
                base = measure_page(playwright, f"http://127.0.0.1:{port}/bench/index.html", flags, window_s, aircraft,
                                    zoom)
                print(f"  {name}:")
                for label, r in (("radar page (WebGL custom layer)", ours),
                                 ("baseline (GeoJSON + symbol layers)", base)):
                    own = r["main_ms"] - r["readback_ms"]
                    print(f"    {label:36s} main thread {r['main_ms']:7.1f} ms/update wall "
                          f"(readback {r['readback_ms']:5.1f}, rest {own:6.1f}), {r['cpu_ms']:6.1f} ms CPU; "
                          f"JS update {r['js_update_ms']:5.1f} ms; "
                          f"JS heap {r['heap_mb']:5.0f} MB; {r['updates']} updates"
                          + (f"; {r['labels']} labels placed" if r["labels"] >= 0 else ""))
                ratio = (base["main_ms"] - base["readback_ms"]) / max(ours["main_ms"] - ours["readback_ms"], 1e-9)
                print(f"    baseline / radar page: {ratio:.1f}x in wall time without readback, "
                      f"{base['cpu_ms'] / max(ours['cpu_ms'], 1e-9):.1f}x in CPU time")
    finally:
        server.stop()


# ---------------------------------------------------------------- server

async def sse_client(port: int, seconds: float, out: list) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 24)
    writer.write(b"GET /api/stream HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAccept: text/event-stream\r\n\r\n" % port)
    await writer.drain()
    frames: list[tuple[float, float]] = []
    end = time.monotonic() + seconds
    aircraft_next = False
    stamp = re.compile(rb'"time":([0-9.]+)')
    try:
        while time.monotonic() < end:
            line = await asyncio.wait_for(reader.readline(), timeout=max(0.1, end - time.monotonic()))
            if not line:
                break
            if line.startswith(b"event: aircraft"):
                aircraft_next = True
            elif aircraft_next and b"data: " in line:
                match = stamp.search(line, 0, 200)
                frames.append((time.time(), float(match.group(1)) if match else float("nan")))
                aircraft_next = False
    except TimeoutError:
        pass
    finally:
        writer.close()
    out.append(frames)


async def run_clients(port: int, clients: int, seconds: float) -> list:
    out: list = []
    await asyncio.gather(*(sse_client(port, seconds, out) for _ in range(clients)))
    return out


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench_server(aircraft: int, clients: int, seconds: float) -> None:
    port = free_port()
    command = [sys.executable, "-m", "skyborder.cli", "serve", "--simulate", str(aircraft), "--bind",
               f"127.0.0.1:{port}"]
    server = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit(f"server did not start: {server.stderr.read() if server.stderr else ''}") from None
                time.sleep(0.1)
        time.sleep(2.0)
        cpu0 = cpu_seconds(server.pid)
        results = asyncio.run(run_clients(port, clients, seconds))
        cpu = cpu_seconds(server.pid) - cpu0
        peak_kb = int(re.search(r"VmHWM:\s+(\d+)", Path(f"/proc/{server.pid}/status").read_text()).group(1))
    finally:
        server.terminate()
        server.wait(10)
    lags = np.array([arrival - sent for frames in results for arrival, sent in frames])
    received = [len(frames) for frames in results]
    expected = seconds  # one frame a second
    missed = []
    for frames in results:
        sent = np.array([s for _, s in frames])
        gaps = np.diff(sent)
        missed.append(int(np.sum(np.round(gaps) - 1)) if len(gaps) else 0)
    frames_sent = max(received) if received else 0
    # baseline: encoding the frame once per client, measured on the same kind of frame
    live = SimulatedLive(traffic.busy(aircraft, seed=0), offset_s=60.0)
    table = live.aircraft()
    t0 = time.perf_counter()
    for _ in range(5):
        frame = encode_aircraft(table, time.time(), live.status())
    once_ms = (time.perf_counter() - t0) / 5 * 1000
    print(f"server: {clients} SSE clients, {aircraft} simulated aircraft ({len(table)} airborne now, "
          f"frame {len(frame) / 1e3:.0f} kB), {seconds:.0f} s")
    print(f"  frames received per client: min {min(received)}, max {max(received)} (about {expected:.0f} expected); "
          f"frames skipped: {sum(missed)} in all")
    print(f"  lag from frame time to arrival: p50 {np.percentile(lags, 50) * 1000:.0f} ms, "
          f"p99 {np.percentile(lags, 99) * 1000:.0f} ms, max {lags.max() * 1000:.0f} ms")
    print(f"  server CPU: {cpu / max(frames_sent, 1) * 1000:.0f} ms per frame for all clients "
          f"({cpu / seconds * 100:.0f}% of a core); peak memory {peak_kb / 1024:.0f} MB")
    print(f"  frame encoding: {once_ms:.1f} ms once per frame; once per client (baseline) would be "
          f"{once_ms * clients:.0f} ms per frame: {clients:.0f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--aircraft", type=int, default=5000, help="aircraft on the page (default 5000)")
    parser.add_argument("--window", type=float, default=15.0, help="seconds measured per page (default 15)")
    parser.add_argument("--zoom", type=float, default=7.8,
                        help="map zoom: 7.8 spreads the 4x4 degree traffic over the view (default)")
    parser.add_argument("--clients", type=int, default=50, help="SSE clients (default 50)")
    parser.add_argument("--server-aircraft", type=int, default=1000, help="aircraft for the server test (default 1000)")
    parser.add_argument("--seconds", type=float, default=20.0, help="seconds of the server test (default 20)")
    parser.add_argument("--skip-page", action="store_true")
    parser.add_argument("--skip-server", action="store_true")
    args = parser.parse_args()
    if not args.skip_page:
        if not os.path.exists(CHROMIUM):
            print("page: skipped, /usr/bin/chromium is missing")
        else:
            bench_page(args.aircraft, args.window, args.zoom)
    if not args.skip_server:
        bench_server(args.server_aircraft, args.clients, args.seconds)
    print(f"benchmark process peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
