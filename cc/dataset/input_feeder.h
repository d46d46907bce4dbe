// Feeds a DALI pipeline's external inputs from TensorFlow datasets: one DALI batch per
// call, built from `batch_size` elements of a per-sample input or one element of a batched input.
// Host tensors for a CPU external source are handed to DALI without a copy (kept alive until DALI
// releases them); anything else DALI copies (see FeedFlags).
//
// The feeder also remembers the batches fed but not yet returned as outputs, so a checkpoint can
// store them next to the input iterators' state and a restore feeds them again first: the
// restored iterator then yields exactly the batches the saved one would have.
#ifndef DALI_TF_CC_DATASET_INPUT_FEEDER_H_
#define DALI_TF_CC_DATASET_INPUT_FEEDER_H_

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "cc/common/dali_pipeline.h"
#include "cc/common/tensor_placement.h"
#include "cc/dataset/input_pulls.h"
#include "cc/dataset/input_spec.h"
#include "tensorflow/core/framework/dataset.h"
#include "tensorflow/core/framework/tensor.h"

namespace dali_tf {

// How DALI takes a batch of TensorFlow tensors (on a GPU, `data_on_gpu`, with TensorFlow's stream
// given to the feed) into an external source on `source_device`: without a copy only host tensors
// into a CPU source; DALI copies everything else (see the definition for why each case is safe).
daliFeedInputFlags_t InputFeedFlags(bool data_on_gpu, daliStorageDevice_t source_device);

// The one rule pairing a dataset's inputs with its pipeline's external sources: each input names
// an external source, none is named twice, and every external source has an input (an entry of
// input_datasets or a translated source=). The kernel applies it when it builds the pipeline;
// Python applies the same function at construction, through cc/plugin/c_exports.cc, so that a
// mistake is reported before the first batch, with this one message.
absl::Status CheckInputNames(const std::vector<std::string>& external_sources,
                             const std::vector<std::string>& inputs);

class InputFeeder {
 public:
  // `placement`: the dataset's, where its input tensors live too (on a GPU, with TensorFlow's
  // stream there).
  InputFeeder(std::vector<InputSpec> specs, int batch_size, const TensorPlacement& placement);
  ~InputFeeder();

  // A per-sample input that runs out mid-batch gives that incomplete batch (the samples every
  // per-sample input still had) before the data ends (last_batch_policy=PARTIAL).
  void set_partial_last_batch(bool partial) { partial_last_batch_ = partial; }
  const std::vector<InputSpec>& specs() const { return specs_; }

  // Creates one iterator per input dataset (in the order of the specs).
  absl::Status MakeIterators(tensorflow::data::IteratorContext* ctx,
                             const std::vector<const tensorflow::data::DatasetBase*>& inputs,
                             const tensorflow::data::IteratorBase* parent,
                             const std::string& prefix);

  // Every spec names an input of `pipe`, and every input of `pipe` is fed by a spec
  // (CheckInputNames).
  absl::Status CheckAgainst(const DaliPipeline& pipe) const;

  // Feeds the next batch to every input. Sets *end_of_data, feeding nothing, when an input has
  // no element left; a per-sample input that runs out mid-batch ends the data too, without the
  // incomplete batch (as DALI's pipeline.run()), unless set_partial_last_batch. A batch-mode
  // input's element is a whole batch, and a smaller one is fed as it is.
  absl::Status FeedBatch(tensorflow::data::IteratorContext* ctx, DaliPipeline* pipe,
                         bool* end_of_data);

  // The oldest fed batch came out of the pipeline: no need to keep it for checkpoints any more.
  void BatchConsumed();

  // Input iterators' state plus the batches in flight.
  absl::Status Save(tensorflow::data::SerializationContext* ctx,
                    tensorflow::data::IteratorStateWriter* writer, const std::string& prefix);
  absl::Status Restore(tensorflow::data::IteratorContext* ctx,
                       tensorflow::data::IteratorStateReader* reader, const std::string& prefix);

 private:
  // The samples of one input for one batch: sample tensors, or a single batch tensor.
  using InputBatch = std::vector<tensorflow::Tensor>;
  using FedBatch = std::vector<InputBatch>;  // one InputBatch per spec

  absl::Status PullBatch(tensorflow::data::IteratorContext* ctx, FedBatch* batch,
                         bool* end_of_data);
  absl::Status PullElement(tensorflow::data::IteratorContext* ctx, int input,
                           tensorflow::Tensor* element, bool* end_of_data);
  absl::Status Feed(DaliPipeline* pipe, int input, const InputBatch& data) const;
  // The stream the input tensors are ready on: TensorFlow's, on a GPU.
  const cudaStream_t* feed_stream() const;

  std::vector<InputSpec> specs_;
  int batch_size_;
  const TensorPlacement placement_;
  std::vector<std::unique_ptr<tensorflow::data::IteratorBase>> iterators_;
  std::deque<FedBatch> in_flight_;  // fed, outputs not yet popped
  std::deque<FedBatch> to_refeed_;  // restored from a checkpoint, fed before new data
  bool partial_last_batch_ = false;
};

}  // namespace dali_tf

#endif  // DALI_TF_CC_DATASET_INPUT_FEEDER_H_
