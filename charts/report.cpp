#include "charts/report.hpp"

#include <cstdio>
#include <cstdlib>
#include <memory>

#include <QApplication>

#include "store/result_store.hpp"

namespace adsim::charts {
namespace {

// Qt's warnings about the offscreen platform (no runtime directory, no window hints) are noise to
// someone who asked for a report; errors still reach stderr.
void quiet_qt(QtMsgType type, const QMessageLogContext&, const QString& message) {
  if (type == QtCriticalMsg || type == QtFatalMsg) std::fprintf(stderr, "adsim report: Qt: %s\n", qPrintable(message));
}

// Qt needs an application object to lay out and paint charts. The report makes one on the offscreen
// platform (no display needed: servers, CI) unless the caller (the app, a QTest) already has one.
std::unique_ptr<QApplication> ensure_application() {
  if (QCoreApplication::instance()) return nullptr;
  if (std::getenv("QT_QPA_PLATFORM") == nullptr) qputenv("QT_QPA_PLATFORM", "offscreen");
  static int argc = 1;
  static char name[] = "adsim";
  static char* argv[] = {name, nullptr};
  qInstallMessageHandler(quiet_qt);
  return std::make_unique<QApplication>(argc, argv);
}

std::filesystem::path output_path(const ReportRequest& req, std::string stem) {
  stem = req.database.stem().string() + "_" + stem;
  if (req.output.empty()) return std::filesystem::current_path() / (stem + ".html");
  std::error_code ec;
  if (std::filesystem::is_directory(req.output, ec)) return req.output / (stem + ".html");
  if (req.output.extension() != ".html" && req.output.extension() != ".htm")
    throw ReportError("-o " + req.output.string() + ": give an .html file or an existing folder");
  return req.output;
}

}  // namespace

bool svg_supported() {
#ifdef ADSIM_CHARTS_SVG
  return true;
#else
  return false;
#endif
}

ReportResult write_report(const ReportRequest& req) {
  if (req.image_format != "png" && req.image_format != "svg")
    throw ReportError("--format " + req.image_format + ": choose png or svg");
  if (req.image_format == "svg" && !svg_supported())
    throw ReportError("--format svg: this build has no Qt Svg (install qt6-svg-dev and rebuild); use png");
  const int chosen = (req.run_id ? 1 : 0) + (req.experiment_id ? 1 : 0) + (req.compare_ids.empty() ? 0 : 1);
  if (chosen > 1) throw ReportError("give one of --run, --experiment and --compare");

  const store::ResultStore results = store::ResultStore::open(req.database, store::ResultStore::Mode::kReadOnly);
  std::int64_t run_id = req.run_id, experiment_id = req.experiment_id;
  if (chosen == 0) {
    const std::vector<store::RunRow> runs = results.read_runs();
    if (runs.empty()) throw ReportError(req.database.string() + " holds no runs yet");
    if (runs.back().experiment_id) experiment_id = runs.back().experiment_id;
    else run_id = runs.back().run_id;
  }
  // Paths are checked before the first figure is drawn, so a bad -o costs nothing.
  ReportResult out;
  std::string stem;
  if (!req.compare_ids.empty()) {
    stem = "compare";
    out.subject = "runs";
    for (std::size_t i = 0; i < req.compare_ids.size(); ++i) {
      stem += "_" + std::to_string(req.compare_ids[i]);
      out.subject += (i ? ", " : " ") + std::to_string(req.compare_ids[i]);
    }
  } else if (experiment_id) {
    stem = "experiment" + std::to_string(experiment_id);
    out.subject = "experiment " + std::to_string(experiment_id);
  } else {
    stem = "run" + std::to_string(run_id);
    out.subject = "run " + std::to_string(run_id);
  }
  out.html = output_path(req, stem);
  out.figures_folder = out.html.parent_path() / (out.html.stem().string() + "_figures");

  const Document doc = !req.compare_ids.empty() ? compare_document(results, req.compare_ids)
                       : experiment_id          ? study_document(results, experiment_id, req.metrics)
                                                : run_document(results, run_id);
  const auto app = ensure_application();
  out.figures = write_document(doc, out.html, out.figures_folder, req.image_format, req.embed);
  return out;
}

}  // namespace adsim::charts
