#include "core/simulation.hpp"

#include <stdexcept>

namespace adsim::core {

EventId Simulation::schedule(SimTime at, Priority priority, EventHandler& handler, std::uint32_t kind,
                             std::uint64_t payload) {
  if (at < now_) throw std::logic_error("Simulation::schedule: event in the past");
  const EventId id = next_id_++;
  if ((id >> 6) >= done_.size()) done_.resize(done_.size() + 4096, 0);
  queue_.push(Event{at, static_cast<std::int32_t>(priority), id, &handler, kind, payload});
  return id;
}

bool Simulation::cancel(EventId id) {
  if (id == 0 || id >= next_id_ || is_done(id)) return false;
  mark_done(id);
  ++cancelled_in_queue_;
  return true;
}

void Simulation::drop_cancelled_top() {
  while (cancelled_in_queue_ > 0 && !queue_.empty() && is_done(queue_.top().id)) {
    queue_.pop();
    --cancelled_in_queue_;
  }
}

SimTime Simulation::next_event_time() const {
  const_cast<Simulation*>(this)->drop_cancelled_top();
  return queue_.empty() ? now_ : queue_.top().time;
}

bool Simulation::step() {
  drop_cancelled_top();
  if (queue_.empty()) return false;
  const Event e = queue_.top();
  queue_.pop();
  mark_done(e.id);
  now_ = e.time;
  ++processed_;
  e.handler->handle(e, *this);
  return true;
}

void Simulation::run_until(SimTime end) {
  while (!stopped()) {
    drop_cancelled_top();
    if (queue_.empty() || queue_.top().time > end) break;
    step();
  }
  if (!stopped() && now_ < end) now_ = end;
}

}  // namespace adsim::core
