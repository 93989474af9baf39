// The `shouwang rt` and `shouwang backtest` command lines end to end: the binary is run on EpiEstim's
// data and on temporary databases filled by `shouwang import` (or, for the data as known at each
// origin, written with chosen report times), and its output is compared with R EpiEstim's goldens
// and with the --input mode on the same numbers.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "estimate/rt_csv.h"
#include "store/open_store.h"

namespace shouwang {
namespace {

namespace fs = std::filesystem;

const std::string kBinary = SHOUWANG_BIN;
const std::string kEpiEstimDir = std::string(SHOUWANG_SHARED_DIR) + "/data/epi-reference/epiestim/";
const std::string kJhuConfirmed =
    std::string(SHOUWANG_SHARED_DIR) + "/data/global/jhu_csse/time_series_covid19_confirmed_global.csv";
const std::string kJhuDeaths =
    std::string(SHOUWANG_SHARED_DIR) + "/data/global/jhu_csse/time_series_covid19_deaths_global.csv";
const std::string kGoldenDir = std::string(SHOUWANG_SOURCE_DIR) + "/tests/golden/estimate/";

struct CommandRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

std::vector<std::vector<std::string>> csv_rows(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    std::vector<std::string> fields;
    std::istringstream cells(line);
    std::string cell;
    while (std::getline(cells, cell, ',')) fields.push_back(cell);
    rows.push_back(fields);
  }
  return rows;
}

double cell(const std::string& text) { return text == "NA" ? std::nan("") : std::stod(text); }

// Every EpiEstim column of `ours` against R's golden, to relative 1e-9.
void expect_matches_golden(const std::string& ours_text, const std::string& golden_file) {
  const auto ours = csv_rows(ours_text);
  const auto golden = csv_rows(read_file(kGoldenDir + golden_file));
  ASSERT_EQ(ours.size(), golden.size());
  ASSERT_GE(ours[0].size(), golden[0].size());
  for (size_t c = 0; c < golden[0].size(); ++c) ASSERT_EQ(ours[0][c], golden[0][c]);
  for (size_t r = 1; r < golden.size(); ++r) {
    EXPECT_EQ(ours[r][0], golden[r][0]);
    EXPECT_EQ(ours[r][1], golden[r][1]);
    for (size_t c = 2; c < golden[r].size(); ++c) {
      const double expected = cell(golden[r][c]), actual = cell(ours[r][c]);
      if (std::isnan(expected)) {
        EXPECT_TRUE(std::isnan(actual)) << "row " << r << " column " << golden[0][c];
      } else {
        EXPECT_LE(std::abs(actual - expected) / std::abs(expected), 1e-9)
            << "row " << r << " column " << golden[0][c] << ": " << actual << " vs " << expected;
      }
    }
  }
}

class EstimateCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("shouwang-estimate-cli-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs the binary with `arguments` (already shell-quoted where needed).
  CommandRun shouwang(const std::string& arguments) {
    const fs::path out = dir_ / "stdout.txt", err = dir_ / "stderr.txt";
    const std::string command = "'" + kBinary + "' " + arguments + " >'" + out.string() + "' 2>'" + err.string() + "'";
    const int status = std::system(command.c_str());
    CommandRun run;
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    run.out = read_file(out);
    run.err = read_file(err);
    return run;
  }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // `shouwang import --format csv` of a long CSV written from `rows` ("ITA,cases,2020-01-01,5").
  void import_rows(const std::string& db, const std::vector<std::string>& rows) {
    std::string text = "location,indicator,date,value\n";
    for (const auto& row : rows) text += row + "\n";
    write_file(path("import.csv"), text);
    const CommandRun run = shouwang("import --db '" + db + "' --format csv --allow-corrections '" + path("import.csv") + "'");
    ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  }

  fs::path dir_;
};

struct DatedCounts {
  std::vector<std::string> dates;
  std::vector<long long> counts;
};

DatedCounts flu2009() {
  DatedCounts data;
  const auto rows = csv_rows(read_file(kEpiEstimDir + "Flu2009_incidence.csv"));
  for (size_t r = 1; r < rows.size(); ++r) {
    std::string date = rows[r][0];
    date.erase(std::remove(date.begin(), date.end(), '"'), date.end());
    data.dates.push_back(date);
    data.counts.push_back(std::stoll(rows[r][1]));
  }
  return data;
}

TEST_F(EstimateCliTest, RtInputMatchesEpiEstimGoldens) {
  const CommandRun parametric = shouwang("rt --input '" + kEpiEstimDir + "Flu2009_incidence.csv' --si-mean 2.6 --si-sd 1.5 --output '" +
                                  path("rt.csv") + "'");
  ASSERT_EQ(parametric.exit_code, 0) << parametric.err;
  expect_matches_golden(read_file(path("rt.csv")), "rt_Flu2009_parametric_weekly.csv");

  const CommandRun given_windows = shouwang("rt --input '" + kEpiEstimDir + "SARS2003_incidence.csv' --si-distr '" + kEpiEstimDir +
                                     "SARS2003_si_distr.csv' --t-start 2,5,10,20,40,60,80 --t-end 5,30,40,50,70,100,107");
  ASSERT_EQ(given_windows.exit_code, 0) << given_windows.err;
  expect_matches_golden(given_windows.out, "rt_SARS2003_nonparametric_given_windows.csv");
}

TEST_F(EstimateCliTest, RtUncertainSiIsSeededAndShapedLikeTheGolden) {
  const std::string base = "rt --input '" + kEpiEstimDir +
                           "Flu2009_incidence.csv' --si-mean 2.6 --si-sd 1.5 --si-std-mean 1 --si-min-mean 1 "
                           "--si-max-mean 4.2 --si-std-sd 0.5 --si-min-sd 0.5 --si-max-sd 2.5 --n1 200 --n2 20";
  const CommandRun first = shouwang(base + " --seed 3");
  const CommandRun again = shouwang(base + " --seed 3");
  const CommandRun other = shouwang(base + " --seed 4");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(first.out, again.out);
  EXPECT_NE(first.out, other.out);
  const auto ours = csv_rows(first.out);
  const auto golden = csv_rows(read_file(kGoldenDir + "rt_Flu2009_uncertain_si.csv"));
  ASSERT_EQ(ours.size(), golden.size());
  EXPECT_EQ(ours[0], golden[0]);
  const CommandRun partial = shouwang("rt --input '" + kEpiEstimDir + "Flu2009_incidence.csv' --si-mean 2.6 --si-sd 1.5 --si-std-mean 1");
  EXPECT_EQ(partial.exit_code, 2);
  EXPECT_NE(partial.err.find("uncertain_si needs"), std::string::npos) << partial.err;
}

TEST_F(EstimateCliTest, RtInputAndDbTogetherOrNeitherIsAUsageError) {
  EXPECT_EQ(shouwang("rt --si-mean 2.6 --si-sd 1.5").exit_code, 2);
  const CommandRun both = shouwang("rt --input '" + kEpiEstimDir + "Flu2009_incidence.csv' --db '" + path("x.db") +
                            "' --location ITA --si-mean 2.6 --si-sd 1.5");
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_NE(both.err.find("either --input"), std::string::npos) << both.err;
  EXPECT_EQ(shouwang("backtest --indicator cases").exit_code, 2);
}

TEST_F(EstimateCliTest, RtDbOfACountryAndOfARegionSummingItsCountriesMatchesTheGolden) {
  const DatedCounts flu = flu2009();
  std::vector<std::string> rows;
  for (size_t i = 0; i < flu.dates.size(); ++i) {
    rows.push_back("ITA,cases," + flu.dates[i] + "," + std::to_string(flu.counts[i]));
    // AFRO holds exactly these two countries in this database: its sum is the Flu2009 series.
    rows.push_back("NGA,cases," + flu.dates[i] + "," + std::to_string(flu.counts[i] / 2));
    rows.push_back("GHA,cases," + flu.dates[i] + "," + std::to_string(flu.counts[i] - flu.counts[i] / 2));
  }
  const std::string db = path("flu.db");
  import_rows(db, rows);
  for (const std::string location : {"ITA", "AFRO"}) {
    SCOPED_TRACE(location);
    const CommandRun run = shouwang("rt --db '" + db + "' --location " + location + " --indicator cases --si-mean 2.6 --si-sd 1.5");
    ASSERT_EQ(run.exit_code, 0) << run.err;
    expect_matches_golden(run.out, "rt_Flu2009_parametric_weekly.csv");
    const auto out = csv_rows(run.out);
    ASSERT_EQ(out[0].size(), 13u);
    EXPECT_EQ(out[0][11], "date_start");
    EXPECT_EQ(out[0][12], "date_end");
    EXPECT_EQ(out[1][11], flu.dates[1]);  // t_start 2
    EXPECT_EQ(out[1][12], flu.dates[7]);  // t_end 8
  }
  const CommandRun unknown = shouwang("rt --db '" + db + "' --location FRA --si-mean 2.6 --si-sd 1.5");
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.err.find("FRA"), std::string::npos) << unknown.err;
}

TEST_F(EstimateCliTest, RtDbCountsNegativeCorrectionsAsZeroWithANote) {
  const DatedCounts flu = flu2009();
  std::vector<std::string> rows;
  std::string zeroed = "date,I\n";
  for (size_t i = 0; i < flu.dates.size(); ++i) {
    const long long value = i == 12 ? -3 : flu.counts[i];
    rows.push_back("JPN,cases," + flu.dates[i] + "," + std::to_string(value));
    zeroed += flu.dates[i] + "," + std::to_string(std::max(0LL, value)) + "\n";
  }
  const std::string db = path("neg.db");
  import_rows(db, rows);
  write_file(path("zeroed.csv"), zeroed);
  const CommandRun from_db = shouwang("rt --db '" + db + "' --location JPN --si-mean 2.6 --si-sd 1.5 --window 10");
  ASSERT_EQ(from_db.exit_code, 0) << from_db.err;
  EXPECT_NE(from_db.err.find("1 day(s)"), std::string::npos) << from_db.err;
  EXPECT_NE(from_db.err.find("negative"), std::string::npos) << from_db.err;
  const CommandRun from_file = shouwang("rt --input '" + path("zeroed.csv") + "' --si-mean 2.6 --si-sd 1.5 --window 10");
  ASSERT_EQ(from_file.exit_code, 0) << from_file.err;
  const auto db_rows = csv_rows(from_db.out), file_rows = csv_rows(from_file.out);
  ASSERT_EQ(db_rows.size(), file_rows.size());
  for (size_t r = 0; r < file_rows.size(); ++r) {
    EXPECT_EQ(std::vector<std::string>(db_rows[r].begin(), db_rows[r].begin() + 11), file_rows[r]) << "row " << r;
  }
}

// The European Forecast Hub preset: 32 countries and the weekly origins of the chosen period; an
// explicit option wins over the preset, a member flag replaces the chosen setting, and deaths use
// the cases file as the leading series of the lagged-ratio member when it is given.
TEST_F(EstimateCliTest, BacktestEuroHubPresetAndEnsembleFlags) {
  const std::string cases = " --indicator cases --input '" + kJhuConfirmed + "'";
  const CommandRun year2020 = shouwang("backtest --preset euro-hub-2020" + cases);
  ASSERT_EQ(year2020.exit_code, 0) << year2020.err;
  const auto rows = csv_rows(year2020.out);
  ASSERT_EQ(rows.size(), 5u) << year2020.out;
  for (size_t h = 1; h <= 4; ++h) EXPECT_EQ(rows[h][1], "928") << "horizon " << h;  // 29 origins x 32 countries
  EXPECT_NE(year2020.err.find("32 series"), std::string::npos) << year2020.err;

  const CommandRun shorter = shouwang("backtest --preset euro-hub-2020 --last-origin 2020-06-27" + cases);
  ASSERT_EQ(shorter.exit_code, 0) << shorter.err;
  EXPECT_EQ(csv_rows(shorter.out)[1][1], "96");  // 3 origins x 32 countries

  const CommandRun scaled = shouwang("backtest --preset euro-hub-2020 --interval-scale 1.5" + cases);
  ASSERT_EQ(scaled.exit_code, 0) << scaled.err;
  EXPECT_GT(std::stod(csv_rows(scaled.out)[1][6]), std::stod(rows[1][6])) << "wider intervals cover more";

  const std::string deaths = "backtest --preset euro-hub-2020 --indicator deaths --input '" + kJhuDeaths + "'";
  const CommandRun alone = shouwang(deaths);
  const CommandRun led = shouwang(deaths + " --leading-input '" + kJhuConfirmed + "'");
  ASSERT_EQ(alone.exit_code, 0) << alone.err;
  ASSERT_EQ(led.exit_code, 0) << led.err;
  EXPECT_NE(alone.out, led.out) << "the lagged ratio must take part when the cases are given";
  EXPECT_NE(alone.err.find("32 series have no cases to lead them (give --leading-input)"), std::string::npos) << alone.err;
  EXPECT_EQ(led.err.find("no cases to lead them"), std::string::npos) << led.err;

  EXPECT_EQ(shouwang("backtest --preset euro-hub-2020 --model arima" + cases).exit_code, 2);
  EXPECT_EQ(shouwang("backtest --preset euro-hub-2020 --members renewal,ensemble" + cases).exit_code, 2);
  EXPECT_NE(shouwang("backtest --preset euro-hub-1999" + cases).exit_code, 0);
}

// Italy's JHU row: the wide file of that one row (for --input) and its daily new counts.
struct ItalyCases {
  std::string wide_csv;
  std::vector<std::string> dates;  // YYYY-MM-DD
  std::vector<long long> daily;
};

ItalyCases italy_cases() {
  ItalyCases italy;
  const std::string text = read_file(kJhuConfirmed);
  std::istringstream lines(text);
  std::string header, line;
  std::getline(lines, header);
  if (!header.empty() && header.back() == '\r') header.pop_back();
  while (std::getline(lines, line)) {
    if (line.rfind(",Italy,", 0) == 0) break;
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  italy.wide_csv = header + "\n" + line + "\n";
  const auto head = csv_rows(header)[0];
  const auto fields = csv_rows(line)[0];
  long long previous = 0;
  for (size_t c = 4; c < head.size(); ++c) {
    unsigned month = 0, day = 0, year = 0;
    std::sscanf(head[c].c_str(), "%u/%u/%u", &month, &day, &year);
    char date[16];
    std::snprintf(date, sizeof date, "20%02u-%02u-%02u", year, month, day);
    italy.dates.push_back(date);
    const long long cumulative = std::stoll(fields[c]);
    italy.daily.push_back(cumulative - previous);
    previous = cumulative;
  }
  return italy;
}

constexpr const char* kBacktestHeader = "horizon,forecasts,wis,wis_baseline,relative_wis,coverage_50,coverage_95";

TEST_F(EstimateCliTest, BacktestDbOfAHistoryLoadedLaterEqualsTheFileBacktest) {
  const ItalyCases italy = italy_cases();
  ASSERT_GT(italy.daily.size(), 1000u);
  std::vector<std::string> rows;
  for (size_t i = 0; i < italy.daily.size(); ++i) rows.push_back("ITA,cases," + italy.dates[i] + "," + std::to_string(italy.daily[i]));
  const std::string db = path("italy.db");
  import_rows(db, rows);
  write_file(path("italy_wide.csv"), italy.wide_csv);

  const std::string window = " --from 2020-06-01 --to 2020-12-31";
  const CommandRun from_file = shouwang("backtest --input '" + path("italy_wide.csv") + "' --locations Italy" + window);
  ASSERT_EQ(from_file.exit_code, 0) << from_file.err;
  ASSERT_EQ(csv_rows(from_file.out).size(), 5u) << from_file.out;
  EXPECT_EQ(from_file.out.substr(0, from_file.out.find('\n')), kBacktestHeader);
  EXPECT_GT(std::stoll(csv_rows(from_file.out)[1][1]), 20);
  for (const std::string locations : {" --locations ITA", " --locations all", ""}) {
    SCOPED_TRACE(locations);
    const CommandRun from_db = shouwang("backtest --db '" + db + "' --indicator cases" + locations + window);
    ASSERT_EQ(from_db.exit_code, 0) << from_db.err;
    // Everything was reported after the origins: the series truncated at each origin is used.
    EXPECT_EQ(from_db.out, from_file.out);
    EXPECT_NE(from_db.err.find("0 origin(s) forecast from the data as known then"), std::string::npos) << from_db.err;
  }
  const CommandRun bad = shouwang("backtest --db '" + db + "' --locations ITA,Italy" + window);
  EXPECT_EQ(bad.exit_code, 2);
}

// A live feed: each day's count reported that evening, then (in 2023) the counts before June 2020
// revised upwards. At every origin the store knew the first version, so the backtest --db equals the
// file backtest of the first version (the targets, all after June 2020, are the same in both) and
// differs from the file backtest of the revised series.
TEST_F(EstimateCliTest, BacktestDbForecastsFromTheDataAsKnownAtEachOrigin) {
  const ItalyCases italy = italy_cases();
  const std::string db = path("vintage.db");
  import_rows(db, {"FRA,cases,2020-01-01,1"});  // creates and seeds the database
  const size_t first_target = static_cast<size_t>(
      std::find(italy.dates.begin(), italy.dates.end(), "2020-06-02") - italy.dates.begin());
  ASSERT_LT(first_target, italy.dates.size());
  const size_t days = first_target + 220;  // through early January 2021
  {
    auto store = store::open_store(db);
    ASSERT_TRUE(store.is_ok()) << store.status().to_string();
    for (size_t i = 0; i < days; ++i) {
      const Date day = *Date::parse(italy.dates[i]);
      const store::ObservationWrite row{"ITA", "cases", Period::day(day), static_cast<double>(italy.daily[i])};
      const Timestamp evening = Timestamp::from_seconds(static_cast<int64_t>(day.days_since_epoch()) * 86400 + 20 * 3600);
      auto written = (*store)->write_observations(std::span(&row, 1), "feed", evening);
      ASSERT_TRUE(written.is_ok()) << written.status().to_string();
    }
    std::vector<store::ObservationWrite> revised;
    for (size_t i = 0; i < first_target; ++i) {
      revised.push_back({"ITA", "cases", Period::day(*Date::parse(italy.dates[i])), 3.0 * italy.daily[i] + 7});
    }
    auto written = (*store)->write_observations(revised, "feed", *Timestamp::parse("2023-06-01T00:00:00Z"));
    ASSERT_TRUE(written.is_ok()) << written.status().to_string();
  }
  auto wide_of = [&](bool revised_version) {
    std::string header = "Province/State,Country/Region,Lat,Long", row = ",Italy,0,0";
    long long cumulative = 0;
    for (size_t i = 0; i < days; ++i) {
      const Date day = *Date::parse(italy.dates[i]);
      header += "," + std::to_string(day.month()) + "/" + std::to_string(day.day()) + "/" + std::to_string(day.year() % 100);
      cumulative += revised_version && i < first_target ? 3 * italy.daily[i] + 7 : italy.daily[i];
      row += "," + std::to_string(cumulative);
    }
    return header + "\n" + row + "\n";
  };
  write_file(path("first.csv"), wide_of(false));
  write_file(path("revised.csv"), wide_of(true));
  const std::string window = " --from 2020-06-01 --to 2020-12-31";
  const CommandRun first = shouwang("backtest --input '" + path("first.csv") + "'" + window);
  const CommandRun revised = shouwang("backtest --input '" + path("revised.csv") + "'" + window);
  const CommandRun from_db = shouwang("backtest --db '" + db + "' --locations ITA" + window);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  ASSERT_EQ(revised.exit_code, 0) << revised.err;
  ASSERT_EQ(from_db.exit_code, 0) << from_db.err;
  EXPECT_NE(first.out, revised.out) << "the revision must change what a forecaster would have seen";
  EXPECT_EQ(from_db.out, first.out);
  EXPECT_EQ(from_db.err.find(" 0 origin(s) forecast from the data as known then"), std::string::npos) << from_db.err;
}

}  // namespace
}  // namespace shouwang
