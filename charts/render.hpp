#pragma once
#include <filesystem>
#include <memory>

#include "charts/figure.hpp"

class QChart;

namespace adsim::charts {

// The Qt chart of a figure, styled like the app's (style.hpp). The caller owns it.
std::unique_ptr<QChart> build_chart(const Figure& figure);

// Logical size of a figure in a report, in pixels; PNGs are written at twice this (sharp on
// high-density screens and slides).
inline constexpr int kFigureWidth = 760;
inline constexpr int kFigureHeight = 430;

// Writes the figure as PNG or SVG (by the extension: .png or .svg). Needs a QApplication (the
// reports make one, on the offscreen platform when there is no display). Returns false and leaves
// nothing behind when the file cannot be written.
bool render(const Figure& figure, const std::filesystem::path& file, int width = kFigureWidth,
            int height = kFigureHeight);

}  // namespace adsim::charts
