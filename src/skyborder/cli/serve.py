"""``skyborder serve``: the radar page over a register (and optionally simulated traffic)."""
from __future__ import annotations

import os
import sys
from argparse import Namespace
from typing import TYPE_CHECKING

from ..errors import BadInput, InputError
from ._common import EXIT_OK

if TYPE_CHECKING:
    from ..web.model import PageSettings


def web_settings(args: Namespace, watched: list[str], zones: list) -> PageSettings:
    """The page settings from the shared radar-page options (``--title --reference --ring-step``)."""
    from ..web.model import PageSettings, parse_reference

    if not args.ring_step > 0:
        raise InputError("--ring-step must be > 0")
    reference = parse_reference(args.reference) if args.reference else None
    return PageSettings(title=args.title, watched=tuple(watched), zones=tuple(zones), reference=reference,
                        ring_step_m=args.ring_step * 1852.0)


def token_of(args: Namespace) -> str | None:
    """``--token``, else ``$SKYBORDER_TOKEN``, else None."""
    return args.token or os.environ.get("SKYBORDER_TOKEN") or None


def page_announcement(host: str, port: int, token: str | None) -> str:
    """The line that tells where the radar page is.

    Examples
    --------
    >>> page_announcement("::1", 8787, None)
    'skyborder: radar page on http://[::1]:8787/'
    """
    shown = f"[{host}]" if ":" in host else host
    return f"skyborder: radar page on http://{shown}:{port}/" + (" (log in at /login with the token)" if token else "")


def run(args: Namespace) -> int:
    from ..airspace import world
    from ..airspace.zones import read_zones
    from ..sim import traffic
    from ..web.app import create_app
    from ..web.security import check_bind, parse_bind
    from ..web.server import allowed_hosts, make_server
    from ..web.simulated import SimulatedLive

    token = token_of(args)
    host, port = parse_bind(args.bind)
    check_bind(host, token)
    if args.simulate < 0:
        raise InputError("--simulate must be >= 0")
    watched = [a.name for a in world.select(args.airspace)] if args.airspace else []
    zones = [zone for path in args.zones for zone in read_zones(path, BadInput(echo=sys.stderr))]
    settings = web_settings(args, watched + [z.name for z in zones], zones)
    live = None
    if args.simulate:
        scenario = (traffic.border_approach() if args.simulate <= 4 else traffic.busy(args.simulate))
        live = SimulatedLive(scenario, offset_s=60.0)
    register = None
    if args.db:
        from ..web.registered import RegisterView

        register = RegisterView(args.db)
    if live is None and register is None:
        raise InputError("give --db DB (the register to show) or --simulate N")
    app = create_app(live, register, settings, token=token, allowed_hosts=allowed_hosts(host, port))
    server = make_server(app, host, port, token)
    print(page_announcement(host, port, token), file=sys.stderr)
    try:
        server.run()
    except SystemExit:
        raise InputError(f"cannot listen on {host}:{port} (in use, or not an address of this machine)") from None
    return EXIT_OK
