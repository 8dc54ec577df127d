#include "cpu/parallel.h"

#include <algorithm>
#include <atomic>
#include <stdexcept>
#include <string>

#include "cpu/cpus.h"

namespace madnis::cpu {

namespace {
std::atomic<int> g_threads{0};  // 0: not chosen yet, detect on first use
}

int num_threads() {
    int n = g_threads.load();
    if (n > 0) return n;
    int unset = 0;
    g_threads.compare_exchange_strong(unset, available_cpus());  // a concurrent set wins
    return g_threads.load();
}

void set_num_threads(int n) {
    if (n < 1) throw std::invalid_argument("the number of threads must be >= 1, got " + std::to_string(n));
    g_threads.store(n);
}

void run_chunks(int64_t n, int64_t min_chunk, ChunkFn fn, const void* ctx, int64_t align) {
    if (n <= 0) return;
    min_chunk = std::max<int64_t>(1, min_chunk);
    const int threads = num_threads();
    const int64_t participants = std::min<int64_t>(threads, n / min_chunk);
    if (participants <= 1 || in_parallel_region()) {
        fn(ctx, 0, n);
        return;
    }
    // About four chunks a thread: points of uneven cost (cuts, resonances) even out.
    int64_t chunk = std::max(min_chunk, (n + 4 * participants - 1) / (4 * participants));
    align = std::max<int64_t>(1, align);
    chunk = (chunk + align - 1) / align * align;
    parallel_run(threads - 1, static_cast<int>(participants - 1), n, chunk, fn, ctx);
}

}  // namespace madnis::cpu
