"""Simulated traffic: skyborder's own ADS-B encoder (``encode``) and traffic scenarios
(``traffic``) written as AVR, Beast or SBS, or pushed over TCP. Only CRC and framing are shared
with the readers (``tracks.modes``)."""
