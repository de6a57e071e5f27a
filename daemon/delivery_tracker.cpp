// DeliveryTracker. See delivery_tracker.hpp for the invariants.
#include "daemon/delivery_tracker.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <ostream>
#include <random>
#include <utility>

#include "daemon/state_records.hpp"
#include "daemon/transaction_coordinator.hpp"
#include "kafka/errors.hpp"

namespace wirefeed::daemon {
namespace {

// The wait before re-sending a record whose producer failed, after `resends` earlier re-sends:
// 20 ms doubling, at most 2 s.
std::chrono::milliseconds resend_backoff(int resends) {
  return std::chrono::milliseconds(std::min<int64_t>(2000, int64_t{20} << std::min(resends, 7)));
}

using pipeline::OutputKind;

// A random id for this process's state batch keys (unique keys: batches must not be compacted
// away by each other).
std::string instance_tag() {
  std::random_device rd;
  const uint64_t v = (uint64_t{rd()} << 32) ^ rd();
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out = "states-";
  for (int i = 60; i >= 0; i -= 4) out.push_back(kDigits[(v >> i) & 0xF]);
  return out;
}

}  // namespace

DeliveryTracker::DeliveryTracker(DeliverySettings settings, DeliverySink& sink,
                                 boost::asio::thread_pool::executor_type pool,
                                 pipeline::DedupIndex& index, Stats& stats,
                                 const std::atomic<bool>& abandon, DeadLetterFn dead_letter,
                                 std::ostream* echo, RecentDecisions* recent)
    : settings_(std::move(settings)),
      eos_(settings_.exactly_once),
      sink_(sink),
      pool_(std::move(pool)),
      index_(index),
      stats_(stats),
      abandon_(abandon),
      dead_letter_(std::move(dead_letter)),
      echo_(echo),
      recent_(recent),
      state_key_prefix_(instance_tag()) {
  const std::pair<OutputKind, const std::string*> kinds[] = {
      {OutputKind::kStory, &settings_.stories_topic},
      {OutputKind::kDuplicate, &settings_.duplicates_topic},
      {OutputKind::kDeadLetter, &settings_.dead_letter_topic},
      {OutputKind::kDedupState, &settings_.state_topic}};
  for (const auto& [kind, topic] : kinds) {
    if (topic->empty()) continue;
    auto& slot = published_[static_cast<std::size_t>(kind)];
    slot.topic = *topic;
    slot.counter = &stats_.records_published_total.with({*topic, pipeline::output_kind_name(kind)});
  }
}

void DeliveryTracker::admitted(DeliveryPartition& ps, std::size_t bytes) {
  ps.inflight.fetch_add(1);
  inflight_msgs_.fetch_add(1);
  inflight_bytes_.fetch_add(static_cast<int64_t>(bytes));
  stats_.inflight_messages.set(inflight_msgs_.load());
  stats_.inflight_bytes.set(inflight_bytes_.load());
}

void DeliveryTracker::send(const std::shared_ptr<Pending>& pending, pipeline::EncodedOutput out,
                           bool primary, RouteCounters route, bool routed) {
  if (eos_ && pending->generation != txn_->generation()) {
    // Its transaction was aborted: the input will be reprocessed. The output is not out, so
    // neither is the record (no state for it).
    if (routed) routed_output_failed(*pending);
    finish_one(*pending);
    return;
  }
  auto ticket = std::make_unique<Ticket>();
  ticket->pending = pending;
  ticket->out = std::move(out);
  ticket->primary = primary;
  ticket->routed = routed;
  ticket->route = route;
  send(std::move(ticket));
}

void DeliveryTracker::send(std::unique_ptr<Ticket> ticket) {
  const rd_kafka_resp_err_t err =
      sink_.produce(ticket->out, ticket.get(), abandon_, /*may_wait=*/true);
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    (void)ticket.release();  // the delivery report owns it now
    return;
  }
  on_failed(std::move(ticket), err);
}

// A record could not be delivered: re-send it if its producer (not the record) failed, replace
// it with a dead letter, or retry the dead letter with backoff (the partition stalls meanwhile).
void DeliveryTracker::on_failed(std::unique_ptr<Ticket> ticket, rd_kafka_resp_err_t err) {
  if (!ticket->states.empty()) {
    on_state_batch_failed(std::move(ticket), err);
    return;
  }
  if (eos_) {
    eos_on_failed(std::move(ticket), err);
    return;
  }
  const auto ps = ticket->pending->ps;
  const OutputKind kind = ticket->out.kind;
  if (ticket->route.errors != nullptr) ticket->route.errors->inc();
  if (kafka::is_producer_failure(err) && !abandon_.load()) {
    const auto backoff = resend_backoff(ticket->resends++);
    if (const auto n = resend_log_.note(Clock::now())) {
      spdlog::warn(
          "{}[{}] offset {}: producer failed ({}); re-sending the record in {} ms ({} re-send(s) "
          "since the last such line)",
          ps->topic, ps->partition, ticket->pending->msg->offset, rd_kafka_err2name(err),
          backoff.count(), *n);
    }
    auto timer = std::make_shared<boost::asio::steady_timer>(ps->strand, backoff);
    timer->async_wait(
        [this, timer, t = std::shared_ptr<Ticket>(std::move(ticket))](
            const boost::system::error_code&) { send(std::make_unique<Ticket>(std::move(*t))); });
    return;
  }
  if (kind == OutputKind::kDedupState) {
    // The story itself is delivered; without its state a restart may republish it (a repeat,
    // never a loss).
    spdlog::warn("{}[{}] offset {}: dedup state not persisted ({})", ps->topic, ps->partition,
                 ticket->pending->msg->offset, rd_kafka_err2str(err));
    finish_one(*ticket->pending);
    return;
  }
  if (kind == OutputKind::kStory && ticket->pending->published) {
    // The story is not out on every topic it was routed to: later copies must not be
    // suppressed as its duplicates.
    index_.forget(ticket->pending->published->content, ticket->pending->published->story_id);
  }
  // No state for the record (I-4): it is not durable on all its outputs. Its input still waits
  // for the dead letter that replaces this output, and for the other outputs (I-1). A dead
  // letter record is retried until delivered instead, and counted then.
  if (ticket->routed && kind != OutputKind::kDeadLetter) {
    routed_output_failed(*ticket->pending);
  }
  if (abandon_.load() || ps->revoked.load()) {
    return;  // never completes: the offset is not stored, the input will be redelivered
  }
  if (kind == OutputKind::kDeadLetter) {
    retry_dead_letter(std::move(ticket), err);
    return;
  }
  spdlog::error("{}[{}] offset {}: delivery failed ({}); publishing a dead letter instead",
                ps->topic, ps->partition, ticket->pending->msg->offset, rd_kafka_err2str(err));
  auto pending = ticket->pending;
  boost::asio::post(ps->strand, [this, pending, err] {
    send(pending, dead_letter_(*pending->msg,
                               std::string("output delivery failed: ") + rd_kafka_err2str(err)));
  });
}

// The dead letter of an input could not be delivered either: the partition cannot advance past
// it (I-1: never skip). Retry with capped exponential backoff until it is delivered, the
// partition is revoked (the next owner redelivers the input) or the daemon stops.
void DeliveryTracker::retry_dead_letter(std::unique_ptr<Ticket> ticket, rd_kafka_resp_err_t err) {
  const auto ps = ticket->pending->ps;
  if (ticket->attempts++ == 0 && ps->retrying.fetch_add(1) == 0) stats_.partitions_stalled.add(1);
  const auto backoff = std::chrono::milliseconds(
      std::min<int64_t>(5000, int64_t{100} << std::min(ticket->attempts, 6)));
  if (const auto n = dead_letter_retry_log_.note(Clock::now())) {
    spdlog::critical(
        "{}[{}] offset {}: dead letter could not be delivered ({}); partition stalled, retry {} "
        "in {} ms ({} failed dead-letter attempt(s) since the last such line, {} partition(s) "
        "stalled)",
        ps->topic, ps->partition, ticket->pending->msg->offset, rd_kafka_err2str(err),
        ticket->attempts, backoff.count(), *n, stats_.partitions_stalled.value());
  }
  auto timer = std::make_shared<boost::asio::steady_timer>(ps->strand, backoff);
  timer->async_wait([this, timer, t = std::shared_ptr<Ticket>(std::move(ticket))](
                        const boost::system::error_code&) {
    auto again = std::make_unique<Ticket>(std::move(*t));
    if (abandon_.load() || again->pending->ps->revoked.load()) {
      release_retry(*again->pending->ps);
      return;  // redelivered to whoever owns the partition next
    }
    send(std::move(again));
  });
}

void DeliveryTracker::release_retry(DeliveryPartition& ps) {
  if (ps.retrying.fetch_sub(1) == 1) stats_.partitions_stalled.sub(1);
}

Counter& DeliveryTracker::published_counter(OutputKind kind, std::string_view topic) {
  const auto i = static_cast<std::size_t>(kind);
  if (i < published_.size() && published_[i].counter != nullptr && published_[i].topic == topic) {
    return *published_[i].counter;
  }
  return stats_.records_published_total.with({topic, pipeline::output_kind_name(kind)});
}

void DeliveryTracker::on_delivery(const sinks::DeliveryReport& r) {
  std::unique_ptr<Ticket> ticket(static_cast<Ticket*>(r.opaque));
  if (r.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    stats_.producer_delivery_errors_total.with({r.topic}).inc();
    on_failed(std::move(ticket), r.err);
    return;
  }
  const OutputKind kind = ticket->out.kind;
  published_counter(kind, r.topic).inc();
  if (ticket->route.records != nullptr) {
    ticket->route.records->inc();
    ticket->route.bytes->inc(r.len);
  }
  if (!ticket->states.empty()) {  // a state batch: every story it carries is now complete
    for (const auto& p : ticket->states) finish_one(*p);
    return;
  }
  if (ticket->attempts > 0) {
    spdlog::info("{}[{}] offset {}: dead letter delivered after {} retries",
                 ticket->pending->ps->topic, ticket->pending->ps->partition,
                 ticket->pending->msg->offset, ticket->attempts);
    release_retry(*ticket->pending->ps);
  }
  const auto& msg = *ticket->pending->msg;
  if (msg.timestamp) {
    const auto age = std::chrono::system_clock::now() - *msg.timestamp;
    stats_.end_to_end_latency_seconds.observe(std::chrono::duration<double>(age).count());
  }
  if (ticket->routed) {
    const OutputAcks::Step step = ticket->pending->acks.delivered();
    if (step == OutputAcks::Step::kPublished) {
      on_record_out(ticket->pending);
    } else if (step == OutputAcks::Step::kFailed && ticket->pending->state) {
      // The last output is delivered but an earlier one failed for good: no state (I-4).
      finish_one(*ticket->pending);
    }
  }
  if (echo_ != nullptr && kind != OutputKind::kDedupState && ticket->primary) {
    v1::Record rec;
    if (std::string_view(ticket->out.content_type) != pipeline::kContentTypeProtobuf) {
      *echo_ << ticket->out.payload << '\n' << std::flush;  // ninjs: one JSON object
    } else if (pipeline::decode_output(kind, r.payload, r.len, rec)) {
      *echo_ << pipeline::record_to_json(rec) << '\n' << std::flush;
    }
  }
  finish_one(*ticket->pending);
}

void DeliveryTracker::flush_state_batch() {
  if (state_round_.empty() && !state_blocked_) return;
  if (state_blocked_ && eos_) {
    // Rebuilt below rather than re-sent as it is: states of an attempt aborted while the queue
    // was full must not be committed by the next transaction (I-4).
    state_round_.insert(state_round_.begin(), state_blocked_->states.begin(),
                        state_blocked_->states.end());
    state_blocked_.reset();
  } else if (state_blocked_ && !produce_state_batch(std::move(state_blocked_))) {
    return;
  }
  std::size_t i = 0;
  while (i < state_round_.size()) {
    auto ticket = std::make_unique<Ticket>();
    StateBatchWriter writer;
    for (; i < state_round_.size(); ++i) {
      const auto& p = state_round_[i];
      if (eos_ && p->generation != txn_->generation()) {
        finish_one(*p);  // its transaction was aborted: the input will be reprocessed
        continue;
      }
      if (!writer.fits(*p->state)) break;
      writer.add(*p->state);
      ticket->states.push_back(p);
    }
    if (writer.empty()) continue;
    ticket->out = writer.take(settings_.state_topic,
                              state_key_prefix_ + "-" + std::to_string(++state_batches_));
    if (!produce_state_batch(std::move(ticket))) {
      // The queue is full: keep the rest for the next round (after librdkafka drained some).
      state_round_.erase(state_round_.begin(),
                         state_round_.begin() + static_cast<std::ptrdiff_t>(i));
      return;
    }
  }
  state_round_.clear();
}

// False when the producer queue is full (the ticket is kept in state_blocked_).
bool DeliveryTracker::produce_state_batch(std::unique_ptr<Ticket> ticket) {
  const rd_kafka_resp_err_t err =
      sink_.produce(ticket->out, ticket.get(), abandon_, /*may_wait=*/false);
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    (void)ticket.release();  // the delivery report owns it now
    return true;
  }
  if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL && !abandon_.load()) {
    state_blocked_ = std::move(ticket);
    return false;
  }
  on_failed(std::move(ticket), err);
  return true;
}

// A state batch was not written. Its stories are delivered; without their states a restart may
// republish them (a repeat, never a loss), so only a producer failure is worth a re-send.
void DeliveryTracker::on_state_batch_failed(std::unique_ptr<Ticket> ticket,
                                            rd_kafka_resp_err_t err) {
  if (eos_) {
    for (const auto& p : ticket->states) {
      // The stories are fine: a state-topic problem must not turn them into dead letters.
      eos_fail(*p, err, /*record_poison=*/false);
      finish_one(*p);
    }
    return;
  }
  if (kafka::is_producer_failure(err) && !abandon_.load()) {
    const auto backoff = resend_backoff(ticket->resends++);
    if (const auto n = resend_log_.note(Clock::now())) {
      spdlog::warn(
          "dedup state batch of {} stor(y/ies): producer failed ({}); re-sending in {} ms ({} "
          "re-send(s) since the last such line)",
          ticket->states.size(), rd_kafka_err2name(err), backoff.count(), *n);
    }
    auto timer = std::make_shared<boost::asio::steady_timer>(pool_, backoff);
    timer->async_wait(
        [this, timer, t = std::shared_ptr<Ticket>(std::move(ticket))](
            const boost::system::error_code&) { send(std::make_unique<Ticket>(std::move(*t))); });
    return;
  }
  spdlog::warn("dedup state of {} stor(y/ies) not persisted ({})", ticket->states.size(),
               rd_kafka_err2str(err));
  for (const auto& p : ticket->states) finish_one(*p);
}

// Every routed output of `p`'s record is delivered (delivery thread). I-4: its state is written
// now, batched with the states of the other stories of this round of delivery reports
// (flush_state_batch, same thread).
void DeliveryTracker::on_record_out(const std::shared_ptr<Pending>& p) {
  if (p->state) state_round_.push_back(p);
  if (p->recent && recent_ != nullptr) {
    p->recent->at = std::chrono::system_clock::now();
    recent_->add(std::move(*p->recent));
    p->recent.reset();
  }
}

// A routed output of `p`'s record failed for good (or was dropped with its aborted
// transaction): when it was the last one out, the state (if any) is dropped, not written.
void DeliveryTracker::routed_output_failed(const Pending& p) {
  if (p.acks.failed() != OutputAcks::Step::kWait && p.state) finish_one(p);
}

void DeliveryTracker::finish_one(const Pending& p) {
  if (p.remaining.fetch_sub(1) == 1) complete(p);
}

void DeliveryTracker::complete(const Pending& p) {
  {
    std::lock_guard lock(p.ps->mu);
    p.ps->tracker.complete(p.msg->offset);
  }
  p.ps->inflight.fetch_sub(1);
  inflight_msgs_.fetch_sub(1);
  inflight_bytes_.fetch_sub(static_cast<int64_t>(p.msg->value.size()));
  stats_.inflight_messages.set(inflight_msgs_.load());
  stats_.inflight_bytes.set(inflight_bytes_.load());
}

// Delivery side: a failed output fails the open transaction (it will abort and rewind).
void DeliveryTracker::eos_on_failed(std::unique_ptr<Ticket> ticket, rd_kafka_resp_err_t err) {
  const Pending& p = *ticket->pending;
  eos_fail(p, err);
  if (ticket->route.errors != nullptr) ticket->route.errors->inc();
  if (ticket->routed) routed_output_failed(p);  // state never sent
  finish_one(p);
}

// An output of `p` failed: fail the open transaction if `p` belongs to it. `record_poison`
// false: the output was a shared state batch, never counted towards a poison dead letter.
void DeliveryTracker::eos_fail(const Pending& p, rd_kafka_resp_err_t err, bool record_poison) {
  txn_->fail(p.ps->topic, p.ps->partition, p.msg->offset, p.generation, err, record_poison);
}

}  // namespace wirefeed::daemon
