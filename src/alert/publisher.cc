// The NATS publisher over the C client (libnats).
#include "alert/publisher.h"

#include <nats/nats.h>

namespace shouwang::alert {

struct NatsPublisher::Impl {
  natsOptions* options = nullptr;
  natsConnection* connection = nullptr;
  jsCtx* jetstream = nullptr;
  std::mutex mutex;
  enum class Mode { kUnknown, kJetStream, kCore } mode = Mode::kUnknown;

  ~Impl() {
    if (jetstream) jsCtx_Destroy(jetstream);
    if (connection) {
      natsConnection_Close(connection);
      natsConnection_Destroy(connection);
    }
    if (options) natsOptions_Destroy(options);
  }

  // Finds out once whether the server stores messages (JetStream) and creates the stream.
  Status decide_mode() {
    std::lock_guard lock(mutex);
    if (mode != Mode::kUnknown) return Status::ok();
    jsStreamConfig config;
    jsStreamConfig_Init(&config);
    config.Name = kNatsStreamName;
    const char* subjects[] = {"alerts.>"};
    config.Subjects = subjects;
    config.SubjectsLen = 1;
    config.Storage = js_FileStorage;
    config.Duplicates = int64_t{24} * 3600 * 1'000'000'000;  // nanoseconds: a day of de-duplication
    jsStreamInfo* info = nullptr;
    jsErrCode error_code = static_cast<jsErrCode>(0);
    natsStatus s = js_AddStream(&info, jetstream, &config, nullptr, &error_code);
    if (info) jsStreamInfo_Destroy(info);
    if (s == NATS_OK || error_code == JSStreamNameExistErr) {
      mode = Mode::kJetStream;
    } else if (s == NATS_NO_RESPONDERS || error_code == JSNotEnabledErr) {
      mode = Mode::kCore;
    } else {
      return unavailable(std::string("NATS: cannot reach the server: ") + natsStatus_GetText(s));
    }
    return Status::ok();
  }
};

NatsPublisher::NatsPublisher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
NatsPublisher::~NatsPublisher() = default;

Result<std::unique_ptr<NatsPublisher>> NatsPublisher::connect(const std::string& url) {
  auto impl = std::make_unique<Impl>();
  natsStatus s = natsOptions_Create(&impl->options);
  if (s == NATS_OK) s = natsOptions_SetURL(impl->options, url.c_str());
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(impl->options, -1);
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(impl->options, 100);
  if (s == NATS_OK) s = natsOptions_SetRetryOnFailedConnect(impl->options, true, nullptr, nullptr);
  if (s != NATS_OK) return invalid_argument("NATS URL '" + url + "': " + natsStatus_GetText(s));
  s = natsConnection_Connect(&impl->connection, impl->options);
  if (s != NATS_OK && s != NATS_NOT_YET_CONNECTED) {
    return unavailable("NATS " + url + ": " + natsStatus_GetText(s));
  }
  s = natsConnection_JetStream(&impl->jetstream, impl->connection, nullptr);
  if (s != NATS_OK) return internal_error(std::string("NATS JetStream context: ") + natsStatus_GetText(s));
  return std::unique_ptr<NatsPublisher>(new NatsPublisher(std::move(impl)));
}

Status NatsPublisher::publish(const std::string& subject, const std::string& message_id, const std::string& payload) {
  // While reconnecting the client would buffer the message and report success: refuse instead,
  // so the outbox keeps it until the server can acknowledge it.
  if (natsConnection_Status(impl_->connection) != NATS_CONN_STATUS_CONNECTED) {
    return unavailable("NATS: not connected");
  }
  RETURN_IF_ERROR(impl_->decide_mode());
  natsStatus s;
  if (impl_->mode == Impl::Mode::kJetStream) {
    jsPubOptions options;
    jsPubOptions_Init(&options);
    options.MsgId = message_id.c_str();
    options.MaxWait = 2000;
    jsPubAck* ack = nullptr;
    jsErrCode error_code = static_cast<jsErrCode>(0);
    s = js_Publish(&ack, impl_->jetstream, subject.c_str(), payload.data(), static_cast<int>(payload.size()),
                   &options, &error_code);
    if (ack) jsPubAck_Destroy(ack);
  } else {
    s = natsConnection_Publish(impl_->connection, subject.c_str(), payload.data(), static_cast<int>(payload.size()));
    if (s == NATS_OK) s = natsConnection_FlushTimeout(impl_->connection, 2000);
  }
  if (s != NATS_OK) return unavailable(std::string("NATS publish on ") + subject + ": " + natsStatus_GetText(s));
  return Status::ok();
}

}  // namespace shouwang::alert
