"""Mode S / ADS-B, the reading side: CRC-24, Beast/AVR framing and pyModeS-based decoding of
frames to track fixes. (The encoder lives in ``skyborder.sim``.)"""
