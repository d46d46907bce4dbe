#include "cc/dataset/output_tensors.h"

#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "cc/common/dali_status.h"
#include "cc/common/output_batch.h"
#include "cc/dataset/ragged_output.h"

namespace dali_tf {

namespace {

using tensorflow::Tensor;

// A ragged output: its flat values (DALI's buffer when contiguous, else a copy) and row splits,
// encoded as a RaggedTensor.
absl::Status RaggedOutputToTensor(const OutputBatch& batch, const TensorListHandle& list, int index,
                                  tensorflow::DataType dtype,
                                  const tensorflow::PartialTensorShape& declared,
                                  const TensorPlacement& placement, bool may_alias,
                                  tensorflow::Allocator* allocator, Tensor* out) {
  TF_RETURN_IF_ERROR(CheckOutputDtype(batch, index, dtype));
  if (placement.on_gpu) {
    // TensorFlow decodes a RaggedTensor from its variant on the host only.
    return absl::UnimplementedError(absl::StrCat(
        "Output ", index,
        " is ragged (output_ragged), which a GPU-placed DALIDataset cannot "
        "give: place the dataset on the CPU, or make the output dense in the pipeline"));
  }
  int ragged_rank = 0;
  TF_RETURN_IF_ERROR(RaggedRankOf(declared, index, &ragged_rank));
  std::vector<std::vector<int64_t>> nested_splits;
  tensorflow::TensorShape flat_shape;
  TF_RETURN_IF_ERROR(
      RaggedLayout(batch, index, declared, ragged_rank, &nested_splits, &flat_shape));
  Tensor flat_values;
  if (!may_alias || !WrapHostSamples(batch, list, dtype, flat_shape, &flat_values)) {
    TF_RETURN_IF_ERROR(CopyToHostTensor(batch, dtype, flat_shape, allocator, &flat_values));
  }
  *out = EncodeRagged(std::move(flat_values), nested_splits, allocator);
  return absl::OkStatus();
}

}  // namespace

absl::Status OutputsToTensors(const DaliPipeline& pipeline, daliPipelineOutputs_h outputs,
                              const tensorflow::DataTypeVector& dtypes,
                              const std::vector<tensorflow::PartialTensorShape>& shapes,
                              const std::vector<bool>& ragged, const TensorPlacement& placement,
                              tensorflow::Allocator* allocator, std::vector<Tensor>* out) {
  out->clear();
  out->reserve(dtypes.size());
  std::optional<GpuCopies> gpu_copies;
  if (placement.on_gpu) gpu_copies.emplace(placement, pipeline.outputs_outlive_pop());
  for (int i = 0; i < static_cast<int>(dtypes.size()); ++i) {
    TensorListHandle list;
    TF_RETURN_IF_ERROR(pipeline.GetOutput(outputs, i, &list));
    OutputBatch batch;
    TF_RETURN_IF_ERROR(DescribeOutput(list.get(), &batch));
    Tensor tensor;
    if (!ragged.empty() && ragged[i]) {
      TF_RETURN_IF_ERROR(RaggedOutputToTensor(batch, list, i, dtypes[i], shapes[i], placement,
                                              pipeline.outputs_outlive_pop(), allocator, &tensor));
    } else {
      TF_RETURN_IF_ERROR(DenseOutputTensor(
          batch, list, i, dtypes[i], shapes[i], "pass output_ragged=True to get a tf.RaggedTensor",
          pipeline.outputs_outlive_pop(), allocator, gpu_copies ? &*gpu_copies : nullptr, &tensor));
    }
    out->push_back(std::move(tensor));
  }
  return gpu_copies ? gpu_copies->Finish() : absl::OkStatus();
}

}  // namespace dali_tf
