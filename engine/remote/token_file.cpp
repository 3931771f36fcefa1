#include "edgemoe/token_file.h"

#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace edgemoe {

std::string read_token_file(const std::string& path, std::string* warning) {
    std::ifstream f(path);
    if (!f) throw std::runtime_error(path + ": cannot open the token file");
    std::string line;
    std::getline(f, line);
    const size_t a = line.find_first_not_of(" \t\r\n");
    const size_t b = line.find_last_not_of(" \t\r\n");
    if (a == std::string::npos) throw std::runtime_error(path + ": the token file is empty (its first line is the token)");
    std::string token = line.substr(a, b - a + 1);
    if (token.size() < 8) throw std::runtime_error(path + ": the token is shorter than 8 characters; use a longer one (e.g. openssl rand -hex 16)");
    std::error_code ec;
    const auto perms = std::filesystem::status(path, ec).permissions();
    using P = std::filesystem::perms;
    if (warning && !ec && (perms & (P::group_read | P::others_read)) != P::none)
        *warning = path + ": other users can read this token file (chmod 600 " + path + ")";
    return token;
}

}  // namespace edgemoe
