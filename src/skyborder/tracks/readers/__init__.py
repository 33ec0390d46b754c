"""Readers: every track source becomes the one track table (see ``tracks.schema``)."""
