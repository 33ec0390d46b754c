"""The incident register: passages, warnings, alerts, acknowledgements, aircraft seen and the
provenance of every run, in SQLite (default) or PostgreSQL, behind one interface.

``open_register("skyborder.sqlite")`` or ``open_register("postgresql://...")`` returns a
:class:`Register` (see ``store``); the tables derive from the result and warning schemas
(``schema``), migrated when opened.
"""
from .schema import SCHEMA_VERSION
from .store import Passage, RecordResult, Register, open_register

__all__ = ["SCHEMA_VERSION", "Passage", "RecordResult", "Register", "open_register"]
