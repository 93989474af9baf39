#include "core/csv_reader.h"

#include <gtest/gtest.h>

namespace shouwang {
namespace {

std::vector<std::vector<std::string>> read_all(std::string_view text, std::vector<int64_t>* lines = nullptr,
                                               CsvOptions options = {}) {
  CsvReader reader(text, options);
  std::vector<std::string_view> fields;
  std::vector<std::vector<std::string>> out;
  while (reader.next(fields)) {
    out.emplace_back(fields.begin(), fields.end());
    if (lines) lines->push_back(reader.line());
  }
  return out;
}

TEST(CsvReader, SplitsPlainFieldsWithLfAndCrlf) {
  auto rows = read_all("a,b,c\r\n1,,3\r\n4,5,6");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1], (std::vector<std::string>{"1", "", "3"}));
  EXPECT_EQ(rows[2], (std::vector<std::string>{"4", "5", "6"}));
}

TEST(CsvReader, HandlesQuotesEscapesAndNewlinesInsideQuotes) {
  std::vector<int64_t> lines;
  auto rows = read_all("\xEF\xBB\xBFname,x\r\n\"Korea, South\",1\r\n\"say \"\"hi\"\"\",2\n\"two\nlines\",3\nlast,4\n", &lines);
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0][0], "name");  // BOM stripped
  EXPECT_EQ(rows[1][0], "Korea, South");
  EXPECT_EQ(rows[2][0], "say \"hi\"");
  EXPECT_EQ(rows[3][0], "two\nlines");
  EXPECT_EQ(rows[4][0], "last");
  EXPECT_EQ(lines, (std::vector<int64_t>{1, 2, 3, 4, 6}));
}

TEST(CsvReader, CrlfAfterAQuotedLastFieldIsOneLineEnd) {
  // The CR of a CRLF after a closing quote once ended the record alone, so the LF read as an
  // extra blank record and every later line number was one too high.
  std::vector<int64_t> lines;
  CsvReader reader("a,\"b\"\r\nc,\"d\"\r\ne,f\r\n");
  std::vector<std::string_view> fields;
  std::vector<std::string> raws;
  while (reader.next(fields)) {
    lines.push_back(reader.line());
    raws.emplace_back(reader.raw_record());
    EXPECT_FALSE(reader.malformed());
  }
  EXPECT_EQ(lines, (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(raws, (std::vector<std::string>{"a,\"b\"", "c,\"d\"", "e,f"}));
}

TEST(CsvReader, FlagsBadQuotes) {
  CsvReader reader("\"abc\"x,1\n\"open,2\n");
  std::vector<std::string_view> fields;
  ASSERT_TRUE(reader.next(fields));
  EXPECT_TRUE(reader.malformed());
  EXPECT_EQ(reader.problem(), CsvProblem::kTextAfterQuote);
  EXPECT_EQ(fields, (std::vector<std::string_view>{"abc", "1"}));
  ASSERT_TRUE(reader.next(fields));
  EXPECT_EQ(reader.problem(), CsvProblem::kUnterminatedQuote);
  EXPECT_FALSE(reader.next(fields));
}

TEST(CsvReader, EscapedFieldsInOneRowStayValid) {
  // Several unescaped fields in one record each keep their own buffer.
  auto rows = read_all(std::string("\"a\"\"1\",\"b\"\"2\",\"c\"\"3\",\"d\"\"4\",\"e\"\"5\",\"f\"\"6\",\"g\"\"7\",\"h\"\"8\"\n"));
  ASSERT_EQ(rows.size(), 1u);
  ASSERT_EQ(rows[0].size(), 8u);
  EXPECT_EQ(rows[0][0], "a\"1");
  EXPECT_EQ(rows[0][7], "h\"8");
}

TEST(CsvReader, ReadsTabSeparatedValues) {
  std::vector<int64_t> lines;
  auto rows = read_all("clade\tgene\r\n20I (Alpha, V1)\t\"a\tb\"\r\n\r\nx, y\tz\n", &lines, {.delimiter = '\t'});
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[1], (std::vector<std::string>{"20I (Alpha, V1)", "a\tb"}));
  EXPECT_EQ(rows[2], (std::vector<std::string>{""}));
  EXPECT_EQ(rows[3], (std::vector<std::string>{"x, y", "z"}));
  EXPECT_EQ(lines, (std::vector<int64_t>{1, 2, 3, 4}));
}

TEST(CsvReader, TrimsBlanksAroundFieldsAndQuotes) {
  auto rows = read_all(" a , \"b, c\" ,d\t\r\n \" x \" \n", nullptr, {.trim_blanks = true});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"a", "b, c", "d"}));
  EXPECT_EQ(rows[1], (std::vector<std::string>{" x "}));  // inside quotes nothing is dropped
  // With tabs as the delimiter only spaces are blanks.
  rows = read_all(" a \t\tb\n", nullptr, {.delimiter = '\t', .trim_blanks = true});
  EXPECT_EQ(rows[0], (std::vector<std::string>{"a", "", "b"}));
  // CRCRLF line ends (a CRLF file converted once more) leave no CR in the fields.
  rows = read_all("a,\"b\"\r\r\n1,2\r\r\n", nullptr, {.trim_blanks = true});
  EXPECT_EQ(rows, (std::vector<std::vector<std::string>>{{"a", "b"}, {"1", "2"}}));
  // Where a bare CR ends a line it is not a blank to trim.
  rows = read_all("a, \r b\r", nullptr, {.trim_blanks = true, .bare_cr_ends_line = true});
  EXPECT_EQ(rows, (std::vector<std::vector<std::string>>{{"a", ""}, {"b"}}));
}

TEST(CsvReader, SkipsCommentLinesAndCountsThem) {
  std::vector<int64_t> lines;
  auto rows = read_all("# a comment, with \"a quote\n  #another\r\nname,x\n#\n1,2", &lines, {.comment = '#'});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"name", "x"}));
  EXPECT_EQ(lines, (std::vector<int64_t>{3, 5}));
  EXPECT_TRUE(read_all("#only\n#comments", nullptr, {.comment = '#'}).empty());
}

TEST(CsvReader, StrictQuotesFlagsAQuoteInsideAField) {
  CsvReader lenient("ab\"c,d\n");
  std::vector<std::string_view> fields;
  ASSERT_TRUE(lenient.next(fields));
  EXPECT_FALSE(lenient.malformed());
  EXPECT_EQ(fields[0], "ab\"c");
  CsvReader strict("ab\"c,d\n", {.strict_quotes = true});
  ASSERT_TRUE(strict.next(fields));
  EXPECT_EQ(strict.problem(), CsvProblem::kQuoteInField);
  EXPECT_EQ(fields, (std::vector<std::string_view>{"ab\"c", "d"}));
}

TEST(CsvReader, BareCarriageReturnsEndLinesWhenAsked) {
  std::vector<int64_t> lines;
  auto rows = read_all("a,b\rc,\"d\re\"\r\r\nf,g", &lines, {.bare_cr_ends_line = true});
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[1], (std::vector<std::string>{"c", "d\re"}));
  EXPECT_EQ(rows[2], (std::vector<std::string>{""}));
  EXPECT_EQ(rows[3], (std::vector<std::string>{"f", "g"}));
  EXPECT_EQ(lines, (std::vector<int64_t>{1, 2, 4, 5}));
  // Without the option a bare CR is a character, as before.
  EXPECT_EQ(read_all("a\rb,c\n")[0], (std::vector<std::string>{"a\rb", "c"}));
}

TEST(CsvReader, BlankRecords) {
  CsvReader reader("\n  \n,\n\"\"\n \r\r\n");
  std::vector<std::string_view> fields;
  std::vector<bool> blank;
  while (reader.next(fields)) blank.push_back(is_blank_record(fields, reader.raw_record()));
  EXPECT_EQ(blank, (std::vector<bool>{true, true, false, false, true}));
}

TEST(SplitCsvList, SplitsAListWithQuotes) {
  EXPECT_EQ(*split_csv_list("Italy,\"Korea, South\""), (std::vector<std::string>{"Italy", "Korea, South"}));
  EXPECT_EQ(*split_csv_list(""), (std::vector<std::string>{""}));
  EXPECT_EQ(*split_csv_list(" 2, 3 ", {.trim_blanks = true}), (std::vector<std::string>{"2", "3"}));
  auto bad = split_csv_list("a,\"b");
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.status().message().find("unterminated quoted field"), std::string::npos);
}

TEST(CsvHeader, FindsColumnsByName) {
  std::vector<std::string_view> fields = {"date", "I", "local", "I"};
  CsvHeader header(fields);
  fields.clear();  // the header keeps its own copy
  EXPECT_EQ(header.size(), 4u);
  EXPECT_EQ(header[2], "local");
  EXPECT_EQ(header.find("I"), 1u);
  EXPECT_EQ(header.find("imported"), std::nullopt);
}

}  // namespace
}  // namespace shouwang
