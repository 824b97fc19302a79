#include <QApplication>
#include <QCommandLineParser>

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
  cli.addOption(db);
  cli.addOption(run);
  cli.process(app);

  adsim::gui::MainWindow window;
  if (cli.isSet(db)) window.set_results_db(cli.value(db));
  const QStringList args = cli.positionalArguments();
  if (!args.isEmpty() && !window.select_bundled(args.front())) window.open_scenario_file(args.front());
  window.show();
  if (cli.isSet(run)) window.run();
  return app.exec();
}
