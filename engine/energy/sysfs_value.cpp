#include "energy/sysfs_value.h"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

namespace edgemoe::energy {

FileReader posix_file_reader() {
    return [](const std::string& path, char* buffer, size_t capacity) -> FileRead {
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) return {errno, 0};
        ssize_t n;
        do {
            n = ::read(fd, buffer, capacity);
        } while (n < 0 && errno == EINTR);
        const int err = n < 0 ? errno : 0;
        ::close(fd);
        return {err, n < 0 ? 0 : size_t(n)};
    };
}

std::string describe_errno(int err) {
    switch (err) {
    case ENOENT: return "no such file";
    case EACCES:
    case EPERM: return "permission denied";
    case ENODATA: return "no data (the driver has no reading)";
    case EIO: return "the driver returned an I/O error";
    case ENXIO:
    case ENODEV: return "the device is gone";
    case EAGAIN: return "the driver asked to retry (EAGAIN)";
    default: return std::strerror(err);
    }
}

SysfsInt read_sysfs_int(const FileReader& reader, const std::string& path) {
    SysfsInt out;
    char buf[64];
    const FileRead r = reader(path, buf, sizeof buf);
    if (r.error != 0) {
        out.err = r.error;
        out.error = path + ": " + describe_errno(r.error);
        return out;
    }
    size_t end = r.size;
    while (end > 0 && (buf[end - 1] == '\n' || buf[end - 1] == ' ' || buf[end - 1] == '\0' || buf[end - 1] == '\t'))
        --end;
    size_t i = 0;
    bool negative = false;
    if (i < end && buf[i] == '-') {
        negative = true;
        ++i;
    }
    // 19 digits always fit in int64_t; longer values are not sysfs integers we expect.
    const bool digits_ok = i < end && end - i <= 18 && r.size < sizeof buf;
    int64_t v = 0;
    bool all_digits = digits_ok;
    for (size_t k = i; all_digits && k < end; ++k) {
        if (buf[k] < '0' || buf[k] > '9')
            all_digits = false;
        else
            v = v * 10 + (buf[k] - '0');
    }
    if (!all_digits) {
        std::string shown(buf, std::min(end, size_t(40)));
        for (char& c : shown)
            if (c < 32 || c > 126) c = '?';
        out.error = path + ": malformed value '" + shown + "' (expected an integer)";
        return out;
    }
    out.ok = true;
    out.value = negative ? -v : v;
    return out;
}

std::optional<std::string> read_sysfs_text(const FileReader& reader, const std::string& path) {
    char buf[256];
    const FileRead r = reader(path, buf, sizeof buf);
    if (r.error != 0) return std::nullopt;
    size_t end = r.size;
    // Device-tree strings end in NUL; a string list (compatible) has NULs inside, which callers split.
    while (end > 0 && (buf[end - 1] == '\n' || buf[end - 1] == ' ' || buf[end - 1] == '\0')) --end;
    return std::string(buf, end);
}

}  // namespace edgemoe::energy
