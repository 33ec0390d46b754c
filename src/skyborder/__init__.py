"""skyborder: exact geodesic detection of aircraft crossing national airspace and custom zones."""
__version__ = "0.1.0"
