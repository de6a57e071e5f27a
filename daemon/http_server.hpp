// Minimal HTTP/1.1 server for /metrics, /healthz, /readyz and the pages a `pages` handler serves
// (the status page and its JSON API; Boost.Beast on its own thread).
//
// Invariants:
// - RAII: the constructor binds, listens and starts the I/O thread, or throws
//   std::runtime_error("metrics.listen <listen>: <reason>") and leaves nothing running;
//   stop() (idempotent) and the destructor stop the event loop and join the thread.
// - Handlers run on the server's I/O thread, one at a time; they must be thread-safe with
//   respect to the rest of the daemon and must not call stop(). A throwing handler yields 500.
// - /healthz is answered by the event loop itself (no handler), so 200 proves it is alive.
// - Bounded per connection: 8 KiB of request head, 8 KiB of body, 10 s per read/write, at most
//   kMaxConnections open connections. Malformed requests get 4xx and a close, never a crash.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace wirefeed::daemon {

class HttpServer {
 public:
  struct Page {
    std::string content_type;
    std::string body;
  };
  struct Handlers {
    std::function<std::string()> metrics;                 // body for GET /metrics
    std::function<std::pair<bool, std::string>()> ready;  // {ready, one-line reason}
    // Any other GET path (without the query): a page, or nullopt for 404. Optional.
    std::function<std::optional<Page>(std::string_view path)> pages;
  };

  static constexpr std::size_t kMaxHeaderBytes = 8 * 1024;
  static constexpr std::size_t kMaxBodyBytes = 8 * 1024;
  static constexpr int kTimeoutSeconds = 10;
  static constexpr int kMaxConnections = 64;

  // listen: "host:port", "[v6addr]:port" or ":port" (all IPv4 interfaces); port 0 = ephemeral.
  HttpServer(const std::string& listen, Handlers handlers);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  std::uint16_t port() const noexcept;  // the bound port (resolved when 0 was requested)
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wirefeed::daemon
