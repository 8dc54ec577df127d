// Python bindings of the run_card cut and scale ops (see madnis_plugin/integrand/cuts.py
// and scales.py for the friendly API and the packed layouts).
#include "bind.h"
#include "dispatch.h"
#include "ops/cut_ops.h"
#ifdef MADNIS_WITH_CUDA
#include "cuda/entry.h"
#endif

namespace py = pybind11;
using madnis::TensorArg;

namespace {

constexpr madnis::DType kBool{kDLBool, 8, "bool"};

void py_cuts(py::object params_o, py::object flags_o, py::object pdg_o, py::object p_o, py::object out_o,
             uintptr_t stream) {
    TensorArg params("params", params_o), flags("flags", flags_o), pdg("pdg", pdg_o);
    TensorArg p("momenta", p_o), out("out", out_o);
    p.dtype(madnis::kF64).ndim(3).contiguous();
    const int64_t n = p.size(0), n_legs = p.size(1);
    p.shape({n, n_legs, 4});
    if (n_legs < 3) p.fail("expected at least 3 legs (2 incoming, then outgoing)");
    params.dtype(madnis::kF64).shape({madnis::kNumCutParams}).contiguous().same_device(p);
    flags.dtype(madnis::kI32).shape({n_legs - 2}).contiguous().same_device(p);
    pdg.dtype(madnis::kI32).shape({n_legs - 2}).contiguous().same_device(p);
    out.dtype(kBool).shape({n}).contiguous().same_device(p);
    const madnis::CutsOp op{params.data<double>(), flags.data<int32_t>(), pdg.data<int32_t>(),
                            static_cast<int>(n_legs - 2), p.data<double>(), out.data<bool>()};
    MADNIS_DISPATCH(n, op, p, stream);
}

void py_scales(py::object params_o, py::object pdg_o, py::object diagrams_o, py::object mass_width_o, int channel,
               py::object p_o, py::object mur_o, py::object muf1_o, py::object muf2_o, uintptr_t stream,
               py::object channels_o) {
    TensorArg params("params", params_o), pdg("pdg", pdg_o), diagrams("diagrams", diagrams_o);
    TensorArg mass_width("mass_width", mass_width_o), p("momenta", p_o);
    TensorArg mur("mu_r", mur_o), muf1("mu_f1", muf1_o), muf2("mu_f2", muf2_o);
    p.dtype(madnis::kF64).ndim(3).contiguous();
    const int64_t n = p.size(0), n_legs = p.size(1);
    p.shape({n, n_legs, 4});
    if (n_legs < 3 || n_legs > madnis::kScaleMaxLegs) {
        p.fail("expected 3 to " + std::to_string(madnis::kScaleMaxLegs) + " legs, got " + std::to_string(n_legs));
    }
    params.dtype(madnis::kF64).shape({madnis::kNumScaleParams}).contiguous().same_device(p);
    pdg.dtype(madnis::kI32).shape({n_legs}).contiguous().same_device(p);
    diagrams.dtype(madnis::kI32).ndim(3).contiguous().same_device(p);
    const int64_t n_diagrams = diagrams.size(0);
    diagrams.shape({n_diagrams, n_legs - 3, 2});
    mass_width.dtype(madnis::kF64).shape({n_diagrams, n_legs - 3, 2}).contiguous().same_device(p);
    if (channel < -1 || channel >= n_diagrams) {
        diagrams.fail("channel " + std::to_string(channel) + " is not one of its " + std::to_string(n_diagrams) +
                      " diagrams (-1: none)");
    }
    for (TensorArg* o : {&mur, &muf1, &muf2}) o->dtype(madnis::kF64).shape({n}).contiguous().same_device(p);
    const madnis::ScDiagrams dg{diagrams.data<int32_t>(), mass_width.data<double>(), static_cast<int>(n_diagrams),
                                channel};
    madnis::ScalesOp op{params.data<double>(), pdg.data<int32_t>(), static_cast<int>(n_legs), dg,
                        p.data<double>(),      mur.data<double>(),  muf1.data<double>(),
                        muf2.data<double>()};
    if (!channels_o.is_none()) {
        TensorArg channels("channels", channels_o);
        channels.dtype(madnis::kI64).shape({n}).contiguous().same_device(p);
        op.channels = channels.data<int64_t>();
    }
    MADNIS_DISPATCH(n, op, p, stream);
}

}  // namespace

void madnis::bind_cuts(py::module_& m) {
    m.def("cuts", &py_cuts, py::arg("params"), py::arg("flags"), py::arg("pdg"), py::arg("momenta"), py::arg("out"),
          py::arg("stream") = 0, "MG5 run_card cuts: out[b] = event b passes (layout in madnis/cuts.h).");
    m.def("scales", &py_scales, py::arg("params"), py::arg("pdg"), py::arg("diagrams"), py::arg("mass_width"),
          py::arg("channel"),
          py::arg("momenta"), py::arg("mu_r"),
          py::arg("mu_f1"), py::arg("mu_f2"), py::arg("stream") = 0, py::arg("channels") = py::none(),
          "MG5 run_card renormalisation and factorisation scales per event (madnis/scales.h); "
          "channels: int64 [B], each point's diagram row (-1: none), instead of channel.");
}
