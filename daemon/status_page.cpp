// Status page and its JSON API. See status_page.hpp for the invariants.
#include "daemon/status_page.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <map>

#include "daemon/progress.hpp"
#include "pipeline/clean/chrome_learner.hpp"

namespace wirefeed::daemon {

namespace {
constexpr auto kHistory = std::chrono::minutes(15);
constexpr const char* kJson = "application/json";
constexpr std::size_t kChromeLinesPerSource = 50;  // /api/chrome: the most-seen learned lines
}  // namespace

const char* status_page_html() {
  return R"HTML(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>wirefeed status</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;background:#fafafa}
h1{font-size:1.4em;margin:0 0 .3em}h2{font-size:1.1em;margin:1.2em 0 .4em}
.card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:.8em 1em;margin:.5em 0}
table{border-collapse:collapse}td,th{padding:.15em .8em .15em 0;text-align:left}
.ok{color:#176f2c;font-weight:bold}.bad{color:#b00020;font-weight:bold}
#chart{background:#fff;border:1px solid #ddd}.muted{color:#777}
.cluster{background:#fff;border:1px solid #ddd;border-radius:6px;padding:.4em .8em;margin:.4em 0}
.cluster ul{margin:.2em 0;padding-left:1.2em}.ev{font-size:.9em;color:#555}
</style></head><body>
<h1>wirefeed <span id="version" class="muted"></span></h1>
<div class="card">
 <div>Readiness: <span id="ready">…</span> <span id="reason" class="muted"></span></div>
 <div>Uptime: <span id="uptime"></span> · config <code id="config-hash"></code> ·
  <span id="assigned"></span> partition(s), <span id="inflight"></span> in flight</div>
 <div>Totals: <span id="totals"></span></div>
</div>
<h2>Throughput, last 15 minutes</h2>
<svg id="chart" width="720" height="180" viewBox="0 0 720 180" role="img"
 aria-label="inputs and records per second"></svg>
<div class="muted"><span style="color:#1f5fbf">■</span> inputs/s
 <span style="color:#d2691e">■</span> records out/s</div>
<h2>Partitions</h2>
<table id="partitions"><thead><tr><th>topic</th><th>partition</th><th>lag</th></tr></thead>
<tbody></tbody></table>
<h2>Last stories published</h2>
<table id="recent"><thead><tr><th>time</th><th>agency</th><th>headline</th><th>topics</th></tr></thead>
<tbody></tbody></table>
<h2>Recent duplicate clusters</h2><div id="clusters"></div>
<h2>Routes</h2>
<table id="routes"><thead><tr><th>route</th><th>topic</th><th>encoding</th><th>records</th>
<th>bytes</th><th>errors</th></tr></thead><tbody></tbody></table>
<h2>Learned chrome lines</h2>
<table id="chrome"><thead><tr><th>source</th><th>line</th><th>stories</th></tr></thead>
<tbody></tbody></table>
<h2>Dead letters by reason</h2><table id="dead-letters"><tbody></tbody></table>
<h2>Duplicates by kind</h2><table id="duplicates"><tbody></tbody></table>
<p class="muted">JSON: <a href="api/status">/api/status</a> · <a href="api/partitions">/api/partitions</a>
 · <a href="api/throughput">/api/throughput</a> · <a href="api/recent">/api/recent</a>
 · <a href="api/clusters">/api/clusters</a> · <a href="api/routes">/api/routes</a>
 · <a href="api/chrome">/api/chrome</a> · <a href="metrics">/metrics</a></p>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
function fmtDuration(s) {
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = Math.floor(s % 60);
  return (h ? h + "h" : "") + (h || m ? m + "m" : "") + sec + "s";
}
function rows(tbody, pairs) {
  tbody.replaceChildren(...pairs.map((cells) => {
    const tr = document.createElement("tr");
    for (const c of cells) { const td = document.createElement("td"); td.textContent = c; tr.append(td); }
    return tr;
  }));
}
function fmtTime(ms) { return new Date(ms).toISOString().replace("T", " ").slice(0, 19); }
function recent(stories) {
  const tbody = $("recent").tBodies[0];
  tbody.replaceChildren(...stories.map((s) => {
    const tr = document.createElement("tr");
    const cell = (text) => { const td = document.createElement("td"); td.textContent = text; tr.append(td); return td; };
    cell(fmtTime(s.at_ms)); cell(s.agency || "—");
    const a = document.createElement("a");
    a.href = "api/story/" + encodeURIComponent(s.id); a.textContent = s.headline || s.id;
    cell("").append(a);
    cell(s.topics.join(", "));
    return tr;
  }));
}
function evidence(e) {
  if (!e) return "";
  return `${e.rule} · similarity ${e.similarity.toFixed(2)} · tickers ${e.tickers.matched}/` +
    `${e.tickers.only_this}/${e.tickers.only_other} · names ${e.names.matched}/` +
    `${e.names.only_this}/${e.names.only_other} · facts ${e.facts.matched}/` +
    `${e.facts.only_this}/${e.facts.only_other} (matched/only this/only other)`;
}
function clusters(list) {
  const box = $("clusters");
  if (!list.length) { box.textContent = "none yet"; box.className = "muted"; return; }
  box.className = "";
  box.replaceChildren(...list.map((c) => {
    const div = document.createElement("div"); div.className = "cluster";
    const head = document.createElement("div"); const b = document.createElement("b");
    b.textContent = c.story.headline || c.story.id;
    head.append(b, ` ${c.story.agency ? "(" + c.story.agency + ") " : ""}` +
      `— ${c.suppressed} suppressed, ${c.linked} linked · ${c.story.id}`);
    const ul = document.createElement("ul");
    for (const m of c.members) {
      const li = document.createElement("li");
      li.textContent = `${m.relation}: ${m.headline || m.id} (${m.agency || "—"}, ` +
        `${m.duplicate_kind || m.verdict}, ${fmtTime(m.at_ms)})`;
      const ev = m.evidence || (m.related.find((r) => r.story_id === c.story.id) || {}).evidence;
      if (ev) { const d = document.createElement("div"); d.className = "ev"; d.textContent = evidence(ev); li.append(d); }
      ul.append(li);
    }
    div.append(head, ul);
    return div;
  }));
}
function chart(samples) {
  const svg = $("chart"), W = 720, H = 180, pad = 24;
  const max = Math.max(1, ...samples.map((s) => Math.max(s.in_per_s, s.out_per_s)));
  const x = (ago) => W - pad - (ago / 900) * (W - 2 * pad);
  const y = (v) => H - pad - (v / max) * (H - 2 * pad);
  const line = (key, color) => {
    const pts = samples.map((s) => x(s.seconds_ago).toFixed(1) + "," + y(s[key]).toFixed(1)).join(" ");
    return `<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts}"/>`;
  };
  svg.innerHTML = `<line x1="${pad}" y1="${H - pad}" x2="${W - pad}" y2="${H - pad}" stroke="#999"/>` +
    `<text x="${pad}" y="14" font-size="11">${max.toFixed(1)}/s</text>` +
    `<text x="${pad}" y="${H - 6}" font-size="11">-15m</text>` +
    `<text x="${W - pad - 20}" y="${H - 6}" font-size="11">now</text>` +
    line("in_per_s", "#1f5fbf") + line("out_per_s", "#d2691e");
  svg.dataset.samples = samples.length;
}
async function refresh() {
  try {
    const [st, parts, tp, rec, cl, ro, ch] = await Promise.all(
      ["api/status", "api/partitions", "api/throughput", "api/recent", "api/clusters", "api/routes",
       "api/chrome"].map((p) => fetch(p).then((r) => r.json())));
    $("version").textContent = st.version + " (" + st.commit + ")";
    $("ready").textContent = st.ready ? "ready" : "not ready";
    $("ready").className = st.ready ? "ok" : "bad";
    $("reason").textContent = st.ready ? "" : st.reason;
    $("uptime").textContent = fmtDuration(st.uptime_seconds);
    $("config-hash").textContent = st.config_hash;
    $("assigned").textContent = st.partitions_assigned;
    $("inflight").textContent = st.inflight_messages;
    const t = st.totals;
    $("totals").textContent = `${t.inputs} in; published ${t.stories} stories, ` +
      `${t.duplicates} duplicate notices, ${t.dead_letters} dead letters`;
    rows($("partitions").tBodies[0], parts.partitions.map((p) => [p.topic, p.partition, p.lag]));
    rows($("dead-letters").tBodies[0], Object.entries(st.dead_letters_by_reason));
    rows($("duplicates").tBodies[0], Object.entries(st.duplicates_by_kind));
    chart(tp.samples);
    recent(rec.stories);
    clusters(cl.clusters);
    rows($("routes").tBodies[0], ro.routes.flatMap((r) => r.topics.map((t) =>
      [r.name, t.topic, r.encoding, t.records, t.bytes ?? "\u2014", t.errors])));
    rows($("chrome").tBodies[0], ch.sources.flatMap((s) => s.lines.map((l) =>
      [s.source, l.text, l.stories])));
    document.body.dataset.loaded = "1";
  } catch (e) {
    $("ready").textContent = "unreachable"; $("ready").className = "bad"; $("reason").textContent = e;
  }
}
refresh();
setInterval(refresh, 2000);
</script></body></html>
)HTML";
}

StatusBoard::StatusBoard(Settings settings, const Stats& stats, Readiness ready)
    : StatusBoard(std::move(settings), stats, std::move(ready), Sources{}) {}

StatusBoard::StatusBoard(Settings settings, const Stats& stats, Readiness ready, Sources sources)
    : settings_(std::move(settings)),
      stats_(stats),
      ready_(std::move(ready)),
      sources_(std::move(sources)) {
  thread_ = std::thread([this] { loop(); });
}

StatusBoard::~StatusBoard() {
  {
    std::lock_guard lock(mu_);
    done_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void StatusBoard::loop() {
  ProgressCounts last = progress_counts(stats_, settings_.output_topics);
  auto last_at = Clock::now();
  std::unique_lock lock(mu_);
  while (!cv_.wait_for(lock, settings_.sample_every, [this] { return done_; })) {
    const auto now_at = Clock::now();
    const ProgressCounts now = progress_counts(stats_, settings_.output_topics);
    const double secs = std::max(std::chrono::duration<double>(now_at - last_at).count(), 1e-3);
    samples_.push_back({now_at, static_cast<double>(now.in - last.in) / secs,
                        static_cast<double>(now.out - last.out) / secs});
    while (!samples_.empty() && now_at - samples_.front().at > kHistory) samples_.pop_front();
    last = now;
    last_at = now_at;
  }
}

std::string StatusBoard::status_json() const {
  using nlohmann::json;
  json j;
  j["version"] = settings_.version;
  j["commit"] = settings_.commit;
  j["config_hash"] = settings_.config_hash;
  j["uptime_seconds"] =
      std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - started_).count();
  const auto [ok, reason] = ready_();
  j["ready"] = ok;
  j["reason"] = reason;
  j["partitions_assigned"] = stats_.partitions_assigned.value();
  j["inflight_messages"] = stats_.inflight_messages.value();
  const ProgressCounts c = progress_counts(stats_, settings_.output_topics);
  std::map<std::string, std::uint64_t> by_kind;
  stats_.records_published_total.for_each(
      [&](const std::vector<std::string>& labels, const Counter& n) {
        by_kind[labels.back()] += n.value();
      });
  json dl = json::object(), dup = json::object();
  std::uint64_t dead = 0, dups = 0;
  stats_.dead_letters_total.for_each([&](const std::vector<std::string>& l, const Counter& n) {
    dl[l.front()] = n.value();
    dead += n.value();
  });
  stats_.duplicates_total.for_each([&](const std::vector<std::string>& l, const Counter& n) {
    dup[l.front()] = n.value();
    dups += n.value();
  });
  j["totals"] = {{"inputs", c.in},
                 {"published", c.out},
                 {"stories", by_kind["story"]},
                 {"duplicates", dups},
                 {"dead_letters", dead}};
  j["dead_letters_by_reason"] = dl;
  j["duplicates_by_kind"] = dup;
  j["dedup_restore_complete"] = stats_.dedup_restore_complete.value() == 1;
  return j.dump();
}

std::string StatusBoard::partitions_json() const {
  nlohmann::json parts = nlohmann::json::array();
  stats_.consumer_lag.for_each([&](const std::vector<std::string>& l, const Gauge& g) {
    parts.push_back({{"topic", l[0]}, {"partition", std::stoi(l[1])}, {"lag", g.value()}});
  });
  return nlohmann::json{{"partitions", parts}}.dump();
}

std::string StatusBoard::throughput_json() const {
  nlohmann::json samples = nlohmann::json::array();
  const auto now = Clock::now();
  std::lock_guard lock(mu_);
  for (const Sample& s : samples_) {
    samples.push_back(
        {{"seconds_ago", std::chrono::duration_cast<std::chrono::seconds>(now - s.at).count()},
         {"in_per_s", s.in_per_s},
         {"out_per_s", s.out_per_s}});
  }
  return nlohmann::json{{"sample_seconds", settings_.sample_every.count() / 1000.0},
                        {"samples", samples}}
      .dump();
}

std::string StatusBoard::chrome_json() const {
  nlohmann::json out = nlohmann::json::array();
  if (sources_.chrome != nullptr) {
    for (const std::string& source : sources_.chrome->sources()) {
      nlohmann::json lines = nlohmann::json::array();
      for (const pipeline::ChromeLine& l : sources_.chrome->lines(source)) {
        if (!l.learned) continue;  // learned lines come first
        if (lines.size() == kChromeLinesPerSource) break;
        lines.push_back({{"text", l.text}, {"stories", l.stories}, {"score", l.score}});
      }
      if (!lines.empty()) out.push_back({{"source", source}, {"lines", std::move(lines)}});
    }
  }
  return nlohmann::json{{"sources", std::move(out)}}.dump();
}

std::string StatusBoard::routes_json() const {
  // Per-route counters by (route, topic); a route that delivered nothing yet shows zeros.
  std::map<std::pair<std::string, std::string>, std::array<std::uint64_t, 3>> counts;
  stats_.route_records_total.for_each([&](const std::vector<std::string>& l, const Counter& n) {
    counts[{l[0], l[1]}][0] = n.value();
  });
  stats_.route_bytes_total.for_each([&](const std::vector<std::string>& l, const Counter& n) {
    counts[{l[0], l[1]}][1] = n.value();
  });
  stats_.route_errors_total.for_each([&](const std::vector<std::string>& l, const Counter& n) {
    counts[{l[0], l[1]}][2] = n.value();
  });
  nlohmann::json routes = nlohmann::json::array();
  const std::vector<pipeline::Route> in_force =
      sources_.routes ? sources_.routes() : std::vector<pipeline::Route>{};
  for (const pipeline::Route& r : in_force) {
    nlohmann::json topics = nlohmann::json::array();
    for (const std::string& t : r.topics) {
      const auto c = counts[{r.name, t}];
      topics.push_back({{"topic", t}, {"records", c[0]}, {"bytes", c[1]}, {"errors", c[2]}});
    }
    routes.push_back({{"name", r.name},
                      {"encoding", pipeline::encoding_name(r.encoding)},
                      {"continue", r.continue_},
                      {"topics", std::move(topics)}});
  }
  // The default route: each record kind's topic, with what was published there (any route) and
  // the producer's failed delivery reports for it. Bytes are counted per configured route only,
  // so they are null here rather than a zero that reads as "nothing delivered".
  std::map<std::string, std::uint64_t> by_topic;
  stats_.records_published_total.for_each(
      [&](const std::vector<std::string>& l, const Counter& n) { by_topic[l[0]] += n.value(); });
  std::map<std::string, std::uint64_t> errors_by_topic;
  stats_.producer_delivery_errors_total.for_each(
      [&](const std::vector<std::string>& l, const Counter& n) {
        errors_by_topic[l[0]] += n.value();
      });
  nlohmann::json defaults = nlohmann::json::array();
  for (const std::string& t : settings_.output_topics) {
    defaults.push_back({{"topic", t},
                        {"records", by_topic[t]},
                        {"bytes", nullptr},
                        {"errors", errors_by_topic[t]}});
  }
  routes.push_back({{"name", "(default)"},
                    {"encoding", "protobuf"},
                    {"continue", false},
                    {"topics", std::move(defaults)}});
  return nlohmann::json{{"routes", std::move(routes)}}.dump();
}

std::optional<HttpServer::Page> StatusBoard::serve(std::string_view path) {
  if (path == "/" || path == "/index.html") {
    return HttpServer::Page{"text/html; charset=utf-8", status_page_html()};
  }
  if (path == "/api/status") return HttpServer::Page{kJson, status_json()};
  if (path == "/api/partitions") return HttpServer::Page{kJson, partitions_json()};
  if (path == "/api/throughput") return HttpServer::Page{kJson, throughput_json()};
  if (path == "/api/chrome") return HttpServer::Page{kJson, chrome_json()};
  if (path == "/api/routes") return HttpServer::Page{kJson, routes_json()};
  const RecentDecisions none(1, 1);  // stands in (empty) when the daemon keeps no ring
  const RecentDecisions& recent = sources_.recent != nullptr ? *sources_.recent : none;
  if (path == "/api/recent") return HttpServer::Page{kJson, recent_json(recent)};
  if (path == "/api/clusters") return HttpServer::Page{kJson, clusters_json(recent)};
  constexpr std::string_view kStory = "/api/story/";
  if (path.starts_with(kStory)) {
    if (auto j = story_json(recent, path.substr(kStory.size()))) {
      return HttpServer::Page{kJson, std::move(*j)};
    }
    return std::nullopt;  // not (or no longer) in the ring: 404
  }
  return std::nullopt;
}

}  // namespace wirefeed::daemon
