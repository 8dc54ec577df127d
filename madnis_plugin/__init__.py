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


if __name__ != "madnis_plugin":  # loaded by MG5 from its PLUGIN/ folder (as PLUGIN.madnis_plugin)
    from .mg5 import plugin as _plugin

    minimal_mg5amcnlo_version = _plugin.minimal_mg5amcnlo_version
    maximal_mg5amcnlo_version = _plugin.maximal_mg5amcnlo_version
    latest_validated_version = _plugin.latest_validated_version
    new_reweight = {}
    try:
        new_output = _plugin.outputs()
    except Exception as _error:  # noqa: BLE001 -- say so at `output madnis`, never fall back to madevent
        new_output = _plugin.broken_outputs(_error)
    try:
        new_interface = _plugin.interface()
    except Exception:  # noqa: BLE001 -- plain MG5 still launches madnis folders
        new_interface = None
