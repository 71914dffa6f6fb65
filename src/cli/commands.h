// Each subcommand registers its options on the app and runs in its callback.
// These files only parse, validate and call the libraries.
#pragma once
#include <CLI/CLI.hpp>

namespace podclean::cli {

// Shared by every subcommand: set by -v / --quiet.
struct GlobalFlags {
  bool quiet = false;
  int verbosity = 0;
  bool showProgress() const;  // stderr is a terminal and not --quiet
};
GlobalFlags& globalFlags();

void addPrepCommand(CLI::App& app);
void addTrainCommand(CLI::App& app);
void addLabelExportCommand(CLI::App& app);
void addCleanCommand(CLI::App& app);
void addClassifyCommand(CLI::App& app);
void addListenCommand(CLI::App& app);

// Exit code a subcommand's callback leaves for main() (0 when all went well).
int& exitCode();

}  // namespace podclean::cli
