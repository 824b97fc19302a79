// adsim report as a user gets it: a page for a run, for runs side by side and for a study, whose
// figures all exist and are drawn, whose tables show what the database holds, and which refuses
// bad requests before drawing anything.
#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <regex>
#include <set>
#include <string>

#include "charts/report.hpp"
#include "charts/report_parts.hpp"
#include "store/result_store.hpp"
#include "tests/cli/cli_run.hpp"

namespace adsim::charts {
namespace {

namespace fs = std::filesystem;
using cli::test_support::read_file;
using cli::test_support::run;

const std::string kQuickstart = std::string(ADSIM_SOURCE_DIR) + "/scenarios/quickstart.toml";

class Reports : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           ("adsim_reports_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    db_ = dir_ / "results.db";
  }
  void TearDown() override { fs::remove_all(dir_); }
  // quickstart over a quarter of a day (about 0.2 s) with every sampled auction logged.
  void run_quickstart(std::vector<std::string> extra = {}) const {
    std::vector<std::string> a = {"run", kQuickstart, "--db", db_.string(), "--quiet", "--set", "run.days=0.25"};
    a.insert(a.end(), extra.begin(), extra.end());
    const auto r = run(a);
    ASSERT_EQ(r.code, 0) << r.err;
  }
  double query(const std::string& sql) const {
    SQLite::Database d(db_, SQLite::OPEN_READONLY);
    return d.execAndGet(sql).getDouble();
  }
  fs::path dir_, db_;
};

// Every <img> of the page names a figure file that exists beside it, is a PNG, and is not blank
// (a blank 1520 x 860 PNG compresses to well under 10 kB; the smallest real figure is above 25 kB).
void expect_figures_drawn(const ReportResult& r) {
  const std::string html = read_file(r.html);
  const std::regex img("<img src=\"([^\"]+)\"");
  std::set<fs::path> linked;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), img); it != std::sregex_iterator(); ++it)
    linked.insert(r.html.parent_path() / (*it)[1].str());
  EXPECT_EQ(linked.size(), r.figures.size());
  for (const fs::path& f : r.figures) {
    EXPECT_TRUE(linked.count(f)) << f << " is not on the page";
    ASSERT_TRUE(fs::exists(f)) << f;
    EXPECT_GT(fs::file_size(f), 10'000u) << f;
    EXPECT_EQ(read_file(f).substr(1, 3), "PNG") << f;
  }
  EXPECT_EQ(html.find("<figcaption><b>Figure"), html.find("<figcaption>")) << "every figure is numbered";
  EXPECT_FALSE(fs::exists(r.html.string() + ".part"));
}

// The text of the cell after the row header `label` in the first table whose rows it heads.
std::string cell_after(const Document& doc, const std::string& label, std::size_t column = 1) {
  for (const Section& s : doc.sections)
    for (const Table& t : s.tables)
      for (const auto& row : t.rows)
        if (!row.empty() && row[0].text == label && row.size() > column) return row[column].text;
  return "(no row " + label + ")";
}

TEST_F(Reports, RunPageHasEveryFigureAndTheDatabasesHeadlineNumbers) {
  run_quickstart();
  const ReportResult r = write_report({.database = db_, .output = dir_ / "run.html"});
  EXPECT_EQ(r.subject, "run 1");
  expect_figures_drawn(r);
  // Each figure the issue asks for, by id.
  for (const char* id : {"revenue", "ctr", "feedback", "fatigue", "users", "price_by_hour", "fill_reserve_by_hour",
                         "spend", "budget_exhaustion", "calibration", "reliability", "funnel_kept", "funnel_cost",
                         "ctr_by_slot"})
    EXPECT_TRUE(fs::exists(r.figures_folder / ("run1_" + std::string(id) + ".png"))) << id;

  // The headline table shows the columns of the runs row, read here with SQL.
  const store::ResultStore results = store::ResultStore::open(db_, store::ResultStore::Mode::kReadOnly);
  const Document doc = run_document(results, 1);
  EXPECT_EQ(cell_after(doc, "revenue"), format_figure(query("SELECT revenue_micros FROM runs") / 1e6, 5));
  EXPECT_EQ(cell_after(doc, "clicks"), format_figure(query("SELECT clicks FROM runs"), 5));
  EXPECT_EQ(cell_after(doc, "hide rate"), format_figure(query("SELECT hide_rate FROM runs"), 5));
  EXPECT_EQ(cell_after(doc, "users who left"), format_figure(query("SELECT users_left FROM runs"), 5));
  EXPECT_EQ(cell_after(doc, "AUC"), format_figure(query("SELECT model_auc FROM runs"), 5));
  const Table* model = nullptr;
  for (const Section& sec : doc.sections)
    for (const Table& t : sec.tables)
      if (t.header.front() == "examples") model = &t;
  ASSERT_NE(model, nullptr) << "the click model's table";
  EXPECT_EQ(model->rows.at(0).at(0).text, format_figure(query("SELECT model_examples FROM runs"), 9));
}

TEST_F(Reports, RunFiguresPlotTheRecordedIntervals) {
  run_quickstart();
  const store::ResultStore results = store::ResultStore::open(db_, store::ResultStore::Mode::kReadOnly);
  const Document doc = run_document(results, 1);
  const Figure* revenue = nullptr;
  for (const Section& s : doc.sections)
    for (const Figure& f : s.figures)
      if (f.id == "run1_revenue") revenue = &f;
  ASSERT_NE(revenue, nullptr);
  ASSERT_EQ(revenue->series.front().points.size(), static_cast<std::size_t>(query("SELECT COUNT(*) FROM intervals")));
  double sum = 0;
  for (const Point& p : revenue->series.front().points) sum += p.y;
  // The intervals' revenue adds up to the run's: integer micros, so only rounding to double differs.
  EXPECT_NEAR(sum, query("SELECT revenue_micros FROM runs") / 1e6, 1e-6);
  EXPECT_EQ(revenue->x_max, 6.0) << "a quarter day on an hour axis";
}

TEST_F(Reports, ComparePageColoursDifferencesByTheMetricsGoodDirection) {
  run_quickstart();
  run_quickstart({"--set", "auction.reserve=0.5"});
  const ReportResult r = write_report({.database = db_, .compare_ids = {1, 2}, .output = dir_});
  EXPECT_EQ(r.html, dir_ / "results_compare_1_2.html");
  expect_figures_drawn(r);
  const store::ResultStore results = store::ResultStore::open(db_, store::ResultStore::Mode::kReadOnly);
  const Document doc = compare_document(results, {1, 2});
  const Table& t = doc.sections.front().tables.front();
  const std::vector<MetricValue> one = run_metric_values(results, 1), two = run_metric_values(results, 2);
  ASSERT_EQ(one.size(), t.rows.size());
  int coloured = 0;
  for (std::size_t i = 0; i < one.size(); ++i) {
    const experiments::MetricDef& m = *one[i].def;
    const double a = one[i].value, b = two[i].value;
    const Cell& diff = t.rows[i][4];
    ASSERT_EQ(t.rows[i][0].text, m.label);
    if (m.better == experiments::Better::kNeither || a == b || std::isnan(a) || std::isnan(b)) {
      EXPECT_EQ(diff.tone, "") << m.name;
      continue;
    }
    // Fewer hides are good although the difference is negative; a ratio moving away from 1 is bad.
    const bool good = m.better == experiments::Better::kHigher  ? b > a
                      : m.better == experiments::Better::kLower ? b < a
                                                                : std::fabs(b - 1) < std::fabs(a - 1);
    EXPECT_EQ(diff.tone, good ? "good" : "bad") << m.name << ": " << a << " -> " << b;
    ++coloured;
  }
  EXPECT_GT(coloured, 10);
}

TEST_F(Reports, StudyPageShowsTheStoredComparisonsWithFigures) {
  const auto s = run({"compare", kQuickstart, "--set", "run.days=0.1", "--quiet", "--jobs", "2", "--seeds", "4",
                      "--variant", "vcg:auction.mechanism=vcg", "--db", db_.string()});
  ASSERT_EQ(s.code, 0) << s.err;
  const ReportResult r = write_report({.database = db_, .output = dir_ / "study.html"});
  EXPECT_EQ(r.subject, "experiment 1") << "the latest run belongs to a study: its study is the default";
  expect_figures_drawn(r);
  const store::ResultStore results = store::ResultStore::open(db_, store::ResultStore::Mode::kReadOnly);
  const Document doc = study_document(results, 1, {"revenue", "hide_rate"});
  std::size_t figures = doc.figure_count();
  EXPECT_EQ(figures, 4u) << "per metric: by variant, and the difference from the baseline";
  // The paired-difference row of revenue equals experiment_comparisons.
  const Table* ab = nullptr;
  for (const Section& sec : doc.sections)
    for (const Table& t : sec.tables)
      if (t.caption.rfind("Paired differences", 0) == 0) ab = &t;
  ASSERT_NE(ab, nullptr);
  bool found = false;
  for (const auto& row : ab->rows) {
    if (row[0].text != "revenue") continue;
    found = true;
    std::string diff = row[5].text;
    if (diff[0] == '+') diff.erase(0, 1);
    EXPECT_EQ(diff, format_figure(query("SELECT mean_diff FROM experiment_comparisons WHERE metric = 'revenue'"), 4));
    EXPECT_EQ(row[10].text, [&] {
      SQLite::Database d(db_, SQLite::OPEN_READONLY);
      return d.execAndGet("SELECT verdict FROM experiment_comparisons WHERE metric = 'revenue'").getString();
    }());
  }
  EXPECT_TRUE(found);
  EXPECT_THROW(study_document(results, 1, {"revenu"}), ReportError);
}

TEST_F(Reports, SweepFiguresDrawEachMetricAgainstEachFactorWithBands) {
  const auto s = run({"sweep", kQuickstart, "--set", "run.days=0.1", "--quiet", "--jobs", "2", "--seeds", "3",
                      "--vary", "auction.reserve=0,0.3", "--vary", "auction.mechanism=gsp,vcg", "--db", db_.string()});
  ASSERT_EQ(s.code, 0) << s.err;
  const store::ResultStore results = store::ResultStore::open(db_, store::ResultStore::Mode::kReadOnly);
  const Document doc = study_document(results, 1, {"revenue"});
  std::map<std::string, const Figure*> by_id;
  for (const Section& sec : doc.sections)
    for (const Figure& f : sec.figures) by_id[f.id] = &f;
  ASSERT_TRUE(by_id.count("experiment1_by_auction_reserve_revenue"));
  ASSERT_TRUE(by_id.count("experiment1_by_auction_mechanism_revenue"));
  const Figure& reserve = *by_id["experiment1_by_auction_reserve_revenue"];
  EXPECT_TRUE(reserve.x_categories.empty()) << "a numeric factor has a numeric axis";
  ASSERT_EQ(reserve.series.size(), 2u) << "one line per mechanism";
  for (const Series& line : reserve.series) {
    ASSERT_EQ(line.points.size(), 2u);
    EXPECT_LT(line.points[0].x, line.points[1].x);
    for (std::size_t i = 0; i < 2; ++i) {
      EXPECT_LT(line.low[i], line.points[i].y);
      EXPECT_GT(line.high[i], line.points[i].y);
    }
  }
  EXPECT_EQ(by_id["experiment1_by_auction_mechanism_revenue"]->x_categories, (std::vector<std::string>{"gsp", "vcg"}));
}

TEST_F(Reports, BadRequestsAreRefusedBeforeAnythingIsWritten) {
  run_quickstart();
  EXPECT_THROW(write_report({.database = db_, .run_id = 7, .output = dir_ / "x.html"}), ReportError);
  EXPECT_THROW(write_report({.database = db_, .experiment_id = 1, .output = dir_ / "x.html"}), ReportError);
  EXPECT_THROW(write_report({.database = db_, .compare_ids = {1}, .output = dir_ / "x.html"}), ReportError);
  EXPECT_THROW(write_report({.database = db_, .output = dir_ / "x.txt"}), ReportError);
  EXPECT_THROW(write_report({.database = db_, .output = dir_ / "x.html", .image_format = "gif"}), ReportError);
  EXPECT_THROW(write_report({.database = dir_ / "missing.db", .output = dir_ / "x.html"}), store::ResultStoreError);
  EXPECT_FALSE(fs::exists(dir_ / "missing.db"));
  std::size_t entries = 0;
  for (const auto& e : fs::directory_iterator(dir_)) entries += e.path().filename().string().rfind("results.db", 0) == 0 ? 0 : 1;
  EXPECT_EQ(entries, 0u) << "no page, no figures folder";
}

TEST_F(Reports, EmbeddedAndSvgFigures) {
  run_quickstart();
  const ReportResult r = write_report({.database = db_, .output = dir_ / "mail.html", .embed = true});
  const std::string html = read_file(r.html);
  std::size_t embedded = 0;
  for (std::size_t at = html.find("src=\"data:image/png;base64,"); at != std::string::npos;
       at = html.find("src=\"data:image/png;base64,", at + 1))
    ++embedded;
  EXPECT_EQ(embedded, r.figures.size()) << "every figure is in the page itself";
  if (!svg_supported()) GTEST_SKIP() << "this build has no Qt Svg";
  const ReportResult svg = write_report({.database = db_, .output = dir_ / "svg.html", .image_format = "svg"});
  ASSERT_FALSE(svg.figures.empty());
  for (const fs::path& f : svg.figures) {
    EXPECT_EQ(f.extension(), ".svg");
    const std::string text = read_file(f);
    EXPECT_NE(text.find("<svg"), std::string::npos) << f;
    EXPECT_GT(text.size(), 10'000u) << f;
  }
}

TEST_F(Reports, TheCommandPrintsWhereThePageIs) {
  run_quickstart();
  const auto r = run({"report", db_.string(), "--run", "1", "-o", (dir_ / "page.html").string()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("page.html"), std::string::npos) << r.out;
  EXPECT_TRUE(fs::exists(dir_ / "page_figures" / "run1_revenue.png"));
  EXPECT_EQ(run({"report", db_.string(), "--run", "0"}).code, 2);
  EXPECT_EQ(run({"report", db_.string(), "--compare", "1,x"}).code, 2);
  EXPECT_EQ(run({"report", (dir_ / "none.db").string()}).code, 2);
  EXPECT_EQ(run({"report", db_.string(), "--run", "1", "--experiment", "1"}).code, 2);
  EXPECT_EQ(run({"report", "--help"}).code, 0);
}

}  // namespace
}  // namespace adsim::charts
