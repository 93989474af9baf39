// NATS delivery against a real nats-server started on a free loopback port: messages arrive on
// alerts.<region>.<country>, and with JetStream a server killed and restarted loses nothing it
// had acknowledged, while the outbox holds what it could not take meanwhile.
#include <gtest/gtest.h>
#include <nats/nats.h>

#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <set>
#include <thread>

#include "alert/liaison_service.h"
#include "alert/nats_server_process.h"
#include "alert/test_support.h"

namespace shouwang::alert {
namespace {

namespace json = boost::json;
using testing::free_loopback_port;
using testing::nats_server_binary;
using testing::NatsServerProcess;

class NatsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (nats_server_binary().empty()) GTEST_SKIP() << "nats-server is not installed (Debian package nats-server)";
    ASSERT_TRUE(db_.ok());
    store_dir_ = db_.path() + ".jetstream";
    std::filesystem::remove_all(store_dir_);
    port_ = free_loopback_port();
  }
  void TearDown() override {
    service_.reset();
    server_.reset();
    if (!store_dir_.empty()) std::filesystem::remove_all(store_dir_);
  }

  void start_server(bool jetstream) {
    server_ = std::make_unique<NatsServerProcess>(port_, jetstream ? store_dir_ : "");
    ASSERT_TRUE(server_->start()) << "nats-server did not start";
  }

  void open_service() {
    auto publisher = NatsPublisher::connect(server_->url());
    ASSERT_TRUE(publisher.is_ok()) << publisher.status().to_string();
    LiaisonOptions options;
    options.db_path = db_.path();
    options.clock = &clock_;
    options.webhook_transport = std::make_shared<testing::FakeTransport>();
    options.publisher = std::move(*publisher);
    options.retry_base_micros = 100'000;
    auto service = LiaisonService::open(options);
    ASSERT_TRUE(service.is_ok()) << service.status().to_string();
    service_ = std::move(*service);
  }

  int64_t open_alert(const std::string& location, const std::string& indicator) {
    auto updates = service_->on_signals({Signal{location, indicator, "2024-W10", "ears_c1", 50, 10, true, 4}});
    EXPECT_TRUE(updates.is_ok() && updates->size() == 1);
    return updates.is_ok() && !updates->empty() ? (*updates)[0].alert_id : 0;
  }

  // Runs delivery passes (moving the clock past every backoff) until nothing is pending.
  bool deliver_everything(std::chrono::seconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      (void)service_->deliver_due();
      if (*service_->pending_deliveries() == 0) return true;
      clock_.advance_seconds(600);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  testing::TempDatabase db_{::testing::UnitTest::GetInstance()->current_test_info()->name()};
  ManualClock clock_{*Timestamp::parse("2024-03-10T08:00:00Z")};
  std::string store_dir_;
  uint16_t port_ = 0;
  std::unique_ptr<NatsServerProcess> server_;
  std::unique_ptr<LiaisonService> service_;
};

TEST_F(NatsTest, AlertsArriveOnRegionAndCountrySubjects) {
  start_server(/*jetstream=*/false);
  natsConnection* nc = nullptr;
  natsSubscription* sub = nullptr;
  ASSERT_EQ(natsConnection_ConnectTo(&nc, server_->url().c_str()), NATS_OK);
  ASSERT_EQ(natsConnection_SubscribeSync(&sub, nc, "alerts.AFRO.>"), NATS_OK);
  ASSERT_EQ(natsConnection_Flush(nc), NATS_OK);

  open_service();
  int64_t lagos = open_alert("NGA-LA", "cases");
  open_alert("EGY", "cases");  // EMRO: not for this subscriber
  int64_t ghana = open_alert("GHA", "deaths");
  ASSERT_TRUE(deliver_everything(std::chrono::seconds(10)));

  std::map<int64_t, std::string> received;
  for (int i = 0; i < 3; ++i) {
    natsMsg* msg = nullptr;
    if (natsSubscription_NextMsg(&msg, sub, i < 2 ? 2000 : 300) != NATS_OK) break;
    auto body = json::parse(std::string(natsMsg_GetData(msg), natsMsg_GetDataLength(msg))).as_object();
    received[body["alert_id"].as_int64()] = natsMsg_GetSubject(msg);
    natsMsg_Destroy(msg);
  }
  EXPECT_EQ(received, (std::map<int64_t, std::string>{{lagos, "alerts.AFRO.NGA"}, {ghana, "alerts.AFRO.GHA"}}));
  natsSubscription_Destroy(sub);
  natsConnection_Destroy(nc);
}

TEST_F(NatsTest, ServerKilledAndRestartedLosesNothingItAcknowledged) {
  start_server(/*jetstream=*/true);
  open_service();
  std::set<int64_t> alerts;
  for (const char* indicator : {"cases", "deaths", "hospitalised"}) alerts.insert(open_alert("NGA", indicator));
  ASSERT_TRUE(deliver_everything(std::chrono::seconds(10)));

  server_->kill_hard();
  for (const char* indicator : {"cholera", "measles", "mpox"}) alerts.insert(open_alert("EGY", indicator));
  (void)service_->deliver_due();
  EXPECT_EQ(*service_->pending_deliveries(), 3);  // the server is gone: kept in the outbox

  ASSERT_NO_FATAL_FAILURE(start_server(/*jetstream=*/true));  // same port, same storage
  ASSERT_TRUE(deliver_everything(std::chrono::seconds(15)));

  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;
  ASSERT_EQ(natsConnection_ConnectTo(&nc, server_->url().c_str()), NATS_OK);
  ASSERT_EQ(natsConnection_JetStream(&js, nc, nullptr), NATS_OK);
  jsStreamInfo* info = nullptr;
  jsErrCode error_code = static_cast<jsErrCode>(0);
  ASSERT_EQ(js_GetStreamInfo(&info, js, kNatsStreamName, nullptr, &error_code), NATS_OK);
  uint64_t first = info->State.FirstSeq, last = info->State.LastSeq;
  EXPECT_EQ(info->State.Msgs, 6u);  // the three from before the crash survived, no duplicates
  jsStreamInfo_Destroy(info);
  std::set<int64_t> stored;
  std::set<std::string> subjects;
  for (uint64_t seq = first; seq <= last; ++seq) {
    natsMsg* msg = nullptr;
    ASSERT_EQ(js_GetMsg(&msg, js, kNatsStreamName, seq, nullptr, &error_code), NATS_OK);
    auto body = json::parse(std::string(natsMsg_GetData(msg), natsMsg_GetDataLength(msg))).as_object();
    stored.insert(body["alert_id"].as_int64());
    subjects.insert(natsMsg_GetSubject(msg));
    natsMsg_Destroy(msg);
  }
  EXPECT_EQ(stored, alerts);
  EXPECT_EQ(subjects, (std::set<std::string>{"alerts.AFRO.NGA", "alerts.EMRO.EGY"}));
  jsCtx_Destroy(js);
  natsConnection_Destroy(nc);
}

// The stream deleted under running publishers (by an operator, or the servers' storage lost):
// the next attempt after the failed one creates it again, for publishing and for consuming.
TEST_F(NatsTest, ADeletedStreamIsCreatedAgain) {
  start_server(/*jetstream=*/true);
  auto publisher = NatsPublisher::connect(server_->url());
  ASSERT_TRUE(publisher.is_ok());
  ASSERT_TRUE((*publisher)->publish("alerts.AFRO.NGA", "m1", "{}").is_ok());
  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;
  ASSERT_EQ(natsConnection_ConnectTo(&nc, server_->url().c_str()), NATS_OK);
  ASSERT_EQ(natsConnection_JetStream(&js, nc, nullptr), NATS_OK);
  auto stored = [&]() -> int64_t {
    jsStreamInfo* info = nullptr;
    if (js_GetStreamInfo(&info, js, kNatsStreamName, nullptr, nullptr) != NATS_OK) return -1;
    int64_t n = static_cast<int64_t>(info->State.Msgs);
    jsStreamInfo_Destroy(info);
    return n;
  };

  ASSERT_EQ(js_DeleteStream(js, kNatsStreamName, nullptr, nullptr), NATS_OK);
  EXPECT_EQ((*publisher)->publish("alerts.AFRO.NGA", "m2", "{}").code(), StatusCode::kUnavailable);
  EXPECT_EQ(stored(), -1);
  EXPECT_TRUE((*publisher)->publish("alerts.AFRO.NGA", "m2", "{}").is_ok());
  EXPECT_EQ(stored(), 1);

  ASSERT_EQ(js_DeleteStream(js, kNatsStreamName, nullptr, nullptr), NATS_OK);
  EXPECT_EQ((*publisher)->open_feed("shouwang-test").status().code(), StatusCode::kUnavailable);
  auto feed = (*publisher)->open_feed("shouwang-test");
  ASSERT_TRUE(feed.is_ok()) << feed.status().to_string();
  EXPECT_EQ(stored(), 0);
  ASSERT_TRUE((*publisher)->publish("alerts.AFRO.NGA", "m3", "{}").is_ok());
  auto fetched = (*feed)->fetch(10, std::chrono::milliseconds(2000));
  ASSERT_TRUE(fetched.is_ok()) << fetched.status().to_string();
  ASSERT_EQ(fetched->size(), 1u);
  EXPECT_EQ((*fetched)[0].message_id, "m3");
  EXPECT_TRUE((*fetched)[0].ack().is_ok());
  jsCtx_Destroy(js);
  natsConnection_Destroy(nc);
}

}  // namespace
}  // namespace shouwang::alert
