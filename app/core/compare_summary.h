#pragma once
// Compare mode in plain terms, without widgets: which backend to compare with by default, and which
// of the two streams is the bottleneck, said in a sentence for the window.
#include <vector>

#include <QString>

#include "core/stats_collector.h"
#include "edgemoe/backend.h"

namespace edgemoe::app {

// The default partner for `primary`: a real FPGA when one is available, else the first other
// available backend in `backends`' order (fpga-emu next to cpu). Empty when there is no other one.
QString default_compare_backend(const std::vector<BackendInfo>& backends, const QString& primary);

struct CompareSummary {
    int slower = -1;      // the stream that holds the comparison back (-1: neither, or not known yet)
    double ratio = 0;     // its inference time per frame over the other's
    QString text;         // for the window; empty when there is nothing to say
};

// From each stream's mean inference time (capture excluded); `partner_age_ms`: how much older the
// frame on the partner's panel is than the primary's. A stream counts as the bottleneck when it
// takes more than 1.5 times as long per frame.
CompareSummary summarize_compare(const StreamStats& primary, const StreamStats& partner, double partner_age_ms);

}  // namespace edgemoe::app
