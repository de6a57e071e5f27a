#include "kafka/replay.hpp"

#include <vector>

#include "kafka/client.hpp"

namespace wirefeed::kafka {

TopicProbe probe_topic(rd_kafka_t* reader, const std::string& topic, int timeout_ms) {
  const rd_kafka_metadata_t* raw = nullptr;
  rd_kafka_resp_err_t err;
  {
    const TopicHandle rkt(rd_kafka_topic_new(reader, topic.c_str(), nullptr));
    err = rd_kafka_metadata(reader, 0, rkt.get(), &raw, timeout_ms);
  }
  const MetadataHandle md(raw);
  TopicProbe out;
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    out.why = rd_kafka_err2str(err);
  } else if (md->topic_cnt != 1) {
    out.why = "no metadata";
  } else if (md->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    out.missing = md->topics[0].err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
    out.why = rd_kafka_err2str(md->topics[0].err);
  } else if (md->topics[0].partition_cnt == 0) {
    out.why = "no partitions";
  } else {
    out.partitions = md->topics[0].partition_cnt;
  }
  return out;
}

ReplayResult replay_from(rd_kafka_t* reader, const std::string& topic, int parts,
                         std::chrono::system_clock::time_point edge,
                         std::chrono::steady_clock::time_point deadline,
                         const std::atomic<bool>& stop,
                         const std::function<void(const rd_kafka_message_t&)>& apply) {
  const auto idx = [](int p) { return static_cast<std::size_t>(p); };
  std::vector<int64_t> low(idx(parts), 0), high(idx(parts), 0), next(idx(parts), 0);
  for (int p = 0; p < parts; ++p) {
    rd_kafka_query_watermark_offsets(reader, topic.c_str(), p, &low[idx(p)], &high[idx(p)], 10000);
    next[idx(p)] = low[idx(p)];
  }
  const int64_t edge_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(edge.time_since_epoch()).count();
  PartitionListHandle list(rd_kafka_topic_partition_list_new(parts));
  for (int p = 0; p < parts; ++p) {
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p)->offset = edge_ms;
  }
  // offsets_for_times answers -1 when no record is that new, and where the broker cannot look
  // up times: such a partition replays from its beginning.
  const rd_kafka_resp_err_t terr = rd_kafka_offsets_for_times(reader, list.get(), 10000);
  ReplayResult out;
  for (int p = 0; p < parts; ++p) {
    rd_kafka_topic_partition_t& tp = list->elems[p];
    const auto i = idx(tp.partition);
    if (terr == RD_KAFKA_RESP_ERR_NO_ERROR && tp.err == RD_KAFKA_RESP_ERR_NO_ERROR &&
        tp.offset > low[i] && tp.offset <= high[i]) {
      out.skipped += tp.offset - low[i];
      next[i] = tp.offset;
    } else {
      tp.offset = RD_KAFKA_OFFSET_BEGINNING;
    }
    tp.err = RD_KAFKA_RESP_ERR_NO_ERROR;
  }
  rd_kafka_assign(reader, list.get());
  std::vector<bool> at_eof(idx(parts), false);
  auto caught_up = [&] {
    for (int p = 0; p < parts; ++p) {
      if (!at_eof[idx(p)] && next[idx(p)] < high[idx(p)]) return false;
    }
    return true;
  };
  while (!caught_up() && std::chrono::steady_clock::now() < deadline && !stop.load()) {
    MessageHandle m(rd_kafka_consumer_poll(reader, 100));
    if (!m || m->partition < 0 || m->partition >= parts) continue;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) at_eof[idx(m->partition)] = true;
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    apply(*m);
    next[idx(m->partition)] = m->offset + 1;
    ++out.records;
  }
  out.caught_up = caught_up();
  return out;
}

}  // namespace wirefeed::kafka
