// Temporary-name-then-rename helpers, so outputs are complete or absent.
// Every temporary is registered until it is renamed or discarded, so that a
// SIGINT/SIGTERM handler (installRemoveTemporariesOnSignal) can unlink it.
#pragma once
#include <string>

namespace podclean {

// A unique temporary path in the same directory as target (same filesystem,
// so rename is atomic), hidden with a leading dot: ".NAME.PID.N.part".
// Checks target first (checkOutputPath): throws FileError when target must
// not be replaced. The path is registered for removal on SIGINT/SIGTERM.
std::string temporaryPathFor(const std::string& target);

// A registered temporary path in folder (e.g. the system temp folder) for a
// spooled copy of an input; named after name's file name.
std::string temporaryPathIn(const std::string& folder, const std::string& name);

// Renames temp over target (checked again first); throws FileError naming
// target on failure, after removing temp.
void renameInto(const std::string& temp, const std::string& target);

// Removes a temporary that will not be renamed, and forgets it.
void discardTemporary(const std::string& temp);

// SIGINT and SIGTERM unlink every registered temporary, then end the process
// by the same signal (so the shell sees "killed by SIGINT"). main() calls it.
void installRemoveTemporariesOnSignal();

// Writes text to path atomically; every write and the close are checked.
void writeTextFile(const std::string& path, const std::string& text);

// Reads a whole text file; throws FileError if it cannot.
std::string readTextFile(const std::string& path);

}  // namespace podclean
