// The pybind11 module madnis_plugin._core: argument checks (tensor_arg.h) and
// dispatch of the ops in csrc/ops to the CPU loop or the CUDA kernel.
// Python wrappers with friendly APIs live in madnis_plugin/ (pdf/, ...).
#include <pybind11/pybind11.h>

#include "cpu/parallel.h"
#include "ops/pdf_ops.h"
#include "tensor_arg.h"
#ifdef MADNIS_WITH_CUDA
#include "cuda/entry.h"
#endif

namespace py = pybind11;
using madnis::TensorArg;

namespace {

// Runs op over n points on the device of `where` (CUDA: on `stream`).
template <typename Op>
void dispatch(int64_t n, const Op& op, const TensorArg& where, uintptr_t stream) {
    if (where.is_cpu()) {
        py::gil_scoped_release unlocked;
        madnis::cpu::for_each(n, op);
        return;
    }
#ifdef MADNIS_WITH_CUDA
    if (where.is_cuda()) {
        madnis::cuda::launch(n, op, stream, where.device_id());
        return;
    }
#endif
    where.fail(where.is_cuda() ? "this build of madnis has no CUDA support (rebuild with nvcc "
                                 "available, or pass CPU tensors)"
                               : "unsupported device");
}

madnis::PdfGridView grid_view(TensorArg& layout, TensorArg& knots, TensorArg& values) {
    layout.dtype(madnis::kI64).ndim(1).contiguous();
    knots.dtype(madnis::kF64).ndim(1).contiguous().same_device(layout);
    values.dtype(madnis::kF64).ndim(1).contiguous().same_device(layout);
    return {layout.data<int64_t>(), knots.data<double>(), values.data<double>()};
}

void pdf_xfx(py::object layout_o, py::object knots_o, py::object values_o, py::object pids_o,
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
    dispatch(n, op, x, stream);
}

void alphas(py::object segments_o, py::object logq2_o, py::object values_o, py::object q2_o,
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
    dispatch(q2.size(0), op, q2, stream);
}

bool cuda_built() {
#ifdef MADNIS_WITH_CUDA
    return true;
#else
    return false;
#endif
}

bool cuda_device_available() {
#ifdef MADNIS_WITH_CUDA
    return madnis::cuda::device_available();
#else
    return false;
#endif
}

}  // namespace

PYBIND11_MODULE(_core, m) {
    m.doc() = "madnis compiled core: batched physics kernels on CPU and CUDA (see csrc/).";
    m.def("pdf_xfx", &pdf_xfx, py::arg("layout"), py::arg("knots"), py::arg("values"), py::arg("pids"),
          py::arg("x"), py::arg("q2"), py::arg("out"), py::arg("per_point"), py::arg("stream") = 0,
          "x·f(x, Q²) from a packed LHAPDF grid into out ([B, F], or [B] with per_point).");
    m.def("alphas", &alphas, py::arg("segments"), py::arg("logq2"), py::arg("values"), py::arg("q2"),
          py::arg("out"), py::arg("stream") = 0, "αs(Q²) interpolated from a packed table into out.");
    m.def("set_num_threads", &madnis::cpu::set_num_threads, py::arg("n"),
          "Number of CPU threads the core's batch loops use.");
    m.def("get_num_threads", &madnis::cpu::num_threads);
    m.def("cuda_built", &cuda_built, "True when this build contains the CUDA backend.");
    m.def("cuda_device_available", &cuda_device_available);
}
