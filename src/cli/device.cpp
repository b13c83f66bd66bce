// `--device cpu|cuda` (device.hpp).
#include "cli/device.hpp"

namespace parallax::cli {

CLI::Option* add_device_option(CLI::App& cmd, std::string& device) {
  return cmd.add_option("--device", device, "Where to compute: cpu, or cuda (the GPU; see docs/cuda.md)")
      ->capture_default_str()
      ->check(CLI::IsMember({"cpu", "cuda"}));
}

}  // namespace parallax::cli
