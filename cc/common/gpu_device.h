// Which GPU a kernel or an iterator runs on: the one owner of the mapping from TensorFlow's
// device to the CUDA ordinal DALI takes as device_id. TensorFlow's GPU ids are not CUDA ordinals:
// with tf.config.set_visible_devices, "/gpu:0" may be CUDA device 1, and with several logical
// devices on one GPU (tf.config.set_logical_device_configuration) "/gpu:1" may be CUDA device 0.
// TensorFlow's GPU device records the ordinal it maps to (its "platform device id") in the
// AcceleratorDeviceInfo every TensorFlow of the supported range (2.16-2.21) ships in
// tensorflow/core/framework/device_base.h; no XLA or stream executor header is needed.
#ifndef DALI_TF_CC_COMMON_GPU_DEVICE_H_
#define DALI_TF_CC_COMMON_GPU_DEVICE_H_

namespace tensorflow {
class DeviceBase;
namespace data {
class IteratorContext;
}  // namespace data
}  // namespace tensorflow

namespace dali_tf {

// The CUDA ordinal of `device`; -1 when it is not a GPU (or the plugin has no GPU support).
int CudaOrdinal(const tensorflow::DeviceBase& device);

// The CUDA ordinal of the device a dataset iterator runs on (where its GetNext runs); -1 for
// the CPU.
int IteratorCudaOrdinal(tensorflow::data::IteratorContext* ctx);

}  // namespace dali_tf

#endif  // DALI_TF_CC_COMMON_GPU_DEVICE_H_
