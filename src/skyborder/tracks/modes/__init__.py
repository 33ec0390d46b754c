"""Mode S / ADS-B: skyborder's own encoder (CRC-24, CPR), Beast/AVR framing, pyModeS-based
decoding of frames to track fixes, and a traffic simulator."""
