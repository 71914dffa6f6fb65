// Subcommands whose issues are still open: they exist, say so, and exit 3.
#include "commands.h"
#include "podclean/util/error.h"

namespace podclean::cli {

static void addPlaceholder(CLI::App& app, const char* name, const char* what) {
  CLI::App* sub = app.add_subcommand(name, std::string(what) + " (not built yet)");
  sub->allow_extras();
  sub->callback([name] {
    std::fprintf(stderr, "podclean %s: not built yet in this version\n", name);
    exitCode() = 3;
  });
}

void addListenCommand(CLI::App& app) {
  addPlaceholder(app, "listen", "Live keyword spotting from a microphone");
}

}  // namespace podclean::cli
