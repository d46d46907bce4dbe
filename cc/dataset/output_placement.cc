#include "cc/dataset/output_placement.h"

#include "absl/strings/str_cat.h"

namespace dali_tf {

namespace {

constexpr char kCopyAdvice[] =
    " or pass fail_on_device_mismatch=False to copy the outputs to the dataset's device.";

}  // namespace

absl::Status CheckDeviceMatch(const TensorPlacement& placement, int device_id,
                              bool fail_on_device_mismatch) {
  if (!fail_on_device_mismatch || !placement.on_gpu) return absl::OkStatus();
  if (device_id == kCpuOnlyDeviceId) {
    return absl::InvalidArgumentError(absl::StrCat(
        "DALIDataset is placed on ", placement.Describe(),
        " but its DALI pipeline runs on the CPU only (device_id=CPU_ONLY_DEVICE_ID), so its "
        "outputs are host batches. Define the pipeline without device_id to run it on the "
        "dataset's GPU, place the dataset on the CPU,",
        kCopyAdvice));
  }
  if (device_id >= 0 && device_id != placement.gpu_id) {
    return absl::InvalidArgumentError(absl::StrCat(
        "DALIDataset is placed on ", placement.Describe(), " but its DALI pipeline runs on GPU ",
        device_id, " (device_id=", device_id, "). Give the pipeline device_id=", placement.gpu_id,
        " (or leave it unset: it then runs on the dataset's GPU), place the dataset on that GPU,",
        kCopyAdvice));
  }
  return absl::OkStatus();
}

absl::Status CheckOutputDevices(const TensorPlacement& placement,
                                const std::vector<IODesc>& outputs, bool fail_on_device_mismatch) {
  if (!fail_on_device_mismatch) return absl::OkStatus();
  for (size_t i = 0; i < outputs.size(); ++i) {
    const bool gpu_output = outputs[i].device == DALI_STORAGE_GPU;
    if (gpu_output == placement.on_gpu) continue;
    return absl::InvalidArgumentError(absl::StrCat(
        "Output ", i, " of the DALI pipeline is a ", gpu_output ? "GPU" : "CPU",
        " batch but the DALIDataset is placed on ", placement.Describe(), ". Make it a ",
        placement.on_gpu ? "GPU batch in the pipeline (.gpu())"
                         : "CPU batch in the pipeline (.cpu())",
        ", place the dataset on ",
        gpu_output ? "the pipeline's GPU (tf.device('/gpu:N'))" : "the CPU", ",", kCopyAdvice));
  }
  return absl::OkStatus();
}

}  // namespace dali_tf
