#pragma once
// Energy and power measurement for the demo: meters (RAPL, amd_energy, ZCU102 INA226, KV260 INA260,
// XRT, NVML), a background sampler, per-frame attribution with an idle baseline, summaries per backend
// and task, and CSV/JSON export. No Qt. Typical use:
//
//   using namespace edgemoe::energy;
//   Discovery found = discover_meters();              // meters + why each other family is unavailable
//   Sampler sampler(std::move(found.meters));         // 10 ms period
//   sampler.start();
//   EnergyAttribution attribution(sampler);
//   attribution.set_idle(measure_idle(sampler, std::chrono::seconds(2)));   // before any inference
//   const int stream = attribution.stream("cpu", "semseg");
//   for each frame:
//       FrameMark mark{stream, index, Clock::now()};
//       ... run the frame ...
//       mark.end = Clock::now();
//       mark.ops = 2 * (cfg.backbone_macs() + cfg.head_macs());
//       attribution.add_frame(mark);
//       attribution.poll([&](const FrameEnergy& e) { ... show or write e ... });
//   sampler.stop();
//   attribution.flush(std::chrono::seconds(1), ...);
//   std::string json = energy_json(attribution, found.unavailable);
#include "edgemoe/energy_attribution.h"
#include "edgemoe/energy_export.h"
#include "edgemoe/energy_sampler.h"
#include "edgemoe/meter.h"
#include "edgemoe/meter_discovery.h"
#include "edgemoe/meter_nvml.h"
#include "edgemoe/meter_xrt.h"
