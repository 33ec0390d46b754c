"""How Mode S frames travel over files and sockets: AVR text lines and Beast binary.

AVR (text, one frame per line):
    ``*8D4840D6202CC371C32CE0576098;``        frame, no timestamp
    ``@0000001E8480 8D4840D6...;``            ``@`` + 12 hex digits of a 12 MHz counter + frame
    ``<0000001E8480FF8D4840D6...;``           ``<`` + counter + 2 hex digits of signal + frame
    ``8D4840D6202CC371C32CE0576098``          plain hex
  4-digit frames are Mode A/C replies (no address): recognised and ignored.

Beast (binary): ``0x1A``, a type byte (``'1'`` Mode A/C, 2 bytes; ``'2'`` short Mode S,
7 bytes; ``'3'`` long Mode S, 14 bytes), a 6-byte big-endian 12 MHz counter, 1 signal byte,
then the frame. Every ``0x1A`` inside counter, signal or frame is sent twice.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple

COUNTER_HZ = 12_000_000
COUNTER_MASK = (1 << 48) - 1
ESCAPE = 0x1A
BEAST_TYPES = {0x31: 2, 0x32: 7, 0x33: 14}  # type byte -> frame length
_BEAST_TYPE_OF_LENGTH = {length: kind for kind, length in BEAST_TYPES.items()}
_HEX_DIGITS = frozenset(b"0123456789abcdefABCDEF")
_FRAME_HEX_LENGTHS = (14, 28)
_MODE_AC_HEX_LENGTH = 4
_AVR_FAST = re.compile(rb"(?:\*|@([0-9A-Fa-f]{12})|<([0-9A-Fa-f]{12})[0-9A-Fa-f]{2})"
                       rb"([0-9A-Fa-f]{28}|[0-9A-Fa-f]{14});")


# --- encoding -------------------------------------------------------------------------------

def avr_line(frame: bytes, counter: int | None = None) -> str:
    """One AVR line (without newline); with an ``@`` MLAT counter when ``counter`` is given."""
    text = frame.hex().upper()
    if counter is None:
        return f"*{text};"
    return f"@{counter & COUNTER_MASK:012X}{text};"


def beast_frame(frame: bytes, counter: int = 0, signal: int = 0xFF) -> bytes:
    """One Beast binary message, ``0x1A`` bytes escaped."""
    kind = _BEAST_TYPE_OF_LENGTH.get(len(frame))
    if kind is None:
        raise ValueError(f"no Beast type for a {len(frame)}-byte frame")
    body = (counter & COUNTER_MASK).to_bytes(6, "big") + bytes((signal & 0xFF,)) + frame
    return bytes((ESCAPE, kind)) + body.replace(b"\x1a", b"\x1a\x1a")


# --- decoding -------------------------------------------------------------------------------

def parse_avr_line(line: bytes) -> tuple[bytes | None, int | None, str | None]:
    """(frame, counter or None, error or None) of one AVR line (whitespace already stripped).

    Mode A/C lines give (None, None, None): valid but carrying nothing to decode.
    """
    fast = _AVR_FAST.fullmatch(line)
    if fast is not None:
        stamp = fast[1] or fast[2]
        return bytes.fromhex(fast[3].decode("ascii")), int(stamp, 16) if stamp else None, None
    counter = None
    body = line
    if body[:1] in (b"*", b"@", b"<"):
        if not body.endswith(b";"):
            return None, None, "AVR line does not end with ';' (truncated?)"
        prefix, body = body[:1], body[1:-1]
        if prefix != b"*":
            digits = 12 if prefix == b"@" else 14  # '<' adds two signal digits
            stamp, body = body[:digits], body[digits:]
            if len(stamp) < digits or not _HEX_DIGITS.issuperset(stamp):
                return None, None, "bad MLAT timestamp"
            counter = int(stamp[:12], 16)
    elif body.endswith(b";"):
        body = body[:-1]
    if not _HEX_DIGITS.issuperset(body):
        return None, None, "non-hex characters"
    if len(body) in _FRAME_HEX_LENGTHS:
        return bytes.fromhex(body.decode("ascii")), counter, None
    if len(body) == _MODE_AC_HEX_LENGTH:
        return None, None, None
    return None, None, f"wrong frame length ({len(body)} hex digits)"


class BeastMessage(NamedTuple):
    offset: int     # byte offset of the leading 0x1A in the whole stream
    length: int     # frame length in bytes (2 = Mode A/C)
    counter: int    # 12 MHz counter
    frame: bytes


@dataclass
class BeastSplitter:
    """Incremental Beast de-framer: bytes in any split -> messages, plus the damage seen.

    ``errors`` collects (byte offset, reason) for garbage runs and truncated frames; after a
    damaged stretch it resynchronises on the next ``0x1A`` followed by a valid type byte.
    """

    errors: list[tuple[int, str]] = field(default_factory=list)
    _buffer: bytes = b""
    _base: int = 0                    # stream offset of _buffer[0]
    _junk_start: int | None = None    # stream offset where the current garbage run began
    _junk_bytes: int = 0

    def feed(self, chunk: bytes) -> list[BeastMessage]:
        """Messages completed by ``chunk``; an incomplete tail is kept for the next call."""
        buf = self._buffer + chunk
        out: list[BeastMessage] = []
        pos, end = 0, len(buf)
        base = self._base
        types = BEAST_TYPES
        while pos < end:
            # fast path: a frame starts right here and holds no escaped byte
            if buf[pos] == ESCAPE and pos + 1 < end and (length := types.get(buf[pos + 1])):
                stop = pos + 9 + length
                body = buf[pos + 2:stop]
                if stop <= end and ESCAPE not in body:
                    if self._junk_start is not None:
                        self._end_junk()
                    out.append(BeastMessage(base + pos, length, int.from_bytes(body[:6], "big"), body[7:]))
                    pos = stop
                    continue
            start = buf.find(b"\x1a", pos)
            if start < 0:
                self._junk(pos, end - pos)
                pos = end
                break
            if start > pos:
                self._junk(pos, start - pos)
            if start + 1 >= end:
                pos = start
                break
            length = types.get(buf[start + 1])
            if length is None:
                self._junk(start, 1)
                pos = start + 1
                continue
            unescaped, next_pos, damaged = _unescape(buf, start + 2, 7 + length)
            if unescaped is None and not damaged:
                pos = start  # incomplete: wait for more bytes
                break
            if damaged or unescaped is None:
                self._end_junk()
                self.errors.append((base + start, "truncated Beast frame"))
                pos = next_pos
                continue
            self._end_junk()
            out.append(BeastMessage(base + start, length, int.from_bytes(unescaped[:6], "big"), unescaped[7:]))
            pos = next_pos
        self._buffer = buf[pos:]
        self._base += pos
        return out

    def finish(self) -> None:
        """End of stream: report a trailing partial frame or garbage."""
        if self._buffer:
            self.errors.append((self._base, f"truncated Beast frame at end of input ({len(self._buffer)} bytes)"))
            self._base += len(self._buffer)
            self._buffer = b""
        self._end_junk()

    def _junk(self, pos: int, count: int) -> None:
        if self._junk_start is None:
            self._junk_start = self._base + pos
        self._junk_bytes += count

    def _end_junk(self) -> None:
        if self._junk_start is not None:
            self.errors.append((self._junk_start, f"{self._junk_bytes} garbage byte(s) between Beast frames"))
            self._junk_start, self._junk_bytes = None, 0


def _unescape(buf: bytes, pos: int, need: int) -> tuple[bytes | None, int, bool]:
    """Read ``need`` unescaped bytes from ``buf[pos:]``: (bytes, next position, damaged).

    (None, _, False) when the buffer ends first; damaged when a lone 0x1A (the start of the
    next frame) interrupts this one, in which case next position is that 0x1A.
    """
    raw = buf[pos:pos + need]
    if len(raw) == need and ESCAPE not in raw:
        return raw, pos + need, False
    out = bytearray()
    end = len(buf)
    while len(out) < need:
        if pos >= end:
            return None, pos, False
        byte = buf[pos]
        if byte == ESCAPE:
            if pos + 1 >= end:
                return None, pos, False
            if buf[pos + 1] != ESCAPE:
                return None, pos, True
            pos += 1
        out.append(byte)
        pos += 1
    return bytes(out), pos, False
