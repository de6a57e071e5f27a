// Metrics registry implementation and Prometheus text-format (0.0.4) rendering.
//
// Invariants:
// - Output of every render_metric() is one complete family: "# HELP", "# TYPE", then samples;
//   HELP/TYPE appear even when a family has no children yet.
// - Label values are escaped (\\, \", \n); HELP text is escaped (\\, \n).
// - Histogram buckets are rendered cumulatively from one snapshot of the bucket counters, so
//   le="+Inf" == _count always holds; _sum is read from the same snapshot pass.
// - Numbers: integers in decimal; doubles in shortest round-trip form, +Inf/-Inf/NaN spelled
//   as Prometheus expects.
// - Process metrics are read from /proc/self at render time; unreadable sources are omitted
//   rather than rendered as bogus zeros.
#include "daemon/metrics.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <iterator>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <system_error>

#ifndef WIREFEED_VERSION
#define WIREFEED_VERSION "0.0.0"
#endif
#ifndef WIREFEED_GIT_COMMIT
#define WIREFEED_GIT_COMMIT "unknown"
#endif

namespace wirefeed::daemon {

// ---- primitives ------------------------------------------------------------------------------

namespace detail {

void validate_label_names(std::span<const std::string> names, bool histogram) {
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string& n = names[i];
    bool ok = !n.empty() && !(n[0] >= '0' && n[0] <= '9') && n.rfind("__", 0) != 0;
    for (char c : n) {
      ok = ok &&
           ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_');
    }
    if (!ok) throw std::invalid_argument("metrics: invalid label name '" + n + "'");
    if (histogram && n == "le") {
      throw std::invalid_argument("metrics: label name 'le' is reserved for histograms");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (names[j] == n) throw std::invalid_argument("metrics: duplicate label name '" + n + "'");
    }
  }
}

void validate_bounds(std::span<const double> bounds) {
  if (bounds.empty()) throw std::invalid_argument("metrics: histogram needs at least one bound");
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i]) || (i > 0 && !(bounds[i - 1] < bounds[i]))) {
      throw std::invalid_argument(
          "metrics: histogram bounds must be finite and strictly increasing");
    }
  }
}

void throw_label_arity(std::size_t want, std::size_t got) {
  throw std::invalid_argument("metrics: family has " + std::to_string(want) + " label(s), got " +
                              std::to_string(got) + " value(s)");
}

}  // namespace detail

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      buckets_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {
  detail::validate_bounds(bounds_);
}

void Histogram::observe(double seconds) noexcept {
  if (std::isnan(seconds)) return;
  // First bound >= value ("le" semantics); past the end means the +Inf bucket.
  const auto idx = static_cast<std::size_t>(
      std::lower_bound(bounds_.begin(), bounds_.end(), seconds) - bounds_.begin());
  buckets_[idx].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(seconds, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  s.bounds = bounds_;
  s.buckets.resize(bounds_.size() + 1);
  for (std::size_t i = 0; i < s.buckets.size(); ++i) {
    s.buckets[i] = buckets_[i].load(std::memory_order_relaxed);
    s.count += s.buckets[i];
  }
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

// ---- formatting ------------------------------------------------------------------------------

std::string escape_label_value(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string escape_help(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

namespace {

void append_uint(std::string& out, std::uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_int(std::string& out, std::int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_double(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
  } else {
    // Shortest round-trip digits laid out like Go's strconv.FormatFloat(v, 'g', -1, 64), which
    // the official clients use (stable le="" spellings): exponent form iff the decimal
    // exponent is < -4 or >= 6, e.g. 1e-05, 0.0001, 100000, 1e+06, 3.5e+09.
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
    const char* e = std::find(buf, r.ptr, 'e');
    int exp = 0;
    std::from_chars(e + 1 + (e[1] == '+' ? 1 : 0), r.ptr, exp);
    if (exp < -4 || exp >= 6) {
      out.append(buf, r.ptr);
    } else {
      r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
      out.append(buf, r.ptr);
    }
  }
}

void append_header(std::string& out, std::string_view name, std::string_view help,
                   std::string_view type) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += escape_help(help);
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

// Appends `{n1="v1",n2="v2"[,le="x"]}`, or nothing when there are no labels at all.
void append_labels(std::string& out, std::span<const std::string> names,
                   std::span<const std::string> values, std::string_view le = {}) {
  if (names.empty() && le.empty()) return;
  out += '{';
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    out += names[i];
    out += "=\"";
    out += escape_label_value(values[i]);
    out += '"';
  }
  if (!le.empty()) {
    if (!names.empty()) out += ',';
    out += "le=\"";
    out += le;
    out += '"';
  }
  out += '}';
}

void append_sample_prefix(std::string& out, std::string_view name, std::string_view suffix,
                          std::span<const std::string> names, std::span<const std::string> values,
                          std::string_view le = {}) {
  out += name;
  out += suffix;
  append_labels(out, names, values, le);
  out += ' ';
}

void append_histogram_samples(std::string& out, std::string_view name,
                              std::span<const std::string> names,
                              std::span<const std::string> values, const Histogram& h) {
  const Histogram::Snapshot s = h.snapshot();
  std::uint64_t cumulative = 0;
  std::string le;
  for (std::size_t i = 0; i < s.buckets.size(); ++i) {
    cumulative += s.buckets[i];
    le.clear();
    if (i < s.bounds.size()) {
      append_double(le, s.bounds[i]);
    } else {
      le = "+Inf";
    }
    append_sample_prefix(out, name, "_bucket", names, values, le);
    append_uint(out, cumulative);
    out += '\n';
  }
  append_sample_prefix(out, name, "_sum", names, values);
  append_double(out, s.sum);
  out += '\n';
  append_sample_prefix(out, name, "_count", names, values);
  append_uint(out, cumulative);
  out += '\n';
}

}  // namespace

void render_metric(std::string& out, std::string_view name, std::string_view help,
                   const Counter& c) {
  append_header(out, name, help, "counter");
  append_sample_prefix(out, name, "", {}, {});
  append_uint(out, c.value());
  out += '\n';
}

void render_metric(std::string& out, std::string_view name, std::string_view help, const Gauge& g) {
  append_header(out, name, help, "gauge");
  append_sample_prefix(out, name, "", {}, {});
  append_int(out, g.value());
  out += '\n';
}

void render_metric(std::string& out, std::string_view name, std::string_view help,
                   const Histogram& h) {
  append_header(out, name, help, "histogram");
  append_histogram_samples(out, name, {}, {}, h);
}

void render_metric(std::string& out, std::string_view name, std::string_view help,
                   const CounterFamily& f) {
  append_header(out, name, help, "counter");
  f.for_each([&](const std::vector<std::string>& values, const Counter& c) {
    append_sample_prefix(out, name, "", f.label_names(), values);
    append_uint(out, c.value());
    out += '\n';
  });
}

void render_metric(std::string& out, std::string_view name, std::string_view help,
                   const GaugeFamily& f) {
  append_header(out, name, help, "gauge");
  f.for_each([&](const std::vector<std::string>& values, const Gauge& g) {
    append_sample_prefix(out, name, "", f.label_names(), values);
    append_int(out, g.value());
    out += '\n';
  });
}

void render_metric(std::string& out, std::string_view name, std::string_view help,
                   const HistogramFamily& f) {
  append_header(out, name, help, "histogram");
  f.for_each([&](const std::vector<std::string>& values, const Histogram& h) {
    append_histogram_samples(out, name, f.label_names(), values, h);
  });
}

// ---- process metrics -------------------------------------------------------------------------

namespace {

// Whole small file (procfs reports size 0, so read until EOF). POSIX I/O: no iostream state.
std::optional<std::string> read_file(const char* path) {
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string s;
  char buf[4096];
  bool ok = true;
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      s.append(buf, static_cast<std::size_t>(n));
    } else if (n == 0) {
      break;
    } else if (errno != EINTR) {
      ok = false;
      break;
    }
  }
  ::close(fd);
  if (!ok) return std::nullopt;
  return s;
}

// Fields of /proc/self/stat after the ")" that closes comm: [0] is field 3 (state).
std::optional<std::vector<std::string>> proc_self_stat_fields() {
  auto s = read_file("/proc/self/stat");
  if (!s) return std::nullopt;
  const auto close = s->rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream in(s->substr(close + 1));
  std::vector<std::string> fields{std::istream_iterator<std::string>(in),
                                  std::istream_iterator<std::string>()};
  return fields;
}

std::optional<double> field_as_double(const std::vector<std::string>& f, std::size_t field_no) {
  const std::size_t i = field_no - 3;
  if (i >= f.size()) return std::nullopt;
  double v = 0;
  auto r = std::from_chars(f[i].data(), f[i].data() + f[i].size(), v);
  if (r.ec != std::errc() || r.ptr != f[i].data() + f[i].size()) return std::nullopt;
  return v;
}

std::optional<double> boot_time_seconds() {
  auto s = read_file("/proc/stat");
  if (!s) return std::nullopt;
  std::istringstream in(*s);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("btime ", 0) == 0) {
      double v = 0;
      auto r = std::from_chars(line.data() + 6, line.data() + line.size(), v);
      if (r.ec == std::errc()) return v;
    }
  }
  return std::nullopt;
}

std::optional<double> open_fds() {
  DIR* d = ::opendir("/proc/self/fd");
  if (d == nullptr) return std::nullopt;
  double n = 0;
  while (const dirent* e = ::readdir(d)) {
    if (e->d_name[0] != '.') ++n;
  }
  ::closedir(d);
  return n - 1;  // not counting the descriptor opendir() itself used
}

void render_gauge_value(std::string& out, std::string_view name, std::string_view help,
                        std::string_view type, double v) {
  append_header(out, name, help, type);
  out += name;
  out += ' ';
  append_double(out, v);
  out += '\n';
}

}  // namespace

void render_process_metrics(std::string& out) {
  const long ticks = ::sysconf(_SC_CLK_TCK);
  const long page = ::sysconf(_SC_PAGESIZE);
  const auto stat = proc_self_stat_fields();
  if (stat && ticks > 0) {
    auto utime = field_as_double(*stat, 14), stime = field_as_double(*stat, 15);
    if (utime && stime) {
      render_gauge_value(out, "process_cpu_seconds_total",
                         "Total user and system CPU time spent in seconds.", "counter",
                         (*utime + *stime) / static_cast<double>(ticks));
    }
  }
  if (auto fds = open_fds()) {
    render_gauge_value(out, "process_open_fds", "Number of open file descriptors.", "gauge", *fds);
  }
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
    render_gauge_value(out, "process_max_fds", "Maximum number of open file descriptors.", "gauge",
                       static_cast<double>(rl.rlim_cur));
  }
  if (!stat) return;
  if (auto vsize = field_as_double(*stat, 23)) {
    render_gauge_value(out, "process_virtual_memory_bytes", "Virtual memory size in bytes.",
                       "gauge", *vsize);
  }
  if (auto rss = field_as_double(*stat, 24); rss && page > 0) {
    render_gauge_value(out, "process_resident_memory_bytes", "Resident memory size in bytes.",
                       "gauge", *rss * static_cast<double>(page));
  }
  auto start = field_as_double(*stat, 22);
  auto btime = boot_time_seconds();
  if (start && btime && ticks > 0) {
    render_gauge_value(out, "process_start_time_seconds",
                       "Start time of the process since unix epoch in seconds.", "gauge",
                       *btime + *start / static_cast<double>(ticks));
  }
}

// ---- Stats -----------------------------------------------------------------------------------

std::string_view build_version() noexcept { return WIREFEED_VERSION; }
std::string_view build_commit() noexcept { return WIREFEED_GIT_COMMIT; }

Stats::Stats() { build_info.with({build_version(), build_commit()}).set(1); }

void Stats::render(std::string& out) const {
#define WIREFEED_RENDER_2(name, help) render_metric(out, "wirefeed_" #name, help, name);
#define WIREFEED_RENDER_3(name, help, x) render_metric(out, "wirefeed_" #name, help, name);
#define WIREFEED_RENDER_4(name, help, x, y) render_metric(out, "wirefeed_" #name, help, name);
  WIREFEED_STATS(WIREFEED_RENDER_2, WIREFEED_RENDER_3, WIREFEED_RENDER_2, WIREFEED_RENDER_3,
                 WIREFEED_RENDER_3, WIREFEED_RENDER_4)
#undef WIREFEED_RENDER_2
#undef WIREFEED_RENDER_3
#undef WIREFEED_RENDER_4
  render_process_metrics(out);
}

std::string Stats::render() const {
  std::string out;
  out.reserve(16 * 1024);
  render(out);
  return out;
}

}  // namespace wirefeed::daemon
