#include "cpu/pool.h"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace madnis::cpu {

namespace {

thread_local bool t_in_region = false;

struct Job {
    ChunkFn fn;
    const void* ctx;
    int64_t n;
    int64_t chunk;
    int64_t n_chunks;
    std::atomic<int64_t> next{0};
    std::atomic<bool> failed{false};
    std::mutex error_mutex;
    std::exception_ptr error;

    // Claim chunks until none are left; an exception is kept for the caller, never
    // let out of a worker (that would std::terminate the process).
    void work() {
        while (!failed.load(std::memory_order_relaxed)) {
            const int64_t c = next.fetch_add(1, std::memory_order_relaxed);
            if (c >= n_chunks) return;
            try {
                fn(ctx, c * chunk, std::min(n, (c + 1) * chunk));
            } catch (...) {
                std::lock_guard<std::mutex> lock(error_mutex);
                if (!error) error = std::current_exception();
                failed.store(true, std::memory_order_relaxed);
            }
        }
    }
};

class ThreadPool {
  public:
    void run(int workers, int helpers, Job& job) {
        std::lock_guard<std::mutex> one_loop_at_a_time(run_mutex_);
        if (static_cast<int>(threads_.size()) != workers) resize(workers);
        helpers = std::min(helpers, static_cast<int>(threads_.size()));
        {
            std::lock_guard<std::mutex> lock(mutex_);
            job_ = &job;
            helpers_ = helpers;
            pending_ = helpers;
            ++generation_;
        }
        if (helpers > 0) wake_.notify_all();
        t_in_region = true;
        job.work();
        t_in_region = false;
        {
            // The job lives on the caller's stack: wait until every helper is done with it.
            std::unique_lock<std::mutex> lock(mutex_);
            done_.wait(lock, [this] { return pending_ == 0; });
            job_ = nullptr;
        }
        if (job.error) std::rethrow_exception(job.error);
    }

    int size() {
        std::lock_guard<std::mutex> lock(run_mutex_);
        return static_cast<int>(threads_.size());
    }

  private:
    // Called with run_mutex_ held: no job is in flight.
    void resize(int workers) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stop_ = true;
        }
        wake_.notify_all();
        for (auto& t : threads_) t.join();
        threads_.clear();
        std::lock_guard<std::mutex> lock(mutex_);
        stop_ = false;
        threads_.reserve(workers);
        // Each worker starts from the current generation, so it cannot miss the next job
        // however late it is scheduled.
        for (int id = 0; id < workers; ++id) {
            threads_.emplace_back([this, id, start = generation_] { loop(id, start); });
        }
    }

    void loop(int id, uint64_t seen) {
        pthread_setname_np(pthread_self(), "madnis-pool");
        t_in_region = true;
        std::unique_lock<std::mutex> lock(mutex_);
        while (true) {
            wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
            if (stop_) return;
            seen = generation_;
            if (id >= helpers_) continue;  // this job asked for fewer threads
            Job* job = job_;
            lock.unlock();
            job->work();
            lock.lock();
            if (--pending_ == 0) done_.notify_one();
        }
    }

    std::mutex run_mutex_;  // one loop at a time; resizing only between loops
    std::mutex mutex_;      // guards the fields below
    std::condition_variable wake_;
    std::condition_variable done_;
    std::vector<std::thread> threads_;
    uint64_t generation_ = 0;  // bumped for each job
    bool stop_ = false;
    Job* job_ = nullptr;
    int helpers_ = 0;  // workers 0 .. helpers_-1 take part in the current job
    int pending_ = 0;  // helpers not yet done with it
};

// Never deleted: at exit the workers are blocked on wake_ and simply vanish, and no
// static destructor races with them.
ThreadPool* g_pool = nullptr;

// In a forked child only the forking thread exists: the parent's pool (its workers,
// perhaps its locks held) is abandoned, not touched, and the child starts a new one.
void on_fork_child() {
    g_pool = new ThreadPool();
    t_in_region = false;
}

ThreadPool* make_pool() {
    pthread_atfork(nullptr, nullptr, &on_fork_child);
    return new ThreadPool();
}

ThreadPool& pool() {
    static const bool created = (g_pool = make_pool(), true);  // once, thread-safe (C++11 statics)
    (void)created;
    return *g_pool;
}

}  // namespace

void parallel_run(int workers, int helpers, int64_t n, int64_t chunk, ChunkFn fn, const void* ctx) {
    Job job;
    job.fn = fn;
    job.ctx = ctx;
    job.n = n;
    job.chunk = chunk;
    job.n_chunks = (n + chunk - 1) / chunk;
    pool().run(workers, helpers, job);
}

bool in_parallel_region() { return t_in_region; }

int pool_workers() { return pool().size(); }

}  // namespace madnis::cpu
