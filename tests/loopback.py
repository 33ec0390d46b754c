"""A one-connection TCP sink on 127.0.0.1 for tests that push traffic."""
from __future__ import annotations

import contextlib
import socket
import threading


@contextlib.contextmanager
def tcp_sink():
    """Yield (port, received bytearray); the server takes one connection and reads it to the end."""
    received = bytearray()
    with socket.create_server(("127.0.0.1", 0)) as server:
        def serve():
            conn, _ = server.accept()
            with conn:
                while data := conn.recv(65536):
                    received.extend(data)

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        yield server.getsockname()[1], received
        thread.join(5)
