#include "cc/common/dali_status.h"

namespace dali_tf {

absl::Status DaliStatus(daliResult_t result, const std::string& what) {
  if (result == DALI_SUCCESS || result == DALI_NO_DATA) return absl::OkStatus();
  const char* message = daliGetLastErrorMessage();
  std::string text = what + ": " + (message && *message ? message : daliGetErrorName(result));
  daliClearLastError();
  switch (result) {
    case DALI_ERROR_INVALID_ARGUMENT:
    case DALI_ERROR_INVALID_TYPE:
    case DALI_ERROR_INVALID_KEY:
      return absl::InvalidArgumentError(absl::StrCat(text));
    case DALI_ERROR_OUT_OF_RANGE:
      return absl::OutOfRangeError(absl::StrCat(text));
    case DALI_ERROR_INVALID_OPERATION:
      return absl::FailedPreconditionError(absl::StrCat(text));
    case DALI_ERROR_PATH_NOT_FOUND:
      return absl::NotFoundError(absl::StrCat(text));
    case DALI_ERROR_OUT_OF_MEMORY:
      // Most often on a GPU that TensorFlow took at start-up: say what lets DALI have some.
      return absl::ResourceExhaustedError(absl::StrCat(
          text,
          ". If this is GPU memory: TensorFlow reserves nearly all of it when it first uses a GPU, "
          "unless memory growth is on. dali_tf turns it on at import (unless "
          "TF_FORCE_GPU_ALLOW_GROWTH or DALI_TF_GPU_MEMORY_GROWTH=0 says otherwise, or TensorFlow "
          "had already started its GPUs): import dali_tf before TensorFlow first uses the GPU, "
          "call tf.config.experimental.set_memory_growth(gpu, True) for each GPU then, set "
          "TF_FORCE_GPU_ALLOW_GROWTH=true, or cap TensorFlow with "
          "tf.config.set_logical_device_configuration(gpu, "
          "[tf.config.LogicalDeviceConfiguration(memory_limit=MB)])"));
    case DALI_ERROR_TIMEOUT:
      return absl::DeadlineExceededError(absl::StrCat(text));
    case DALI_ERROR_UNLOADING:
      return absl::CancelledError(absl::StrCat(text));
    default:
      return absl::InternalError(absl::StrCat(text));
  }
}

}  // namespace dali_tf
