"""Mode S CRC-24 (generator polynomial 0x1FFF409), one frame at a time or a whole batch.

The parity of a frame is the remainder of its data bits times x^24 divided by the generator.
For DF11/17/18 the last 24 bits are that parity (remainder of the whole frame = 0 when
intact); for DF0/4/5/16/20/21 they are parity XOR the aircraft address, so the remainder of
the whole frame *is* the address.
"""
from __future__ import annotations

import numpy as np

GENERATOR = 0x1FFF409
_MASK = 0xFFFFFF


def _build_table() -> np.ndarray:
    table = np.zeros(256, dtype=np.uint32)
    for byte in range(256):
        crc = byte << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= GENERATOR
        table[byte] = crc & _MASK
    return table


TABLE = _build_table()
_TABLE_LIST = TABLE.tolist()


def parity(data: bytes) -> int:
    """The 24-bit parity to append to ``data`` (the frame without its last 3 bytes)."""
    crc = 0
    for byte in data:
        crc = ((crc << 8) & _MASK) ^ _TABLE_LIST[(crc >> 16) ^ byte]
    return crc


def remainder(frame: bytes) -> int:
    """CRC remainder of a whole frame: 0 for an intact DF11/17/18, the address for DF4/5/20/21."""
    return parity(frame[:-3]) ^ int.from_bytes(frame[-3:], "big")


def remainders(frames: np.ndarray) -> np.ndarray:
    """Vectorised ``remainder`` over an (n, length) uint8 array of equal-length frames."""
    frames = np.asarray(frames, dtype=np.uint8)
    crc = np.zeros(len(frames), dtype=np.uint32)
    for column in range(frames.shape[1] - 3):
        crc = ((crc << 8) & _MASK) ^ TABLE[(crc >> 16) ^ frames[:, column]]
    tail = frames[:, -3:].astype(np.uint32)
    return crc ^ ((tail[:, 0] << 16) | (tail[:, 1] << 8) | tail[:, 2])
