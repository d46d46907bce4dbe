#include "cc/common/tensor_placement.h"

#include "absl/strings/str_cat.h"
#include "cc/common/gpu_device.h"
#include "cc/common/output_batch.h"
#include "tensorflow/core/framework/op_kernel.h"

namespace dali_tf {

daliBufferPlacement_t TensorPlacement::buffer() const {
  return on_gpu ? DevicePlacement(gpu_id) : HostPlacement();
}

std::string TensorPlacement::Describe() const {
  return on_gpu ? absl::StrCat(device_name, " (CUDA device ", gpu_id, ")") : device_name;
}

TensorPlacement KernelPlacement(const tensorflow::OpKernelConstruction& ctx) {
  TensorPlacement placement;
  placement.device_name = ctx.device()->name();
  placement.on_gpu = ctx.device_type() == tensorflow::DEVICE_GPU;
  if (placement.on_gpu) placement.gpu_id = CudaOrdinal(*ctx.device());
  return placement;
}

TensorPlacement WithStream(TensorPlacement placement, tensorflow::OpKernelContext* ctx) {
#if GOOGLE_CUDA
  if (placement.on_gpu) placement.stream = ctx->eigen_gpu_device().stream();
#endif
  return placement;
}

}  // namespace dali_tf
