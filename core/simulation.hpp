#pragma once
#include <atomic>
#include <cstdint>
#include <queue>
#include <vector>

#include "core/sim_time.hpp"

namespace adsim::core {

class Simulation;
struct Event;

// Anything that reacts to events implements this. Events carry a small integer payload instead of a
// closure so that scheduling never allocates on the hot path.
class EventHandler {
 public:
  virtual ~EventHandler() = default;
  virtual void handle(const Event& event, Simulation& sim) = 0;
};

using EventId = std::uint64_t;

// Tie-breaking priorities for events at the same instant: lower runs first. A day boundary resets
// budgets before that instant's requests are served; feedback lands before new requests see it.
enum class Priority : std::int32_t {
  kDayBoundary = 0,
  kCampaignLifecycle = 10,
  kControl = 20,       // pacing controller ticks
  kModelRefresh = 30,
  kFeedback = 40,      // delayed user outcomes reaching the platform
  kRequest = 50,
  kSnapshot = 90,      // metric snapshots see everything that happened at that instant
};

struct Event {
  SimTime time = 0;
  std::int32_t priority = 0;
  EventId id = 0;  // insertion sequence: the last tie-breaker, so order never depends on addresses
  EventHandler* handler = nullptr;
  std::uint32_t kind = 0;       // handler-defined
  std::uint64_t payload = 0;    // handler-defined
};

// The discrete-event kernel: a priority queue ordered by (time, priority, insertion sequence) with
// lazy cancellation. It knows nothing of ads.
class Simulation {
 public:
  SimTime now() const { return now_; }
  std::uint64_t events_processed() const { return processed_; }
  std::size_t pending() const { return queue_.size() - cancelled_in_queue_; }
  bool stopped() const { return stop_requested_ || (stop_token_ && stop_token_->load(std::memory_order_relaxed)); }

  EventId schedule(SimTime at, Priority priority, EventHandler& handler, std::uint32_t kind = 0,
                   std::uint64_t payload = 0);
  EventId schedule_in(SimTime delay, Priority priority, EventHandler& handler, std::uint32_t kind = 0,
                      std::uint64_t payload = 0) {
    return schedule(now_ + delay, priority, handler, kind, payload);
  }
  // Returns false if the event already ran, was already cancelled, or never existed.
  bool cancel(EventId id);

  // Runs the next event; returns false if there was none.
  bool step();
  // Runs every event with time <= end (unless stopped), then advances the clock to `end`.
  void run_until(SimTime end);
  // Makes run_until return after the current event; safe to call from a handler or another thread
  // only through the handler path (the kernel is single-threaded).
  void stop() { stop_requested_ = true; }
  void clear_stop() { stop_requested_ = false; }
  // A flag another thread may set (Ctrl-C, a GUI's Stop button); checked between events.
  void set_stop_token(const std::atomic<bool>* token) { stop_token_ = token; }
  SimTime next_event_time() const;
  // The next event in line, or nullptr. A hint only (it may have been cancelled): handlers use it to
  // start loading what that event will need while they do their own work.
  const Event* peek() const { return queue_.empty() ? nullptr : &queue_.top(); }

 private:
  struct Later {
    bool operator()(const Event& a, const Event& b) const {
      if (a.time != b.time) return a.time > b.time;
      if (a.priority != b.priority) return a.priority > b.priority;
      return a.id > b.id;
    }
  };
  void drop_cancelled_top();

  bool is_done(EventId id) const { return (done_[id >> 6] >> (id & 63)) & 1ULL; }
  void mark_done(EventId id) { done_[id >> 6] |= 1ULL << (id & 63); }

  std::priority_queue<Event, std::vector<Event>, Later> queue_;
  // One bit per event ever scheduled: set once it has run or been cancelled. 1.25 MB per ten million
  // events, and it answers "already ran?" exactly, which a set of cancelled ids cannot.
  std::vector<std::uint64_t> done_;
  std::size_t cancelled_in_queue_ = 0;
  SimTime now_ = 0;
  EventId next_id_ = 1;
  std::uint64_t processed_ = 0;
  bool stop_requested_ = false;
  const std::atomic<bool>* stop_token_ = nullptr;
};

}  // namespace adsim::core
