#include "cc/dataset/epoch_counter.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace dali_tf {

namespace {

constexpr char kCounterKey[] = "epoch_counter";
constexpr char kSizeKey[] = "epoch_size";
constexpr char kShardIdKey[] = "epoch_shard_id";
constexpr char kNumShardsKey[] = "epoch_num_shards";

std::string ShardKey(const char* what, size_t shard) {
  return absl::StrCat("epoch_", what, "_", shard);
}

// Python's math.ceil(a / b), for b > 0 and any a.
int64_t CeilDiv(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

// The length of Python's batch[0:stop] for a batch of `size`.
int64_t SliceLength(int64_t stop, int64_t size) {
  return stop < 0 ? std::max<int64_t>(size + stop, 0) : std::min(stop, size);
}

// v is u rolled by some number of places.
bool IsRotationOf(const std::vector<int64_t>& v, const std::vector<int64_t>& u) {
  const size_t n = u.size();
  if (v.size() != n) return false;
  for (size_t r = 0; r < n; ++r) {
    bool same = true;
    for (size_t i = 0; i < n && same; ++i) same = v[i] == u[(i + r) % n];
    if (same) return true;
  }
  return n == 0;
}

// np.roll(v, 1).
void RollByOne(std::vector<int64_t>* v) {
  if (!v->empty()) std::rotate(v->rbegin(), v->rbegin() + 1, v->rend());
}

}  // namespace

absl::Status ParseLastBatchPolicy(const std::string& name, LastBatchPolicy* policy) {
  for (LastBatchPolicy p : {LastBatchPolicy::kNone, LastBatchPolicy::kFill, LastBatchPolicy::kDrop,
                            LastBatchPolicy::kPartial}) {
    if (name == LastBatchPolicyName(p)) {
      *policy = p;
      return absl::OkStatus();
    }
  }
  return absl::InvalidArgumentError(absl::StrCat(EpochOptions::kLastBatchPolicy, " is '", name,
                                                 "': expected 'fill', 'drop', 'partial' or ''"));
}

const char* LastBatchPolicyName(LastBatchPolicy policy) {
  switch (policy) {
    case LastBatchPolicy::kFill:
      return "fill";
    case LastBatchPolicy::kDrop:
      return "drop";
    case LastBatchPolicy::kPartial:
      return "partial";
    case LastBatchPolicy::kNone:
      break;
  }
  return "";
}

absl::Status ValidateEpochOptions(const EpochOptions& options, int64_t batch_size) {
  if (!options.has_epochs()) return absl::OkStatus();
  auto invalid = [&](absl::string_view what) {
    return absl::InvalidArgumentError(
        absl::StrCat("Invalid epochs of reader '", options.reader_name, "': ", what));
  };
  if (options.last_batch_policy == LastBatchPolicy::kNone) {
    return invalid(absl::StrCat(EpochOptions::kLastBatchPolicy, " must be given"));
  }
  if (batch_size < 1) return invalid("the batch size must be given (a positive batch_size)");
  if (options.epoch_size < 1) {
    return invalid(absl::StrCat(EpochOptions::kEpochSize, " is ", options.epoch_size,
                                ": the reader has no samples"));
  }
  if (options.epoch_size_padded < options.epoch_size) {
    return invalid(absl::StrCat(EpochOptions::kEpochSizePadded, " (", options.epoch_size_padded,
                                ") is less than ", EpochOptions::kEpochSize, " (",
                                options.epoch_size, ")"));
  }
  if (options.num_shards < 1 || options.shard_id < 0 || options.shard_id >= options.num_shards) {
    return invalid(absl::StrCat(EpochOptions::kShardId, " ", options.shard_id, " of ",
                                EpochOptions::kNumShards, " ", options.num_shards));
  }
  return absl::OkStatus();
}

EpochCounter::EpochCounter(const EpochOptions& options, int64_t batch_size)
    : options_(options), batch_size_(batch_size), shard_id_(options.shard_id) {
  const int64_t shards = options_.num_shards, samples = options_.epoch_size;
  for (int64_t s = 0; s < shards; ++s) {
    initial_shard_sizes_.push_back((s + 1) * samples / shards - s * samples / shards);
  }
  shard_sizes_ = initial_shard_sizes_;
  read_ahead_.assign(shards, 0);
  size_ = FirstEpochSize();
}

int64_t EpochCounter::FirstEpochSize() const {
  const int64_t shards = options_.num_shards;
  if (options_.last_batch_policy == LastBatchPolicy::kDrop) return options_.epoch_size / shards;
  if (options_.pad_last_batch) return options_.epoch_size_padded / shards;
  // A multiple of the batch size that covers the biggest shard.
  return CeilDiv(CeilDiv(options_.epoch_size, shards), batch_size_) * batch_size_;
}

int64_t EpochCounter::BatchesInFirstEpoch() const {
  const int64_t size = FirstEpochSize();
  return options_.last_batch_policy == LastBatchPolicy::kDrop ? size / batch_size_
                                                              : CeilDiv(size, batch_size_);
}

bool EpochCounter::WouldDrop(int64_t counter) const {
  // A batch that overflows any shard is dropped, so that every shard gives as many batches.
  for (size_t s = 0; s < shard_sizes_.size(); ++s) {
    if (read_ahead_[s] + counter > shard_sizes_[s]) return true;
  }
  return false;
}

int64_t EpochCounter::CountBatch() {
  counter_ += batch_size_;
  switch (options_.last_batch_policy) {
    case LastBatchPolicy::kDrop:
      if (WouldDrop(counter_)) return -1;
      break;
    case LastBatchPolicy::kPartial: {
      // What is left of this shard, which the last batch may overrun.
      int64_t left = batch_size_ - (counter_ - initial_shard_sizes_[shard_id_]);
      if (left < batch_size_) return SliceLength(left, batch_size_);
      break;
    }
    default:
      break;
  }
  return batch_size_;
}

bool EpochCounter::DropPending() const {
  return options_.last_batch_policy == LastBatchPolicy::kDrop && !EpochDone() &&
         WouldDrop(counter_ + batch_size_);
}

void EpochCounter::StartNextEpoch() {
  if (counter_ < size_ && size_ >= 0) return;  // DALI ignores a reset in the middle of an epoch
  const int64_t shards = options_.num_shards;
  // FILL without padding reads into the next epoch: that epoch starts past those samples.
  const bool carries_over =
      options_.last_batch_policy == LastBatchPolicy::kFill && !options_.pad_last_batch;
  if (carries_over) {
    counter_ -= *std::min_element(read_ahead_.begin(), read_ahead_.end());
    for (int64_t s = 0; s < shards; ++s) read_ahead_[s] += counter_ - shard_sizes_[s];
    counter_ = *std::min_element(read_ahead_.begin(), read_ahead_.end());
  } else {
    counter_ = 0;
  }
  if (!options_.stick_to_shard) shard_id_ = (shard_id_ + 1) % shards;
  if (!carries_over) return;
  if (!options_.stick_to_shard) RollByOne(&shard_sizes_);
  int64_t most_left = 0;
  for (int64_t s = 0; s < shards; ++s) {
    int64_t left = shard_sizes_[s] - read_ahead_[s];
    most_left = s == 0 ? left : std::max(most_left, left);
  }
  size_ = CeilDiv(most_left, batch_size_) * batch_size_;
  if (size_ == 0) {
    // The read-ahead covered the whole next epoch: skip it.
    read_ahead_.assign(shards, 0);
    counter_ = 0;
    RollByOne(&shard_sizes_);
    size_ = CeilDiv(*std::max_element(shard_sizes_.begin(), shard_sizes_.end()), batch_size_) *
            batch_size_;
  }
}

absl::Status EpochCounter::Save(tensorflow::data::IteratorStateWriter* writer,
                                const std::string& prefix) const {
  TF_RETURN_IF_ERROR(writer->WriteScalar(prefix, kCounterKey, counter_));
  TF_RETURN_IF_ERROR(writer->WriteScalar(prefix, kSizeKey, size_));
  TF_RETURN_IF_ERROR(writer->WriteScalar(prefix, kShardIdKey, shard_id_));
  TF_RETURN_IF_ERROR(writer->WriteScalar(prefix, kNumShardsKey, options_.num_shards));
  for (size_t s = 0; s < shard_sizes_.size(); ++s) {
    TF_RETURN_IF_ERROR(writer->WriteScalar(prefix, ShardKey("shard_size", s), shard_sizes_[s]));
    TF_RETURN_IF_ERROR(writer->WriteScalar(prefix, ShardKey("read_ahead", s), read_ahead_[s]));
  }
  return absl::OkStatus();
}

absl::Status EpochCounter::Restore(tensorflow::data::IteratorStateReader* reader,
                                   const std::string& prefix) {
  // The reader's options were compared with the checkpoint's before (checkpoint_identity.h):
  // what is read here is only checked to be a count of this reader.
  int64_t shards = 0;
  TF_RETURN_IF_ERROR(reader->ReadScalar(prefix, kNumShardsKey, &shards));
  if (shards != options_.num_shards) {
    return absl::InvalidArgumentError(
        absl::StrCat("The checkpoint was saved by a DALI dataset reading ", shards,
                     " shards, this one reads ", options_.num_shards));
  }
  int64_t counter = 0, size = 0, shard_id = 0;
  std::vector<int64_t> shard_sizes(shards), read_ahead(shards);
  TF_RETURN_IF_ERROR(reader->ReadScalar(prefix, kCounterKey, &counter));
  TF_RETURN_IF_ERROR(reader->ReadScalar(prefix, kSizeKey, &size));
  TF_RETURN_IF_ERROR(reader->ReadScalar(prefix, kShardIdKey, &shard_id));
  for (int64_t s = 0; s < shards; ++s) {
    TF_RETURN_IF_ERROR(reader->ReadScalar(prefix, ShardKey("shard_size", s), &shard_sizes[s]));
    TF_RETURN_IF_ERROR(reader->ReadScalar(prefix, ShardKey("read_ahead", s), &read_ahead[s]));
  }
  TF_RETURN_IF_ERROR(CheckRestored(counter, size, shard_id, shard_sizes, read_ahead));
  counter_ = counter;
  size_ = size;
  shard_id_ = shard_id;
  shard_sizes_ = std::move(shard_sizes);
  read_ahead_ = std::move(read_ahead);
  return absl::OkStatus();
}

absl::Status EpochCounter::CheckRestored(int64_t counter, int64_t size, int64_t shard_id,
                                         const std::vector<int64_t>& shard_sizes,
                                         const std::vector<int64_t>& read_ahead) const {
  auto invalid = [&](absl::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat("Invalid checkpoint of a DALI dataset reading '",
                                                   options_.reader_name, "': ", what));
  };
  if (shard_id < 0 || shard_id >= options_.num_shards) {
    return invalid(absl::StrCat("shard ", shard_id, " of ", options_.num_shards));
  }
  // The shard sizes only ever roll (the reader moves on to the next shard).
  if (!IsRotationOf(shard_sizes, initial_shard_sizes_)) {
    return invalid("its shard sizes are not those of this reader");
  }
  // (Only what holds for every count: the read-ahead of FILL without padding has no simple
  // bound, tests/cc/epoch_counter_test.cc.)
  if (size < 0 || counter < 0) {
    return invalid(absl::StrCat("position ", counter, " in an epoch of ", size, " samples"));
  }
  for (size_t s = 0; s < read_ahead.size(); ++s) {
    if (read_ahead[s] < 0) {
      return invalid(absl::StrCat(read_ahead[s], " samples read ahead in shard ", s));
    }
  }
  return absl::OkStatus();
}

}  // namespace dali_tf
