"""Running the radar server under uvicorn: in the foreground (``serve``) or in a thread
(``watch --serve``, where the watch loop keeps the main thread)."""
from __future__ import annotations

import threading
import time
from typing import Any

import uvicorn

from ..errors import InputError
from .security import check_bind, is_loopback

__all__ = ["BackgroundServer", "allowed_hosts", "make_server"]


def allowed_hosts(host: str, port: int) -> frozenset[str] | None:
    """Host headers accepted when bound to loopback (DNS-rebinding defence); None otherwise.

    Examples
    --------
    >>> sorted(allowed_hosts("127.0.0.1", 8787))
    ['127.0.0.1:8787', '[::1]:8787', 'localhost:8787']
    >>> allowed_hosts("0.0.0.0", 8787) is None
    True
    """
    if not is_loopback(host):
        return None
    return frozenset({f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"})


def make_server(app: Any, host: str, port: int, token: str | None) -> uvicorn.Server:
    """A uvicorn server for ``app`` on ``host:port`` (refused beyond loopback without a token)."""
    check_bind(host, token)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False,
                            proxy_headers=False, server_header=False, date_header=True,
                            limit_concurrency=1000, timeout_keep_alive=5, h11_max_incomplete_event_size=16384,
                            lifespan="on", ws="none")
    return uvicorn.Server(config)


class BackgroundServer:
    """A uvicorn server in a daemon thread; ``start`` waits until it listens, ``stop`` ends it."""

    def __init__(self, server: uvicorn.Server):
        self.server = server
        self.thread = threading.Thread(target=server.run, name="skyborder-web", daemon=True)

    def start(self, timeout_s: float = 15.0) -> None:
        self.thread.start()
        deadline = time.monotonic() + timeout_s
        while not self.server.started:
            if not self.thread.is_alive():
                raise InputError(f"the web server could not start on {self.server.config.host}:"
                                 f"{self.server.config.port} (is the port in use?)")
            if time.monotonic() > deadline:
                raise InputError("the web server did not start in time")
            time.sleep(0.02)

    def stop(self, timeout_s: float = 5.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout_s)
