// HTTP endpoint implementation: one io_context, one thread, async accept + one async session
// per connection.
//
// Invariants:
// - All server state (acceptor, sessions, connection count) is touched only on the I/O thread,
//   except in the constructor (before the thread starts) and after join (destruction).
// - Every session owns itself through shared_ptr captured by its pending operation; it dies
//   when its last operation completes (error, timeout, close, or stop()).
// - Every read and write is bounded by kTimeoutSeconds; every request by header/body limits.
// - stop() closes the acceptor and every open connection from the I/O thread, lets run()
//   drain, and joins; the io_context is destroyed last, after everything that uses it.

// GCC 12 under -fsanitize=thread flags Asio's std::atomic_thread_fence (-Wtsan, an error with
// -Werror). The fences only duplicate the scheduler's mutex ordering, which TSan does model.
// Must precede every include: the diagnostic is located in <atomic>, whichever header pulls it.
#if defined(__SANITIZE_THREAD__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic ignored "-Wtsan"
#endif

#include "daemon/http_server.hpp"

// Boost 1.74 Asio trips GCC 12's -Wnull-dereference (flow-sensitive false positive inside
// scheduler.ipp, reported even for system headers); silence it for those headers only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#pragma GCC diagnostic pop

#include <cctype>
#include <charconv>
#include <chrono>
#include <exception>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <unordered_set>

namespace wirefeed::daemon {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {

class Session;

constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";
constexpr const char* kTextContentType = "text/plain; charset=utf-8";

[[noreturn]] void fail(const std::string& listen, const std::string& why) {
  throw std::runtime_error("metrics.listen " + listen + ": " + why);
}

std::string lower_first(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

tcp::endpoint parse_listen(const std::string& listen) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) fail(listen, "expected host:port");
  std::string host = listen.substr(0, colon);
  const std::string port_str = listen.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) host = "0.0.0.0";
  unsigned port = 0;
  const auto r = std::from_chars(port_str.data(), port_str.data() + port_str.size(), port);
  if (port_str.empty() || r.ec != std::errc() || r.ptr != port_str.data() + port_str.size() ||
      port > 65535) {
    fail(listen, "invalid port '" + port_str + "'");
  }
  error_code ec;
  const auto addr = asio::ip::make_address(host, ec);
  if (!ec) return {addr, static_cast<std::uint16_t>(port)};
  // Not a literal address: resolve the host name, take the first result.
  asio::io_context resolver_ctx;
  tcp::resolver resolver(resolver_ctx);
  const auto results = resolver.resolve(host, port_str, ec);
  if (ec || results.empty()) {
    fail(listen,
         "cannot resolve '" + host + "': " + (ec ? lower_first(ec.message()) : "no result"));
  }
  return results.begin()->endpoint();
}

class Server {
 public:
  Server(const std::string& listen, HttpServer::Handlers h);
  ~Server() { stop(); }
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  std::uint16_t port() const noexcept { return bound_port_; }
  void stop();

  // For sessions (I/O thread only).
  const HttpServer::Handlers& handlers() const noexcept { return handlers_; }
  bool stopping() const noexcept { return stopping_; }
  void add(Session* s) { sessions_.insert(s); }
  void remove(Session* s) { sessions_.erase(s); }

 private:
  void do_accept();
  void shutdown();  // I/O thread only

  // Declaration order matters: destroyed bottom-up, so the io_context (which may destroy
  // pending sessions) goes after the thread and the acceptor but before the state sessions use.
  HttpServer::Handlers handlers_;
  std::unordered_set<Session*> sessions_;  // open sessions (I/O thread only)
  bool stopping_ = false;                  // I/O thread only
  asio::io_context ioc_{1};
  tcp::acceptor acceptor_{ioc_};
  asio::steady_timer accept_retry_{ioc_};
  std::uint16_t bound_port_ = 0;
  std::mutex stop_mu_;
  std::thread thread_;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Server& server) : stream_(std::move(socket)), server_(server) {
    server_.add(this);
  }
  ~Session() { server_.remove(this); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start() { read(); }
  void close() { stream_.close(); }  // cancels pending operations; they complete with errors

 private:
  using Request = http::request<http::string_body>;
  using Response = http::response<http::string_body>;

  void read() {
    parser_.emplace();
    parser_->header_limit(HttpServer::kMaxHeaderBytes);
    parser_->body_limit(HttpServer::kMaxBodyBytes);
    stream_.expires_after(std::chrono::seconds(HttpServer::kTimeoutSeconds));
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(error_code ec) {
    if (ec) {
      if (ec.category() != http::make_error_code(http::error::end_of_stream).category() ||
          ec == http::error::end_of_stream || ec == http::error::partial_message ||
          server_.stopping()) {
        return shutdown();  // peer closed, I/O error, timeout or stop(): nothing to answer
      }
      // Malformed or oversized request: answer and close; the stream cannot be resynced.
      http::status status = http::status::bad_request;
      if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
        status = http::status::request_header_fields_too_large;
      } else if (ec == http::error::body_limit) {
        status = http::status::payload_too_large;
      }
      return respond(make_text(status, 11, lower_first(ec.message()) + "\n", false));
    }
    const Request& req = parser_->get();
    respond(route(req));
  }

  static Response make_text(http::status status, unsigned version, std::string body,
                            bool keep_alive, const char* content_type = kTextContentType) {
    Response res{status, version};
    res.set(http::field::server, "wirefeed");
    res.set(http::field::content_type, content_type);
    res.keep_alive(keep_alive);
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
  }

  Response route(const Request& req) {
    const unsigned v = req.version();
    const bool ka = req.keep_alive();
    if (req.method() != http::verb::get) {
      Response res = make_text(http::status::method_not_allowed, v, "method not allowed\n", ka);
      res.set(http::field::allow, "GET");
      return res;
    }
    std::string_view target(req.target().data(), req.target().size());
    target = target.substr(0, target.find('?'));
    try {
      if (target == "/healthz") return make_text(http::status::ok, v, "ok\n", ka);
      if (target == "/metrics") {
        if (!server_.handlers().metrics) {
          return make_text(http::status::internal_server_error, v, "no metrics handler\n", ka);
        }
        return make_text(http::status::ok, v, server_.handlers().metrics(), ka,
                         kMetricsContentType);
      }
      if (target == "/readyz") {
        if (!server_.handlers().ready) {
          return make_text(http::status::service_unavailable, v, "no readiness handler\n", ka);
        }
        auto [ok, reason] = server_.handlers().ready();
        if (ok) return make_text(http::status::ok, v, "ready\n", ka);
        for (char& c : reason) {
          if (c == '\n' || c == '\r') c = ' ';  // keep it one line
        }
        return make_text(http::status::service_unavailable, v, reason + "\n", ka);
      }
      if (server_.handlers().pages) {
        if (auto page = server_.handlers().pages(target)) {
          return make_text(http::status::ok, v, std::move(page->body), ka,
                           page->content_type.c_str());
        }
      }
    } catch (const std::exception& e) {
      return make_text(http::status::internal_server_error, v,
                       std::string("internal error: ") + e.what() + "\n", ka);
    } catch (...) {
      return make_text(http::status::internal_server_error, v, "internal error\n", ka);
    }
    return make_text(http::status::not_found, v, "not found\n", ka);
  }

  void respond(Response res) {
    res_ = std::move(res);
    stream_.expires_after(std::chrono::seconds(HttpServer::kTimeoutSeconds));
    http::async_write(stream_, res_, [self = shared_from_this()](error_code ec, std::size_t) {
      self->on_write(ec);
    });
  }

  void on_write(error_code ec) {
    if (ec || !res_.keep_alive() || server_.stopping()) return shutdown();
    read();
  }

  void shutdown() {
    error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  Server& server_;
  beast::flat_buffer buffer_{HttpServer::kMaxHeaderBytes + HttpServer::kMaxBodyBytes};
  std::optional<http::request_parser<http::string_body>> parser_;
  Response res_;
};

Server::Server(const std::string& listen, HttpServer::Handlers h) : handlers_(std::move(h)) {
  const tcp::endpoint ep = parse_listen(listen);
  error_code ec;
  if (acceptor_.open(ep.protocol(), ec); ec) fail(listen, "open: " + lower_first(ec.message()));
  // SO_REUSEADDR only skips TIME_WAIT after a restart; Linux still refuses a second listener.
  if (acceptor_.set_option(tcp::acceptor::reuse_address(true), ec); ec) {
    fail(listen, "setsockopt: " + lower_first(ec.message()));
  }
  if (acceptor_.bind(ep, ec); ec) fail(listen, lower_first(ec.message()));
  if (acceptor_.listen(asio::socket_base::max_listen_connections, ec); ec) {
    fail(listen, "listen: " + lower_first(ec.message()));
  }
  bound_port_ = acceptor_.local_endpoint(ec).port();
  if (ec) fail(listen, "local_endpoint: " + lower_first(ec.message()));
  do_accept();
  thread_ = std::thread([this] {
    for (;;) {
      try {
        ioc_.run();
        return;
      } catch (...) {
        // A handler threw past its own catch (e.g. bad_alloc): keep serving.
      }
    }
  });
}

void Server::do_accept() {
  acceptor_.async_accept([this](error_code ec, tcp::socket socket) {
    if (stopping_ || ec == asio::error::operation_aborted) return;
    if (ec) {
      // E.g. EMFILE: back off instead of spinning, then keep accepting.
      accept_retry_.expires_after(std::chrono::milliseconds(100));
      accept_retry_.async_wait([this](error_code wait_ec) {
        if (!wait_ec && !stopping_) do_accept();
      });
      return;
    }
    if (sessions_.size() >= static_cast<std::size_t>(HttpServer::kMaxConnections)) {
      error_code ignored;
      socket.close(ignored);  // over the limit: refuse by closing
    } else {
      std::make_shared<Session>(std::move(socket), *this)->start();
    }
    do_accept();
  });
}

void Server::stop() {
  std::lock_guard lock(stop_mu_);
  if (!thread_.joinable()) return;
  asio::post(ioc_, [this] { shutdown(); });
  thread_.join();  // run() returns once the closed sessions' handlers have drained
}

void Server::shutdown() {
  stopping_ = true;
  error_code ignored;
  acceptor_.close(ignored);
  accept_retry_.cancel();
  for (Session* s : sessions_) s->close();  // handlers run later; set unchanged here
}

}  // namespace

struct HttpServer::Impl {
  Impl(const std::string& listen, Handlers h) : server(listen, std::move(h)) {}
  Server server;
};

HttpServer::HttpServer(const std::string& listen, Handlers handlers)
    : impl_(std::make_unique<Impl>(listen, std::move(handlers))) {}

HttpServer::~HttpServer() { stop(); }

std::uint16_t HttpServer::port() const noexcept { return impl_->server.port(); }

void HttpServer::stop() { impl_->server.stop(); }

}  // namespace wirefeed::daemon
