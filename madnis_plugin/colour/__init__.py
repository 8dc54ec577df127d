"""Colour: exact SU(3) colour factors of tree diagrams in the colour-flow basis.

`algebra` holds the double-line algebra (deltas, flows, the colour matrix, LHE tags);
`basis` applies it to the diagrams of a process. Used by `madnis_plugin.codegen` at
generation time; nothing here runs per event.
"""

from madnis_plugin.colour.algebra import NC, Flow, GaussQ, colour_matrix, icolup, is_leading
from madnis_plugin.colour.basis import ColourBasis, ColourVertex, diagram_flows

__all__ = [
    "NC",
    "ColourBasis",
    "ColourVertex",
    "Flow",
    "GaussQ",
    "colour_matrix",
    "diagram_flows",
    "icolup",
    "is_leading",
]
