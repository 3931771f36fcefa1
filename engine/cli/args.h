#pragma once
// A minimal "--name value" / "--flag" parser for the command-line tools (the engine has no Qt).
#include <map>
#include <set>
#include <stdexcept>
#include <string>

namespace edgemoe::cli {

class Args {
public:
    // `flags` take no value; `options` take one. Throws std::invalid_argument on anything else.
    Args(int argc, char** argv, const std::set<std::string>& flags, const std::set<std::string>& options) {
        for (int i = 1; i < argc; ++i) {
            const std::string a = argv[i];
            if (flags.count(a)) {
                set_flags_.insert(a);
            } else if (options.count(a)) {
                if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
                values_[a] = argv[++i];
            } else {
                throw std::invalid_argument("unknown argument '" + a + "' (see --help)");
            }
        }
    }
    bool has(const std::string& k) const { return set_flags_.count(k) != 0 || values_.count(k) != 0; }
    std::string get(const std::string& k, const std::string& fallback = {}) const {
        auto it = values_.find(k);
        return it == values_.end() ? fallback : it->second;
    }
    long get_int(const std::string& k, long fallback) const {
        if (!has(k)) return fallback;
        size_t used = 0;
        const std::string v = get(k);
        long n = 0;
        try {
            n = std::stol(v, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used != v.size() || v.empty()) throw std::invalid_argument(k + " needs an integer, got '" + v + "'");
        return n;
    }

private:
    std::set<std::string> set_flags_;
    std::map<std::string, std::string> values_;
};

}  // namespace edgemoe::cli
