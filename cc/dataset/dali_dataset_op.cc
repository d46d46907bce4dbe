// The DALIDataset op: a tf.data source running a serialized DALI pipeline, with CPU and GPU
// kernels (the dataset's tensors live on the kernel's device).
#include <vector>

#include "absl/strings/str_cat.h"
#include "cc/common/tensor_placement.h"
#include "cc/dataset/dali_dataset.h"
#include "cc/dataset/dataset_attrs.h"
#include "cc/dataset/output_placement.h"
#include "tensorflow/core/framework/common_shape_fns.h"
#include "tensorflow/core/framework/dataset.h"
#include "tensorflow/core/framework/op.h"
#include "tensorflow/core/framework/op_kernel.h"

namespace dali_tf {
namespace {

using tensorflow::OpKernelConstruction;
using tensorflow::OpKernelContext;
using tensorflow::data::DatasetBase;

// Registered by hand rather than with REGISTER_OP, so that the pipeline options' attributes come
// from their one list (AddPipelineOptionAttrs).
const tensorflow::InitOnStartupMarker kDaliDatasetOpRegistered = [] {
  using A = DaliDatasetAttrs;
  using E = EpochOptions;
  tensorflow::register_op::OpDefBuilderWrapper op(DaliDataset::kOpName);
  op.Input(absl::StrCat(A::kInputDatasets, ": ", A::kNumInputs, " * variant"))
      .Attr(absl::StrCat(A::kNumInputs, ": int >= 0 = 0"));
  AddPipelineOptionAttrs(op);
  op.Attr(absl::StrCat(A::kOutputDtypes, ": list(type) >= 1"))
      .Attr(absl::StrCat(A::kOutputShapes, ": list(shape) >= 1"))
      .Attr(absl::StrCat(A::kFailOnDeviceMismatch, ": bool = true"))
      .Attr(absl::StrCat(A::kInputSpecs, ": list(string) = []"))
      .Attr(absl::StrCat(E::kReaderName, ": string = ''"))
      .Attr(absl::StrCat(E::kLastBatchPolicy, ": string = ''"))
      .Attr(absl::StrCat(E::kEpochSize, ": int = -1"))
      .Attr(absl::StrCat(E::kEpochSizePadded, ": int = -1"))
      .Attr(absl::StrCat(E::kNumShards, ": int = 1"))
      .Attr(absl::StrCat(E::kShardId, ": int = 0"))
      .Attr(absl::StrCat(E::kPadLastBatch, ": bool = false"))
      .Attr(absl::StrCat(E::kStickToShard, ": bool = false"))
      .Attr(absl::StrCat(E::kKey, ": string = ''"))
      .Attr(absl::StrCat(A::kOutputRagged, ": list(bool) = []"))
      .Attr(absl::StrCat(A::kRaggedShapes, ": list(shape) = []"))
      .Output("handle: variant")
      .SetIsStateful()
      .SetShapeFn(tensorflow::shape_inference::ScalarShape)
      .Doc(R"doc(
A dataset whose elements are the batches of a DALI pipeline (one tensor per pipeline output).
batch_size, num_threads, device_id, seed and the queue depths override the serialized pipeline's
values (-1: as serialized; device_id -2: the dataset's GPU, -99999: CPU only). input_datasets
feed the pipeline's external sources, with one input_specs entry per input dataset, a serialized
NameAttrList named after the external source, holding
`batched` (per batch, else per sample), `layout` ("" keeps the pipeline's) and `python_source`
(non-empty for an input translated from a Python source= callback).
reader_name (non-empty) ends the data after one epoch of that reader, counted as DALI's framework
iterators do from the reader_* attributes (its pipe.reader_meta(reader_name)) and
last_batch_policy ("fill", "drop" or "partial"); the dataset's next iterator goes on with the
next epoch, also in a copy of the dataset (rebuilt from its graph) with the same
reader_epochs_key on the same device. Without a reader, last_batch_policy "partial" makes a
per-sample input that runs out mid-batch yield the incomplete batch.
)doc");
  return op();
}();

class DaliDatasetOp : public tensorflow::data::DatasetOpKernel {
 public:
  explicit DaliDatasetOp(OpKernelConstruction* ctx)
      : DatasetOpKernel(ctx), placement_(KernelPlacement(*ctx)) {
    OP_REQUIRES_OK(ctx, ParseDatasetAttrs(ctx, &attrs_));
    OP_REQUIRES_OK(
        ctx, CheckDeviceMatch(placement_, OnDevice(attrs_.pipeline, placement_.gpu_id).device_id,
                              attrs_.fail_on_device_mismatch));
  }

 protected:
  void MakeDataset(OpKernelContext* ctx, DatasetBase** output) override {
    tensorflow::OpInputList input_list;
    OP_REQUIRES_OK(ctx, ctx->input_list(DaliDatasetAttrs::kInputDatasets, &input_list));
    std::vector<const DatasetBase*> inputs;
    for (const tensorflow::Tensor& variant : input_list) {
      DatasetBase* input = nullptr;
      OP_REQUIRES_OK(ctx, tensorflow::data::GetDatasetFromVariantTensor(variant, &input));
      inputs.push_back(input);
    }
    *output = new DaliDataset(ctx, attrs_, WithStream(placement_, ctx), std::move(inputs));
  }

 private:
  DaliDatasetAttrs attrs_;
  const TensorPlacement placement_;
};

REGISTER_KERNEL_BUILDER(Name(DaliDataset::kOpName).Device(tensorflow::DEVICE_CPU), DaliDatasetOp);

#if GOOGLE_CUDA
// tf.data keeps dataset handles in host memory on every device.
REGISTER_KERNEL_BUILDER(Name(DaliDataset::kOpName)
                            .Device(tensorflow::DEVICE_GPU)
                            .HostMemory(DaliDatasetAttrs::kInputDatasets)
                            .HostMemory("handle"),
                        DaliDatasetOp);
#endif

}  // namespace
}  // namespace dali_tf
