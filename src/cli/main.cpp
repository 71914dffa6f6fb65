// podclean: one binary, six subcommands. Only this file catches errors: one
// line on stderr, exit 1 for a failed job, 2 for bad usage.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <malloc.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "commands.h"
#include "podclean/util/atomic_file.h"
#include "podclean/util/error.h"
#include "podclean/util/output_guard.h"

namespace podclean::cli {

GlobalFlags& globalFlags() {
  static GlobalFlags flags;
  return flags;
}

bool GlobalFlags::showProgress() const { return !quiet && isatty(STDERR_FILENO); }

int& exitCode() {
  static int code = 0;
  return code;
}

// One check for every number option of every subcommand: CLI11 reads "nan"
// and "inf" as doubles, and NaN passes any range check written as
// "if (x < lo || x > hi)". Options' own Validate() then checks the range.
static void requireFiniteNumbers(CLI::App& app) {
  for (CLI::Option* opt : app.get_options())
    if (opt->get_type_name().rfind("FLOAT", 0) == 0)
      opt->check(CLI::Validator(
          [name = opt->get_name()](std::string& text) -> std::string {
            char* end = nullptr;
            const double v = std::strtod(text.c_str(), &end);
            return std::isfinite(v) ? "" : name + " '" + text + "': give a finite number";
          },
          "", "finite"));
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) requireFiniteNumbers(*sub);  // incl. option groups
}

}  // namespace podclean::cli

int main(int argc, char** argv) {
  using namespace podclean;
  // LibTorch allocates and frees a few MB for every batch of windows. With
  // glibc's default trimming each free hands the top of the heap back to the
  // kernel and the next batch faults it in again, zeroed: a quarter of
  // classify's time went to page faults. Keep up to 512 MB of freed heap.
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
  mallopt(M_TOP_PAD, 64 << 20);
  CLI::App app{"podclean " PODCLEAN_VERSION
               " - make podcasts better with small neural models\n\n"
               "Example:\n  podclean clean episode.mp3 -o cleaned/\n"};
  app.set_version_flag("--version", "podclean " PODCLEAN_VERSION);
  app.require_subcommand(1);
  app.fallthrough();
  auto& flags = cli::globalFlags();
  app.add_flag("-v,--verbose", flags.verbosity, "More log output on stderr (repeat for debug)");
  app.add_flag("-q,--quiet", flags.quiet, "Only errors on stderr; no progress");
  cli::addPrepCommand(app);
  cli::addTrainCommand(app);
  cli::addLabelExportCommand(app);
  cli::addCleanCommand(app);
  cli::addClassifyCommand(app);
  cli::addListenCommand(app);
  cli::requireFiniteNumbers(app);
  // Outputs never replace what this run reads; Ctrl-C leaves no .part files.
  protectInputsAsRead(true);
  installRemoveTemporariesOnSignal();
  app.parse_complete_callback([&] {
    auto logger = spdlog::stderr_color_mt("podclean");
    spdlog::set_default_logger(logger);
    spdlog::set_pattern("%^%l%$: %v");
    spdlog::set_level(flags.quiet ? spdlog::level::err
                      : flags.verbosity >= 2 ? spdlog::level::trace
                      : flags.verbosity == 1 ? spdlog::level::debug
                                             : spdlog::level::info);
  });
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "podclean: %s (see --help)\n", e.what());
    return 2;
  } catch (const UsageError& e) {
    std::fprintf(stderr, "podclean: %s\n", e.what());
    return 2;
  } catch (const Error& e) {
    std::fprintf(stderr, "podclean: %s\n", e.what());
    return 1;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "podclean: out of memory\n");
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "podclean: internal error: %s\n", e.what());
    return 70;
  }
  return cli::exitCode();
}
