#include "cc/dataset/dali_dataset.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "cc/dataset/dataset_iterator.h"

namespace dali_tf {

using tensorflow::data::DatasetBase;

namespace {

// Copies of the dataset's graph on one device share where the reader is (see epoch_handover.h).
std::string HandoverKey(const DaliDatasetAttrs& attrs, const TensorPlacement& placement) {
  if (attrs.epochs.key.empty()) return "";
  return absl::StrCat(attrs.epochs.key, "@", placement.device_name);
}

}  // namespace

DaliDataset::DaliDataset(tensorflow::OpKernelContext* ctx, DaliDatasetAttrs attrs,
                         TensorPlacement placement, std::vector<const DatasetBase*> inputs)
    : DatasetBase(tensorflow::data::DatasetContext(ctx)),
      attrs_(std::move(attrs)),
      placement_(std::move(placement)),
      inputs_(std::move(inputs)),
      handover_(EpochHandover::Shared(HandoverKey(attrs_, placement_))) {
  for (const DatasetBase* input : inputs_) input->Ref();
  // No tf.data autotuning by default (a later with_options can still turn it on; a dataset's own
  // options win over its inputs'). DALI sizes its own threads and queues, and the autotuning
  // model thread of each iterator makes destroying that iterator slow: TensorFlow's cancellation
  // can wake it before it counts as cancelled, and it then sleeps out its optimization period (up
  // to a minute) while the destructor waits. Iterators still alive at exit are destroyed one after
  // the other, so a process that leaves a few hundred of them took minutes to exit.
  tensorflow::data::Options options;
  options.mutable_autotune_options()->set_enabled(false);
  set_options(options);
}

DaliDataset::~DaliDataset() {
  for (const DatasetBase* input : inputs_) input->Unref();
}

const tensorflow::DataTypeVector& DaliDataset::output_dtypes() const {
  return attrs_.element_dtypes;
}

const std::vector<tensorflow::PartialTensorShape>& DaliDataset::output_shapes() const {
  return attrs_.element_shapes;
}

std::string DaliDataset::DebugString() const {
  return absl::StrCat(kOpName, "Op::Dataset(", attrs_.output_dtypes.size(), " outputs, ",
                      inputs_.size(), " inputs, on ", placement_.device_name, ")");
}

int64_t DaliDataset::CardinalityInternal(tensorflow::data::CardinalityOptions options) const {
  using tensorflow::data::kInfiniteCardinality;
  using tensorflow::data::kUnknownCardinality;
  const int64_t batch_size = attrs_.pipeline.batch_size;
  // Without inputs a DALI pipeline never runs out (readers wrap around epochs), unless the
  // dataset ends after one epoch of its reader: as long as DALI's iterator says when it is made
  // (with FILL and no pad_last_batch, a later epoch can be shorter by the samples the previous
  // one read ahead).
  int64_t batches = kInfiniteCardinality;
  if (attrs_.epochs.has_epochs()) {
    batches = EpochCounter(attrs_.epochs, batch_size).BatchesInFirstEpoch();
  }
  // The data ends as soon as one input does (see InputFeeder::FeedBatch): never more batches
  // than the shortest input gives, and unknown when an input's length is.
  const bool partial = attrs_.epochs.last_batch_policy == LastBatchPolicy::kPartial;
  for (size_t i = 0; i < inputs_.size(); ++i) {
    const int64_t elements = inputs_[i]->Cardinality(options);
    if (elements == kInfiniteCardinality) continue;
    if (elements < 0) return kUnknownCardinality;
    int64_t input_batches = elements;  // a batch-mode input: one element per batch
    if (!attrs_.inputs[i].batched) {
      // Per sample: an incomplete last batch comes only with PARTIAL.
      input_batches = partial ? (elements + batch_size - 1) / batch_size : elements / batch_size;
    }
    batches = batches == kInfiniteCardinality ? input_batches : std::min(batches, input_batches);
  }
  return batches;
}

absl::Status DaliDataset::InputDatasets(std::vector<const DatasetBase*>* inputs) const {
  inputs->insert(inputs->end(), inputs_.begin(), inputs_.end());
  return absl::OkStatus();
}

absl::Status DaliDataset::CheckExternalState() const {
  // The pipeline is fully described by the serialized_pipeline attribute.
  for (const DatasetBase* input : inputs_) TF_RETURN_IF_ERROR(input->CheckExternalState());
  return absl::OkStatus();
}

absl::Status DaliDataset::AsGraphDefInternal(tensorflow::data::SerializationContext* ctx,
                                             DatasetGraphDefBuilder* b,
                                             tensorflow::Node** output) const {
  std::vector<tensorflow::Node*> input_nodes;
  for (const DatasetBase* input : inputs_) {
    tensorflow::Node* node = nullptr;
    TF_RETURN_IF_ERROR(b->AddInputDataset(ctx, input, &node));
    input_nodes.push_back(node);
  }
  return b->AddDataset(this, /*inputs=*/{}, /*list_inputs=*/{{0, input_nodes}},
                       DatasetAttrValues(attrs_), output);
}

std::unique_ptr<tensorflow::data::IteratorBase> DaliDataset::MakeIteratorInternal(
    const std::string& prefix) const {
  return std::make_unique<DaliDatasetIterator>(
      DaliDatasetIterator::Params{this, absl::StrCat(prefix, "::DALI")});
}

}  // namespace dali_tf
