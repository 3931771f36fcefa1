// edgemoe-meters: lists every power and energy sensor found (or why each kind is unavailable) and
// prints each one's average power and energy over a few seconds. Run it to check the sensors
// before a demo.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <thread>

#include <nlohmann/json.hpp>

#include "args.h"
#include "edgemoe/energy_sampler.h"
#include "edgemoe/meter_discovery.h"

using namespace edgemoe::energy;

namespace {

const char* kUsage = R"(usage: edgemoe-meters [options]
  --sysfs-root DIR   look for sysfs under DIR instead of / (e.g. a copy of a board's /sys)
  --seconds S        measure for S seconds (default: 2; 0 = only list the meters)
  --period-ms N      sampling period (default: 10)
  --rails            ZCU102: also one meter per INA226 rail
  --no-nvml          do not load NVML
  --json             print JSON instead of text
exit status: 0 when at least one meter gave a figure (or, with --seconds 0, was found);
             2 when none did; 1 on bad arguments or an internal error.
)";

double parse_seconds(const std::string& v) {
    char* end = nullptr;
    const double s = std::strtod(v.c_str(), &end);
    if (v.empty() || end != v.c_str() + v.size() || !std::isfinite(s) || s < 0 || s > 3600)
        throw std::invalid_argument("--seconds needs a number of seconds from 0 to 3600, got '" + v + "'");
    return s;
}

std::string ms(std::chrono::nanoseconds d) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g ms", std::chrono::duration<double, std::milli>(d).count());
    return buf;
}

std::string pad(std::string s, size_t width) {
    if (s.size() < width) s.append(width - s.size(), ' ');
    return s;
}

struct Figure {
    bool ok = false;
    double joules = 0, watts = 0;
    std::string why;   // when !ok
    std::string hint;
};

int run(int argc, char** argv) {
    const edgemoe::cli::Args args(argc, argv, {"--help", "--json", "--rails", "--no-nvml"},
                                  {"--sysfs-root", "--seconds", "--period-ms"});
    if (args.has("--help")) {
        std::cout << kUsage;
        return 0;
    }
    const std::string root = args.get("--sysfs-root", "/");
    if (!std::filesystem::is_directory(root)) throw std::invalid_argument("--sysfs-root " + root + ": not a directory");
    const double seconds = parse_seconds(args.get("--seconds", "2"));
    const long period_ms = args.get_int("--period-ms", 10);
    if (period_ms < 1 || period_ms > 10000) throw std::invalid_argument("--period-ms needs 1 to 10000");
    const bool as_json = args.has("--json");

    DiscoveryOptions options;
    options.rails = args.has("--rails");
    options.nvml = !args.has("--no-nvml");
    Discovery found = discover_meters(root, options);
    const std::vector<Unavailable> unavailable = std::move(found.unavailable);

    SamplerOptions so;
    so.period = std::chrono::milliseconds(period_ms);
    Sampler sampler(std::move(found.meters), so);
    std::vector<Figure> figures(sampler.size());
    double measured_s = 0;
    if (seconds > 0 && sampler.size() > 0) {
        if (!as_json)
            std::cerr << "edgemoe-meters: measuring " << sampler.size() << " meter(s) for " << seconds << " s...\n";
        sampler.sample_once();
        const TimePoint t0 = sampler.history_start();
        sampler.start();
        std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
        sampler.stop();
        const TimePoint t1 = sampler.covered_until();
        measured_s = std::chrono::duration<double>(t1 - t0).count();
        for (size_t i = 0; i < sampler.size(); ++i) {
            const IntervalEnergy e = sampler.energy(i, t0, t1);
            Figure& f = figures[i];
            if (e.ok() && measured_s > 0) {
                f.ok = true;
                f.joules = e.joules;
                f.watts = e.joules / measured_s;
            } else {
                const MeterHealth h = sampler.health(i);
                f.why = describe(e.status) + (h.last_error.empty() ? std::string() : ": " + h.last_error);
                f.hint = h.last_hint;
            }
        }
    }
    size_t with_figure = 0;
    for (const Figure& f : figures) with_figure += f.ok;
    const int status = (seconds > 0 ? with_figure > 0 : sampler.size() > 0) ? 0 : 2;

    if (as_json) {
        nlohmann::json meters = nlohmann::json::array();
        for (size_t i = 0; i < sampler.size(); ++i) {
            const Meter& m = sampler.meter(i);
            nlohmann::json j = {{"name", m.name()},
                                {"kind", m.family()},
                                {"measures", m.what()},
                                {"method", to_string(m.kind())},
                                {"update_interval_ms", std::chrono::duration<double, std::milli>(m.update_interval()).count()}};
            if (seconds > 0) {
                const Figure& f = figures[i];
                j["available"] = f.ok;
                if (f.ok) {
                    j["average_power_w"] = f.watts;
                    j["energy_j"] = f.joules;
                } else {
                    j["reason"] = f.why;
                    if (!f.hint.empty()) j["hint"] = f.hint;
                }
            }
            meters.push_back(std::move(j));
        }
        nlohmann::json absent = nlohmann::json::array();
        for (const Unavailable& u : unavailable) {
            nlohmann::json j = {{"kind", u.kind}, {"reason", u.reason}};
            if (!u.meter.empty()) j["meter"] = u.meter;
            if (!u.hint.empty()) j["hint"] = u.hint;
            absent.push_back(std::move(j));
        }
        const nlohmann::json out = {{"sysfs_root", root}, {"seconds", measured_s}, {"period_ms", period_ms},
                                    {"meters", meters}, {"unavailable", absent}};
        std::cout << out.dump(1) << "\n";
        return status;
    }

    std::cout << "sensors under " << root << "\n\n";
    if (sampler.size() == 0) {
        std::cout << "no meter found\n";
    } else {
        std::cout << "meters found:\n";
        for (size_t i = 0; i < sampler.size(); ++i) {
            const Meter& m = sampler.meter(i);
            std::cout << "  " << pad(m.name(), 22) << pad(to_string(m.kind()), 18) << "updates every "
                      << pad(ms(m.update_interval()), 9) << m.what() << "\n";
        }
    }
    if (seconds > 0 && sampler.size() > 0) {
        char head[64];
        std::snprintf(head, sizeof head, "\nover %.3f s, sampled every %ld ms:\n", measured_s, period_ms);
        std::cout << head;
        for (size_t i = 0; i < sampler.size(); ++i) {
            const Figure& f = figures[i];
            std::cout << "  " << pad(sampler.meter(i).name(), 22);
            if (f.ok) {
                char buf[96];
                std::snprintf(buf, sizeof buf, "%10.3f W  %12.3f J", f.watts, f.joules);
                std::cout << buf << "\n";
            } else {
                std::cout << "not available: " << f.why << "\n";
                if (!f.hint.empty()) std::cout << "  " << pad("", 22) << "hint: " << f.hint << "\n";
            }
        }
    }
    if (!unavailable.empty()) {
        std::cout << "\nnot available:\n";
        std::string previous_hint;
        for (const Unavailable& u : unavailable) {
            std::cout << "  " << pad(u.meter.empty() ? u.kind : u.meter, 22) << u.reason << "\n";
            // Several zones of one family usually share the hint: print it once.
            if (!u.hint.empty() && u.hint != previous_hint) std::cout << "  " << pad("", 22) << "hint: " << u.hint << "\n";
            previous_hint = u.hint;
        }
    }
    return status;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "edgemoe-meters: " << e.what() << "\n";
        return 1;
    }
}
