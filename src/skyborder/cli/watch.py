"""``skyborder watch``: a live feed through passages and warnings into the register and events."""
from __future__ import annotations

import contextlib
import signal
import sys
import threading
from argparse import Namespace
from typing import TYPE_CHECKING

from ..errors import BadInput, InputError
from ._common import EXIT_BAD_INPUT, EXIT_ERROR, EXIT_OK, watched_airspaces

PICTURE_STALE_S = 60.0  # an aircraft without a position for this long leaves the page (as in tar1090)

if TYPE_CHECKING:
    from ..watch import EventWriter
    from ..watch.picture import LivePicture
    from ..web.registered import RegisterView
    from ..web.server import BackgroundServer


def run(args: Namespace) -> int:
    from ..airspace.index import AirspaceIndex
    from ..errors import RegisterError
    from ..register import open_register
    from ..tracks.feeds import open_feed
    from ..warn.policy import load_policy
    from ..watch import EventWriter, Watch, WatchOptions
    from ..watch.picture import LivePicture

    if args.silence <= 0 or args.max_gap <= 0 or args.near < 0 or args.queue < 1 or args.batch_seconds <= 0:
        raise InputError("--silence, --max-gap and --batch-seconds must be > 0, --near >= 0, --queue >= 1")
    bind = _page_address(args)  # a bind refused without a token is a usage error, before anything runs
    bad = BadInput(echo=sys.stderr)
    policy = load_policy(args.policy)
    airspaces = watched_airspaces(args, bad)
    index = AirspaceIndex(airspaces)
    register = open_register(args.db)  # an unavailable register is one clear error, before anything runs
    stop = threading.Event()
    options = {"format": args.input_format, "follow": args.follow, "stop": stop, "bad": bad,
               "batch_seconds": args.batch_seconds, "batch_fixes": 5000}
    if args.tz:
        if not (args.feed.lower().startswith("sbs://") or args.input_format == "sbs"):
            raise InputError("--tz applies to SBS feeds only (sbs://HOST:PORT, or --input-format sbs)")
        options["factory"] = _sbs_factory(args.tz)
    picture = LivePicture(stale_s=min(PICTURE_STALE_S, args.silence)) if bind else None
    page = None
    previous = {}
    events = EventWriter(args.events)
    try:
        if bind is not None and picture is not None:
            page = _start_page(args, bind, airspaces, picture, events)
        feed = open_feed(args.feed, **options)
        watch = Watch(feed, index, policy, register, events, source=args.feed,
                      options=WatchOptions(silence_s=args.silence, max_gap_s=args.max_gap, near_m=args.near,
                                           queue_batches=args.queue, status_every_s=args.status_every,
                                           passages=not args.no_passages),
                      status=sys.stderr if args.status_every > 0 else None, picture=picture)
        previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)}
        watch.run()
    except RegisterError as error:
        print(f"skyborder: error: {error}; the run stopped: the batch being written and what followed it were "
              f"not stored (no event was written for them)", file=sys.stderr)
        return EXIT_ERROR
    except OSError as error:
        print(f"skyborder: error: cannot write events to {args.events!r}: {error.strerror or error}; the run "
              "stopped (what was committed before is in the register)", file=sys.stderr)
        return EXIT_ERROR
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if page is not None:
            page[0].stop()
            page[1].close()
        with contextlib.suppress(OSError):  # a failed write was reported above; closing cannot add to it
            events.close()
        register.close()
    bad.print_summary()
    return EXIT_BAD_INPUT if bad.total else EXIT_OK


def _page_address(args: Namespace) -> tuple[str, int] | None:
    """``--serve HOST:PORT`` checked as ``serve --bind`` is (beyond loopback only with a token); None without it."""
    if not args.serve:
        return None
    from ..web.security import check_bind, parse_bind
    from .serve import token_of

    host, port = parse_bind(args.serve)
    check_bind(host, token_of(args))
    return host, port


def _start_page(args: Namespace, bind: tuple[str, int], airspaces: list, picture: LivePicture,
                events: EventWriter) -> tuple[BackgroundServer, RegisterView]:
    """``--serve``: the radar page over the live picture and the register, in a thread of its own;
    every event written also goes to the page's stream."""
    from ..web.app import create_app
    from ..web.registered import RegisterView
    from ..web.server import BackgroundServer, allowed_hosts, make_server
    from .serve import page_announcement, token_of, web_settings

    host, port = bind
    token = token_of(args)
    zones = [a for a in airspaces if a.kind != "country"]
    settings = web_settings(args, [a.name for a in airspaces], zones)
    view = RegisterView(args.db)  # its own connection: the page's reads and acknowledgements
    app = create_app(picture, view, settings, token=token, allowed_hosts=allowed_hosts(host, port))
    server = BackgroundServer(make_server(app, host, port, token))
    try:
        server.start()
    except InputError:
        view.close()
        raise
    events.listeners.append(app.hub.publish_event)
    print(page_announcement(host, port, token), file=sys.stderr)
    return server, view


def _sbs_factory(tz: str):
    from ..tracks.readers.sbs import SbsParser

    return lambda source, bad: SbsParser(source=source, bad=bad, tz=tz)
