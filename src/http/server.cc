// Boost.Beast asynchronous server. A connection is a Session: its reads and writes run on the I/O
// threads, each with a deadline, so an idle or half-sent connection holds a socket and a few
// kilobytes, never a thread. Once a request's header is in, the route's guard decides from the
// headers alone (Router::admit); only an admitted request has its body read, up to the route's
// limit. Handlers block on the database, so they run on a fixed worker pool; an event stream
// (SSE) blocks for its whole life, so it gets a thread of its own, up to max_streams.
#include "http/server.h"

#include <sys/resource.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url.hpp>

#include <atomic>
#include <condition_variable>
#include <iostream>
#include <list>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

namespace shouwang::http {
namespace asio = boost::asio;
namespace ssl = asio::ssl;
namespace beast = boost::beast;
namespace beast_http = beast::http;
using tcp = asio::ip::tcp;

namespace {

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// The request line and headers as the router sees them, or the refusal of a malformed target.
Result<Request> request_head(const beast_http::request_parser<beast_http::string_body>::value_type& raw) {
  ASSIGN_OR_RETURN(Request request, request_from_target(raw.target()));
  request.method = std::string(raw.method_string());
  for (const auto& field : raw) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    request.headers[name] = std::string(field.value());
  }
  return request;
}

std::string encoded_path_of(std::string_view target) {
  return std::string(target.substr(0, target.find('?')));
}

}  // namespace

struct HttpServer::Impl {
  ServerOptions options;
  std::shared_ptr<const Router> router;
  std::optional<ssl::context> tls;

  std::atomic<bool> stopping{false};
  std::atomic<size_t> sessions{0};

  // Every live session can be told to close when idle (stop()) or at once (drain deadline).
  struct Closer {
    std::function<void(bool force)> close;
  };
  std::mutex registry_mutex;
  std::list<Closer> registry;

  struct StreamThread {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> finished = std::make_shared<std::atomic<bool>>(false);
  };
  std::mutex streams_mutex;
  std::list<StreamThread> streams;

  std::mutex state_mutex;
  std::condition_variable state_cv;
  bool stop_requested = false;
  bool joined = false;

  // Declared last so that they are destroyed first: a session still queued on them when the
  // server is destroyed uses the members above in its destructor.
  asio::io_context io;
  // Keeps the I/O threads running while every connection is inside a handler or a stream and no
  // asynchronous operation is pending (after stop() closed the acceptor, say).
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> io_work{io.get_executor()};
  tcp::acceptor acceptor{io};
  asio::thread_pool workers;
  std::vector<std::thread> io_threads;

  explicit Impl(size_t worker_threads) : workers(worker_threads) {}

  std::list<Closer>::iterator enroll(std::function<void(bool)> close) {
    std::lock_guard lock(registry_mutex);
    return registry.insert(registry.end(), Closer{std::move(close)});
  }
  void withdraw(std::list<Closer>::iterator it) {
    std::lock_guard lock(registry_mutex);
    registry.erase(it);
  }
  void close_sessions(bool force) {
    // Called outside the lock: a closer may drop the last reference to its session, whose
    // destructor withdraws from the registry.
    std::vector<std::function<void(bool)>> closers;
    {
      std::lock_guard lock(registry_mutex);
      for (auto& c : registry) closers.push_back(c.close);
    }
    for (auto& close : closers) close(force);
  }

  // Runs `body` on a thread of its own if fewer than max_streams are running. Finished threads
  // are joined here, the rest by wait().
  bool start_stream_thread(std::function<void()> body) {
    std::lock_guard lock(streams_mutex);
    for (auto it = streams.begin(); it != streams.end();) {
      if (*it->finished) {
        it->thread.join();
        it = streams.erase(it);
      } else {
        ++it;
      }
    }
    if (streams.size() >= options.max_streams || stopping) return false;
    StreamThread& t = streams.emplace_back();
    t.thread = std::thread([body = std::move(body), finished = t.finished] {
      body();
      *finished = true;
    });
    return true;
  }

  void accept();
  template <class Stream>
  void start_session(Stream stream);
  void refuse_busy(tcp::socket socket);
};

namespace {

// Writes chunks of an event stream on its own thread with blocking writes: no asynchronous
// operation is pending on the connection while a stream runs.
template <class Stream>
class ChunkWriter final : public StreamWriter {
 public:
  ChunkWriter(Stream& stream, const std::atomic<bool>& stopping) : stream_(stream), stopping_(stopping) {}
  bool write(const std::string& chunk) override {
    if (stopping_) return false;
    // Chunked transfer encoding, written by hand because the headers went out already.
    std::ostringstream frame;
    frame << std::hex << chunk.size() << "\r\n" << chunk << "\r\n";
    boost::system::error_code ec;
    asio::write(stream_, asio::buffer(frame.str()), ec);
    return !ec;
  }
  bool open() const override { return !stopping_; }

 private:
  Stream& stream_;
  const std::atomic<bool>& stopping_;
};

template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(HttpServer::Impl& server, Stream stream) : server_(server), stream_(std::move(stream)) { ++server_.sessions; }
  ~Session() {
    server_.withdraw(registration_);
    --server_.sessions;
    std::lock_guard lock(server_.state_mutex);
    server_.state_cv.notify_all();
  }

  void start() {
    auto self = this->shared_from_this();
    registration_ = server_.enroll([weak = std::weak_ptr<Session>(self)](bool force) {
      if (auto s = weak.lock()) asio::post(s->stream_.get_executor(), [s, force] { s->on_stop(force); });
    });
    if (server_.stopping) return;  // stop() ran before enrolment; dropping `self` closes
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      lowest().expires_after(server_.options.header_timeout);
      stream_.async_handshake(ssl::stream_base::server, [self](beast::error_code ec) {
        if (!ec) self->read_header();
      });
    } else {
      read_header();
    }
  }

 private:
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  // stop(): an idle connection (waiting for a header) closes now; one mid-request finishes it
  // and then closes; `force` (the drain deadline passed) closes whatever it is doing.
  void on_stop(bool force) {
    if (streaming_) return;  // its thread sees `stopping` and ends the stream itself
    if (force || waiting_for_header_) {
      beast::error_code ec;
      lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
      lowest().socket().close(ec);
    }
  }

  void read_header() {
    if (server_.stopping) return close();
    parser_.emplace();
    parser_->header_limit(server_.options.max_header_bytes);
    // The route's limit is known only after the header: until then the parser must not judge an
    // announced Content-Length itself (the guard answers 401 before a 413, see Router::admit).
    parser_->body_limit(boost::none);
    lowest().expires_after(first_request_ ? server_.options.header_timeout : server_.options.idle_timeout);
    waiting_for_header_ = true;
    beast_http::async_read_header(stream_, buffer_, *parser_,
                            [self = this->shared_from_this()](beast::error_code ec, size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    waiting_for_header_ = false;
    if (ec) {
      // A header too large or malformed gets its answer; timeouts and closed sockets just end.
      if (ec == beast_http::error::header_limit) return refuse(431, "the request header is too large");
      if (ec.category() == beast_http::make_error_code(beast_http::error::bad_target).category()) {
        return refuse(400, "malformed request");
      }
      return close();
    }
    auto& raw = parser_->get();
    version_ = raw.version();
    keep_alive_ = raw.keep_alive();
    is_head_ = raw.method() == beast_http::verb::head;
    auto head = request_head(raw);
    if (!head) {
      // Outside the API a bad path is just a file that does not exist.
      if (raw.target().starts_with("/api/")) return refuse(400, head.status().message());
      keep_alive_ = false;
      return write(Response::error(not_found("no such file")));
    }
    request_ = std::move(*head);
    encoded_path_ = encoded_path_of(raw.target());
    std::optional<uint64_t> length;
    if (auto announced = parser_->content_length()) {
      length = *announced;
    } else if (!parser_->chunked()) {
      length = 0;
    }

    if (request_.path.starts_with("/api/")) {
      admission_ = server_.router->admit(request_, length);
    } else if (request_.method == "GET" || request_.method == "HEAD") {
      admission_ = Router::Admission{};
      admission_.max_body_bytes = kSmallBodyBytes;
    } else {
      admission_ = Router::Admission{.refusal = Response::error(not_found("no such endpoint: " + request_.path))};
    }
    if (admission_.refusal) {
      // Refused from the headers: the body (if any) is never read, so the connection cannot be
      // reused unless there was none.
      if (!parser_->is_done()) keep_alive_ = false;
      return write(std::move(*admission_.refusal));
    }
    parser_->body_limit(admission_.max_body_bytes);
    if (parser_->is_done()) return run_handler();
    if (beast::iequals(raw[beast_http::field::expect], "100-continue")) {
      auto cont = std::make_shared<beast_http::response<beast_http::empty_body>>(beast_http::status::continue_,
                                                                                  version_);
      lowest().expires_after(server_.options.write_timeout);
      return beast_http::async_write(stream_, *cont,
                                     [self = this->shared_from_this(), cont](beast::error_code ec, size_t) {
                                       if (ec) return self->close();
                                       self->read_body();
                                     });
    }
    read_body();
  }

  // The body in pieces, each with its own deadline: a slow but steady upload goes on, a stalled
  // one is closed.
  void read_body() {
    lowest().expires_after(server_.options.body_stall_timeout);
    auto on_read = [self = this->shared_from_this()](beast::error_code ec, size_t) {
      if (ec == beast_http::error::body_limit) {
        self->keep_alive_ = false;
        return self->refuse(413, "the body is larger than this endpoint takes (" +
                                     std::to_string(self->admission_.max_body_bytes) + " bytes)");
      }
      if (ec) return self->close();
      if (!self->parser_->is_done()) return self->read_body();
      self->run_handler();
    };
    beast_http::async_read_some(stream_, buffer_, *parser_, std::move(on_read));
  }

  void run_handler() {
    request_.body = std::move(parser_->get().body());
    lowest().expires_never();  // the handler may take long; the write sets its own deadline
    asio::post(server_.workers, [self = this->shared_from_this()] {
      Response response = self->handle();
      if (response.stream) return self->hand_over_to_stream(std::move(response));
      asio::post(self->stream_.get_executor(),
                 [self, response = std::move(response)]() mutable { self->write(std::move(response)); });
    });
  }

  Response handle() {
    try {
      if (request_.path.starts_with("/api/")) {
        Response r = server_.router->run(admission_, request_);
        add_security_headers(r, false);
        return r;
      }
      return serve_static(server_.options.web_root, encoded_path_);
    } catch (const std::exception& e) {
      // Handlers return Status; an exception here is a bug, reported as such, not a crash.
      return Response::error(internal_error(std::string("unexpected failure: ") + e.what()));
    }
  }

  void refuse(int status, const std::string& message) {
    keep_alive_ = false;
    Response r = Response::error(invalid_argument(message));
    r.status = status;
    write(std::move(r));
  }

  void write(Response response) {
    auto res = std::make_shared<beast_http::response<beast_http::string_body>>(
        static_cast<beast_http::status>(response.status), version_ ? version_ : 11);
    res->set(beast_http::field::server, "shouwang");
    res->set(beast_http::field::content_type, response.content_type);
    for (const auto& [name, value] : response.headers) res->insert(name, value);
    bool keep = keep_alive_ && !server_.stopping;
    res->keep_alive(keep);
    if (is_head_) {
      res->content_length(response.body.size());  // what a GET would send, without the body
    } else if (response.status == 304) {
      // No body and no Content-Length: a 304 may only announce the length of the 200 it stands for.
    } else {
      res->body() = std::move(response.body);
      res->prepare_payload();
    }
    lowest().expires_after(server_.options.write_timeout);
    beast_http::async_write(stream_, *res, [self = this->shared_from_this(), res, keep](beast::error_code ec, size_t) {
      if (ec || !keep) return self->close();
      self->first_request_ = false;
      self->read_header();
    });
  }

  // An event stream holds its connection until the client leaves or the server stops. It runs
  // on its own thread with blocking writes; the session lives as long as that thread holds it.
  void hand_over_to_stream(Response response) {
    auto self = this->shared_from_this();
    bool started = server_.start_stream_thread([self, response = std::move(response)] {
      self->stream_events(response);
    });
    if (!started) {
      Response busy = Response::error(unavailable("too many open event streams; try again later"));
      busy.headers.emplace_back("Retry-After", "5");
      asio::post(stream_.get_executor(), [self, busy = std::move(busy)]() mutable {
        self->keep_alive_ = false;
        self->write(std::move(busy));
      });
    }
  }

  void stream_events(const Response& response) {
    streaming_ = true;
    std::ostringstream head;
    head << "HTTP/1.1 " << response.status << " OK\r\nServer: shouwang\r\nContent-Type: " << response.content_type
         << "\r\nCache-Control: no-cache\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n"
         << "X-Content-Type-Options: nosniff\r\n";
    for (const auto& [name, value] : response.headers) head << name << ": " << value << "\r\n";
    head << "\r\n";
    boost::system::error_code ec;
    asio::write(stream_, asio::buffer(head.str()), ec);
    if (!ec) {
      ChunkWriter<Stream> writer(stream_, server_.stopping);
      response.stream(writer);
      asio::write(stream_, asio::buffer(std::string("0\r\n\r\n")), ec);
    }
    lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
    lowest().socket().close(ec);
  }

  void close() {
    beast::error_code ec;
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      // close_notify with a short deadline; a peer that does not answer is simply dropped.
      lowest().expires_after(std::chrono::seconds(2));
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {
        beast::error_code ignored;
        self->lowest().socket().close(ignored);
      });
    } else {
      lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
      lowest().socket().close(ec);
    }
  }

  HttpServer::Impl& server_;
  Stream stream_;
  std::list<HttpServer::Impl::Closer>::iterator registration_;
  beast::flat_buffer buffer_;
  std::optional<beast_http::request_parser<beast_http::string_body>> parser_;
  Request request_;
  std::string encoded_path_;
  Router::Admission admission_;
  unsigned version_ = 11;
  bool keep_alive_ = false;
  bool is_head_ = false;
  bool first_request_ = true;
  bool waiting_for_header_ = false;
  std::atomic<bool> streaming_{false};
};

}  // namespace

template <class Stream>
void HttpServer::Impl::start_session(Stream stream) {
  std::make_shared<Session<Stream>>(*this, std::move(stream))->start();
}

// Past max_connections: a short 503 written without waiting (the socket buffer takes it), then
// closed, so the excess is refused at once instead of queueing.
void HttpServer::Impl::refuse_busy(tcp::socket socket) {
  static constexpr std::string_view kBusy =
      "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
  boost::system::error_code ec;
  socket.non_blocking(true, ec);
  if (!tls) socket.write_some(asio::buffer(kBusy.data(), kBusy.size()), ec);
  socket.shutdown(tcp::socket::shutdown_both, ec);
  socket.close(ec);
}

void HttpServer::Impl::accept() {
  acceptor.async_accept(asio::make_strand(io), [this](beast::error_code ec, tcp::socket socket) {
    if (stopping) return;
    if (ec) {
      // Out of file descriptors, say: wait a moment rather than spin.
      auto timer = std::make_shared<asio::steady_timer>(io, std::chrono::milliseconds(50));
      timer->async_wait([this, timer](beast::error_code) { accept(); });
      return;
    }
    if (sessions >= options.max_connections) {
      refuse_busy(std::move(socket));
    } else if (tls) {
      start_session(TlsStream(beast::tcp_stream(std::move(socket)), *tls));
    } else {
      start_session(PlainStream(std::move(socket)));
    }
    accept();
  });
}

HttpServer::HttpServer(ServerOptions options, std::shared_ptr<const Router> router)
    : impl_(new Impl(std::max<size_t>(options.worker_threads, 1))) {
  impl_->options = std::move(options);
  impl_->router = std::move(router);
}

HttpServer::~HttpServer() {
  stop();
  wait();
}

namespace {

// Each connection is a file descriptor: make sure the process may hold max_connections of them
// (plus the database's and the streams'), within the hard limit the system allows.
void raise_descriptor_limit(size_t connections) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  rlim_t wanted = static_cast<rlim_t>(connections) + 256;
  if (limit.rlim_cur >= wanted) return;
  limit.rlim_cur = std::min(wanted, limit.rlim_max);
  setrlimit(RLIMIT_NOFILE, &limit);
}

}  // namespace

Status HttpServer::start() {
  Impl& s = *impl_;
  if (s.options.tls_cert_file.empty() != s.options.tls_key_file.empty()) {
    return invalid_argument("HTTPS needs both a certificate (--tls-cert) and its key (--tls-key)");
  }
  if (!s.options.tls_cert_file.empty()) {
    try {
      ssl::context context(ssl::context::tls_server);
      context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                          ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
      context.use_certificate_chain_file(s.options.tls_cert_file);
      context.use_private_key_file(s.options.tls_key_file, ssl::context::pem);
      s.tls.emplace(std::move(context));
    } catch (const std::exception& e) {
      return invalid_argument("cannot use the TLS certificate " + s.options.tls_cert_file + " and key " +
                              s.options.tls_key_file + ": " + e.what());
    }
  }
  raise_descriptor_limit(s.options.max_connections + s.options.max_streams);
  boost::system::error_code ec;
  auto address = asio::ip::make_address(s.options.address, ec);
  if (ec) return invalid_argument("bad listen address '" + s.options.address + "'");
  tcp::endpoint endpoint(address, s.options.port);
  s.acceptor.open(endpoint.protocol(), ec);
  if (!ec) s.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) s.acceptor.bind(endpoint, ec);
  if (!ec) s.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return unavailable("cannot listen on " + s.options.address + ":" + std::to_string(s.options.port) + ": " +
                       ec.message());
  }
  port_ = s.acceptor.local_endpoint().port();
  s.accept();
  for (size_t i = 0; i < std::max<size_t>(s.options.io_threads, 1); ++i) {
    s.io_threads.emplace_back([&s] { s.io.run(); });
  }
  return Status::ok();
}

void HttpServer::stop() {
  Impl& s = *impl_;
  {
    std::lock_guard lock(s.state_mutex);
    if (s.stop_requested) return;
    s.stop_requested = true;
    s.state_cv.notify_all();
  }
  s.stopping = true;
  asio::post(s.io, [&s] {
    boost::system::error_code ec;
    s.acceptor.close(ec);
  });
  s.close_sessions(false);
}

void HttpServer::wait() {
  Impl& s = *impl_;
  std::unique_lock lock(s.state_mutex);
  s.state_cv.wait(lock, [&] { return s.stop_requested; });
  if (s.joined) return;
  // In-flight requests finish (or the deadline passes); event streams notice `stopping` within
  // their poll interval and end.
  bool drained = s.state_cv.wait_for(lock, s.options.drain_timeout, [&] { return s.sessions == 0; });
  lock.unlock();
  if (!drained) s.close_sessions(true);
  // Handlers first (one may still be handing a connection over to a stream), then the streams.
  s.workers.join();
  std::list<Impl::StreamThread> streams;
  {
    std::lock_guard streams_lock(s.streams_mutex);
    streams.swap(s.streams);
  }
  for (auto& t : streams) t.thread.join();
  {
    // Closing sessions finish their last handlers on the I/O threads.
    std::unique_lock wait_lock(s.state_mutex);
    s.state_cv.wait_for(wait_lock, std::chrono::seconds(2), [&] { return s.sessions == 0; });
  }
  s.io_work.reset();
  s.io.stop();
  for (auto& t : s.io_threads) {
    if (t.joinable()) t.join();
  }
  std::lock_guard done(s.state_mutex);
  s.joined = true;
}

}  // namespace shouwang::http
