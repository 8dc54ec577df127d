"""Code generation for matrix elements: diagrams -> helicity-amplitude C++/CUDA -> shared library.

`build_program` turns the diagrams of a subprocess into an `AmplitudeProgram`
(wavefunctions, shared off-shell currents, amplitude pieces, colour basis, helicities);
`render_source` writes it out through the jinja2 template in ``templates/``;
`compile_library` compiles it, cached by content hash. The physics lives in the
header-only library ``csrc/include/madnis/helas``; evaluation goes through the core
(`madnis_plugin.matrix_element`). Nothing here runs per event.
"""

from madnis_plugin.codegen.build import BuildError, cache_dir, compile_library
from madnis_plugin.codegen.program import AmplitudeProgram, build_program
from madnis_plugin.codegen.render import render_source

__all__ = ["AmplitudeProgram", "BuildError", "build_program", "cache_dir", "compile_library", "render_source"]
