// Generated matrix-element libraries (madnis_plugin/codegen): loaded with dlopen and
// evaluated on a batch with the core's CPU loop or, for a CUDA library, on the caller's
// stream. The C interface is csrc/include/madnis/helas/me_abi.h.
#include <dlfcn.h>

#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <string>

#include "bind.h"
#include "dispatch.h"
#include "madnis/helas/me_abi.h"

namespace py = pybind11;
using madnis::TensorArg;

namespace {

class MeLibrary {
  public:
    explicit MeLibrary(const std::string& path) : path_(path) {
        // RTLD_LOCAL: each process library keeps its own symbols. The handle is never
        // closed: unloading code that a CUDA runtime registered kernels from is unsafe.
        handle_ = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (handle_ == nullptr) {
            throw std::runtime_error("cannot load matrix-element library " + path + ": " + dlerror());
        }
        auto info_fn = reinterpret_cast<MadnisMeInfoFn>(dlsym(handle_, "madnis_me_info"));
        if (info_fn == nullptr) throw std::runtime_error(path + " is not a madnis matrix-element library");
        info_ = info_fn();
        if (info_->abi_version != MADNIS_ME_ABI_VERSION) {
            throw std::runtime_error(path + " was built for matrix-element ABI version " +
                                     std::to_string(info_->abi_version) + ", this core speaks version " +
                                     std::to_string(MADNIS_ME_ABI_VERSION) + " (regenerate it)");
        }
        if (info_->is_cuda) {
            launch_ = reinterpret_cast<MadnisMeLaunchFn>(dlsym(handle_, "madnis_me_launch"));
            if (launch_ == nullptr) throw std::runtime_error(path + ": madnis_me_launch is missing");
        } else {
            block_ = reinterpret_cast<MadnisMeBlockFn>(dlsym(handle_, "madnis_me_block"));
            if (block_ == nullptr) throw std::runtime_error(path + ": madnis_me_block is missing");
            if (info_->simd_lanes < 1) throw std::runtime_error(path + ": invalid simd_lanes");
        }
    }

    py::dict info() const {
        py::dict d;
        d["n_external"] = info_->n_external;
        d["n_diagrams"] = info_->n_diagrams;
        d["n_helicities"] = info_->n_helicities;
        d["n_flows"] = info_->n_flows;
        d["n_couplings"] = info_->n_couplings;
        d["n_params"] = info_->n_params;
        d["is_cuda"] = static_cast<bool>(info_->is_cuda);
        d["simd_lanes"] = info_->simd_lanes;
        d["precision"] = std::string(1, static_cast<char>(info_->precision));
        d["path"] = path_;
        return d;
    }

    void evaluate(py::object momenta_o, py::object couplings_o, py::object params_o, py::object helicities_o,
                  py::object me2_o, py::object alpha_s_o, double alpha_s_ref, py::object amp2_o,
                  py::object hel_me2_o, py::object r_hel_o, py::object r_col_o, py::object hel_out_o,
                  py::object col_out_o, py::object flow_w_o, int gauge_leg, uintptr_t stream) const {
        const int ne = info_->n_external;
        TensorArg momenta("momenta", momenta_o);
        momenta.dtype(madnis::kF64).ndim(3).contiguous();
        const int64_t n = momenta.size(0);
        momenta.shape({n, ne, 4});
        if (info_->is_cuda != momenta.is_cuda()) {
            momenta.fail(std::string("this matrix-element library runs on the ") +
                         (info_->is_cuda ? "GPU" : "CPU") + "; pass tensors on that device");
        }
        TensorArg couplings("couplings", couplings_o), params("params", params_o);
        TensorArg helicities("helicities", helicities_o), me2("me2", me2_o);
        couplings.dtype(madnis::kF64).shape({info_->n_couplings, 2}).contiguous().same_device(momenta);
        params.dtype(madnis::kF64).shape({info_->n_params}).contiguous().same_device(momenta);
        helicities.dtype(madnis::kI32).ndim(1).contiguous().same_device(momenta);
        me2.dtype(madnis::kF64).shape({n}).contiguous().same_device(momenta);
        if (gauge_leg < -1 || gauge_leg >= ne) throw py::value_error("gauge_leg out of range");

        MadnisMeBatch batch{};
        batch.n = n;
        batch.momenta = momenta.data<double>();
        batch.alpha_s_ref = alpha_s_ref;
        batch.couplings = couplings.data<double>();
        batch.params = params.data<double>();
        batch.helicities = helicities.data<int32_t>();
        batch.n_hel_used = static_cast<int32_t>(helicities.size(0));
        batch.gauge_leg = gauge_leg;
        batch.me2 = me2.data<double>();

        // Optional arguments: None leaves the pointer NULL.
        std::unique_ptr<TensorArg> alpha_s, amp2, hel_me2, r_hel, r_col, hel_out, col_out, flow_w;
        auto opt = [&](std::unique_ptr<TensorArg>& slot, const char* name, const py::object& o,
                       const madnis::DType& dt, std::initializer_list<int64_t> shape) -> TensorArg* {
            if (o.is_none()) return nullptr;
            slot = std::make_unique<TensorArg>(name, o);
            slot->dtype(dt).shape(shape).contiguous().same_device(momenta);
            return slot.get();
        };
        if (auto* t = opt(alpha_s, "alpha_s", alpha_s_o, madnis::kF64, {n})) batch.alpha_s = t->data<double>();
        if (auto* t = opt(amp2, "amp2", amp2_o, madnis::kF64, {n, info_->n_diagrams})) batch.amp2 = t->data<double>();
        if (auto* t = opt(hel_me2, "hel_me2", hel_me2_o, madnis::kF64, {n, info_->n_helicities})) {
            batch.hel_me2 = t->data<double>();
        }
        if (auto* t = opt(r_hel, "r_hel", r_hel_o, madnis::kF64, {n})) batch.r_hel = t->data<double>();
        if (auto* t = opt(r_col, "r_col", r_col_o, madnis::kF64, {n})) batch.r_col = t->data<double>();
        if (auto* t = opt(hel_out, "hel_out", hel_out_o, madnis::kI32, {n})) batch.hel_out = t->data<int32_t>();
        if (auto* t = opt(col_out, "col_out", col_out_o, madnis::kI32, {n})) batch.col_out = t->data<int32_t>();
        if (auto* t = opt(flow_w, "flow_w", flow_w_o, madnis::kF64, {n, info_->n_flows})) {
            batch.flow_w = t->data<double>();
        }
        if ((batch.hel_out != nullptr) != (batch.r_hel != nullptr) ||
            (batch.col_out != nullptr) != (batch.r_col != nullptr)) {
            throw py::value_error("pass r_hel with hel_out and r_col with col_out");
        }

        const MadnisMeBatch* bp = &batch;
        if (momenta.is_cpu()) {
            // A block of simd_lanes points is microseconds to milliseconds of work; a thread
            // takes at least 4 blocks, so tiny batches stay on the calling thread.
            const MadnisMeBlockFn block = block_;
            const int64_t lanes = info_->simd_lanes;
            auto op = [block, bp, lanes](int64_t begin, int64_t end) {
                for (int64_t b = begin; b < end; b += lanes) block(bp, b);
            };
            py::gil_scoped_release unlocked;
            madnis::cpu::for_each_range(n, op, 4 * lanes, lanes);
            return;
        }
        auto op = [](int64_t) {};  // the CUDA library launches its own kernel
        const MadnisMeLaunchFn launch = launch_;
        madnis::dispatch(n, op, momenta, stream, [launch, bp](int64_t, const auto&, uintptr_t s, int device) {
            const int err = launch(bp, s, device);
            if (err != 0) throw std::runtime_error("matrix-element kernel launch failed (CUDA error " +
                                                   std::to_string(err) + ")");
        });
    }

  private:
    std::string path_;
    void* handle_ = nullptr;
    const MadnisMeInfo* info_ = nullptr;
    MadnisMeBlockFn block_ = nullptr;
    MadnisMeLaunchFn launch_ = nullptr;
};

}  // namespace

void madnis::bind_me(py::module_& m) {
    py::class_<MeLibrary>(m, "MeLibrary",
                          "A generated matrix-element library (CPU or CUDA), loaded with dlopen.")
        .def(py::init<const std::string&>(), py::arg("path"))
        .def("info", &MeLibrary::info, "Sizes the library was generated with.")
        .def("evaluate", &MeLibrary::evaluate, py::arg("momenta"), py::arg("couplings"), py::arg("params"),
             py::arg("helicities"), py::arg("me2"), py::arg("alpha_s") = py::none(),
             py::arg("alpha_s_ref") = 0.0, py::arg("amp2") = py::none(), py::arg("hel_me2") = py::none(),
             py::arg("r_hel") = py::none(), py::arg("r_col") = py::none(), py::arg("hel_out") = py::none(),
             py::arg("col_out") = py::none(), py::arg("flow_w") = py::none(), py::arg("gauge_leg") = -1,
             py::arg("stream") = 0,
             "Evaluate |M|² (and optionally per-diagram |A|², per-helicity |M|², leading-flow "
             "weights, helicity and colour-flow picks) for a batch; see madnis/helas/me_abi.h.");
}
