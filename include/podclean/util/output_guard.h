// What podclean promises about the files it writes, enforced in one place:
//  - an output only ever replaces a regular file: never a symbolic link, a
//    device (/dev/null), a FIFO, a socket or a folder;
//  - an output never replaces a file the command reads (same device and inode);
//  - two inputs of one command never map to the same output.
// temporaryPathFor() and renameInto() call checkOutputPath() for every output,
// so no writer can forget it; commands add the up-front checks so that nothing
// is written before a conflict is found.
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace podclean {

// Remembers path (when it exists) as an input of this process: no output may
// replace it. Folders are remembered too (an output folder that is an input
// folder is refused by checkOutputFolder).
void protectInput(const std::string& path);

// From now on every file opened for reading (audio, text, .npy) is
// protected as it is opened. The CLI turns this on; libraries used from tests
// keep the plain behaviour.
void protectInputsAsRead(bool on);
void noteInputRead(const std::string& path);  // called by the readers

// Throws FileError when path exists and is not a regular file, or is a
// protected input.
void checkOutputPath(const std::string& path);

// Throws FileError when folder is a protected input folder.
void checkOutputFolder(const std::string& folder);

// pairs of (input, output): throws UsageError naming both inputs when two
// give the same output path, and FileError when an output is an input.
void checkOutputs(const std::vector<std::pair<std::string, std::string>>& input_output);

}  // namespace podclean
