#pragma once
// Opening a source from what the user typed. Everything the engine's FrameSource::open understands
// (camera index or /dev/videoN, video file, image, folder of images), plus "synthetic[:WxH]": a
// generated street-like test pattern (no file, no camera), used when no sample video is bundled and
// by the soak benchmark.
#include <memory>
#include <string>

#include "edgemoe/frame_source.h"

namespace edgemoe::app {

// Throws edgemoe::SourceError naming the source, like FrameSource::open.
std::unique_ptr<FrameSource> open_source(const std::string& spec);

// A seekable generated clip: `frames` frames at `fps`, a moving scene, deterministic per index.
std::unique_ptr<FrameSource> make_synthetic_source(int width, int height, int frames = 600, double fps = 30);

// True for "synthetic" and "synthetic:WxH".
bool is_synthetic_spec(const std::string& spec);

}  // namespace edgemoe::app
