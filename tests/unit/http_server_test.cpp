// Unit tests for the /metrics, /healthz, /readyz HTTP server over real TCP sockets.
//
// Invariants checked:
// - Routes, status codes, content types and bodies; handler exceptions become 500.
// - Keep-alive (two requests, one connection), concurrent connections, pipelining.
// - Garbage and oversized requests get a 4xx and do not take the server down.
// - Bind failures throw std::runtime_error naming the listen address; stop() is idempotent.
// Every client operation has a deadline, so a broken server fails the test instead of hanging.
// GCC 12 under -fsanitize=thread flags Asio's std::atomic_thread_fence (-Wtsan, an error with
// -Werror). The fences only duplicate the scheduler's mutex ordering, which TSan does model.
// Must precede every include: the diagnostic is located in <atomic>, whichever header pulls it.
#if defined(__SANITIZE_THREAD__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic ignored "-Wtsan"
#endif

#include "daemon/http_server.hpp"

#include <gtest/gtest.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#pragma GCC diagnostic pop

#include <atomic>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>

#include "daemon/metrics.hpp"

namespace wirefeed::daemon {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using Response = http::response<http::string_body>;

constexpr auto kDeadline = std::chrono::seconds(5);

// Async client driven to completion with a deadline on every operation.
class Client {
 public:
  explicit Client(std::uint16_t port, const std::string& host = "127.0.0.1") {
    const auto endpoints = tcp::resolver(ioc_).resolve(host, std::to_string(port));
    stream_.expires_after(kDeadline);
    error_code result = asio::error::would_block;
    stream_.async_connect(endpoints, [&](error_code ec, const tcp::endpoint&) { result = ec; });
    run();
    if (result) throw std::runtime_error("connect: " + result.message());
  }

  Response get(const std::string& target, http::verb verb = http::verb::get,
               bool keep_alive = true) {
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.keep_alive(keep_alive);
    req.prepare_payload();
    error_code result = asio::error::would_block;
    stream_.expires_after(kDeadline);
    http::async_write(stream_, req, [&](error_code ec, std::size_t) { result = ec; });
    run();
    if (result) throw std::runtime_error("write: " + result.message());
    return read_response();
  }

  void send_raw(const std::string& bytes) {
    error_code result = asio::error::would_block;
    stream_.expires_after(kDeadline);
    asio::async_write(stream_, asio::buffer(bytes),
                      [&](error_code ec, std::size_t) { result = ec; });
    run();
    if (result) throw std::runtime_error("write: " + result.message());
  }

  Response read_response() {
    Response res;
    error_code result = asio::error::would_block;
    stream_.expires_after(kDeadline);
    http::async_read(stream_, buffer_, res, [&](error_code ec, std::size_t) { result = ec; });
    run();
    if (result) throw std::runtime_error("read: " + result.message());
    return res;
  }

  // True if the server closes the connection (EOF) before the deadline.
  bool closed_by_peer() {
    char byte = 0;
    error_code result = asio::error::would_block;
    stream_.expires_after(kDeadline);
    stream_.async_read_some(asio::buffer(&byte, 1),
                            [&](error_code ec, std::size_t) { result = ec; });
    run();
    return result == asio::error::eof || result == asio::error::connection_reset;
  }

 private:
  void run() {
    ioc_.restart();
    ioc_.run();
  }

  asio::io_context ioc_;
  beast::tcp_stream stream_{ioc_};
  beast::flat_buffer buffer_;
};

std::string header(const Response& r, http::field f) {
  const auto v = r[f];
  return std::string(v.data(), v.size());
}

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    stats_.input_messages_total.with({"wire.in"}).inc(7);
    server_.emplace("127.0.0.1:0", HttpServer::Handlers{
                                       .metrics = [this] { return stats_.render(); },
                                       .ready = [this]() -> std::pair<bool, std::string> {
                                         if (ready_.load()) return {true, ""};
                                         return {false, "waiting for partition assignment"};
                                       },
                                       .pages = nullptr,
                                   });
  }

  Stats stats_;
  std::atomic<bool> ready_{true};
  std::optional<HttpServer> server_;
};

TEST_F(HttpServerTest, BindsEphemeralPort) { EXPECT_NE(server_->port(), 0); }

TEST_F(HttpServerTest, MetricsEndpoint) {
  Client c(server_->port());
  const Response r = c.get("/metrics");
  EXPECT_EQ(r.result(), http::status::ok);
  EXPECT_EQ(header(r, http::field::content_type), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(r.body().find("wirefeed_input_messages_total{topic=\"wire.in\"} 7\n"),
            std::string::npos)
      << r.body();
  EXPECT_NE(r.body().find("# TYPE process_open_fds gauge\n"), std::string::npos);
}

TEST_F(HttpServerTest, QueryStringIsIgnoredForRouting) {
  Client c(server_->port());
  EXPECT_EQ(c.get("/metrics?name[]=x").result(), http::status::ok);
}

TEST_F(HttpServerTest, Healthz) {
  Client c(server_->port());
  const Response r = c.get("/healthz");
  EXPECT_EQ(r.result(), http::status::ok);
  EXPECT_EQ(r.body(), "ok\n");
}

TEST_F(HttpServerTest, ReadyzBothStates) {
  Client c(server_->port());
  Response r = c.get("/readyz");
  EXPECT_EQ(r.result(), http::status::ok);
  EXPECT_EQ(r.body(), "ready\n");
  ready_ = false;
  r = c.get("/readyz");
  EXPECT_EQ(r.result(), http::status::service_unavailable);
  EXPECT_EQ(r.body(), "waiting for partition assignment\n");
}

TEST_F(HttpServerTest, UnknownPathIs404AndNonGetIs405) {
  Client c(server_->port());
  EXPECT_EQ(c.get("/nope").result(), http::status::not_found);
  const Response r = c.get("/metrics", http::verb::post);
  EXPECT_EQ(r.result(), http::status::method_not_allowed);
  EXPECT_EQ(header(r, http::field::allow), "GET");
  EXPECT_EQ(c.get("/healthz", http::verb::delete_).result(), http::status::method_not_allowed);
  // The connection survives both errors.
  EXPECT_EQ(c.get("/healthz").result(), http::status::ok);
}

TEST_F(HttpServerTest, KeepAliveServesSequentialRequestsOnOneConnection) {
  Client c(server_->port());
  const Response first = c.get("/healthz");
  EXPECT_EQ(first.result(), http::status::ok);
  EXPECT_TRUE(first.keep_alive());
  const Response second = c.get("/metrics");
  EXPECT_EQ(second.result(), http::status::ok);
  EXPECT_TRUE(second.keep_alive());
}

TEST_F(HttpServerTest, ConnectionCloseIsHonoured) {
  Client c(server_->port());
  const Response r = c.get("/healthz", http::verb::get, /*keep_alive=*/false);
  EXPECT_EQ(r.result(), http::status::ok);
  EXPECT_FALSE(r.keep_alive());
  EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(HttpServerTest, ConcurrentConnections) {
  Client idle(server_->port());  // open, nothing sent: must not block others
  Client a(server_->port());
  Client b(server_->port());
  EXPECT_EQ(a.get("/healthz").result(), http::status::ok);
  EXPECT_EQ(b.get("/metrics").result(), http::status::ok);
  EXPECT_EQ(idle.get("/readyz").result(), http::status::ok);
}

TEST_F(HttpServerTest, PipelinedRequests) {
  Client c(server_->port());
  c.send_raw(
      "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(c.read_response().result(), http::status::ok);
  EXPECT_EQ(c.read_response().result(), http::status::not_found);
}

TEST_F(HttpServerTest, GarbageGets400AndServerSurvives) {
  {
    Client c(server_->port());
    const char raw[] = "\x01\x02\xff garbage \0\r\n\r\n";
    c.send_raw(std::string(raw, sizeof raw - 1));
    EXPECT_EQ(c.read_response().result(), http::status::bad_request);
    EXPECT_TRUE(c.closed_by_peer());
  }
  {
    Client c(server_->port());
    c.send_raw("GET /healthz HTTP/9.9 extra\r\n\r\n");
    EXPECT_EQ(c.read_response().result(), http::status::bad_request);
  }
  {
    Client c(server_->port());  // half a request, then hang up
    c.send_raw("GET /metr");
  }
  Client c(server_->port());
  EXPECT_EQ(c.get("/healthz").result(), http::status::ok);
}

TEST_F(HttpServerTest, OversizedHeaderGets431) {
  Client c(server_->port());
  c.send_raw("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n");
  EXPECT_EQ(c.read_response().result(), http::status::request_header_fields_too_large);
  Client again(server_->port());
  EXPECT_EQ(again.get("/healthz").result(), http::status::ok);
}

TEST(HttpServerStandalone, ThrowingHandlerGives500) {
  HttpServer server("127.0.0.1:0",
                    {.metrics = []() -> std::string { throw std::runtime_error("boom"); },
                     .ready = nullptr,
                     .pages = nullptr});
  Client c(server.port());
  const Response r = c.get("/metrics");
  EXPECT_EQ(r.result(), http::status::internal_server_error);
  EXPECT_EQ(r.body(), "internal error: boom\n");
  EXPECT_EQ(c.get("/readyz").result(), http::status::service_unavailable);  // no handler
  EXPECT_EQ(c.get("/healthz").result(), http::status::ok);
}

TEST(HttpServerStandalone, BindFailureOnPortInUseThrows) {
  HttpServer first("127.0.0.1:0", {});
  const std::string listen = "127.0.0.1:" + std::to_string(first.port());
  try {
    HttpServer second(listen, {});
    FAIL() << "second bind on " << listen << " succeeded";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "metrics.listen " + listen + ": address already in use");
  }
}

TEST(HttpServerStandalone, BadListenStringsThrow) {
  EXPECT_THROW(HttpServer("no-port-here", {}), std::runtime_error);
  EXPECT_THROW(HttpServer("127.0.0.1:99999", {}), std::runtime_error);
  EXPECT_THROW(HttpServer("127.0.0.1:http", {}), std::runtime_error);
  EXPECT_THROW(HttpServer("192.0.2.1:0", {}), std::runtime_error);  // not a local address
}

TEST(HttpServerStandalone, LocalhostNameAndStopAreFine) {
  HttpServer server("localhost:0", {});
  ASSERT_NE(server.port(), 0);
  {
    Client c(server.port(), "localhost");
    EXPECT_EQ(c.get("/healthz").result(), http::status::ok);
    Client idle(server.port(), "localhost");  // stop() must not wait for idle keep-alive clients
    const auto t0 = std::chrono::steady_clock::now();
    server.stop();
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
    server.stop();  // idempotent
    EXPECT_TRUE(idle.closed_by_peer());
  }
  EXPECT_THROW(Client(server.port(), "localhost"), std::runtime_error);  // not listening
}

}  // namespace
}  // namespace wirefeed::daemon
