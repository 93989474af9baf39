// The NATS publisher and stream consumer over the C client (libnats).
#include "alert/publisher.h"

#include <nats/nats.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <mutex>
#include <set>

namespace shouwang::alert {

Result<std::unique_ptr<AlertFeed>> AlertPublisher::open_feed(const std::string&) {
  return failed_precondition("this message bus keeps no stream of alerts to read");
}

Result<std::vector<std::string>> parse_nats_servers(std::string_view list) {
  std::vector<std::string> servers;
  size_t start = 0;
  while (true) {
    size_t comma = list.find(',', start);
    std::string_view item =
        list.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.empty()) {
      return invalid_argument("NATS servers '" + std::string(list) +
                              "': expected nats://host:port URLs separated by commas");
    }
    servers.emplace_back(item);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return servers;
}

namespace {

constexpr const char* kAlertSubjects = "alerts.>";
constexpr int64_t kApiWaitMillis = 5000;  // JetStream API requests (stream and consumer set-up)
constexpr int64_t kAckWaitMillis = 2000;  // the server's confirmation of an acknowledgement

std::string nats_error(natsStatus s, jsErrCode code) {
  std::string text = natsStatus_GetText(s);
  const char* last = nats_GetLastError(nullptr);
  if (last && *last && text != last) text += std::string(": ") + last;
  if (code != 0) text += " (JetStream error " + std::to_string(static_cast<int>(code)) + ")";
  return text;
}

}  // namespace

struct NatsPublisher::Impl {
  natsOptions* options = nullptr;
  natsConnection* connection = nullptr;
  jsCtx* jetstream = nullptr;
  size_t configured_servers = 0;
  std::mutex mutex;
  enum class Mode { kUnknown, kJetStream, kCore };
  std::atomic<Mode> mode{Mode::kUnknown};  // decided under `mutex`, read by publish() without it

  ~Impl() {
    if (jetstream) jsCtx_Destroy(jetstream);
    if (connection) {
      natsConnection_Close(connection);
      natsConnection_Destroy(connection);
    }
    if (options) natsOptions_Destroy(options);
  }

  bool connected() const { return natsConnection_Status(connection) == NATS_CONN_STATUS_CONNECTED; }

  // The servers of the cluster as far as the client knows them: those it was given and those the
  // cluster announced since.
  int known_servers() {
    size_t count = configured_servers;
    char** urls = nullptr;
    int n = 0;
    if (natsConnection_GetServers(connection, &urls, &n) == NATS_OK) {
      std::set<std::string> distinct;
      for (int i = 0; i < n; ++i) {
        distinct.insert(urls[i]);
        free(urls[i]);
      }
      free(urls);
      count = std::max(count, distinct.size());
    }
    return static_cast<int>(count);
  }

  // Finds out once whether the servers store messages (JetStream), and creates the stream with
  // min(3, servers) replicas, or raises the replicas of a stream made with fewer (by a server
  // that knew fewer servers). Fewer replicas are tried when the cluster cannot place that many
  // (it has fewer servers than were counted, or one is down): a stream with fewer copies
  // publishes, and the next start raises it.
  Status decide_mode() {
    std::lock_guard lock(mutex);
    if (mode != Mode::kUnknown) return Status::ok();
    const int wanted = std::min(3, known_servers());
    jsStreamConfig config;
    jsStreamConfig_Init(&config);
    config.Name = kNatsStreamName;
    const char* subjects[] = {kAlertSubjects};
    config.Subjects = subjects;
    config.SubjectsLen = 1;
    config.Storage = js_FileStorage;
    config.Duplicates = int64_t{24} * 3600 * 1'000'000'000;  // nanoseconds: a day of de-duplication
    jsOptions api;
    jsOptions_Init(&api);
    api.Wait = kApiWaitMillis;
    for (int replicas = std::max(1, wanted); replicas >= 1; --replicas) {
      config.Replicas = replicas;
      jsStreamInfo* info = nullptr;
      jsErrCode error_code = static_cast<jsErrCode>(0);
      natsStatus s = js_AddStream(&info, jetstream, &config, &api, &error_code);
      if (info) jsStreamInfo_Destroy(info);
      if (s == NATS_OK) {
        mode = Mode::kJetStream;
        return Status::ok();
      }
      if (error_code == JSStreamNameExistErr) {
        raise_replicas(wanted, &api);
        mode = Mode::kJetStream;
        return Status::ok();
      }
      if (s == NATS_NO_RESPONDERS || error_code == JSNotEnabledErr) {
        mode = Mode::kCore;
        return Status::ok();
      }
      bool cannot_place = error_code == JSStreamReplicasNotSupportedErr || error_code == JSInsufficientResourcesErr ||
                          error_code == JSClusterNoPeersErr;
      if (!cannot_place) {
        return unavailable("NATS: cannot create the stream " + std::string(kNatsStreamName) + ": " +
                           nats_error(s, error_code));
      }
    }
    return unavailable("NATS: the cluster cannot place the stream " + std::string(kNatsStreamName));
  }

  // No stream takes the alert subjects (it was deleted, or the cluster's storage was lost): the
  // next publish or consumer decides again, which creates it again. Harmless when the stream
  // was only between leaders: creating an existing stream with its configuration changes nothing.
  void forget_stream() {
    std::lock_guard lock(mutex);
    mode = Mode::kUnknown;
  }

  // An existing stream with fewer replicas than wanted gets more; a failure leaves it as it is
  // (it still works, with fewer copies) until the next start tries again.
  void raise_replicas(int wanted, jsOptions* api) {
    jsStreamInfo* info = nullptr;
    jsErrCode error_code = static_cast<jsErrCode>(0);
    if (js_GetStreamInfo(&info, jetstream, kNatsStreamName, api, &error_code) != NATS_OK || !info) return;
    if (info->Config && info->Config->Replicas < wanted) {
      info->Config->Replicas = wanted;
      jsStreamInfo* updated = nullptr;
      (void)js_UpdateStream(&updated, jetstream, info->Config, api, &error_code);
      if (updated) jsStreamInfo_Destroy(updated);
    }
    jsStreamInfo_Destroy(info);
  }
};

namespace {

// The durable consumer bound by name: the subscription did not create it, so destroying the
// subscription (at shutdown) leaves it, and its position, on the servers.
class NatsFeed final : public AlertFeed {
 public:
  NatsFeed(std::shared_ptr<NatsPublisher::Impl> impl, natsSubscription* subscription)
      : impl_(std::move(impl)), subscription_(subscription, natsSubscription_Destroy) {}

  Result<std::vector<StreamMessage>> fetch(int max, std::chrono::milliseconds wait) override {
    natsMsgList list{nullptr, 0};
    jsErrCode error_code = static_cast<jsErrCode>(0);
    natsStatus s = natsSubscription_Fetch(&list, subscription_.get(), std::max(1, max),
                                          std::max<int64_t>(1, wait.count()), &error_code);
    std::vector<StreamMessage> messages;
    if (s == NATS_TIMEOUT) return messages;  // nothing came in time
    if (s != NATS_OK) return unavailable("NATS: fetching alerts: " + nats_error(s, error_code));
    for (int i = 0; i < list.Count; ++i) {
      natsMsg* msg = list.Msgs[i];
      if (!msg) continue;
      list.Msgs[i] = nullptr;  // owned below
      std::shared_ptr<natsMsg> owned(msg, natsMsg_Destroy);
      StreamMessage m;
      m.subject = natsMsg_GetSubject(msg);
      const char* id = nullptr;
      if (natsMsgHeader_Get(msg, "Nats-Msg-Id", &id) == NATS_OK && id) m.message_id = id;
      m.payload.assign(natsMsg_GetData(msg), natsMsg_GetDataLength(msg));
      // The message answers through its subscription's connection: both stay alive with it.
      m.ack = [owned, impl = impl_, subscription = subscription_]() -> Status {
        jsOptions options;
        jsOptions_Init(&options);
        options.Wait = kAckWaitMillis;
        jsErrCode code = static_cast<jsErrCode>(0);
        natsStatus acked = natsMsg_AckSync(owned.get(), &options, &code);
        if (acked != NATS_OK) return unavailable("NATS: acknowledgement not confirmed: " + nats_error(acked, code));
        return Status::ok();
      };
      messages.push_back(std::move(m));
    }
    natsMsgList_Destroy(&list);
    return messages;
  }

 private:
  std::shared_ptr<NatsPublisher::Impl> impl_;
  std::shared_ptr<natsSubscription> subscription_;
};

}  // namespace

NatsPublisher::NatsPublisher(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
NatsPublisher::~NatsPublisher() = default;

Result<std::unique_ptr<NatsPublisher>> NatsPublisher::connect(std::string_view servers) {
  ASSIGN_OR_RETURN(auto list, parse_nats_servers(servers));
  return connect(list);
}

Result<std::unique_ptr<NatsPublisher>> NatsPublisher::connect(const std::vector<std::string>& servers) {
  if (servers.empty()) return invalid_argument("NATS: no server given");
  std::string described;
  std::vector<const char*> urls;
  for (const auto& url : servers) {
    urls.push_back(url.c_str());
    described += (described.empty() ? "" : ",") + url;
  }
  auto impl = std::make_shared<Impl>();
  impl->configured_servers = std::set<std::string>(servers.begin(), servers.end()).size();
  natsStatus s = natsOptions_Create(&impl->options);
  if (s == NATS_OK) s = natsOptions_SetServers(impl->options, urls.data(), static_cast<int>(urls.size()));
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(impl->options, -1);
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(impl->options, 100);
  if (s == NATS_OK) s = natsOptions_SetRetryOnFailedConnect(impl->options, true, nullptr, nullptr);
  if (s != NATS_OK) return invalid_argument("NATS servers '" + described + "': " + natsStatus_GetText(s));
  s = natsConnection_Connect(&impl->connection, impl->options);
  if (s != NATS_OK && s != NATS_NOT_YET_CONNECTED) {
    return unavailable("NATS " + described + ": " + natsStatus_GetText(s));
  }
  s = natsConnection_JetStream(&impl->jetstream, impl->connection, nullptr);
  if (s != NATS_OK) return internal_error(std::string("NATS JetStream context: ") + natsStatus_GetText(s));
  return std::unique_ptr<NatsPublisher>(new NatsPublisher(std::move(impl)));
}

Status NatsPublisher::publish(const std::string& subject, const std::string& message_id, const std::string& payload) {
  // While reconnecting the client would buffer the message and report success: refuse instead,
  // so the outbox keeps it until a server can acknowledge it.
  if (!impl_->connected()) return unavailable("NATS: not connected");
  RETURN_IF_ERROR(impl_->decide_mode());
  const Impl::Mode mode = impl_->mode;
  // Forgotten meanwhile by another thread: never a core publish where the stream should store it.
  if (mode == Impl::Mode::kUnknown) return unavailable("NATS: the stream is being set up again");
  natsStatus s;
  if (mode == Impl::Mode::kJetStream) {
    jsPubOptions options;
    jsPubOptions_Init(&options);
    options.MsgId = message_id.c_str();
    options.MaxWait = 2000;
    jsPubAck* ack = nullptr;
    jsErrCode error_code = static_cast<jsErrCode>(0);
    s = js_Publish(&ack, impl_->jetstream, subject.c_str(), payload.data(), static_cast<int>(payload.size()), &options,
                   &error_code);
    if (ack) jsPubAck_Destroy(ack);
  } else {
    s = natsConnection_Publish(impl_->connection, subject.c_str(), payload.data(), static_cast<int>(payload.size()));
    if (s == NATS_OK) s = natsConnection_FlushTimeout(impl_->connection, 2000);
  }
  if (s == NATS_NO_RESPONDERS && mode == Impl::Mode::kJetStream) impl_->forget_stream();
  if (s != NATS_OK) return unavailable(std::string("NATS publish on ") + subject + ": " + natsStatus_GetText(s));
  return Status::ok();
}

Result<std::unique_ptr<AlertFeed>> NatsPublisher::open_feed(const std::string& consumer) {
  if (!impl_->connected()) return unavailable("NATS: not connected");
  RETURN_IF_ERROR(impl_->decide_mode());
  const Impl::Mode mode = impl_->mode;
  if (mode == Impl::Mode::kCore) {
    return failed_precondition("NATS: the servers have no JetStream, so alerts of other installations cannot be read");
  }
  if (mode == Impl::Mode::kUnknown) return unavailable("NATS: the stream is being set up again");
  jsOptions api;
  jsOptions_Init(&api);
  api.Wait = kApiWaitMillis;
  // Created only when missing: an existing consumer keeps its configuration and its position.
  jsConsumerInfo* info = nullptr;
  jsErrCode error_code = static_cast<jsErrCode>(0);
  natsStatus s = js_GetConsumerInfo(&info, impl_->jetstream, kNatsStreamName, consumer.c_str(), &api, &error_code);
  if (info) jsConsumerInfo_Destroy(info);
  if (error_code == JSStreamNotFoundErr) impl_->forget_stream();
  if (s != NATS_OK && error_code == JSConsumerNotFoundErr) {
    jsConsumerConfig config;
    jsConsumerConfig_Init(&config);
    config.Durable = consumer.c_str();
    config.AckPolicy = js_AckExplicit;
    config.AckWait = std::chrono::nanoseconds(kNatsAckWait).count();
    // From the messages published after it exists: an installation joining the federation does
    // not replay every earlier alert to its focal points.
    config.DeliverPolicy = js_DeliverNew;
    config.FilterSubject = kAlertSubjects;
    info = nullptr;
    error_code = static_cast<jsErrCode>(0);
    s = js_AddConsumer(&info, impl_->jetstream, kNatsStreamName, &config, &api, &error_code);
    if (info) jsConsumerInfo_Destroy(info);
  }
  if (s != NATS_OK) {
    return unavailable("NATS: consumer " + consumer + " of " + kNatsStreamName + ": " + nats_error(s, error_code));
  }
  jsSubOptions bind;
  jsSubOptions_Init(&bind);
  bind.Stream = kNatsStreamName;
  bind.Consumer = consumer.c_str();
  natsSubscription* subscription = nullptr;
  error_code = static_cast<jsErrCode>(0);
  s = js_PullSubscribe(&subscription, impl_->jetstream, kAlertSubjects, consumer.c_str(), &api, &bind, &error_code);
  if (s != NATS_OK) return unavailable("NATS: binding to consumer " + consumer + ": " + nats_error(s, error_code));
  return std::unique_ptr<AlertFeed>(new NatsFeed(impl_, subscription));
}

}  // namespace shouwang::alert
