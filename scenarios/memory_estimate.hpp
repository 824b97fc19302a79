#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "scenarios/scenario.hpp"

// How much memory a scenario's run needs, and how much this machine can give it: `adsim check`
// prints both and `adsim run` refuses a scenario that cannot fit, before anything is allocated
// (a world of 50 million users with 256-dimensional embeddings needs about 52 GB).
namespace adsim::scenarios {

struct MemoryPart {
  std::string what;  // "users (50000000 x 1048 B)"
  std::uint64_t bytes = 0;
};

struct MemoryEstimate {
  std::vector<MemoryPart> parts;  // the largest first
  std::uint64_t total() const;
};

// The peak resident memory of one run of `s` (adsim run, or one cell of a study): the world's
// arrays from their element types, the learned models' tables, the impressions waiting for their
// labels at the busiest hour, and measured figures for what has no simple formula (see the .cpp).
// It aims to be at or above the measured peak: tests/cli/test_memory_check.cpp holds it to that.
MemoryEstimate estimate_memory(const Scenario& s);

struct AvailableMemory {
  std::uint64_t bytes = 0;
  std::string source;  // what bounds it: "MemAvailable in /proc/meminfo", "the cgroup's memory.max", "ulimit -v"
};

// What a new allocation can use now: the least of the kernel's MemAvailable, the room left under
// this process's cgroup limit (cgroup v2 memory.max) and under its address-space limit (ulimit -v).
// nullopt where none of them can be read (not Linux).
std::optional<AvailableMemory> available_memory();

// "1.2 GiB", "512 MiB", "900 B".
std::string format_bytes(std::uint64_t bytes);

// A size as a user types it: digits with an optional K, M, G or T suffix (powers of 1024, an
// optional trailing "B" or "iB"), e.g. "512M", "8G", "1.5GiB". nullopt when it is not one.
std::optional<std::uint64_t> parse_bytes(const std::string& text);

}  // namespace adsim::scenarios
