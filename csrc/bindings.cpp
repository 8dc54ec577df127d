// The pybind11 module madnis_plugin._core. Each physics domain registers its
// functions from its own bind_*.cpp (argument checks with tensor_arg.h, then
// dispatch.h to run an op from csrc/ops on the CPU or CUDA backend).
#include "bind.h"
#ifdef MADNIS_WITH_CUDA
#include "cuda/entry.h"
#endif

namespace py = pybind11;

namespace {

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
    madnis::bind_pdf(m);
    madnis::bind_me(m);
    madnis::bind_cuts(m);
    madnis::bind_phasespace(m);
    madnis::bind_threads(m);
    m.def("cuda_built", &cuda_built, "True when this build contains the CUDA backend.");
    m.def("cuda_device_available", &cuda_device_available);
}
