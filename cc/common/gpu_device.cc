#include "cc/common/gpu_device.h"

#include "tensorflow/core/framework/dataset.h"
#include "tensorflow/core/framework/device_base.h"
#include "tensorflow/core/public/version.h"

namespace dali_tf {

namespace {

int CudaOrdinal(const tensorflow::DeviceBase::AcceleratorDeviceInfo* info) {
#if GOOGLE_CUDA
  // gpu_id is the platform device id BaseGPUDevice::Init maps TensorFlow's id to: the CUDA
  // ordinal (within CUDA_VISIBLE_DEVICES) of the stream executor behind the device's streams.
  if (info != nullptr && info->stream != nullptr) return info->gpu_id;
#endif
  return -1;
}

}  // namespace

int CudaOrdinal(const tensorflow::DeviceBase& device) {
  return CudaOrdinal(device.tensorflow_accelerator_device_info());
}

int IteratorCudaOrdinal(tensorflow::data::IteratorContext* ctx) {
#if TF_MAJOR_VERSION > 2 || TF_MINOR_VERSION >= 17
  return CudaOrdinal(ctx->accelerator_device_info());
#else
  // TensorFlow 2.16 has no IteratorContext::accelerator_device_info(). 2.17 takes it from the
  // device of the function library runtime the iterator was made with, which 2.16 has too.
  tensorflow::FunctionLibraryRuntime* flr = ctx->flr();
  if (flr == nullptr || flr->device() == nullptr) return -1;
  return CudaOrdinal(reinterpret_cast<const tensorflow::DeviceBase*>(flr->device())
                         ->tensorflow_accelerator_device_info());
#endif
}

}  // namespace dali_tf
