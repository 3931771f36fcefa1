// Prints hls/register_map.md.
#include <cstdio>

#include "register_map.h"

int main() {
    std::fputs(edgemoe_hls::register_map_markdown().c_str(), stdout);
    return 0;
}
