// Finite epochs of a DALI reader, counted as DALI's framework iterators count them
// (nvidia.dali.plugin.base_iterator._DaliBaseIterator with reader_name, one pipeline).
//
// The reader itself never stops: it goes on into the next epoch (or shard), and pads its shard's
// last batch when built with pad_last_batch. An epoch is a count of the batches popped from it,
// from the reader's metadata (epoch size, shards, padding, stick_to_shard) and the last batch
// policy:
//   FILL     every batch is full; the last one holds wrapped-around or padded samples
//   DROP     the incomplete last batch is popped and dropped
//   PARTIAL  the last batch is cut to the samples of the epoch (padded ones, or those of the
//            next shard, are left out)
// Without pad_last_batch, FILL carries the samples it read ahead into the next epoch, which is
// then shorter (by whole batches), as DALI's iterator does. Without stick_to_shard the reader
// moves on to the next shard each epoch.
#ifndef DALI_TF_CC_DATASET_EPOCH_COUNTER_H_
#define DALI_TF_CC_DATASET_EPOCH_COUNTER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "tensorflow/core/framework/dataset.h"

namespace dali_tf {

// nvidia.dali.plugin.base_iterator.LastBatchPolicy; kNone: no reader epochs, and inputs that run
// out mid-batch end the data without that batch.
enum class LastBatchPolicy { kNone, kFill, kDrop, kPartial };

// "", "fill", "drop", "partial": the values of the last_batch_policy attribute.
absl::Status ParseLastBatchPolicy(const std::string& name, LastBatchPolicy* policy);
const char* LastBatchPolicyName(LastBatchPolicy policy);

// The op's attributes for epochs: the reader's metadata as pipe.reader_meta(reader_name) gives it
// (read in Python), and the policy.
struct EpochOptions {
  static constexpr char kReaderName[] = "reader_name";
  static constexpr char kLastBatchPolicy[] = "last_batch_policy";
  static constexpr char kEpochSize[] = "reader_epoch_size";
  static constexpr char kEpochSizePadded[] = "reader_epoch_size_padded";
  static constexpr char kNumShards[] = "reader_num_shards";
  static constexpr char kShardId[] = "reader_shard_id";
  static constexpr char kPadLastBatch[] = "reader_pad_last_batch";
  static constexpr char kStickToShard[] = "reader_stick_to_shard";
  static constexpr char kKey[] = "reader_epochs_key";

  // Empty: no epochs (the data is infinite, or ends with an input).
  std::string reader_name;
  LastBatchPolicy last_batch_policy = LastBatchPolicy::kNone;
  int64_t epoch_size = -1;  // samples of the whole data set, all shards
  int64_t epoch_size_padded = -1;
  int64_t num_shards = 1;
  int64_t shard_id = 0;
  bool pad_last_batch = false;
  bool stick_to_shard = false;
  // Identifies one Python DALIDataset, whose copies share where its reader is (""; unshared).
  std::string key;

  bool has_epochs() const { return !reader_name.empty(); }
};

// Consistent values: shards, sizes, a policy with a reader. Errors name the attribute.
absl::Status ValidateEpochOptions(const EpochOptions& options, int64_t batch_size);

class EpochCounter {
 public:
  EpochCounter() = default;
  EpochCounter(const EpochOptions& options, int64_t batch_size);

  // The batches of the first epoch (len() of DALI's iterator when it is made).
  int64_t BatchesInFirstEpoch() const;

  // No batch of this epoch is left: checked before popping one.
  bool EpochDone() const { return size_ > 0 && counter_ >= size_; }
  // Counts a popped batch. Returns how many of its samples to keep: the batch size, fewer
  // (PARTIAL: possibly 0), or -1: the epoch is over and the batch is dropped (DROP).
  int64_t CountBatch();
  // DROP: every batch of the epoch was returned, but the incomplete one is still to be popped
  // (and dropped) before the next epoch starts.
  bool DropPending() const;
  // Every batch of the epoch was returned.
  bool EpochComplete() const { return EpochDone() || DropPending(); }
  // After the epoch is done (and a pending DROP batch popped): where the next epoch starts, in
  // the reader's stream and in its shards. Does nothing in the middle of an epoch.
  void StartNextEpoch();

  // The count (not the options: a restore compares those first, see checkpoint_identity.h).
  absl::Status Save(tensorflow::data::IteratorStateWriter* writer, const std::string& prefix) const;
  // Leaves the counter as it was when the saved count is not one of this reader's epochs.
  absl::Status Restore(tensorflow::data::IteratorStateReader* reader, const std::string& prefix);

 private:
  // The samples this epoch reads, a multiple of the batch size (DROP: the shard size).
  int64_t FirstEpochSize() const;
  bool WouldDrop(int64_t counter) const;
  // A restored count is a position in an epoch of this reader (InvalidArgument otherwise).
  absl::Status CheckRestored(int64_t counter, int64_t size, int64_t shard_id,
                             const std::vector<int64_t>& shard_sizes,
                             const std::vector<int64_t>& read_ahead) const;

  EpochOptions options_;
  int64_t batch_size_ = 1;
  // The samples each shard has (the first shard_id's sizes; rolled as the reader moves on).
  std::vector<int64_t> initial_shard_sizes_;
  std::vector<int64_t> shard_sizes_;
  // Per shard: the samples of its next epoch already read in this one (FILL without padding).
  std::vector<int64_t> read_ahead_;
  int64_t counter_ = 0;  // samples counted in this epoch (starts at the read-ahead)
  int64_t size_ = 0;     // counter_ value that ends this epoch
  int64_t shard_id_ = 0;
};

}  // namespace dali_tf

#endif  // DALI_TF_CC_DATASET_EPOCH_COUNTER_H_
