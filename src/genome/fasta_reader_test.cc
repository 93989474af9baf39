#include "genome/fasta_reader.h"

#include <gtest/gtest.h>

#include <sstream>

namespace shouwang::genome {
namespace {

std::vector<FastaRecord> read_all(const std::string& text, Status* error = nullptr) {
  std::istringstream input(text);
  FastaReader reader(input, "test.fasta");
  std::vector<FastaRecord> records;
  while (true) {
    auto next = reader.next();
    if (!next.is_ok()) {
      if (error != nullptr) *error = next.status();
      break;
    }
    if (!next->has_value()) break;
    records.push_back(**next);
  }
  return records;
}

TEST(FastaReader, ReadsWrappedRecordsWithWindowsLineEnds) {
  Status error;
  const auto records = read_all("\n>first seq \r\nacgt\r\nNNRY\r\n\r\n>second\nAC-GT*\n", &error);
  ASSERT_TRUE(error.is_ok()) << error.to_string();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].name, "first seq");
  EXPECT_EQ(records[0].sequence, "ACGTNNRY");
  EXPECT_EQ(records[0].index, 0);
  EXPECT_EQ(records[1].name, "second");
  EXPECT_EQ(records[1].sequence, "ACGT*");  // gaps dropped, as Nextclade does
  EXPECT_EQ(records[1].index, 1);
}

TEST(FastaReader, RefusesTextThatIsNotFasta) {
  Status error;
  const auto records = read_all("date,country,cases\n2021-01-01,FR,12\n", &error);
  EXPECT_TRUE(records.empty());
  EXPECT_EQ(error.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(error.message().find("is not FASTA"), std::string::npos) << error.message();
  EXPECT_NE(error.message().find("line 1"), std::string::npos) << error.message();
}

TEST(FastaReader, RefusesBinaryAndEmptyInput) {
  Status error;
  read_all(std::string(">x\nAC\0\x01GT\n", 10), &error);
  EXPECT_NE(error.message().find("binary"), std::string::npos) << error.message();
  error = Status();
  read_all("\n\n", &error);
  EXPECT_NE(error.message().find("no '>' record"), std::string::npos) << error.message();
}

}  // namespace
}  // namespace shouwang::genome
