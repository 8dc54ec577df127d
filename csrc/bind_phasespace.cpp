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

// The channel table of a call: one program (ints, params), or several concatenated with each
// point's channel and the programs' offsets (channel_forward/inverse check each program).
madnis::ChannelTable channel_table(TensorArg& ints, TensorArg& params, int n_final, int dim, int64_t n,
                                   const py::object& channel_o, const py::object& int_offsets_o,
                                   const py::object& param_offsets_o, std::vector<TensorArg>& keep) {
    ints.dtype(madnis::kI64).ndim(1).contiguous();
    params.dtype(madnis::kF64).ndim(1).contiguous().same_device(ints);
    if (ints.size(0) < madnis::ps::kHeader) ints.fail("too short for a channel program");
    if (n_final < 2 || n_final + 2 > madnis::ps::kMaxSlots) {
        throw py::value_error("argument 'n_final': expected 2 <= n_final <= " +
                              std::to_string(madnis::ps::kMaxSlots - 2) + ", got " + std::to_string(n_final));
    }
    if (dim < 2) throw py::value_error("argument 'dim': expected >= 2, got " + std::to_string(dim));
    madnis::ChannelTable table{ints.data<int64_t>(), params.data<double>(), n_final, dim};
    const bool multi = !channel_o.is_none();
    if (multi != !int_offsets_o.is_none() || multi != !param_offsets_o.is_none()) {
        throw py::value_error("arguments 'channel', 'int_offsets', 'param_offsets': give all three or none");
    }
    if (multi) {
        keep.emplace_back("int_offsets", int_offsets_o);
        keep.emplace_back("param_offsets", param_offsets_o);
        keep.emplace_back("channel", channel_o);
        TensorArg& io = keep[0];
        TensorArg& po = keep[1];
        TensorArg& ch = keep[2];
        io.dtype(madnis::kI64).ndim(1).contiguous().same_device(ints);
        po.dtype(madnis::kI64).shape({io.size(0)}).contiguous().same_device(ints);
        ch.dtype(madnis::kI64).shape({n}).contiguous().same_device(ints);
        table.channel = ch.data<int64_t>();
        table.int_offsets = io.data<int64_t>();
        table.param_offsets = po.data<int64_t>();
        table.n_channels = io.size(0);
    }
    return table;
}

void py_map(py::object ints_o, py::object params_o, int n_final, int dim, py::object r_o, py::object momenta_o,
            py::object x1_o, py::object x2_o, py::object weight_o, uintptr_t stream, py::object channel_o,
            py::object int_offsets_o, py::object param_offsets_o) {
    TensorArg ints("ints", ints_o), params("params", params_o), r("r", r_o), momenta("momenta", momenta_o);
    TensorArg x1("x1", x1_o), x2("x2", x2_o), weight("weight", weight_o);
    r.dtype(madnis::kF64).ndim(2).contiguous();
    const int64_t n = r.size(0);
    std::vector<TensorArg> keep;
    keep.reserve(3);
    const auto table = channel_table(ints, params, n_final, dim, n, channel_o, int_offsets_o, param_offsets_o, keep);
    r.shape({-1, dim}).same_device(ints);
    momenta.dtype(madnis::kF64).shape({n, n_final + 2, 4}).contiguous().same_device(r);
    x1.dtype(madnis::kF64).shape({n}).contiguous().same_device(r);
    x2.dtype(madnis::kF64).shape({n}).contiguous().same_device(r);
    weight.dtype(madnis::kF64).shape({n}).contiguous().same_device(r);
    const madnis::PhaseSpaceMapOp op{table, r.data<double>(), momenta.data<double>(), x1.data<double>(),
                                     x2.data<double>(), weight.data<double>()};
    MADNIS_DISPATCH(n, op, r, stream);
}

void py_inverse(py::object ints_o, py::object params_o, int n_final, int dim, py::object momenta_o,
                py::object r_o, py::object weight_o, uintptr_t stream, py::object channel_o,
                py::object int_offsets_o, py::object param_offsets_o) {
    TensorArg ints("ints", ints_o), params("params", params_o), momenta("momenta", momenta_o);
    TensorArg r("r", r_o), weight("weight", weight_o);
    momenta.dtype(madnis::kF64).ndim(3).contiguous();
    const int64_t n = momenta.size(0);
    std::vector<TensorArg> keep;
    keep.reserve(3);
    const auto table = channel_table(ints, params, n_final, dim, n, channel_o, int_offsets_o, param_offsets_o, keep);
    momenta.shape({-1, n_final + 2, 4}).same_device(ints);
    r.dtype(madnis::kF64).shape({n, dim}).contiguous().same_device(momenta);
    weight.dtype(madnis::kF64).shape({n}).contiguous().same_device(momenta);
    const madnis::PhaseSpaceInverseOp op{table, momenta.data<double>(), r.data<double>(), weight.data<double>()};
    MADNIS_DISPATCH(n, op, momenta, stream);
}

}  // namespace

void madnis::bind_phasespace(py::module_& m) {
    m.def("phasespace_map", &py_map, py::arg("ints"), py::arg("params"), py::arg("n_final"), py::arg("dim"),
          py::arg("r"), py::arg("momenta"), py::arg("x1"), py::arg("x2"), py::arg("weight"),
          py::arg("stream") = 0, py::arg("channel") = py::none(), py::arg("int_offsets") = py::none(),
          py::arg("param_offsets") = py::none(),
          "Channel forward map: r [B, dim] → momenta [B, n_final+2, 4], x1, x2, weight [B] (filled in place). "
          "With channel [B] and the offsets of concatenated programs: each point's own program.");
    m.def("phasespace_inverse", &py_inverse, py::arg("ints"), py::arg("params"), py::arg("n_final"),
          py::arg("dim"), py::arg("momenta"), py::arg("r"), py::arg("weight"), py::arg("stream") = 0,
          py::arg("channel") = py::none(), py::arg("int_offsets") = py::none(), py::arg("param_offsets") = py::none(),
          "Channel inverse map: momenta [B, n_final+2, 4] → r [B, dim], weight [B] (filled in place); "
          "channel and offsets as for phasespace_map.");
}
