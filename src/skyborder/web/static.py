"""The page's files, read once from the package into memory.

A request's path is only ever a key into this table: it never reaches the file system, so no
path traversal (``..``, encoded slashes, symlinks, absolute paths) can serve anything else.
Each file is kept as is and gzip-compressed (sent when the browser accepts gzip), with a
strong ETag so a reload costs a 304.
"""
from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.abc import Traversable

__all__ = ["Asset", "assets"]

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".woff2": "font/woff2",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/plain; charset=utf-8",
    "": "text/plain; charset=utf-8",  # LICENSE files
}
COMPRESSIBLE = (".html", ".js", ".mjs", ".css", ".json", ".svg", ".txt", ".md", "")


@dataclass(frozen=True)
class Asset:
    """One file: its bytes, the gzip of them (or None), MIME type and ETag."""

    body: bytes
    gzipped: bytes | None
    content_type: str
    etag: str


def _suffix(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 else ""


def _walk(folder: Traversable, prefix: str) -> dict[str, Asset]:
    found: dict[str, Asset] = {}
    for entry in folder.iterdir():
        if entry.name.startswith("."):
            continue
        url = f"{prefix}/{entry.name}"
        if entry.is_dir():
            found.update(_walk(entry, url))
            continue
        suffix = _suffix(entry.name)
        if suffix not in CONTENT_TYPES:
            continue
        body = entry.read_bytes()
        packed = gzip.compress(body, 6, mtime=0) if suffix in COMPRESSIBLE else None
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        found[url] = Asset(body, packed if packed and len(packed) < len(body) else None, CONTENT_TYPES[suffix], etag)
    return found


@cache
def assets() -> dict[str, Asset]:
    """Every shipped file by URL path (``/static/...``), loaded on first use."""
    return _walk(resources.files("skyborder.web") / "static", "/static")
