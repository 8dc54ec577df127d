// Python bindings of the PDF and αs ops (see madnis_plugin/pdf for the friendly API).
#include "bind.h"
#include "dispatch.h"
#include "ops/pdf_ops.h"
#ifdef MADNIS_WITH_CUDA
#include "cuda/entry.h"
#endif

namespace py = pybind11;
using madnis::TensorArg;

namespace {

madnis::PdfGridView grid_view(TensorArg& layout, TensorArg& knots, TensorArg& values) {
    layout.dtype(madnis::kI64).ndim(1).contiguous();
    knots.dtype(madnis::kF64).ndim(1).contiguous().same_device(layout);
    values.dtype(madnis::kF64).ndim(1).contiguous().same_device(layout);
    return {layout.data<int64_t>(), knots.data<double>(), values.data<double>()};
}

void py_pdf_xfx(py::object layout_o, py::object knots_o, py::object values_o, py::object pids_o,
             py::object x_o, py::object q2_o, py::object out_o, bool per_point, uintptr_t stream) {
    TensorArg layout("layout", layout_o), knots("knots", knots_o), values("values", values_o);
    TensorArg pids("pids", pids_o), x("x", x_o), q2("q2", q2_o), out("out", out_o);
    const auto grid = grid_view(layout, knots, values);
    x.dtype(madnis::kF64).ndim(1).contiguous().same_device(layout);
    const int64_t n = x.size(0);
    q2.dtype(madnis::kF64).shape({n}).contiguous().same_device(x);
    pids.dtype(madnis::kI32).ndim(1).contiguous().same_device(x);
    if (per_point) {
        pids.shape({n});
        out.dtype(madnis::kF64).shape({n}).contiguous().same_device(x);
    } else {
        out.dtype(madnis::kF64).shape({n, pids.size(0)}).contiguous().same_device(x);
    }
    const madnis::PdfXfxOp op{grid,          pids.data<int32_t>(), static_cast<int>(pids.size(0)),
                              per_point,     x.data<double>(),     q2.data<double>(),
                              out.data<double>()};
    MADNIS_DISPATCH(n, op, x, stream);
}

void py_alphas(py::object segments_o, py::object logq2_o, py::object values_o, py::object q2_o,
            py::object out_o, uintptr_t stream) {
    TensorArg segments("segments", segments_o), logq2("logq2", logq2_o), values("values", values_o);
    TensorArg q2("q2", q2_o), out("out", out_o);
    segments.dtype(madnis::kI64).ndim(1).contiguous();
    logq2.dtype(madnis::kF64).ndim(1).contiguous().same_device(segments);
    values.dtype(madnis::kF64).shape({logq2.size(0)}).contiguous().same_device(segments);
    q2.dtype(madnis::kF64).ndim(1).contiguous().same_device(segments);
    out.dtype(madnis::kF64).shape({q2.size(0)}).contiguous().same_device(q2);
    const madnis::AlphasOp op{{segments.data<int64_t>(), logq2.data<double>(), values.data<double>()},
                              q2.data<double>(), out.data<double>()};
    MADNIS_DISPATCH(q2.size(0), op, q2, stream);
}

void py_running_alphas(py::object q_o, py::object out_o, double alpha_mz, double mz, double mc, double mb,
                       int nloop, uintptr_t stream) {
    TensorArg q("q", q_o), out("out", out_o);
    q.dtype(madnis::kF64).ndim(1).contiguous();
    out.dtype(madnis::kF64).shape({q.size(0)}).contiguous().same_device(q);
    if (nloop != 1 && nloop != 2) throw py::value_error("nloop: expected 1 or 2");
    const madnis::RunningAlphasOp op{{alpha_mz, mz, mc, mb, nloop}, q.data<double>(), out.data<double>()};
    MADNIS_DISPATCH(q.size(0), op, q, stream);
}

}  // namespace

void madnis::bind_pdf(py::module_& m) {
    m.def("pdf_xfx", &py_pdf_xfx, py::arg("layout"), py::arg("knots"), py::arg("values"), py::arg("pids"),
          py::arg("x"), py::arg("q2"), py::arg("out"), py::arg("per_point"), py::arg("stream") = 0,
          "x·f(x, Q²) from a packed LHAPDF grid into out ([B, F], or [B] with per_point).");
    m.def("alphas", &py_alphas, py::arg("segments"), py::arg("logq2"), py::arg("values"), py::arg("q2"),
          py::arg("out"), py::arg("stream") = 0, "αs(Q²) interpolated from a packed table into out.");
    m.def("running_alphas", &py_running_alphas, py::arg("q"), py::arg("out"), py::arg("alpha_mz"), py::arg("mz"),
          py::arg("mc"), py::arg("mb"), py::arg("nloop"), py::arg("stream") = 0,
          "αs(Q) with MG5's LO running (1 or 2 loops, thresholds mc, mb) into out.");
}
