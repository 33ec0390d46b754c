"""Track tables: the schema, the readers and nationality from the ICAO address."""
