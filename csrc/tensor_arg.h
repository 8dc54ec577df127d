// The tensor boundary between Python and the core.
//
// Every core function takes its array arguments as Python objects that speak
// DLPack (torch tensors; numpy arrays on the CPU) and reads or writes their
// memory in place: no copies, no framework headers. A TensorArg is made for
// each argument with its Python-visible name, then checked:
//
//     TensorArg x("x", x_obj);
//     x.dtype(kF64).ndim(1).contiguous();
//     TensorArg out("out", out_obj);
//     out.dtype(kF64).shape({x.size(0)}).contiguous().same_device(x);
//     kernel(x.data<double>(), out.data<double>(), x.size(0));
//
// A failed check raises ValueError (TypeError for a wrong type of object)
// naming the argument and what was expected, e.g.
//     argument 'x': expected dtype float64, got float32
// The exported capsule is kept alive for the TensorArg's lifetime; its
// producer frees its bookkeeping when the capsule is released. CUDA tensors
// are exported with stream=-1 (no synchronisation): kernels run on the
// stream Python passes, which is torch's current stream.
#pragma once

#include <pybind11/pybind11.h>

#include <cstdint>
#include <initializer_list>
#include <sstream>
#include <string>

#include "dlpack_abi.h"

namespace madnis {

namespace py = pybind11;

struct DType {
    uint8_t code;
    uint8_t bits;
    const char* name;
};
inline constexpr DType kF64{kDLFloat, 64, "float64"};
inline constexpr DType kI32{kDLInt, 32, "int32"};
inline constexpr DType kI64{kDLInt, 64, "int64"};

inline std::string dtype_name(const DLDataType& t) {
    const char* kinds[] = {"int", "uint", "float", "opaque", "bfloat", "complex", "bool"};
    std::ostringstream s;
    s << (t.code <= 6 ? kinds[t.code] : "unknown") << int(t.bits);
    if (t.lanes != 1) s << "x" << t.lanes;
    return s.str();
}

inline std::string device_name(const DLDevice& d) {
    switch (d.device_type) {
        case kDLCPU: return "cpu";
        case kDLCUDA: return "cuda:" + std::to_string(d.device_id);
        default: return "device type " + std::to_string(d.device_type);
    }
}

class TensorArg {
  public:
    TensorArg(const char* name, const py::object& obj) : name_(name) {
        if (!py::hasattr(obj, "__dlpack__") || !py::hasattr(obj, "__dlpack_device__")) {
            throw py::type_error(prefix() + "expected a tensor (an object with __dlpack__), got " +
                                 std::string(py::str(py::type::of(obj).attr("__name__"))));
        }
        const auto dev = obj.attr("__dlpack_device__")().cast<py::tuple>();
        const int dev_type = dev[0].cast<int>();
        // stream=-1: the producer must not synchronise; we launch on the caller's stream.
        capsule_ = dev_type == kDLCUDA ? obj.attr("__dlpack__")(py::arg("stream") = -1)
                                       : obj.attr("__dlpack__")();
        auto* managed = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(capsule_.ptr(), "dltensor"));
        if (managed == nullptr) {
            throw py::error_already_set();
        }
        t_ = &managed->dl_tensor;
    }

    TensorArg& dtype(const DType& want) {
        if (t_->dtype.code != want.code || t_->dtype.bits != want.bits || t_->dtype.lanes != 1) {
            fail(std::string("expected dtype ") + want.name + ", got " + dtype_name(t_->dtype));
        }
        return *this;
    }

    TensorArg& ndim(int n) {
        if (t_->ndim != n) {
            fail("expected " + std::to_string(n) + " dimension(s), got " + std::to_string(t_->ndim) +
                 " (shape " + shape_string() + ")");
        }
        return *this;
    }

    // Exact shape; -1 leaves a dimension free.
    TensorArg& shape(std::initializer_list<int64_t> want) {
        bool ok = t_->ndim == static_cast<int32_t>(want.size());
        int i = 0;
        for (int64_t w : want) {
            if (ok && w >= 0 && t_->shape[i] != w) ok = false;
            ++i;
        }
        if (!ok) {
            std::ostringstream s;
            s << "expected shape [";
            i = 0;
            for (int64_t w : want) s << (i++ ? ", " : "") << (w >= 0 ? std::to_string(w) : "*");
            s << "], got " << shape_string();
            fail(s.str());
        }
        return *this;
    }

    TensorArg& contiguous() {
        if (t_->strides != nullptr) {
            int64_t expected = 1;
            for (int i = t_->ndim - 1; i >= 0; --i) {
                if (t_->shape[i] != 1 && t_->strides[i] != expected) {
                    fail("expected a contiguous tensor (call .contiguous() first)");
                }
                expected *= t_->shape[i];
            }
        }
        return *this;
    }

    TensorArg& same_device(const TensorArg& other) {
        if (t_->device.device_type != other.t_->device.device_type ||
            t_->device.device_id != other.t_->device.device_id) {
            fail("expected it on " + device_name(other.t_->device) + " like '" + other.name_ +
                 "', got " + device_name(t_->device));
        }
        return *this;
    }

    bool is_cuda() const { return t_->device.device_type == kDLCUDA; }
    bool is_cpu() const { return t_->device.device_type == kDLCPU; }
    int device_id() const { return t_->device.device_id; }
    int64_t size(int i) const { return t_->shape[i]; }
    int64_t numel() const {
        int64_t n = 1;
        for (int i = 0; i < t_->ndim; ++i) n *= t_->shape[i];
        return n;
    }
    template <typename T>
    T* data() const {
        return reinterpret_cast<T*>(static_cast<char*>(t_->data) + t_->byte_offset);
    }
    const std::string& name() const { return name_; }
    [[noreturn]] void fail(const std::string& what) const { throw py::value_error(prefix() + what); }

  private:
    std::string prefix() const { return "argument '" + name_ + "': "; }
    std::string shape_string() const {
        std::ostringstream s;
        s << "[";
        for (int i = 0; i < t_->ndim; ++i) s << (i ? ", " : "") << t_->shape[i];
        s << "]";
        return s.str();
    }

    std::string name_;
    py::object capsule_;
    DLTensor* t_ = nullptr;
};

}  // namespace madnis
