"""Predictive border warnings: kinematics, predicted paths, exact entry times, stages and policies.

``WarningEngine(airspaces, policy).update(fixes)`` gives the warnings a batch of fixes raises
(live, batch after batch); ``replay(tracks, airspaces, policy)`` runs a recording through the
same engine. Policies (``load_policy``): the presets ``atc`` and ``air-policing`` or a TOML file.
Warning records follow ``records.WARNING_COLUMNS``.
"""
from .engine import WarningEngine, WarningEvents, replay
from .policy import PARAMETERS, PRESETS, Policy, load_policy
from .records import CLEARED_COLUMNS, WARNING_COLUMNS

__all__ = ["CLEARED_COLUMNS", "PARAMETERS", "PRESETS", "WARNING_COLUMNS", "Policy", "WarningEngine", "WarningEvents",
           "load_policy", "replay"]
