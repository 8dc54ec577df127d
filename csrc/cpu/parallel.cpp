#include "cpu/parallel.h"

#include <atomic>

namespace madnis::cpu {

namespace {
std::atomic<int> g_threads{static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))};
}

int num_threads() { return g_threads.load(); }
void set_num_threads(int n) { g_threads.store(std::max(1, n)); }

}  // namespace madnis::cpu
