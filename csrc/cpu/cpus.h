// How many CPUs this process may use: its affinity mask, limited by its cgroup's CPU
// quota. A batch job given 4 cores of a 128-core node must run 4 threads, not 128, so
// std::thread::hardware_concurrency() (the node's count) is never the answer.
#pragma once

#include <optional>
#include <string>

namespace madnis::cpu {

// CPUs in the process's affinity mask (sched_getaffinity); at least 1.
int affinity_cpus();

// The tightest CPU quota (in CPUs, e.g. 1.5) on the process's cgroup and its ancestors,
// cgroup v2 cpu.max and v1 cpu.cfs_quota_us/cpu.cfs_period_us; nullopt when unlimited.
// self_dir is /proc/self (a parameter so that tests can give a fake one); the cgroup
// folders are found through its mountinfo, so containers and bind mounts work.
std::optional<double> cgroup_cpu_quota(const std::string& self_dir = "/proc/self");

// affinity_cpus() limited by ceil(cgroup_cpu_quota()); at least 1.
int available_cpus();

}  // namespace madnis::cpu
