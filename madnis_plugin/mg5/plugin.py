"""What MG5 reads from a PLUGIN module: the output formats and the MG5 versions.

MG5 3.5 looks for ``new_output`` (format name -> exporter class) and the three
version tuples on ``PLUGIN.<name>``; a module without the tuples is discarded.
"""

# MG5 3.5.x: validated on 3.5.7; the exporter interface (VirtualExporter) is 3.x's.
minimal_mg5amcnlo_version = (3, 5, 0)
maximal_mg5amcnlo_version = (3, 6, 1000)
latest_validated_version = (3, 5, 7)


def outputs() -> dict:
    """``new_output`` of the plugin; importing the exporter needs MG5's modules."""
    from .exporter import MadnisExporter

    return {"madnis": MadnisExporter}


def interface():
    """``new_interface``: the class ``mg5_aMC --mode=madnis_plugin`` starts."""
    from .interface import MadnisInterface

    return MadnisInterface


def broken_outputs(error: BaseException) -> dict:
    """``new_output`` when the exporter cannot be imported: ``output madnis`` then stops
    with the reason instead of MG5 falling back to a madevent folder."""
    reason = f"{type(error).__name__}: {error}"

    class BrokenMadnisExporter:
        check = False
        exporter = "v4"
        output = "None"
        sa_symmetry = False
        grouped_mode = "madevent"

        def __init__(self, *args, **kwargs):
            raise RuntimeError(f"the madnis MG5 plugin failed to load ({reason}); "
                               "run `madnis mg5-check MG5_DIR` for details")

    return {"madnis": BrokenMadnisExporter}
