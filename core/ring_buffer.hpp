#pragma once
#include <cstddef>
#include <vector>

namespace adsim::core {

// FIFO over a power-of-two vector that grows when full and is then reused: no allocation once a
// run has reached its steady state (unlike std::deque, which allocates blocks as it moves).
template <typename T>
class RingBuffer {
 public:
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T& operator[](std::size_t i) { return data_[(head_ + i) & (data_.size() - 1)]; }
  const T& operator[](std::size_t i) const { return data_[(head_ + i) & (data_.size() - 1)]; }
  T& front() { return (*this)[0]; }
  void push_back(const T& v) {
    if (size_ == data_.size()) grow();
    data_[(head_ + size_) & (data_.size() - 1)] = v;
    ++size_;
  }
  void pop_front() {
    head_ = (head_ + 1) & (data_.size() - 1);
    --size_;
  }

 private:
  void grow() {
    std::vector<T> bigger(data_.empty() ? 1024 : data_.size() * 2);
    for (std::size_t i = 0; i < size_; ++i) bigger[i] = (*this)[i];
    data_.swap(bigger);
    head_ = 0;
  }
  std::vector<T> data_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace adsim::core
