// Replays the fuzz target over the fixture model files and many deterministic mutations of them
// (bit flips, byte overwrites with boundary values, truncations, header edits), so that every CI run
// exercises the parser's error paths even without libFuzzer.
#include <cstdio>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
    int cases = 0;
    std::mt19937 rng(12345);
    for (int i = 1; i < argc; ++i) {
        std::ifstream f(argv[i], std::ios::binary);
        const std::vector<uint8_t> seed{std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
        if (seed.empty()) {
            std::fprintf(stderr, "cannot read seed %s\n", argv[i]);
            return 1;
        }
        LLVMFuzzerTestOneInput(seed.data(), seed.size());
        // The header is where the parser's decisions are: aim most mutations at it.
        uint64_t hlen = 0;
        for (int b = 7; b >= 0; --b) hlen = hlen << 8 | seed[size_t(b)];
        const size_t hot = std::min<size_t>(seed.size(), 8 + hlen);
        const uint8_t boundary[] = {0, 1, 0x7f, 0x80, 0xff, '"', '[', ']', '{', '}', ',', ':', '-', '9', 'e'};
        for (int m = 0; m < 3000; ++m, ++cases) {
            std::vector<uint8_t> v = seed;
            const int edits = 1 + int(rng() % 4);
            for (int e = 0; e < edits; ++e) {
                const size_t at = rng() % 4 ? rng() % hot : rng() % v.size();
                switch (rng() % 4) {
                    case 0: v[at] ^= uint8_t(1u << (rng() % 8)); break;
                    case 1: v[at] = boundary[rng() % sizeof boundary]; break;
                    case 2: v.resize(std::max<size_t>(1, at)); break;
                    default: if (at + 1 < v.size()) v.erase(v.begin() + long(at)); break;
                }
                if (v.empty()) break;
            }
            LLVMFuzzerTestOneInput(v.data(), v.size());
        }
    }
    std::printf("fuzz replay: %d mutated inputs, no crash\n", cases);
    return 0;
}
