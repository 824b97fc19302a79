// The HTML page of a report: plain HTML 5 with its style inline, readable offline and printable.
#include <fstream>
#include <sstream>
#include <system_error>

#include <QByteArray>
#include <QFile>

#include "charts/render.hpp"
#include "charts/report.hpp"

namespace adsim::charts {
namespace {

std::string escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

constexpr const char* kStyle = R"(
body { font-family: "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; color: #222; margin: 24px auto;
       max-width: 1180px; padding: 0 16px; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.1em; }
.subtitle { color: #555; margin-top: 0; }
h2 { font-size: 1.25em; border-bottom: 1px solid #ddd; padding-bottom: 3px; margin-top: 1.8em; }
table { border-collapse: collapse; margin: 0.6em 0 1.2em; font-size: 0.92em; }
caption { text-align: left; font-weight: bold; padding-bottom: 4px; }
th, td { border: 1px solid #ddd; padding: 3px 8px; }
th { background: #f3f3f3; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.good { color: #1e7b34; font-weight: bold; }
td.bad { color: #b02a1c; font-weight: bold; }
.figures { display: flex; flex-wrap: wrap; gap: 18px; }
figure { margin: 0; width: 560px; max-width: 100%; }
figure img { width: 100%; border: 1px solid #e4e4e4; }
figcaption { font-size: 0.88em; color: #444; }
nav a { margin-right: 1em; }
footer { color: #777; font-size: 0.85em; margin-top: 3em; }
)";

std::string table_html(const Table& t) {
  std::ostringstream o;
  o << "<table>\n";
  if (!t.caption.empty()) o << "<caption>" << escape(t.caption) << "</caption>\n";
  o << "<tr>";
  for (const std::string& h : t.header) o << "<th>" << escape(h) << "</th>";
  o << "</tr>\n";
  for (const auto& row : t.rows) {
    o << "<tr>";
    for (const Cell& c : row) {
      std::string cls = c.numeric ? "num" : "";
      if (!c.tone.empty()) cls += (cls.empty() ? "" : " ") + c.tone;
      o << (cls.empty() ? "<td>" : "<td class=\"" + cls + "\">") << escape(c.text) << "</td>";
    }
    o << "</tr>\n";
  }
  o << "</table>\n";
  return o.str();
}

std::string data_uri(const std::filesystem::path& file, const std::string& format) {
  QFile f(QString::fromStdString(file.string()));
  if (!f.open(QIODevice::ReadOnly)) throw ReportError("cannot read back the figure " + file.string());
  const QByteArray b64 = f.readAll().toBase64();
  return std::string(format == "svg" ? "data:image/svg+xml;base64," : "data:image/png;base64,") +
         std::string(b64.constData(), static_cast<std::size_t>(b64.size()));
}

std::string anchor(std::size_t i) { return "s" + std::to_string(i + 1); }

}  // namespace

std::size_t Document::figure_count() const {
  std::size_t n = 0;
  for (const Section& s : sections) n += s.figures.size();
  return n;
}

std::vector<std::filesystem::path> write_document(const Document& doc, const std::filesystem::path& html,
                                                  const std::filesystem::path& figures_folder,
                                                  const std::string& image_format, bool embed) {
  std::error_code ec;
  if (doc.figure_count() > 0) {
    std::filesystem::create_directories(figures_folder, ec);
    if (ec) throw ReportError("cannot create the figures folder " + figures_folder.string() + ": " + ec.message());
  }
  std::vector<std::filesystem::path> written;
  std::ostringstream o;
  o << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" << escape(doc.title)
    << "</title>\n<style>" << kStyle << "</style>\n</head>\n<body>\n";
  o << "<h1>" << escape(doc.title) << "</h1>\n<p class=\"subtitle\">" << escape(doc.subtitle) << "</p>\n";
  o << "<nav>";
  for (std::size_t i = 0; i < doc.sections.size(); ++i)
    o << "<a href=\"#" << anchor(i) << "\">" << escape(doc.sections[i].heading) << "</a>";
  o << "</nav>\n";
  std::size_t number = 0;
  for (std::size_t i = 0; i < doc.sections.size(); ++i) {
    const Section& s = doc.sections[i];
    o << "<section id=\"" << anchor(i) << "\">\n<h2>" << escape(s.heading) << "</h2>\n";
    for (const std::string& p : s.paragraphs) o << "<p>" << escape(p) << "</p>\n";
    for (const Table& t : s.tables) o << table_html(t);
    if (!s.figures.empty()) o << "<div class=\"figures\">\n";
    for (const Figure& f : s.figures) {
      ++number;
      const std::string name = f.id + "." + image_format;
      const std::filesystem::path file = figures_folder / name;
      if (!render(f, file)) throw ReportError("cannot write the figure " + file.string());
      written.push_back(file);
      const std::string src = embed ? data_uri(file, image_format)
                                    : escape(figures_folder.filename().string() + "/" + name);
      o << "<figure id=\"fig-" << escape(f.id) << "\"><img src=\"" << src << "\" alt=\"" << escape(f.title)
        << "\">\n<figcaption><b>Figure " << number << ".</b> " << escape(f.caption) << "</figcaption></figure>\n";
    }
    if (!s.figures.empty()) o << "</div>\n";
    o << "</section>\n";
  }
  o << "<footer>Written by adsim report. " << (embed ? "Figures are embedded in this page; copies are in " : "Figures are in ")
    << escape(figures_folder.filename().string()) << "/ beside it.</footer>\n</body>\n</html>\n";

  std::filesystem::path tmp = html;
  tmp += ".part";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << o.str();
    out.close();
    if (!out) {
      std::filesystem::remove(tmp, ec);
      throw ReportError("cannot write " + html.string());
    }
  }
  std::filesystem::rename(tmp, html, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    throw ReportError("cannot write " + html.string() + ": " + ec.message());
  }
  return written;
}

}  // namespace adsim::charts
