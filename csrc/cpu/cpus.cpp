#include "cpu/cpus.h"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <fstream>
#include <sstream>
#include <vector>

namespace madnis::cpu {

namespace {

std::vector<std::string> split(const std::string& text, char sep) {
    std::vector<std::string> parts;
    std::string part;
    std::istringstream in(text);
    while (std::getline(in, part, sep)) parts.push_back(part);
    return parts;
}

bool has_item(const std::string& comma_list, const std::string& item) {
    const auto items = split(comma_list, ',');
    return std::find(items.begin(), items.end(), item) != items.end();
}

// mountinfo writes a space in a path as \040 (octal escapes).
std::string unescape(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 3 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1]))) {
            out += static_cast<char>(std::stoi(s.substr(i + 1, 3), nullptr, 8));
            i += 3;
        } else {
            out += s[i];
        }
    }
    return out;
}

std::optional<std::string> first_line(const std::string& path) {
    std::ifstream in(path);
    std::string line;
    if (!in || !std::getline(in, line)) return std::nullopt;
    return line;
}

std::optional<long long> read_integer(const std::string& path) {
    const auto line = first_line(path);
    if (!line) return std::nullopt;
    try {
        return std::stoll(*line);
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

// One cgroup hierarchy as this process sees it: where it is mounted, and the process's
// own cgroup folder in it.
struct Hierarchy {
    std::string mount_point;
    std::string own_dir;
};

// v2 (controllers == "") or the v1 hierarchy holding the "cpu" controller.
std::optional<Hierarchy> find_hierarchy(const std::string& self_dir, bool v2) {
    std::string cgroup_path;
    bool found = false;
    std::ifstream cgroups(self_dir + "/cgroup");
    for (std::string line; std::getline(cgroups, line);) {
        const auto first = line.find(':');
        const auto second = line.find(':', first + 1);
        if (first == std::string::npos || second == std::string::npos) continue;
        const std::string controllers = line.substr(first + 1, second - first - 1);
        if (v2 ? (line.compare(0, first, "0") == 0 && controllers.empty()) : has_item(controllers, "cpu")) {
            cgroup_path = line.substr(second + 1);
            found = true;
            break;
        }
    }
    if (!found) return std::nullopt;

    std::ifstream mounts(self_dir + "/mountinfo");
    for (std::string line; std::getline(mounts, line);) {
        std::istringstream fields(line);
        std::vector<std::string> f;
        for (std::string w; fields >> w;) f.push_back(w);
        const auto dash = std::find(f.begin(), f.end(), "-");
        if (f.size() < 5 || dash == f.end() || f.end() - dash < 4) continue;
        const std::string& fstype = dash[1];
        const std::string& super_options = dash[3];
        if (v2 ? fstype != "cgroup2" : (fstype != "cgroup" || !has_item(super_options, "cpu"))) continue;
        const std::string root = unescape(f[3]);
        const std::string mount_point = unescape(f[4]);
        // The process's cgroup relative to the mount's root; outside it (another cgroup
        // namespace) only the mounted folder itself can be read.
        std::string relative;
        if (root == "/") {
            relative = cgroup_path == "/" ? "" : cgroup_path;
        } else if (cgroup_path == root || cgroup_path.rfind(root + "/", 0) == 0) {
            relative = cgroup_path.substr(root.size());
        }
        return Hierarchy{mount_point, mount_point + relative};
    }
    return std::nullopt;
}

// Quota in CPUs of one cgroup folder, nullopt when it has none.
std::optional<double> folder_quota(const std::string& dir, bool v2) {
    if (v2) {
        const auto line = first_line(dir + "/cpu.max");  // "max 100000" or "150000 100000"
        if (!line) return std::nullopt;
        std::istringstream in(*line);
        std::string quota;
        long long period = 0;
        if (!(in >> quota >> period) || quota == "max" || period <= 0) return std::nullopt;
        try {
            const long long q = std::stoll(quota);
            if (q <= 0) return std::nullopt;
            return static_cast<double>(q) / static_cast<double>(period);
        } catch (const std::exception&) {
            return std::nullopt;
        }
    }
    const auto quota = read_integer(dir + "/cpu.cfs_quota_us");  // -1: none
    const auto period = read_integer(dir + "/cpu.cfs_period_us");
    if (!quota || !period || *quota <= 0 || *period <= 0) return std::nullopt;
    return static_cast<double>(*quota) / static_cast<double>(*period);
}

// A parent's quota limits its children too: the smallest on the way up to the mount.
std::optional<double> hierarchy_quota(const Hierarchy& h, bool v2) {
    std::optional<double> tightest;
    std::string dir = h.own_dir;
    while (true) {
        const auto q = folder_quota(dir, v2);
        if (q && (!tightest || *q < *tightest)) tightest = q;
        if (dir.size() <= h.mount_point.size()) break;
        dir = dir.substr(0, dir.rfind('/'));
    }
    return tightest;
}

}  // namespace

int affinity_cpus() {
    // The mask may be larger than cpu_set_t's 1024 CPUs: grow until it fits.
    for (int n_cpus = 1024; n_cpus <= (1 << 20); n_cpus *= 2) {
        cpu_set_t* set = CPU_ALLOC(n_cpus);
        if (set == nullptr) break;
        const size_t size = CPU_ALLOC_SIZE(n_cpus);
        const int rc = sched_getaffinity(0, size, set);
        const int count = rc == 0 ? CPU_COUNT_S(size, set) : 0;
        CPU_FREE(set);
        if (rc == 0) return std::max(1, count);
        if (errno != EINVAL) break;
    }
    // No mask to read: the CPUs online are the best remaining answer.
    return static_cast<int>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN)));
}

std::optional<double> cgroup_cpu_quota(const std::string& self_dir) {
    std::optional<double> tightest;
    for (const bool v2 : {true, false}) {  // hybrid systems have both
        const auto h = find_hierarchy(self_dir, v2);
        if (!h) continue;
        const auto q = hierarchy_quota(*h, v2);
        if (q && (!tightest || *q < *tightest)) tightest = q;
    }
    return tightest;
}

int available_cpus() {
    int n = affinity_cpus();
    if (const auto quota = cgroup_cpu_quota()) {
        n = std::min(n, static_cast<int>(std::ceil(*quota - 1e-9)));
    }
    return std::max(1, n);
}

}  // namespace madnis::cpu
