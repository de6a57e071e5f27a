// DeliveryPartition: what delivery tracking needs of one assigned input partition (the
// Service's PartitionState holds one; DeliveryTracker works on it).
//
// Invariants:
// - `strand` is the partition's strand: its inputs are processed and produced there in order
//   (I-2), and the tracker's re-sends and dead-letter retries of the partition's records wait on
//   timers bound to it.
// - `tracker` is guarded by `mu` (the consumer thread tracks and takes offsets; whichever thread
//   completes an input marks it complete).
// - `inflight`, `revoked` and `retrying` are atomics, read and written from any thread:
//   `inflight` counts the partition's inputs admitted but not complete, `revoked` is set by the
//   consumer thread when the partition goes (work finishing later never stores its offset,
//   I-5), `retrying` counts its dead letters being retried (the partition cannot advance).
// - Owned through shared_ptr: a Pending keeps its partition alive after a revoke (detached).
#pragma once

#include <atomic>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstdint>
#include <mutex>
#include <string>
#include <utility>

#include "daemon/offset_tracker.hpp"

namespace wirefeed::daemon {

using PartitionStrand = boost::asio::strand<boost::asio::thread_pool::executor_type>;

struct DeliveryPartition {
  DeliveryPartition(std::string t, int32_t p, PartitionStrand s)
      : topic(std::move(t)), partition(p), strand(std::move(s)) {}
  DeliveryPartition(const DeliveryPartition&) = delete;
  DeliveryPartition& operator=(const DeliveryPartition&) = delete;

  const std::string topic;  // for the log lines
  const int32_t partition;
  PartitionStrand strand;
  std::mutex mu;
  OffsetTracker tracker;  // guarded by mu
  std::atomic<int64_t> inflight{0};
  std::atomic<bool> revoked{false};
  std::atomic<int> retrying{0};  // dead letters being retried: the partition cannot advance
};

}  // namespace wirefeed::daemon
