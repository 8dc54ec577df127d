// The core's CPU threads from Python: how many the process may use, how many the batch
// loops use, and test hooks that show what the pool does.
#include <pybind11/stl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <utility>
#include <vector>

#include "bind.h"
#include "cpu/cpus.h"
#include "cpu/parallel.h"

namespace py = pybind11;

namespace {

int64_t thread_id() { return static_cast<int64_t>(syscall(SYS_gettid)); }

// Runs a for_each of n points, each busy for spin_us, and returns the id (gettid) of the
// thread that ran each point (0: never ran). throw_in_worker raises from the first point a
// pool worker (not the caller) runs, to show that exceptions reach the caller.
std::vector<int64_t> parallel_probe(int64_t n, int64_t min_chunk, double spin_us, bool throw_in_worker) {
    if (n < 0) throw py::value_error("n must be >= 0");
    std::vector<int64_t> ran_on(static_cast<size_t>(n), 0);
    const int64_t caller = thread_id();
    auto op = [&ran_on, caller, spin_us, throw_in_worker](int64_t b) {
        const int64_t me = thread_id();
        if (throw_in_worker && me != caller) throw std::runtime_error("parallel_probe: raised in a pool worker");
        const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double, std::micro>(spin_us);
        while (std::chrono::steady_clock::now() < until) {
        }
        ran_on[static_cast<size_t>(b)] = me;
    };
    {
        py::gil_scoped_release unlocked;
        madnis::cpu::for_each(n, op, min_chunk);
    }
    return ran_on;
}

// The (begin, end) ranges a for_each_range of n points ran, sorted.
std::vector<std::pair<int64_t, int64_t>> parallel_ranges(int64_t n, int64_t min_chunk, int64_t align) {
    std::vector<std::pair<int64_t, int64_t>> ranges;
    std::mutex mutex;
    {
        py::gil_scoped_release unlocked;
        madnis::cpu::for_each_range(
            n,
            [&](int64_t begin, int64_t end) {
                std::lock_guard<std::mutex> lock(mutex);
                ranges.emplace_back(begin, end);
            },
            min_chunk, align);
    }
    std::sort(ranges.begin(), ranges.end());
    return ranges;
}

}  // namespace

void madnis::bind_threads(py::module_& m) {
    m.def("available_cpus", &madnis::cpu::available_cpus,
          "CPUs this process may use: its affinity mask, limited by its cgroup's CPU quota (rounded up).");
    m.def("affinity_cpus", &madnis::cpu::affinity_cpus, "CPUs in this process's affinity mask.");
    m.def("cgroup_cpu_quota", &madnis::cpu::cgroup_cpu_quota, py::arg("self_dir") = "/proc/self",
          "The tightest cgroup CPU quota on this process in CPUs (e.g. 1.5), None when unlimited.");
    m.def("set_num_threads", &madnis::cpu::set_num_threads, py::arg("n"),
          "Number of CPU threads the core's batch loops use (>= 1; default available_cpus()).");
    m.def("num_threads", &madnis::cpu::num_threads, "Number of CPU threads the core's batch loops use.");
    m.def("get_num_threads", &madnis::cpu::num_threads, "Same as num_threads().");
    m.def("_pool_workers", &madnis::cpu::pool_workers, "Worker threads the pool holds now (tests).");
    m.def("_parallel_probe", &parallel_probe, py::arg("n"), py::arg("min_chunk"), py::arg("spin_us") = 0.0,
          py::arg("throw_in_worker") = false,
          "Test hook: a parallel loop of n points; the thread id (gettid) that ran each point.");
    m.def("_parallel_ranges", &parallel_ranges, py::arg("n"), py::arg("min_chunk"), py::arg("align") = 1,
          "Test hook: the sorted (begin, end) ranges a for_each_range of n points ran.");
}
