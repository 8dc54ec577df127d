// The CPU backend's only loop: run op(b) for b in [0, n) on the core's worker
// threads. Threads are started per call: a call covers a whole batch
// (10^4-10^6 points), so the start-up cost (~10 µs a thread) is negligible,
// and we avoid a second OpenMP runtime beside torch's.
#pragma once

#include <algorithm>
#include <cstdint>
#include <thread>
#include <vector>

namespace madnis::cpu {

int num_threads();
void set_num_threads(int n);

template <typename Op>
void for_each(int64_t n, const Op& op, int64_t min_chunk = 2048) {
    const int64_t max_threads = std::max<int64_t>(1, std::min<int64_t>(num_threads(), n / min_chunk));
    if (max_threads <= 1) {
        for (int64_t b = 0; b < n; ++b) op(b);
        return;
    }
    std::vector<std::thread> workers;
    workers.reserve(max_threads - 1);
    const int64_t chunk = (n + max_threads - 1) / max_threads;
    auto run = [&op, n, chunk](int64_t t) {
        const int64_t end = std::min(n, (t + 1) * chunk);
        for (int64_t b = t * chunk; b < end; ++b) op(b);
    };
    for (int64_t t = 1; t < max_threads; ++t) workers.emplace_back(run, t);
    run(0);
    for (auto& w : workers) w.join();
}

}  // namespace madnis::cpu
