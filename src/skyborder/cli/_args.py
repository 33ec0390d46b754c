"""The command-line parser, alone: no command code and no heavy import here."""
from __future__ import annotations

import argparse

from .. import __version__

EXIT_CODES = """exit codes:
  0  success
  1  the run worked but bad input was skipped (details on stderr)
  2  usage error, unreadable input or unknown airspace: nothing was produced
  3  internal error (a bug): the traceback is written to a file named on stderr
  130  interrupted (Ctrl-C)
"""


def _reading_options() -> argparse.ArgumentParser:
    """Options shared by every command that reads tracks."""
    reading = argparse.ArgumentParser(add_help=False)
    group = reading.add_argument_group("reading tracks")
    group.add_argument("--input-format", default=None, metavar="FMT",
                       help="force the track format instead of sniffing the content")
    group.add_argument("--columns", default=None, metavar="MAP",
                       help="column mapping for CSV/Parquet, e.g. 'ts=time,hex=icao24,lat=lat,lng=lon'")
    group.add_argument("--tz", default=None, metavar="ZONE",
                       help="SBS only: time zone of the receiver clock, e.g. Europe/Berlin for dump1090-fa "
                            "(default UTC)")
    group.add_argument("--start-time", default=None, metavar="TIME",
                       help="AVR/Beast only: ISO-8601 UTC time of the first frame's counter zero, or of "
                            "frames without timestamps (default now)")
    return reading


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="skyborder",
        description="Exact geodesic detection of aircraft crossing national airspace and custom zones.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"skyborder {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    reading = _reading_options()

    detect = commands.add_parser(
        "detect", help="find every passage of every track through the watched airspaces",
        parents=[reading], epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    detect.add_argument("tracks", nargs="+", metavar="TRACKS", help="track files (CSV, Parquet, OpenSky, ...)")
    detect.add_argument("--airspace", default=None, metavar="CODES",
                        help="comma-separated ISO alpha-3 codes, or 'all' (default: all unless --zones is given)")
    detect.add_argument("--zones", action="append", default=[], metavar="FILE",
                        help="custom zones, GeoJSON or OpenAir (repeatable)")
    detect.add_argument("--max-gap", type=float, default=60.0, metavar="S",
                        help="seconds between fixes inside beyond which a passage is flagged 'gap' (default 60)")
    detect.add_argument("--near", type=float, default=20_000.0, metavar="M",
                        help="report the closest approach of tracks that come within M metres but never enter "
                             "(default 20000; 0 disables)")
    detect.add_argument("--format", choices=("table", "csv", "json", "geojson", "geoparquet"), default="table",
                        help="table (readable), csv, json, geojson (passages as lines), geoparquet (needs -o)")
    detect.add_argument("--output", "-o", metavar="FILE", help="write here instead of standard output")
    detect.add_argument("--quiet", "-q", action="store_true", help="no progress bar")

    scan = commands.add_parser(
        "scan", help="every passage in an archive of track files (OpenSky hourly, hive partitions), on Dask",
        epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    scan.add_argument("archive", nargs="+", metavar="ARCHIVE",
                      help="folders (searched recursively), files or globs of Parquet and CSV track files")
    scan.add_argument("--airspace", default=None, metavar="CODES",
                      help="comma-separated ISO alpha-3 codes, or 'all' (default: all unless --zones is given)")
    scan.add_argument("--zones", action="append", default=[], metavar="FILE",
                      help="custom zones, GeoJSON or OpenAir (repeatable)")
    scan.add_argument("--since", default=None, metavar="TIME",
                      help="only fixes at or after this ISO-8601 time (naive = UTC); earlier files and row groups "
                           "are not read")
    scan.add_argument("--until", default=None, metavar="TIME", help="only fixes before this ISO-8601 time")
    scan.add_argument("--icao24", default=None, metavar="LIST",
                      help="only these aircraft: comma-separated hex addresses, or @FILE with one per line")
    scan.add_argument("--callsign", default=None, metavar="PATTERN",
                      help="only aircraft that used a matching callsign (comma-separated shell patterns, e.g. "
                           "'RRR*,RCH*'; the whole track of such an aircraft is scanned)")
    where = scan.add_mutually_exclusive_group()
    where.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                       help="run on this Dask scheduler (workers must see the same files)")
    where.add_argument("--workers", type=int, default=2, metavar="N",
                       help="run on a local Dask cluster of N worker processes (default 2)")
    scan.add_argument("--memory-limit", default="2GB", metavar="SIZE",
                      help="local cluster: memory limit per worker, e.g. 2GB (default 2GB)")
    sink = scan.add_mutually_exclusive_group()
    sink.add_argument("--output", "-o", default=None, metavar="DIR",
                      help="new or empty folder for the results: Parquet partitioned by day (date=YYYY-MM-DD)")
    sink.add_argument("--db", default=None, metavar="DB", help="record the passages in the register")
    scan.add_argument("--buckets", type=int, default=None, metavar="N",
                      help="aircraft-hash buckets (default 8 per worker)")
    scan.add_argument("--work", default=None, metavar="DIR",
                      help="folder for intermediate files (default inside -o, else a temporary folder)")
    scan.add_argument("--columns", default=None, metavar="MAP",
                      help="column mapping for CSV/Parquet, e.g. 'ts=time,hex=icao24'")
    scan.add_argument("--max-gap", type=float, default=60.0, metavar="S",
                      help="seconds between fixes inside beyond which a passage is flagged 'gap' (default 60)")
    scan.add_argument("--near", type=float, default=20_000.0, metavar="M",
                      help="closest approach of tracks within M metres that never enter (default 20000; 0 off)")
    scan.add_argument("--quiet", "-q", action="store_true", help="no progress bars")

    airspaces = commands.add_parser("airspaces", help="list the embedded airspaces")
    airspaces.add_argument("--format", choices=("table", "csv", "json"), default="table")

    simulate = commands.add_parser(
        "simulate", help="simulated ADS-B traffic (skyborder's own encoder) to a file or a TCP port")
    simulate.add_argument("--scenario", choices=("border-approach", "busy"), default="border-approach",
                          help="border-approach: 4 aircraft at the Turkey-Syria border near 35.9 N 36.0 E; "
                               "busy: N aircraft on random routes around it (default border-approach)")
    simulate.add_argument("--format", choices=("avr", "beast", "sbs"), default="beast",
                          help="AVR text with 12 MHz counters, Beast binary or SBS text (default beast)")
    target = simulate.add_mutually_exclusive_group(required=True)
    target.add_argument("--out", metavar="FILE", help="write the traffic to FILE")
    target.add_argument("--push", metavar="HOST:PORT",
                        help="send it over TCP, e.g. to dump1090's --net-bi-port (Beast) or --net-ri-port (AVR)")
    simulate.add_argument("--speed", type=float, default=1.0, metavar="X",
                          help="with --push: X times real time, 0 = as fast as possible (default 1)")
    simulate.add_argument("--duration", type=float, default=600.0, metavar="S",
                          help="seconds of traffic (default 600)")
    simulate.add_argument("--aircraft", type=int, default=50, metavar="N", help="busy: number of aircraft (default 50)")
    simulate.add_argument("--seed", type=int, default=0, help="busy: random seed (default 0)")
    simulate.add_argument("--start", default=None, metavar="TIME",
                          help="ISO-8601 time of the scenario start, written in SBS lines (default now, UTC)")

    convert = commands.add_parser(
        "convert", help="read any track source and write the track table as CSV, Parquet or GeoJSON",
        parents=[reading], epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    convert.add_argument("input", metavar="IN", help="track file or folder (format sniffed from the content)")
    convert.add_argument("output", metavar="OUT", help="output file: .csv, .parquet or .geojson")

    demo = commands.add_parser("demo", help="the 24 Nov 2015 Su-24 case: passages, claims and a map")
    demo.add_argument("--out", default="skyborder-demo", metavar="DIR", help="output folder (default skyborder-demo)")
    return parser
