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

REGISTER_OP("DALIDataset")
    .Input("input_datasets: N * variant")
    .Attr("N: int >= 0 = 0")
    .Attr("serialized_pipeline: string")
    .Attr("output_dtypes: list(type) >= 1")
    .Attr("output_shapes: list(shape) >= 1")
    .Attr("batch_size: int")
    .Attr("num_threads: int")
    .Attr("device_id: int")
    .Attr("exec_separated: bool")
    .Attr("exec_dynamic: bool")
    .Attr("cpu_prefetch_queue_depth: int")
    .Attr("gpu_prefetch_queue_depth: int")
    .Attr("enable_memory_stats: bool = false")
    .Attr("fail_on_device_mismatch: bool = true")
    .Attr("input_specs: list(string) = []")
    .Attr("reader_name: string = ''")
    .Attr("last_batch_policy: string = ''")
    .Attr("reader_epoch_size: int = -1")
    .Attr("reader_epoch_size_padded: int = -1")
    .Attr("reader_num_shards: int = 1")
    .Attr("reader_shard_id: int = 0")
    .Attr("reader_pad_last_batch: bool = false")
    .Attr("reader_stick_to_shard: bool = false")
    .Attr("reader_epochs_key: string = ''")
    .Attr("output_ragged: list(bool) = []")
    .Attr("ragged_shapes: list(shape) = []")
    .Output("handle: variant")
    .SetIsStateful()
    .SetShapeFn(tensorflow::shape_inference::ScalarShape)
    .Doc(R"doc(
A dataset whose elements are the batches of a DALI pipeline (one tensor per pipeline output).
batch_size, num_threads, device_id and the queue depths override the serialized pipeline's values
(-1: as serialized). input_datasets feed the pipeline's external sources, with one input_specs
entry per input dataset, a serialized NameAttrList named after the external source, holding
`batched` (per batch, else per sample), `layout` ("" keeps the pipeline's) and `python_source`
(non-empty for an input translated from a Python source= callback).
reader_name (non-empty) ends the data after one epoch of that reader, counted as DALI's framework
iterators do from the reader_* attributes (its pipe.reader_meta(reader_name)) and
last_batch_policy ("fill", "drop" or "partial"); the dataset's next iterator goes on with the
next epoch, also in a copy of the dataset (rebuilt from its graph) with the same
reader_epochs_key on the same device. Without a reader, last_batch_policy "partial" makes a
per-sample input that runs out mid-batch yield the incomplete batch.
)doc");

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
    OP_REQUIRES_OK(ctx, ctx->input_list("input_datasets", &input_list));
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

REGISTER_KERNEL_BUILDER(Name("DALIDataset").Device(tensorflow::DEVICE_CPU), DaliDatasetOp);

#if GOOGLE_CUDA
// tf.data keeps dataset handles in host memory on every device.
REGISTER_KERNEL_BUILDER(Name("DALIDataset")
                            .Device(tensorflow::DEVICE_GPU)
                            .HostMemory("input_datasets")
                            .HostMemory("handle"),
                        DaliDatasetOp);
#endif

}  // namespace
}  // namespace dali_tf
