// The iterator of a DALIDataset: owns one DALI pipeline and turns each popped batch into an
// element.
//
// The pipeline runs in small steps, each a separate method, so that feeding input datasets into
// the pipeline's external sources can hook into exactly the step that needs data:
//   BuildPipelineLocked          Initialize (and a restore over a started pipeline)
//   StartPipelineLocked          lazily on the first GetNext: Prefetch fills the pipeline's queue
//                                (prefetch-depth iterations in flight); with input datasets, one
//                                batch is fed and run per iteration instead, up to that depth
//   PopElementLocked             one batch out (one iteration fewer in flight)
//   ScheduleNextIterationLocked  Run after each pop (back to prefetch-depth in flight), after
//                                feeding the inputs; once an input ends, the iterations in flight
//                                drain and then the data ends
//   Save/RestoreInternal         the DALI checkpoint as of the last popped batch, plus the input
//                                iterators and the input batches in flight (see InputFeeder)
//
// Reader epochs (reader_name): an EpochCounter counts the popped batches as DALI's framework
// iterators do and ends the data after one epoch (DROP pops and drops the incomplete batch,
// PARTIAL cuts the last one). The reader does not stop there, so the pipeline goes on with the
// next epoch: as soon as the epoch's last batch is out (whether or not the end is asked for, and
// whenever the iterator is destroyed), FinishEpochLocked leaves the pipeline, with the count of
// the next epoch, in the dataset's EpochHandover, and the dataset's next iterator (repeat() makes
// one per epoch) takes it instead of building a new one. It takes it when first asked for data
// (or saved), not when it is made: an iterator made and dropped unused (as Keras does at the end
// of each epoch) takes nothing. An iterator dropped in the middle of an epoch leaves nothing: the
// next one starts over. With input datasets every iterator starts over
// (its inputs do). A checkpoint of an iterator whose epoch ended holds where the next epoch starts
// (the DALI checkpoint taken when the pipeline was handed over); restoring it hands a pipeline
// restored there to the next iterator.
#ifndef DALI_TF_CC_DATASET_DATASET_ITERATOR_H_
#define DALI_TF_CC_DATASET_DATASET_ITERATOR_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "cc/common/dali_pipeline.h"
#include "cc/dataset/dali_dataset.h"
#include "cc/dataset/epoch_counter.h"
#include "cc/dataset/input_feeder.h"
#include "tensorflow/core/framework/dataset.h"

namespace dali_tf {

class DaliDatasetIterator : public tensorflow::data::DatasetIterator<DaliDataset> {
 public:
  explicit DaliDatasetIterator(const Params& params);

  absl::Status Initialize(tensorflow::data::IteratorContext* ctx) override;

 protected:
  absl::Status GetNextInternal(tensorflow::data::IteratorContext* ctx,
                               std::vector<tensorflow::Tensor>* out_tensors,
                               bool* end_of_sequence) override;
  absl::Status SaveInternal(tensorflow::data::SerializationContext* ctx,
                            tensorflow::data::IteratorStateWriter* writer) override;
  absl::Status RestoreInternal(tensorflow::data::IteratorContext* ctx,
                               tensorflow::data::IteratorStateReader* reader) override;
  std::shared_ptr<tensorflow::data::model::Node> CreateNode(
      tensorflow::data::IteratorContext* ctx,
      tensorflow::data::model::Node::Args args) const override;

 private:
  absl::Status BuildPipelineLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status StartPipelineLocked(tensorflow::data::IteratorContext* ctx)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status NextElementLocked(tensorflow::data::IteratorContext* ctx,
                                 std::vector<tensorflow::Tensor>* element, bool* end_of_sequence)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status PopElementLocked(tensorflow::data::IteratorContext* ctx,
                                std::vector<tensorflow::Tensor>* element)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status ScheduleNextIterationLocked(tensorflow::data::IteratorContext* ctx)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Feeds one batch to every input and runs it; false once an input has no data left.
  absl::Status FeedAndRunLocked(tensorflow::data::IteratorContext* ctx, bool* fed)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The reader's epoch is over: no more data from this iterator. Moves the pipeline to the start
  // of the next epoch (DROP: pops the batch it drops) and hands it over.
  absl::Status FinishEpochLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Leaves the pipeline (prefetched) and the count of its next epoch for the next iterator.
  absl::Status HandOverLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Takes the pipeline an iterator left, if one was waiting when this one was made and still is;
  // builds a new one (the first epoch) otherwise.
  absl::Status TakeOrBuildPipelineLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  std::unique_ptr<DaliPipeline> pipeline_ ABSL_GUARDED_BY(mu_);
  bool started_ ABSL_GUARDED_BY(mu_) = false;  // Prefetch issued
  // Outputs are popped ready on TensorFlow's GPU stream (see BuildPipelineLocked).
  bool pop_on_stream_ ABSL_GUARDED_BY(mu_) = false;
  // Feeds the external sources from the input datasets; null without input datasets.
  std::unique_ptr<InputFeeder> feeder_ ABSL_GUARDED_BY(mu_);
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;  // iterations run but not popped (with inputs)
  bool inputs_ended_ ABSL_GUARDED_BY(mu_) = false;
  // Reader epochs: the count of this epoch (none without reader_name), and whether it ended.
  std::optional<EpochCounter> epochs_ ABSL_GUARDED_BY(mu_);
  bool epoch_ended_ ABSL_GUARDED_BY(mu_) = false;
  bool take_pending_ ABSL_GUARDED_BY(mu_) = false;  // see TakeOrBuildPipelineLocked
  // Once it ended: the DALI checkpoint of the pipeline handed over ("" when the pipeline has no
  // checkpointing); epochs_ then counts the next epoch.
  std::string next_epoch_state_ ABSL_GUARDED_BY(mu_);
  // A failed DALI pipeline is not usable again: the first error is returned from then on.
  absl::Status failure_ ABSL_GUARDED_BY(mu_);
};

}  // namespace dali_tf

#endif  // DALI_TF_CC_DATASET_DATASET_ITERATOR_H_
