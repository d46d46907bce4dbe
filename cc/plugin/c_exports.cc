// What Python reads through ctypes (dali_tf/_loader.py): the versions the library was built
// against, readable before TensorFlow loads the ops, so dali_tf can refuse a library built for
// another TensorFlow with a clear message; and the exit switch of input pulls.
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
