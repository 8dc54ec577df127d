"""madnis: a tree-level LHC event generator with learned (MadNIS) phase-space sampling.

The package is also a MadGraph5_aMC@NLO plugin folder. Submodules are imported
lazily so that parsing cards does not need the compiled core.
"""

__version__ = "0.1.0"


def __getattr__(name: str):
    # madnis_plugin.Process without importing the process compiler at package import.
    if name == "Process":
        from madnis_plugin.process.process import Process

        return Process
    raise AttributeError(name)
