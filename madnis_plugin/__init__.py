"""madnis: a tree-level LHC event generator with learned (MadNIS) phase-space sampling.

The package is also a MadGraph5_aMC@NLO plugin folder. Submodules are imported
lazily so that parsing cards does not need the compiled core.
"""

__version__ = "0.1.0"
