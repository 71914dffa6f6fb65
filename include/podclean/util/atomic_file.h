// Temporary-name-then-rename helpers, so outputs are complete or absent.
#pragma once
#include <string>

namespace podclean {

// A unique temporary path in the same directory as target (same filesystem,
// so rename is atomic), hidden with a leading dot.
std::string temporaryPathFor(const std::string& target);

// Renames temp over target; throws FileError naming target on failure.
void renameInto(const std::string& temp, const std::string& target);

// Writes text to path atomically.
void writeTextFile(const std::string& path, const std::string& text);

// Reads a whole text file; throws FileError if it cannot.
std::string readTextFile(const std::string& path);

}  // namespace podclean
