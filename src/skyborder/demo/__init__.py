"""The 24 November 2015 Su-24 case, replayed through skyborder (``skyborder demo``).

An application on top of the library layers: ``evidence`` holds the reconstructed tracks and the
published claims (``data/``), ``reconstruct`` rebuilds the tracks, ``case`` runs detection and
writes the report and the radar map.
"""
