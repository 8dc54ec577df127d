// The CPU backend's persistent worker threads. Workers start once and are reused by
// every batch loop (restarted only when the thread count changes), so a call costs a
// wake-up, not thread creation.
//
// Callers: one loop runs on the pool at a time; a second caller (another Python
// thread) waits until the first has finished, then gets the whole pool. A loop started
// from inside a loop (a worker, or the caller while its loop runs) runs inline instead
// of waiting for itself. After fork() the child starts with a new, empty pool: the
// parent's workers do not exist there.
#pragma once

#include <cstdint>

namespace madnis::cpu {

// A loop body over indices [begin, end) of a batch; ctx is the caller's op.
using ChunkFn = void (*)(const void* ctx, int64_t begin, int64_t end);

// Runs fn over [0, n) in chunks of `chunk` indices, claimed in turn by the caller and
// `helpers` pool workers, the pool first resized to `workers` threads. Returns when every
// chunk has run; rethrows the first exception a chunk threw (later chunks are skipped).
void parallel_run(int workers, int helpers, int64_t n, int64_t chunk, ChunkFn fn, const void* ctx);

// True on a pool worker, and on a caller while its parallel_run is in progress.
bool in_parallel_region();

// The number of worker threads the pool holds now (for tests).
int pool_workers();

}  // namespace madnis::cpu
