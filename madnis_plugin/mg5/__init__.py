"""The part of madnis that MG5_aMC@NLO imports (as ``PLUGIN.madnis_plugin``).

MG5's Python has no torch: this subpackage uses only the standard library and MG5's
own modules, with relative imports (MG5 does not put madnis on its path). It writes a
madnis process folder (`folder.py`) from what MG5 generated (`exporter.py`) and hands
the run to the ``madnis`` executable; `interface.py` is ``mg5_aMC --mode=madnis_plugin``.
The madnis side of the link (installing into MG5, running a process folder) is
`install.py` and the ``madnis mg5-*`` commands.
"""
