// Python bindings of the phase-space channel ops (see madnis_plugin/phasespace
// for the friendly API and the packing of a channel into ints/params).
#include "bind.h"
#include "dispatch.h"
#include "ops/phasespace_ops.h"
#ifdef MADNIS_WITH_CUDA
#include "cuda/entry.h"
#endif

namespace py = pybind11;
using madnis::TensorArg;

namespace {

madnis::ps::ChannelProgram program_view(TensorArg& ints, TensorArg& params, int n_final, int dim) {
    ints.dtype(madnis::kI64).ndim(1).contiguous();
    params.dtype(madnis::kF64).ndim(1).contiguous().same_device(ints);
    if (ints.size(0) < madnis::ps::kHeader) ints.fail("too short for a channel program");
    if (n_final < 2 || n_final + 2 > madnis::ps::kMaxSlots) {
        throw py::value_error("argument 'n_final': expected 2 <= n_final <= " +
                              std::to_string(madnis::ps::kMaxSlots - 2) + ", got " + std::to_string(n_final));
    }
    if (dim < 2) throw py::value_error("argument 'dim': expected >= 2, got " + std::to_string(dim));
    return {ints.data<int64_t>(), params.data<double>()};
}

void py_map(py::object ints_o, py::object params_o, int n_final, int dim, py::object r_o, py::object momenta_o,
            py::object x1_o, py::object x2_o, py::object weight_o, uintptr_t stream) {
    TensorArg ints("ints", ints_o), params("params", params_o), r("r", r_o), momenta("momenta", momenta_o);
    TensorArg x1("x1", x1_o), x2("x2", x2_o), weight("weight", weight_o);
    const auto channel = program_view(ints, params, n_final, dim);
    r.dtype(madnis::kF64).shape({-1, dim}).contiguous().same_device(ints);
    const int64_t n = r.size(0);
    momenta.dtype(madnis::kF64).shape({n, n_final + 2, 4}).contiguous().same_device(r);
    x1.dtype(madnis::kF64).shape({n}).contiguous().same_device(r);
    x2.dtype(madnis::kF64).shape({n}).contiguous().same_device(r);
    weight.dtype(madnis::kF64).shape({n}).contiguous().same_device(r);
    const madnis::PhaseSpaceMapOp op{channel,          n_final,           dim,
                                     r.data<double>(), momenta.data<double>(), x1.data<double>(),
                                     x2.data<double>(), weight.data<double>()};
    MADNIS_DISPATCH(n, op, r, stream);
}

void py_inverse(py::object ints_o, py::object params_o, int n_final, int dim, py::object momenta_o,
                py::object r_o, py::object weight_o, uintptr_t stream) {
    TensorArg ints("ints", ints_o), params("params", params_o), momenta("momenta", momenta_o);
    TensorArg r("r", r_o), weight("weight", weight_o);
    const auto channel = program_view(ints, params, n_final, dim);
    momenta.dtype(madnis::kF64).shape({-1, n_final + 2, 4}).contiguous().same_device(ints);
    const int64_t n = momenta.size(0);
    r.dtype(madnis::kF64).shape({n, dim}).contiguous().same_device(momenta);
    weight.dtype(madnis::kF64).shape({n}).contiguous().same_device(momenta);
    const madnis::PhaseSpaceInverseOp op{channel, n_final, dim, momenta.data<double>(), r.data<double>(),
                                         weight.data<double>()};
    MADNIS_DISPATCH(n, op, momenta, stream);
}

}  // namespace

void madnis::bind_phasespace(py::module_& m) {
    m.def("phasespace_map", &py_map, py::arg("ints"), py::arg("params"), py::arg("n_final"), py::arg("dim"),
          py::arg("r"), py::arg("momenta"), py::arg("x1"), py::arg("x2"), py::arg("weight"),
          py::arg("stream") = 0,
          "Channel forward map: r [B, dim] → momenta [B, n_final+2, 4], x1, x2, weight [B] (filled in place).");
    m.def("phasespace_inverse", &py_inverse, py::arg("ints"), py::arg("params"), py::arg("n_final"),
          py::arg("dim"), py::arg("momenta"), py::arg("r"), py::arg("weight"), py::arg("stream") = 0,
          "Channel inverse map: momenta [B, n_final+2, 4] → r [B, dim], weight [B] (filled in place).");
}
