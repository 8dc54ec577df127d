// The CPU backend's only loop: run op(b) for b in [0, n) on the core's threads.
// The threads are the persistent pool of cpu/pool.h (the caller takes part); a batch too
// small to give each thread min_chunk points runs inline on the caller. The thread
// count defaults to the CPUs the process may use (cpu/cpus.h).
#pragma once

#include <cstdint>

#include "cpu/pool.h"

namespace madnis::cpu {

// Threads the loops use: set_num_threads's value, else available_cpus().
int num_threads();
// n >= 1 (std::invalid_argument otherwise); the pool resizes at its next loop.
void set_num_threads(int n);

// Runs fn(ctx, begin, end) over [0, n): inline when n < 2 * min_chunk or one thread, else
// on up to num_threads() threads with chunks of at least min_chunk indices. Every chunk
// but the last is a multiple of align long, so each begin is a multiple of align.
void run_chunks(int64_t n, int64_t min_chunk, ChunkFn fn, const void* ctx, int64_t align = 1);

// min_chunk: the fewest points worth a thread of their own (2048 suits ops of ~100 ns a
// point; matrix elements of µs to ms a point pass a few). Exceptions from op reach the caller.
template <typename Op>
void for_each(int64_t n, const Op& op, int64_t min_chunk = 2048) {
    // Only this call per chunk is indirect; the loop over b inlines op.
    auto body = [](const void* ctx, int64_t begin, int64_t end) {
        const Op& o = *static_cast<const Op*>(ctx);
        for (int64_t b = begin; b < end; ++b) o(b);
    };
    run_chunks(n, min_chunk, body, &op);
}

// The same loop over ranges: op(begin, end) for code that handles several points at once
// (SIMD vectors of events); begin is a multiple of align, end too except at n.
template <typename RangeOp>
void for_each_range(int64_t n, const RangeOp& op, int64_t min_chunk, int64_t align = 1) {
    auto body = [](const void* ctx, int64_t begin, int64_t end) {
        (*static_cast<const RangeOp*>(ctx))(begin, end);
    };
    run_chunks(n, min_chunk, body, &op, align);
}

}  // namespace madnis::cpu
