// Writing user files without damaging what is already there.
//
// Every command that writes a file the user named (`fmt`, `compile -o`,
// `build`, `install`'s lock file) goes through replaceFile(): a symbolic link
// is followed and the file it names is replaced (the link stays a link), a
// file with several hard links is rewritten in place (every name keeps seeing
// the same file), anything else is written to a temporary file next to the
// target and renamed over it, so a failed write never leaves half a file.
// Something that is not a regular file (a device, a FIFO, a directory) is
// never replaced.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

namespace langoost {

// The file `path` names, after following symbolic links: device and inode.
struct FileIdentity {
    dev_t device = 0;
    ino_t inode = 0;
    bool operator==(const FileIdentity&) const = default;
};
std::optional<FileIdentity> fileIdentity(const std::string& path);

// Writes every byte to `fd` (retrying short writes and EINTR): 0 or an errno.
int writeAll(int fd, std::string_view data);

// Replaces the contents of `path` (see above). `mode` is the new file's
// permission bits; without it an existing file keeps its mode and a new one
// gets 0666 & ~umask. On failure returns false with a message in `error`.
bool replaceFile(const std::string& path, std::string_view content, std::optional<mode_t> mode, std::string& error);

} // namespace langoost
