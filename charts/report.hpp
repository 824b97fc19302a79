#pragma once
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "charts/figure.hpp"

namespace adsim::store {
class ResultStore;
}

// `adsim report`: a self-contained HTML page with figures about one run, several runs overlaid, or
// a study, from what a results database holds. The pages are built as plain data (Document) by
// run_report.cpp, compare_report.cpp and study_report.cpp; html.cpp writes them and render.cpp
// draws their figures.
namespace adsim::charts {

class ReportError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A table cell: its text, and how to colour it ("good", "bad" or "").
struct Cell {
  std::string text;
  std::string tone;
  bool numeric = false;  // right-aligned
};
struct Table {
  std::string caption;
  std::vector<std::string> header;
  std::vector<std::vector<Cell>> rows;
};

struct Section {
  std::string heading;
  std::vector<std::string> paragraphs;  // plain text (escaped when written)
  std::vector<Table> tables;
  std::vector<Figure> figures;
};

struct Document {
  std::string title;
  std::string subtitle;  // what the page is about: database, run or study, scenario
  std::vector<Section> sections;
  std::size_t figure_count() const;
};

// What to report on. With no selection, the latest study in the file if its latest run belongs to
// a study, else the latest run.
struct ReportRequest {
  std::filesystem::path database;
  std::int64_t run_id = 0;                // --run
  std::int64_t experiment_id = 0;         // --experiment
  std::vector<std::int64_t> compare_ids;  // --compare (two or more runs)
  std::vector<std::string> metrics;       // study figures: these metrics (empty: the headline set)
  // The HTML file to write, or an existing folder to write it in; its figures go to the folder
  // "<page stem>_figures" beside it. Default page name, in the current directory:
  // "<db stem>_run<N>.html", "<db stem>_experiment<N>.html" or "<db stem>_compare_<A>_<B>.html".
  std::filesystem::path output;
  std::string image_format = "png";  // "png" or "svg"
  // Also put every figure into the page itself (data: URIs), so the one file can be mailed.
  bool embed = false;
};

struct ReportResult {
  std::filesystem::path html;
  std::filesystem::path figures_folder;
  std::vector<std::filesystem::path> figures;
  std::string subject;  // "run 3", "experiment 1", "runs 3, 4"
};

// The pages, as data.
Document run_document(const store::ResultStore& results, std::int64_t run_id);
Document compare_document(const store::ResultStore& results, const std::vector<std::int64_t>& run_ids);
Document study_document(const store::ResultStore& results, std::int64_t experiment_id,
                        const std::vector<std::string>& metrics);

// Writes the document's HTML to `html` and its figures into `figures_folder` (created), each as
// <figure id>.<format>, linked from the page by a relative path. Returns the figure files.
// Throws ReportError when a file cannot be written; a half-written page is not left behind.
std::vector<std::filesystem::path> write_document(const Document& doc, const std::filesystem::path& html,
                                                  const std::filesystem::path& figures_folder,
                                                  const std::string& image_format, bool embed = false);

// The whole command: opens the database read-only, chooses the subject, builds and writes the page.
// Makes an offscreen QApplication when none exists. Throws ReportError (or store::ResultStoreError)
// with a message for the user.
ReportResult write_report(const ReportRequest& request);

// Whether this build can write SVG figures (Qt Svg was found).
bool svg_supported();

}  // namespace adsim::charts
