#include <cstdio>
#include <memory>

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QPixmap>
#include <QScreen>
#include <QTimer>

#include "gui/main_window.hpp"

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setApplicationName(QStringLiteral("adsim-gui"));
  QApplication::setApplicationVersion(QStringLiteral(ADSIM_VERSION));
  QCommandLineParser cli;
  cli.setApplicationDescription(QStringLiteral("adsim-gui — explore an ads marketplace live"));
  cli.addHelpOption();
  cli.addVersionOption();
  cli.addPositionalArgument(QStringLiteral("scenario"), QStringLiteral("A scenario file (.toml) or a bundled scenario name"),
                            QStringLiteral("[scenario]"));
  const QCommandLineOption db(QStringLiteral("db"), QStringLiteral("Record runs in this SQLite file (the CLI's schema)"),
                              QStringLiteral("file"));
  const QCommandLineOption run(QStringLiteral("run"), QStringLiteral("Start the run at once"));
  const QCommandLineOption full_speed(QStringLiteral("full-speed"), QStringLiteral("Run as fast as possible"));
  const QCommandLineOption screenshot(
      QStringLiteral("screenshot"),
      QStringLiteral("Once the run has ended (or after 3 s without --run), save what the screen shows to this PNG and quit"),
      QStringLiteral("file"));
  cli.addOptions({db, run, full_speed, screenshot});
  cli.process(app);

  adsim::gui::MainWindow window;
  if (cli.isSet(db)) window.set_results_db(cli.value(db));
  if (cli.isSet(full_speed))
    window.set_speed_index(static_cast<int>(adsim::gui::MainWindow::speed_presets().size()) - 1);
  const QStringList args = cli.positionalArguments();
  if (!args.isEmpty() && !window.select_bundled(args.front())) window.open_scenario_file(args.front());
  window.show();
  if (cli.isSet(run)) window.run();

  if (cli.isSet(screenshot)) {
    // Grabs the screen, not the widget, so that what is saved is what the window system shows.
    auto* poll = new QTimer(&app);
    auto since = std::make_shared<QElapsedTimer>();
    since->start();
    const bool wait_for_run = cli.isSet(run);
    const QString file = cli.value(screenshot);
    QObject::connect(poll, &QTimer::timeout, &app, [&window, poll, since, wait_for_run, file] {
      if (since->elapsed() < 3000 || (wait_for_run && !window.all_ended() && since->elapsed() < 600'000)) return;
      poll->stop();
      QTimer::singleShot(500, &window, [&window, file] {
        const QPixmap shot = window.screen()->grabWindow(0);
        const bool ok = shot.save(file, "PNG");
        std::fprintf(stderr, "%s %s (%dx%d)\n", ok ? "saved" : "could not save", qPrintable(file), shot.width(), shot.height());
        QApplication::exit(ok ? 0 : 1);
      });
    });
    poll->start(100);
  }
  return app.exec();
}
