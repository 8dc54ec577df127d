// Registration functions of the core's physics domains, one bind_*.cpp each.
#pragma once

#include <pybind11/pybind11.h>

namespace madnis {

void bind_pdf(pybind11::module_& m);
void bind_me(pybind11::module_& m);
void bind_cuts(pybind11::module_& m);
void bind_phasespace(pybind11::module_& m);
void bind_threads(pybind11::module_& m);

}  // namespace madnis
