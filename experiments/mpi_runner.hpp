#pragma once
#include <atomic>
#include <memory>
#include <string>

#include "experiments/runner.hpp"

// Studies across machines: under `mpirun -np N adsim sweep ...` (a build with Boost.MPI), rank 0
// runs the coordinator of runner.hpp and owns the results file; ranks 1..N-1 each run one cell at
// a time and send the run back as an image of a one-run database, so the file is the same as a
// threaded run's. Every rank parses the same command line, so every rank knows the whole study and
// only cell numbers travel out. In a build without MPI, or outside mpirun, the world has one rank.
namespace adsim::experiments {

class MpiWorld {
 public:
  // Joins the MPI world when this build has MPI and the process was started by mpirun.
  MpiWorld();
  ~MpiWorld();
  MpiWorld(const MpiWorld&) = delete;
  MpiWorld& operator=(const MpiWorld&) = delete;

  int rank() const;
  int size() const;  // 1 outside mpirun
  // Rank 0 could not start the study (say, a bad --db): tells every worker to exit.
  void abort_workers();
  // A collective call: whether every rank passes the same text as rank 0 (and rank 0's is not
  // empty). True in a world of one.
  bool same_on_every_rank(const std::string& text);
  // The process's exit code, once the study is over. If a rank was lost, Open MPI's finalize can
  // wait for it forever, so rank 0 ends the job with MPI_Abort(exit_code) instead (after flushing
  // stdout and stderr; everything is in the results file by then); otherwise returns exit_code.
  int end(int exit_code);

  struct Impl;  // Boost.MPI's environment and communicator, when built with MPI
  Impl& impl() { return *impl_; }  // inside a world of more than one rank

 private:
  std::unique_ptr<Impl> impl_;
};

// Whether this build can run studies under mpirun.
bool built_with_mpi();

// A worker that sends nothing for this long is taken for dead and its cell is handed to another
// rank. Workers say they are alive every rank_timeout / 5 while they run a cell. Under Open MPI
// this needs `mpirun --enable-recovery`: without it, the loss of any rank ends the whole job (the
// finished runs are in the file, and running the same command again resumes the study).
struct MpiOptions {
  double rank_timeout_seconds = 60.0;
};

// The loop of ranks 1..N-1: run the cells rank 0 sends until it says the study is over. Returns
// the process's exit code (0).
int serve_mpi_worker(const Study& study, MpiWorld& world, const std::atomic<bool>* stop, const MpiOptions& options = {});

// Rank 0's executor: one cell at a time to each other rank. Its destructor ends the workers' loops.
std::unique_ptr<CellExecutor> make_mpi_executor(const Study& study, MpiWorld& world, const std::atomic<bool>* stop,
                                               const MpiOptions& options = {});

}  // namespace adsim::experiments
