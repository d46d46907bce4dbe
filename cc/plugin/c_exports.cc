// What Python reads through ctypes (dali_tf/_loader.py): the versions the library was built
// against, readable before TensorFlow loads the ops, so dali_tf can refuse a library built for
// another TensorFlow with a clear message; the exit switch of input pulls; and the kernel's rules
// Python applies at construction (so that each is written once, here in C++).
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "cc/dataset/input_feeder.h"
#include "cc/dataset/input_pulls.h"

#define DALI_TF_EXPORT extern "C" __attribute__((visibility("default")))

DALI_TF_EXPORT const char* dali_tf_built_with_tf_version() { return DALI_TF_BUILT_WITH_TF_VERSION; }

DALI_TF_EXPORT const char* dali_tf_built_with_dali_version() {
  return DALI_TF_BUILT_WITH_DALI_VERSION;
}

// ctypes releases the GIL during the call, so pulls running Python can finish: 1 if every pull in
// progress finished, 0 if some were left (blocked for idle_ms, or past timeout_ms).
DALI_TF_EXPORT int dali_tf_stop_input_pulls(int idle_ms, int timeout_ms) {
  return dali_tf::StopInputPulls(idle_ms, timeout_ms) ? 1 : 0;
}

// CheckInputNames for Python (dali_tf/_inputs.py): 0 when the inputs pair with the external
// sources; otherwise 1, with the kernel's message in `message` (NUL-terminated, truncated to
// message_size).
DALI_TF_EXPORT int dali_tf_check_input_names(const char* const* external_sources,
                                             int num_external_sources, const char* const* inputs,
                                             int num_inputs, char* message, int message_size) {
  const std::vector<std::string> sources(external_sources, external_sources + num_external_sources);
  const std::vector<std::string> fed(inputs, inputs + num_inputs);
  const absl::Status status = dali_tf::CheckInputNames(sources, fed);
  if (status.ok()) return 0;
  if (message_size > 0) {
    const std::string text(status.message());
    const size_t length = std::min(text.size(), static_cast<size_t>(message_size - 1));
    std::memcpy(message, text.data(), length);
    message[length] = '\0';
  }
  return 1;
}
