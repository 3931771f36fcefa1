#pragma once
// Reading sysfs attributes through a FileReader: one integer per file (energy_uj, power1_input) or a
// short text (name, label). Failures come back with a message naming the file and the cause.
#include <cerrno>
#include <cstdint>
#include <optional>
#include <string>

#include "edgemoe/meter.h"

namespace edgemoe::energy {

struct SysfsInt {
    bool ok = false;
    int64_t value = 0;
    int err = 0;           // the errno of a failed read; 0 for a malformed value
    std::string error;     // when !ok: "<path>: permission denied", "<path>: malformed value 'x'"
};

// A whole file holding one decimal integer and optional trailing whitespace. No allocation on success.
SysfsInt read_sysfs_int(const FileReader& reader, const std::string& path);

// A meter's reading of one integer file: on failure the reading gets the error, and on a permission
// error the hint that grants access; the caller returns it as it is.
inline SysfsInt read_meter_int(const FileReader& reader, const std::string& path, const std::string& permission_hint,
                               Reading& r) {
    SysfsInt v = read_sysfs_int(reader, path);
    if (!v.ok) {
        r.error = v.error;
        if (v.err == EACCES || v.err == EPERM) r.hint = permission_hint;
    }
    return v;
}

// A short text attribute with trailing newlines, spaces and NULs (device-tree strings) removed;
// empty when the file cannot be read.
std::optional<std::string> read_sysfs_text(const FileReader& reader, const std::string& path);

// "permission denied", "no such file", "the driver returned an I/O error", ...
std::string describe_errno(int err);

// The reader to use: the given one, or the real file system's.
inline FileReader reader_or_default(const FileReader& reader) { return reader ? reader : posix_file_reader(); }

}  // namespace edgemoe::energy
