#include "experiments/mpi_runner.hpp"

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <stdexcept>

#ifdef ADSIM_WITH_MPI
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include <boost/mpi/collectives.hpp>
#include <boost/mpi/communicator.hpp>
#include <boost/serialization/string.hpp>
#include <boost/mpi/environment.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#endif

namespace adsim::experiments {

#ifdef ADSIM_WITH_MPI

namespace {

constexpr int kTaskTag = 1;    // rank 0 -> worker: a cell index, or kNoMoreCells
constexpr int kResultTag = 2;  // worker -> rank 0: an encoded CellOutcome
constexpr int kAliveTag = 3;   // worker -> rank 0: the cell it is running, while it runs
constexpr std::int64_t kNoMoreCells = -1;

// Was this process started by an MPI launcher? (Open MPI, MPICH/Hydra and PMIx set these.)
bool launched_by_mpirun() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"})
    if (std::getenv(v) != nullptr) return true;
  return false;
}

// A CellOutcome as bytes: [cell u64][status i32][run_s f64][store_s f64][error size u64][error]
// [image]. One message per run; both ends are this same build, so native byte order is fine.
template <class T>
void put(std::vector<unsigned char>& out, const T& v) {
  const auto* p = reinterpret_cast<const unsigned char*>(&v);
  out.insert(out.end(), p, p + sizeof(T));
}
template <class T>
T get(const std::vector<unsigned char>& in, std::size_t& at) {
  if (at + sizeof(T) > in.size()) throw std::runtime_error("MPI: a truncated run message");
  T v;
  std::memcpy(&v, in.data() + at, sizeof(T));
  at += sizeof(T);
  return v;
}

std::vector<unsigned char> encode(std::size_t cell, const CellOutcome& o) {
  std::vector<unsigned char> out;
  out.reserve(64 + o.error.size() + o.image.size());
  put(out, static_cast<std::uint64_t>(cell));
  put(out, static_cast<std::int32_t>(o.status));
  put(out, o.run_seconds);
  put(out, o.store_seconds);
  put(out, static_cast<std::uint64_t>(o.error.size()));
  out.insert(out.end(), o.error.begin(), o.error.end());
  out.insert(out.end(), o.image.begin(), o.image.end());
  return out;
}

std::pair<std::size_t, CellOutcome> decode(const std::vector<unsigned char>& in) {
  std::size_t at = 0;
  const auto cell = static_cast<std::size_t>(get<std::uint64_t>(in, at));
  CellOutcome o;
  o.status = static_cast<store::RunStatus>(get<std::int32_t>(in, at));
  o.run_seconds = get<double>(in, at);
  o.store_seconds = get<double>(in, at);
  const auto error_size = get<std::uint64_t>(in, at);
  if (at + error_size > in.size()) throw std::runtime_error("MPI: a truncated run message");
  o.error.assign(reinterpret_cast<const char*>(in.data() + at), error_size);
  at += error_size;
  o.image.assign(in.begin() + static_cast<std::ptrdiff_t>(at), in.end());
  return {cell, std::move(o)};
}

using Clock = std::chrono::steady_clock;

std::chrono::milliseconds alive_interval(const MpiOptions& options) {
  return std::chrono::milliseconds(static_cast<long long>(std::max(0.05, options.rank_timeout_seconds / 5.0) * 1000));
}

// While a worker runs a cell, a second thread tells rank 0 every `interval` that it is alive. The
// worker's main thread makes no MPI call meanwhile, so MPI_THREAD_SERIALIZED is enough.
class AliveSignal {
 public:
  AliveSignal(boost::mpi::communicator& comm, std::int64_t cell, std::chrono::milliseconds interval)
      : thread_([this, &comm, cell, interval] {
          std::unique_lock lock(mutex_);
          while (!cv_.wait_for(lock, interval, [this] { return done_; })) comm.send(0, kAliveTag, cell);
        }) {}
  ~AliveSignal() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

}  // namespace

struct MpiWorld::Impl {
  boost::mpi::environment environment{boost::mpi::threading::serialized};
  boost::mpi::communicator world;
  bool lost_a_rank = false;  // set by the executor: finalize could wait for a dead rank
};

MpiWorld::MpiWorld() {
  if (launched_by_mpirun()) impl_ = std::make_unique<Impl>();
}
MpiWorld::~MpiWorld() = default;
int MpiWorld::rank() const { return impl_ ? impl_->world.rank() : 0; }
int MpiWorld::size() const { return impl_ ? impl_->world.size() : 1; }

void MpiWorld::abort_workers() {
  if (!impl_ || impl_->world.rank() != 0) return;
  for (int r = 1; r < impl_->world.size(); ++r) impl_->world.send(r, kTaskTag, kNoMoreCells);
}

bool MpiWorld::same_on_every_rank(const std::string& text) {
  if (!impl_) return true;
  std::string first = text;
  boost::mpi::broadcast(impl_->world, first, 0);
  const int differs = first.empty() || first != text ? 1 : 0;
  int any = 0;
  boost::mpi::all_reduce(impl_->world, differs, any, boost::mpi::maximum<int>());
  return any == 0;
}

int MpiWorld::end(int exit_code) {
  if (impl_ && impl_->world.rank() == 0 && impl_->lost_a_rank) {
    std::cout.flush();
    std::cerr.flush();
    impl_->environment.abort(exit_code);
  }
  return exit_code;
}

bool built_with_mpi() { return true; }

int serve_mpi_worker(const Study& study, MpiWorld& world, const std::atomic<bool>* stop, const MpiOptions& options) {
  auto& comm = world.impl().world;
  const std::vector<Cell> cells = plan(study);
  while (true) {
    std::int64_t index = kNoMoreCells;
    comm.recv(0, kTaskTag, index);
    if (index == kNoMoreCells) return 0;
    CellOutcome outcome;
    {
      const AliveSignal alive(comm, index, alive_interval(options));
      try {
        outcome = run_cell(cell_scenario(study, cells.at(static_cast<std::size_t>(index))), stop, study.detail);
      } catch (const std::exception& e) {
        outcome.status = store::RunStatus::kFailed;
        outcome.error = e.what();
      }
    }
    const auto bytes = encode(static_cast<std::size_t>(index), outcome);
    comm.send(0, kResultTag, bytes.data(), static_cast<int>(bytes.size()));
  }
}

namespace {

// Rank 0's side: one cell at a time to each worker rank; results are polled (iprobe) so that the
// coordinator keeps reporting progress and noticing Ctrl-C while runs are out. A busy rank that
// has sent nothing for the rank timeout is taken for dead: its cell comes back as lost (to be
// handed out again) and the rank gets no more cells, unless it turns out to be alive after all.
class MpiExecutor final : public CellExecutor {
 public:
  MpiExecutor(boost::mpi::communicator& comm, bool& lost_a_rank, const MpiOptions& options)
      : comm_(comm), lost_a_rank_(lost_a_rank), timeout_(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.rank_timeout_seconds))) {
    for (int r = comm_.size() - 1; r >= 1; --r) idle_.push_back(r);
  }
  ~MpiExecutor() override {
    try {
      // Runs still out (the coordinator failed) are received and dropped, so no worker stays
      // blocked sending a result nobody reads.
      while (!busy_.empty()) (void)wait(std::chrono::milliseconds(1000));
      for (int r = 1; r < comm_.size(); ++r)
        if (!dead_.count(r)) comm_.send(r, kTaskTag, kNoMoreCells);
    } catch (const std::exception& e) {
      spdlog::error("MPI: ending the workers: {}", e.what());
    }
  }

  std::size_t capacity() const override { return static_cast<std::size_t>(comm_.size() - 1) - dead_.size(); }

  void submit(std::size_t index) override {
    if (idle_.empty()) throw std::logic_error("MpiExecutor::submit: no idle rank");
    const int rank = idle_.back();
    idle_.pop_back();
    comm_.send(rank, kTaskTag, static_cast<std::int64_t>(index));
    busy_[rank] = {index, Clock::now()};
  }

  std::optional<std::pair<std::size_t, CellOutcome>> wait(std::chrono::milliseconds timeout) override {
    const auto deadline = Clock::now() + timeout;
    while (true) {
      drain_alive_signals();
      if (auto status = comm_.iprobe(boost::mpi::any_source, kResultTag)) {
        const int source = status->source();
        std::vector<unsigned char> bytes(static_cast<std::size_t>(status->count<unsigned char>().value_or(0)));
        comm_.recv(source, kResultTag, bytes.data(), static_cast<int>(bytes.size()));
        idle_.push_back(source);
        if (dead_.erase(source) > 0) {  // it was only slow; its cell has been handed out again
          spdlog::warn("MPI rank {} answered after being given up; it gets cells again", source);
          continue;
        }
        busy_.erase(source);
        return decode(bytes);
      }
      if (auto lost = a_lost_rank()) return lost;
      if (Clock::now() >= deadline) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }

  std::string describe() const override {
    return fmt::format("{} MPI worker rank{}{}", capacity(), capacity() == 1 ? "" : "s",
                       dead_.empty() ? "" : fmt::format(" ({} lost)", dead_.size()));
  }

 private:
  struct Busy {
    std::size_t cell = 0;
    Clock::time_point last_heard;
  };

  void drain_alive_signals() {
    while (auto status = comm_.iprobe(boost::mpi::any_source, kAliveTag)) {
      std::int64_t cell = 0;
      comm_.recv(status->source(), kAliveTag, cell);
      const auto it = busy_.find(status->source());
      if (it != busy_.end()) it->second.last_heard = Clock::now();
    }
  }

  std::optional<std::pair<std::size_t, CellOutcome>> a_lost_rank() {
    for (auto it = busy_.begin(); it != busy_.end(); ++it) {
      if (Clock::now() - it->second.last_heard < timeout_) continue;
      const int rank = it->first;
      CellOutcome lost;
      lost.lost = true;
      lost.error = fmt::format("MPI rank {} sent nothing for {:.0f} s", rank,
                               std::chrono::duration<double>(timeout_).count());
      const std::size_t cell = it->second.cell;
      busy_.erase(it);
      dead_.insert(rank);
      lost_a_rank_ = true;
      return std::make_pair(cell, std::move(lost));
    }
    return std::nullopt;
  }

  boost::mpi::communicator& comm_;
  bool& lost_a_rank_;
  Clock::duration timeout_;
  std::vector<int> idle_;
  std::map<int, Busy> busy_;
  std::set<int> dead_;
};

}  // namespace

std::unique_ptr<CellExecutor> make_mpi_executor(const Study&, MpiWorld& world, const std::atomic<bool>*,
                                               const MpiOptions& options) {
  return std::make_unique<MpiExecutor>(world.impl().world, world.impl().lost_a_rank, options);
}

#else  // no MPI in this build: a world of one

struct MpiWorld::Impl {};
MpiWorld::MpiWorld() = default;
MpiWorld::~MpiWorld() = default;
int MpiWorld::rank() const { return 0; }
int MpiWorld::size() const { return 1; }
void MpiWorld::abort_workers() {}
int MpiWorld::end(int exit_code) { return exit_code; }
bool MpiWorld::same_on_every_rank(const std::string&) { return true; }
bool built_with_mpi() { return false; }

int serve_mpi_worker(const Study&, MpiWorld&, const std::atomic<bool>*, const MpiOptions&) {
  throw std::logic_error("serve_mpi_worker: this build has no MPI");
}

std::unique_ptr<CellExecutor> make_mpi_executor(const Study&, MpiWorld&, const std::atomic<bool>*, const MpiOptions&) {
  throw std::logic_error("make_mpi_executor: this build has no MPI");
}

#endif

}  // namespace adsim::experiments
