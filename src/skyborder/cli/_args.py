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
                       help="force the track format instead of sniffing the content (csv, parquet, sbs, avr, "
                            "beast, aircraft-json, readsb-trace, readsb-jsonl, traffic-json, gpx, kml, igc, "
                            "geojson)")
    group.add_argument("--columns", default=None, metavar="MAP",
                       help="column mapping for CSV/Parquet, e.g. 'ts=time,hex=icao24,lat=lat,lng=lon'")
    group.add_argument("--tz", default=None, metavar="ZONE",
                       help="SBS only: time zone of the receiver clock, e.g. Europe/Berlin for dump1090-fa "
                            "(default UTC)")
    group.add_argument("--start-time", default=None, metavar="TIME",
                       help="AVR/Beast only: ISO-8601 UTC time of the first frame's counter zero, or of "
                            "the first frame without a timestamp (default now)")
    group.add_argument("--bad-lines", default=None, metavar="FILE",
                       help="write every rejected line/record here (stderr shows the first 50 and counts)")
    return reading


def _watching_options() -> argparse.ArgumentParser:
    """Options shared by every command that detects passages: what is watched and how."""
    watching = argparse.ArgumentParser(add_help=False)
    _airspace_options(watching)
    group = watching.add_argument_group("detection")
    group.add_argument("--max-gap", type=float, default=60.0, metavar="S",
                       help="seconds between fixes inside beyond which a passage is flagged 'gap' (default 60)")
    group.add_argument("--near", type=float, default=20_000.0, metavar="M",
                       help="report the closest approach of tracks that come within M metres but never enter "
                            "(default 20000; 0 disables)")
    return watching


def _web_options(parser: argparse.ArgumentParser, bind_flag: str = "--bind") -> None:
    """Options of the radar server, shared by ``serve`` and ``watch --serve``."""
    group = parser.add_argument_group("radar page")
    if bind_flag == "--bind":
        group.add_argument("--bind", default="127.0.0.1:8787", metavar="HOST:PORT",
                           help="where to listen (default 127.0.0.1:8787; any other address needs --token)")
    else:
        group.add_argument(bind_flag, default=None, metavar="HOST:PORT",
                           help="also serve the radar page here, e.g. 127.0.0.1:8787 (any address but loopback "
                                "needs --token)")
    group.add_argument("--token", default=None, metavar="TOKEN",
                       help="access token (at least 16 characters; default $SKYBORDER_TOKEN): required as a "
                            "bearer header or through /login?token=TOKEN")
    group.add_argument("--reference", default=None, metavar="LAT,LON[,NAME]",
                       help="centre of the range rings, e.g. '35.41,35.95,Hmeymim' (default: none)")
    group.add_argument("--ring-step", type=float, default=25.0, metavar="NM",
                       help="range ring spacing in nautical miles (default 25)")
    group.add_argument("--title", default="skyborder", help="page title")


def _airspace_options(parser: argparse.ArgumentParser) -> None:
    """--airspace and --zones, as ``detect`` has them."""
    parser.add_argument("--airspace", default=None, metavar="CODES",
                        help="comma-separated ISO alpha-3 codes, or 'all' (default: all unless --zones is given)")
    parser.add_argument("--zones", action="append", default=[], metavar="FILE",
                        help="custom zones, GeoJSON or OpenAir (repeatable)")


def _register_filters(parser: argparse.ArgumentParser) -> None:
    """Period and selection filters of the commands that read the register."""
    group = parser.add_argument_group("selecting from the register")
    group.add_argument("--since", metavar="TIME", help="from this UTC time (ISO-8601), inclusive")
    group.add_argument("--until", metavar="TIME", help="to this UTC time (ISO-8601), exclusive")
    group.add_argument("--country", metavar="CODES", help="states of registry (ISO alpha-3, comma-separated)")
    group.add_argument("--military", choices=("yes", "no"), help="military aircraft only, or civil only")
    group.add_argument("--track", metavar="IDS", help="track ids (comma-separated)")
    group.add_argument("--limit", type=int, default=None, metavar="N", help="at most N rows")


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
    watching = _watching_options()

    detect = commands.add_parser(
        "detect", help="find every passage of every track through the watched airspaces",
        parents=[reading, watching], epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    detect.add_argument("tracks", nargs="+", metavar="TRACKS",
                        help="track files (CSV, Parquet, OpenSky, ...); '-' reads standard input")
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
    convert.add_argument("input", metavar="IN",
                         help="track file or folder (format sniffed from the content); '-' reads standard input")
    convert.add_argument("output", metavar="OUT", help="output file: .csv, .parquet or .geojson")

    serve = commands.add_parser(
        "serve", help="the radar page: live aircraft, borders, warnings and passages in a browser",
        epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    serve.add_argument("--db", default=None, metavar="DB",
                       help="the register: a SQLite file or a postgresql:// URL (passages, warnings)")
    serve.add_argument("--airspace", default="", metavar="CODES",
                       help="comma-separated ISO alpha-3 codes of the watched airspaces, highlighted on the map")
    serve.add_argument("--zones", action="append", default=[], metavar="FILE",
                       help="custom zones to draw, GeoJSON or OpenAir (repeatable)")
    _web_options(serve)
    serve.add_argument("--simulate", type=int, default=0, metavar="N",
                       help="show N simulated aircraft (the 'busy' scenario around 35.9 N 36.0 E; "
                            "with N <= 4 the border-approach scenario) instead of a live feed")
    watch = commands.add_parser(
        "watch", help="watch a live feed: predictive warnings, passages and a durable register",
        epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    watch.add_argument("feed", metavar="FEED",
                       help="sbs://HOST:PORT, beast://HOST:PORT, raw://HOST:PORT, a (growing) file, or - (stdin)")
    _airspace_options(watch)
    watch.add_argument("--policy", default="atc", metavar="FILE|NAME",
                       help="warning policy: a TOML file or a preset (atc, air-policing; default atc)")
    watch.add_argument("--db", default="skyborder.sqlite", metavar="DB",
                       help="register: a SQLite file (default skyborder.sqlite) or a postgresql:// URL")
    watch.add_argument("--events", default="-", metavar="FILE|-",
                       help="where the JSON-lines events go: a file (appended) or - for standard output (default)")
    watch.add_argument("--input-format", choices=("sbs", "avr", "beast"), default=None,
                       help="format of a file or stdin feed (default: sniffed)")
    watch.add_argument("--follow", action="store_true", help="keep reading a file as it grows (like tail -f)")
    watch.add_argument("--tz", default=None, metavar="ZONE", help="SBS: time zone of the receiver clock (default UTC)")
    watch.add_argument("--silence", type=float, default=120.0, metavar="S",
                       help="give up an aircraft silent for S seconds: its open passages close as 'lost' "
                            "(default 120)")
    watch.add_argument("--max-gap", type=float, default=60.0, metavar="S",
                       help="as for detect: passages with fixes more than S apart are flagged 'gap' (default 60)")
    watch.add_argument("--near", type=float, default=20_000.0, metavar="M",
                       help="as for detect: record near misses within M metres (default 20000; 0 disables)")
    watch.add_argument("--queue", type=int, default=256, metavar="N",
                       help="batches waiting at most; beyond that a burst is dropped and counted (default 256)")
    watch.add_argument("--batch-seconds", type=float, default=0.02, metavar="S",
                       help="the feed hands over what it has at least every S seconds (default 0.02)")
    watch.add_argument("--no-passages", action="store_true",
                       help="warnings only: no passage detection (a lighter warning station)")
    watch.add_argument("--status-every", type=float, default=2.0, metavar="S",
                       help="status line on standard error every S seconds (0: none; default 2)")
    _web_options(watch, bind_flag="--serve")

    ingest = commands.add_parser(
        "ingest", help="fill the register from track files (passages, and warnings with --policy)",
        parents=[reading], epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    ingest.add_argument("tracks", nargs="+", metavar="TRACKS", help="track files (CSV, Parquet, SBS, Beast, ...)")
    _airspace_options(ingest)
    ingest.add_argument("--db", default="skyborder.sqlite", metavar="DB",
                        help="register: a SQLite file (default skyborder.sqlite) or a postgresql:// URL")
    ingest.add_argument("--policy", default=None, metavar="FILE|NAME",
                        help="also replay the warnings this policy gives and store them")
    ingest.add_argument("--max-gap", type=float, default=60.0, metavar="S", help="as for detect (default 60)")
    ingest.add_argument("--near", type=float, default=20_000.0, metavar="M", help="as for detect (default 20000)")
    ingest.add_argument("--context", type=float, default=120.0, metavar="S",
                        help="seconds of track stored before each passage's entry and after its exit (default 120)")
    ingest.add_argument("--quiet", "-q", action="store_true", help="no progress bar")

    passages = commands.add_parser(
        "passages", help="list the passages in the register", epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    passages.add_argument("--db", default="skyborder.sqlite", metavar="DB",
                          help="the register (default skyborder.sqlite)")
    passages.add_argument("--airspace", default=None, metavar="CODES", help="airspaces (comma-separated)")
    passages.add_argument("--status", default=None, metavar="LIST", help="statuses, e.g. closed,gap")
    _register_filters(passages)
    passages.add_argument("--format", choices=("table", "csv", "json"), default="table")
    passages.add_argument("--output", "-o", metavar="FILE", help="write here instead of standard output")

    warnings = commands.add_parser(
        "warnings", help="replay a recording through a warning policy (and --evaluate it), or list the register's",
        parents=[reading], epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    warnings.add_argument("tracks", nargs="*", metavar="TRACKS", help="track files to replay (or give --db)")
    _airspace_options(warnings)
    warnings.add_argument("--policy", default="atc", metavar="FILE|NAME",
                          help="warning policy: a TOML file or a preset (atc, air-policing; default atc)")
    warnings.add_argument("--db", default=None, metavar="DB", help="list the warnings stored in this register instead")
    warnings.add_argument("--stage", default=None, metavar="LIST", help="--db: stages, e.g. imminent,inside")
    _register_filters(warnings)
    warnings.add_argument("--format", choices=("table", "csv", "json"), default="table")
    warnings.add_argument("--output", "-o", metavar="FILE", help="write here instead of standard output")
    warnings.add_argument("--evaluate", action="store_true",
                          help="lead time of the first warning of every real entry (or missed), nuisance alerts "
                               "per flight hour, and a plot of lead time against nuisance rate over a sweep of T1")
    warnings.add_argument("--plot", default="warnings-evaluation.png", metavar="FILE.png",
                          help="--evaluate: where the plot goes (default warnings-evaluation.png)")
    warnings.add_argument("--sweep", default="30,60,90,120,180,240,300", metavar="SECONDS",
                          help="--evaluate: the look-ahead times T1 to sweep (default 30,60,90,120,180,240,300)")

    demo = commands.add_parser("demo", help="the 24 Nov 2015 Su-24 case: passages, claims and a map")
    demo.add_argument("--out", default="skyborder-demo", metavar="DIR", help="output folder (default skyborder-demo)")
    _analysis_commands(commands, reading, watching)
    return parser


def _text_and_map(command: argparse.ArgumentParser, map_help: str) -> None:
    """The outputs of an analysis command: its text (table or JSON, to a file or stdout) and a map."""
    command.add_argument("--format", choices=("table", "json"), default="table")
    command.add_argument("--output", "-o", metavar="FILE", help="write the text here instead of standard output")
    command.add_argument("--map", metavar="FILE", help=map_help)


def _analysis_commands(commands, reading: argparse.ArgumentParser, watching: argparse.ArgumentParser) -> None:
    """Maps, reports, tallies, comparisons, claim checks and coverage."""
    common = {"epilog": EXIT_CODES, "formatter_class": argparse.RawDescriptionHelpFormatter}
    uncertainty = argparse.ArgumentParser(add_help=False)
    group = uncertainty.add_argument_group("position error (probability of violation)")
    group.add_argument("--position-error", default="auto", metavar="KIND|M",
                       help="the source's horizontal position error: auto (NACp/NIC when decoded, else by the "
                            "reader: sbs, adsb, mlat, or radar), one of adsb, sbs, mlat, radar, or a standard "
                            "deviation per axis in metres (default auto)")
    group.add_argument("--samples", type=int, default=2000, metavar="N",
                       help="Monte Carlo samples per passage (fixed seed; default 2000)")

    map_ = commands.add_parser(
        "map", help="a radar-style map (PNG or SVG) of a recording: passages, times, depth, altitude profile",
        parents=[reading, watching], **common)
    map_.add_argument("tracks", nargs="+", metavar="TRACKS", help="track files")
    map_.add_argument("--track", action="append", default=[], metavar="ID",
                      help="draw only this track (repeatable; default all)")
    map_.add_argument("--passage", type=int, default=None, metavar="N",
                      help="frame passage N (1-based, in the order `detect` lists passages, near misses left out)")
    map_.add_argument("--output", "-o", required=True, metavar="FILE", help="the map: .png, .svg or .pdf")
    map_.add_argument("--title", default=None, help="title (default: the tracks and airspace)")
    map_.add_argument("--overview", type=float, default=0.0, metavar="KM",
                      help="add an overview inset of this half-width in km (default none)")
    map_.add_argument("--no-profile", action="store_true", help="leave out the altitude/time panel")

    compare = commands.add_parser(
        "compare", help="two tracks of one flight (e.g. two governments' radar tracks): separation and verdicts",
        parents=[reading, watching, uncertainty], **common)
    compare.add_argument("track_a", metavar="TRACK_A", help="track file of the first version")
    compare.add_argument("track_b", metavar="TRACK_B", help="track file of the second version")
    compare.add_argument("--id-a", default=None, metavar="ID", help="track id in TRACK_A (when it holds several)")
    compare.add_argument("--id-b", default=None, metavar="ID", help="track id in TRACK_B (when it holds several)")
    compare.add_argument("--step", type=float, default=1.0, metavar="S",
                         help="seconds between the common times the separation is computed at (default 1)")
    compare.add_argument("--max-shift", type=float, default=60.0, metavar="S",
                         help="largest clock offset tried when aligning B to A (default 60 s; 0: no search)")
    _text_and_map(compare, "also draw one map with both tracks (.png or .svg)")

    claims = commands.add_parser(
        "claims", help="can published figures (duration, length, depth, speed) all be true of one path?", **common)
    _airspace_options(claims)
    claims.add_argument("--duration", required=True, metavar="S", help="claimed time inside, e.g. 17 or 17s")
    claims.add_argument("--length", required=True, metavar="LEN",
                        help="claimed length inside, e.g. 1.15mi (statute), 1.15nmi, 1.85km, 1850m")
    claims.add_argument("--depth", required=True, metavar="LEN", help="claimed depth inside, e.g. 1.36mi")
    claims.add_argument("--speed", default=None, metavar="SPEED[:SPEED]",
                        help="plausible ground speed or range, e.g. 960km/h, 450kt, 200:300m/s "
                             "(default 150:2500km/h; one value means +-15%%)")
    claims.add_argument("--near", dest="near_point", default=None, metavar="LAT,LON",
                        help="where on the boundary to search (needed when the airspace is larger than --radius)")
    claims.add_argument("--radius", type=float, default=10_000.0, metavar="M",
                        help="search entry points within this distance of --near (default 10000)")
    claims.add_argument("--resolution", type=float, default=10.0, metavar="M",
                        help="grid step of the boundary raster and of the paths' samples (default 10)")
    _text_and_map(claims, "also draw the candidate paths (.png or .svg)")

    coverage = commands.add_parser(
        "coverage", help="which stretches of a border sensor sites can see at an altitude (4/3-Earth horizon, "
                         "terrain), and when they could first have seen a recorded track", parents=[reading], **common)
    coverage.add_argument("--site", action="append", required=True, metavar="LAT,LON,HEIGHT_M",
                          help="a sensor site: latitude, longitude (deg) and antenna height above mean sea level "
                               "(m) (repeatable)")
    coverage.add_argument("--altitude", required=True, metavar="ALT",
                          help="target altitude above mean sea level, e.g. 19000ft, 5791m, FL190")
    coverage.add_argument("--airspace", required=True, metavar="CODES", help="whose border (ISO alpha-3 codes)")
    coverage.add_argument("--dem", action="append", default=[], metavar="FILE",
                          help="terrain: SRTM .hgt tiles or ESRI ASCII grids (.asc); without it, a bare 4/3 Earth")
    coverage.add_argument("--k-factor", type=float, default=4.0 / 3.0, metavar="K",
                          help="effective Earth radius factor for refraction (default 4/3)")
    coverage.add_argument("--step", type=float, default=500.0, metavar="M",
                          help="spacing of the border points tested (default 500)")
    coverage.add_argument("--track", dest="track_file", default=None, metavar="TRACKS",
                          help="a recording: when each site could first have seen each track")
    _text_and_map(coverage, "also draw the coverage map (.png or .svg)")

    report = commands.add_parser(
        "report", help="incident reports (HTML, PDF, GeoJSON, KML) from the register or from track files",
        parents=[reading, watching, uncertainty], **common)
    report.add_argument("items", nargs="*", metavar="PASSAGE_ID|TRACKS",
                        help="with --db: passage ids (none: every passage in --since/--until); else track files")
    report.add_argument("--db", default=None, metavar="DB", help="the register: a SQLite file or postgresql:// URL")
    report.add_argument("--since", default=None, metavar="TIME", help="with --db: passages entering from this time")
    report.add_argument("--until", default=None, metavar="TIME", help="with --db: passages entering before this time")
    report.add_argument("--format", default="html,pdf", metavar="FMT[,FMT]",
                        help="any of html, pdf, geojson, kml, comma-separated (default html,pdf)")
    report.add_argument("--output", "-o", default="skyborder-report", metavar="DIR",
                        help="output folder (default skyborder-report)")
    report.add_argument("--near-misses", action="store_true", help="also write a report for each near miss")

    tally = commands.add_parser(
        "tally", help="passages, aircraft and warnings per country, airspace, military and period", **common)
    tally.add_argument("--db", required=True, metavar="DB", help="the register: a SQLite file or postgresql:// URL")
    tally.add_argument("--by", default="country,year", metavar="KEYS",
                       help="comma list of country, airspace, military and one period: year, quarter, month or "
                            "week (default country,year)")
    tally.add_argument("--since", default=None, metavar="TIME", help="passages entering from this time")
    tally.add_argument("--until", default=None, metavar="TIME", help="passages entering before this time")
    tally.add_argument("--year-start", type=int, default=1, metavar="MM",
                       help="first month of the (fiscal) year, e.g. 4 for April-March (default 1)")
    tally.add_argument("--format", choices=("table", "csv", "json", "png"), default="table")
    tally.add_argument("--output", "-o", metavar="FILE", help="write here (needed for png)")
