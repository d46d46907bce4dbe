// Whether a DALIDataset's placement (the kernel's device, where its tensors live) agrees with its
// DALI pipeline, as NVIDIA's plugin checks it with fail_on_device_mismatch: every output on the
// dataset's kind of device, and, on a GPU, the pipeline on that GPU.
#ifndef DALI_TF_CC_DATASET_OUTPUT_PLACEMENT_H_
#define DALI_TF_CC_DATASET_OUTPUT_PLACEMENT_H_

#include <vector>

#include "absl/status/status.h"
#include "cc/common/dali_pipeline.h"
#include "cc/common/tensor_placement.h"

namespace dali_tf {

// Before the pipeline is built: a dataset on GPU k with a pipeline explicitly on GPU j != k, or on
// the CPU only (its outputs can only be host batches), is an error naming both, unless
// fail_on_device_mismatch is false (the outputs are then copied to GPU k). `device_id` is the
// resolved one (OnDevice).
absl::Status CheckDeviceMatch(const TensorPlacement& placement, int device_id,
                              bool fail_on_device_mismatch);

// Once the pipeline is built: an output on the GPU for a dataset on the CPU, or on the host for a
// dataset on a GPU, is an error naming the output and both devices, unless
// fail_on_device_mismatch is false (it is then copied to the dataset's device).
absl::Status CheckOutputDevices(const TensorPlacement& placement,
                                const std::vector<IODesc>& outputs, bool fail_on_device_mismatch);

}  // namespace dali_tf

#endif  // DALI_TF_CC_DATASET_OUTPUT_PLACEMENT_H_
