// What a saved DALIDataset iterator state belongs to, and the check that a restore puts it back
// into the same kind of dataset.
//
// The saved state trusts the dataset it is restored into: DALI's checkpoint holds each operator's
// position by instance name (a reader's epoch and the samples it read, RNG states), the epoch
// count holds shard sizes from the reader's metadata, and the input feeder's in-flight batches are
// stored by input position at the batch size. Restored into a dataset of another data set, batch
// size, shard layout, policy or inputs, it gives wrong batches without an error. So every save
// records a description of its dataset, an ordered list of (field, value), and a restore compares
// it field by field with the dataset it is restored into and refuses it, naming what differs.
//
// Described:
//   batch_size
//   the reader epochs: reader_name, last_batch_policy and the reader's metadata (epoch size,
//     padded size, shards, shard id, padding, stick_to_shard)
//   the inputs, by position: the external source each feeds, per-sample or batch, layout, and
//     the dtypes and shapes of the input dataset's elements (the batches in flight hold them)
//   the pipeline as serialized: its operators (instance name, schema, device, inputs, outputs,
//     arguments) and its outputs
// Left out, because a restore across them gives exactly the batches that followed the save
// (tests/dataset/checkpoint_test.py): num_threads, device_id, the executor, prefetch queue depths,
// seeds (the checkpoint carries the generators' states), DALI's diagnostic arguments
// (_display_name, _module, _origin_stack_*: where in the user's source the operator was defined),
// and the declared outputs (dtypes, shapes, ragged), which every batch is checked against and the
// state does not depend on.
#ifndef DALI_TF_CC_DATASET_CHECKPOINT_IDENTITY_H_
#define DALI_TF_CC_DATASET_CHECKPOINT_IDENTITY_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "cc/dataset/dataset_attrs.h"
#include "tensorflow/core/framework/dataset.h"

namespace dali_tf {

// (field, value) in a fixed order; fields are what messages name.
using DatasetIdentity = std::vector<std::pair<std::string, std::string>>;

// The description of a dataset: its attributes and the element specs of its input datasets
// (one per attrs.inputs entry). InvalidArgument when its serialized pipeline cannot be read.
absl::Status DescribeDataset(const DaliDatasetAttrs& attrs,
                             const std::vector<const tensorflow::data::DatasetBase*>& inputs,
                             DatasetIdentity* identity);

// The serialized pipeline's part of the description (a dali_proto.PipelineDef).
absl::Status DescribeSerializedPipeline(const std::string& serialized, DatasetIdentity* identity);

// Empty when `saved` and `current` are the same; otherwise one line per differing field (at most
// `limit`, then how many more), "field: <saved> in the checkpoint, <current> in this dataset".
std::vector<std::string> IdentityDifferences(const DatasetIdentity& saved,
                                             const DatasetIdentity& current, size_t limit = 8);

// Writes the description of the dataset next to an iterator's state.
absl::Status SaveDatasetIdentity(const DaliDatasetAttrs& attrs,
                                 const std::vector<const tensorflow::data::DatasetBase*>& inputs,
                                 tensorflow::data::IteratorStateWriter* writer,
                                 const std::string& prefix);

// Reads the saved description and compares it with the dataset's: InvalidArgument naming every
// difference when the state comes from another dataset (or from a dali_tf that saved none).
absl::Status CheckDatasetIdentity(const DaliDatasetAttrs& attrs,
                                  const std::vector<const tensorflow::data::DatasetBase*>& inputs,
                                  tensorflow::data::IteratorStateReader* reader,
                                  const std::string& prefix);

}  // namespace dali_tf

#endif  // DALI_TF_CC_DATASET_CHECKPOINT_IDENTITY_H_
