#include "edgemoe/meter.h"

namespace edgemoe::energy {

const char* to_string(MeterKind kind) {
    return kind == MeterKind::EnergyCounter ? "energy counter" : "integrated power";
}

}  // namespace edgemoe::energy
