// EpochCounter on the first epoch of a reader, per last batch policy and shard layout, the
// validation of its attributes, and its checkpoints (a restored count is one of its reader's). The
// epochs after the first (read-ahead, shard rotation) are checked end to end against DALI's own
// iterator in tests/dataset/epochs_test.py.
#include "cc/dataset/epoch_counter.h"

#include <vector>

#include "gtest/gtest.h"
#include "tests/cc/iterator_state.h"
#include "tests/cc/status_matchers.h"

namespace dali_tf {
namespace {

EpochOptions Reader(LastBatchPolicy policy, int64_t epoch_size, int64_t num_shards = 1,
                    int64_t shard_id = 0) {
  EpochOptions options;
  options.reader_name = "Reader";
  options.last_batch_policy = policy;
  options.epoch_size = epoch_size;
  options.epoch_size_padded = epoch_size;
  options.num_shards = num_shards;
  options.shard_id = shard_id;
  return options;
}

// What CountBatch returns for each batch until the epoch is complete (at most `limit` batches).
std::vector<int64_t> FirstEpoch(EpochCounter* counter, int limit = 100) {
  std::vector<int64_t> kept;
  while (!counter->EpochComplete() && static_cast<int>(kept.size()) < limit) {
    kept.push_back(counter->CountBatch());
  }
  return kept;
}

TEST(EpochCounterTest, PartialCutsTheLastBatchToTheEpoch) {
  EpochCounter counter(Reader(LastBatchPolicy::kPartial, 10), 4);
  EXPECT_EQ(counter.BatchesInFirstEpoch(), 3);
  EXPECT_EQ(FirstEpoch(&counter), (std::vector<int64_t>{4, 4, 2}));
  EXPECT_TRUE(counter.EpochDone());
}

TEST(EpochCounterTest, DropReturnsFullBatchesThenDropsTheIncompleteOne) {
  EpochCounter counter(Reader(LastBatchPolicy::kDrop, 10), 4);
  EXPECT_EQ(counter.BatchesInFirstEpoch(), 2);
  EXPECT_EQ(FirstEpoch(&counter), (std::vector<int64_t>{4, 4}));
  // The incomplete batch is still in DALI's queue: popped, counted and dropped.
  EXPECT_TRUE(counter.DropPending());
  EXPECT_EQ(counter.CountBatch(), -1);
  EXPECT_FALSE(counter.DropPending());
}

TEST(EpochCounterTest, DropOfAnEpochOfWholeBatchesDropsNothing) {
  EpochCounter counter(Reader(LastBatchPolicy::kDrop, 12), 4);
  EXPECT_EQ(FirstEpoch(&counter), (std::vector<int64_t>{4, 4, 4}));
  EXPECT_FALSE(counter.DropPending());
}

TEST(EpochCounterTest, FillWithPaddingReadsThePaddedShard) {
  EpochOptions options = Reader(LastBatchPolicy::kFill, 10);
  options.pad_last_batch = true;
  options.epoch_size_padded = 12;
  EpochCounter counter(options, 4);
  EXPECT_EQ(counter.BatchesInFirstEpoch(), 3);
  EXPECT_EQ(FirstEpoch(&counter), (std::vector<int64_t>{4, 4, 4}));
}

TEST(EpochCounterTest, FillWithoutPaddingCoversTheBiggestShard) {
  // 10 samples in 3 shards hold 3, 3 and 4: every shard gives ceil(4 / 3) = 2 full batches.
  for (int64_t shard = 0; shard < 3; ++shard) {
    EpochCounter counter(Reader(LastBatchPolicy::kFill, 10, 3, shard), 3);
    EXPECT_EQ(counter.BatchesInFirstEpoch(), 2) << "shard " << shard;
    EXPECT_EQ(FirstEpoch(&counter), (std::vector<int64_t>{3, 3})) << "shard " << shard;
  }
}

TEST(EpochCounterTest, PartialKeepsEachShardsOwnSamples) {
  // Shards of 3, 3 and 4 samples, batches of 3: as many batches everywhere, cut to the shard.
  EpochCounter shard0(Reader(LastBatchPolicy::kPartial, 10, 3, 0), 3);
  EXPECT_EQ(FirstEpoch(&shard0), (std::vector<int64_t>{3, 0}));
  EpochCounter shard2(Reader(LastBatchPolicy::kPartial, 10, 3, 2), 3);
  EXPECT_EQ(FirstEpoch(&shard2), (std::vector<int64_t>{3, 1}));
}

TEST(EpochCounterTest, NextEpochStartsIncomplete) {
  EpochCounter counter(Reader(LastBatchPolicy::kPartial, 8), 4);
  EXPECT_EQ(FirstEpoch(&counter), (std::vector<int64_t>{4, 4}));
  counter.StartNextEpoch();
  EXPECT_FALSE(counter.EpochComplete());
  EXPECT_EQ(FirstEpoch(&counter), (std::vector<int64_t>{4, 4}));
}

TEST(EpochCounterTest, RestoreContinuesTheSavedCount) {
  // FILL without padding over 3 shards: the second epoch depends on what the first read ahead.
  const EpochOptions options = Reader(LastBatchPolicy::kFill, 10, 3, 1);
  EpochCounter saved(options, 3);
  FirstEpoch(&saved);
  saved.StartNextEpoch();
  IteratorState state;
  ASSERT_TRUE(saved.Save(&state, "it").ok());

  EpochCounter restored(options, 3);
  ASSERT_TRUE(restored.Restore(&state, "it").ok());
  for (int epoch = 0; epoch < 3; ++epoch) {
    EXPECT_EQ(FirstEpoch(&restored), FirstEpoch(&saved)) << "epoch " << epoch;
    saved.StartNextEpoch();
    restored.StartNextEpoch();
  }
}

TEST(EpochCounterTest, RestoreRefusesACountThatIsNotOfItsReader) {
  const EpochOptions options = Reader(LastBatchPolicy::kFill, 10, 3, 1);
  EpochCounter fresh(options, 3);
  const std::vector<int64_t> first_epoch = FirstEpoch(&fresh);
  struct Corruption {
    const char* key;
    int64_t value;
    const char* message;
  };
  for (const Corruption& c : std::vector<Corruption>{
           {"epoch_num_shards", 2, "reading 2 shards, this one reads 3"},
           {"epoch_shard_id", 3, "shard 3 of 3"},
           {"epoch_shard_size_0", 4, "shard sizes are not those of this reader"},
           {"epoch_counter", -1, "position -1 in an epoch of"},
           {"epoch_size", -4, "in an epoch of -4 samples"},
           {"epoch_read_ahead_2", -2, "-2 samples read ahead in shard 2"},
       }) {
    IteratorState state;
    ASSERT_TRUE(EpochCounter(options, 3).Save(&state, "it").ok());
    state.Set("it", c.key, c.value);
    EpochCounter restored(options, 3);
    EXPECT_TRUE(IsInvalidArgument(restored.Restore(&state, "it"), {c.message})) << c.key;
    EXPECT_EQ(FirstEpoch(&restored), first_epoch) << c.key << ": left as it was";
  }
}

TEST(EpochCounterTest, RestoreTakesEveryCountItsReaderReaches) {
  // Every position of many epochs (rolled shard sizes, read-ahead) of many layouts restores.
  for (LastBatchPolicy policy :
       {LastBatchPolicy::kFill, LastBatchPolicy::kDrop, LastBatchPolicy::kPartial}) {
    for (int64_t shards = 1; shards <= 4; ++shards) {
      for (int64_t samples = shards; samples <= 13; ++samples) {
        for (int64_t batch = 1; batch <= 5; ++batch) {
          for (bool stick : {false, true}) {
            EpochOptions options = Reader(policy, samples, shards, shards - 1);
            options.stick_to_shard = stick;
            EpochCounter counter(options, batch);
            for (int step = 0; step < 120; ++step) {
              IteratorState state;
              ASSERT_TRUE(counter.Save(&state, "it").ok());
              EpochCounter restored(options, batch);
              absl::Status status = restored.Restore(&state, "it");
              ASSERT_TRUE(status.ok())
                  << status << ": policy " << LastBatchPolicyName(policy) << ", " << samples
                  << " samples in " << shards << " shards, batch " << batch << ", step " << step;
              if (counter.EpochComplete()) {
                if (counter.DropPending()) counter.CountBatch();
                counter.StartNextEpoch();
              } else {
                counter.CountBatch();
              }
            }
          }
        }
      }
    }
  }
}

TEST(EpochOptionsTest, ParsesPolicyNamesAndRefusesOthers) {
  LastBatchPolicy policy = LastBatchPolicy::kFill;
  for (LastBatchPolicy p : {LastBatchPolicy::kNone, LastBatchPolicy::kFill, LastBatchPolicy::kDrop,
                            LastBatchPolicy::kPartial}) {
    ASSERT_TRUE(ParseLastBatchPolicy(LastBatchPolicyName(p), &policy).ok());
    EXPECT_EQ(policy, p);
  }
  EXPECT_TRUE(IsInvalidArgument(ParseLastBatchPolicy("FILL", &policy),
                                {"last_batch_policy is 'FILL'", "expected 'fill'"}));
}

TEST(EpochOptionsTest, ValidationNamesTheAttribute) {
  EXPECT_TRUE(ValidateEpochOptions(EpochOptions(), 0).ok());  // no reader, no epochs
  EXPECT_TRUE(ValidateEpochOptions(Reader(LastBatchPolicy::kFill, 10), 4).ok());
  EXPECT_TRUE(IsInvalidArgument(ValidateEpochOptions(Reader(LastBatchPolicy::kNone, 10), 4),
                                {"reader 'Reader'", "last_batch_policy must be given"}));
  EXPECT_TRUE(IsInvalidArgument(ValidateEpochOptions(Reader(LastBatchPolicy::kFill, 10), 0),
                                {"batch size"}));
  EXPECT_TRUE(IsInvalidArgument(ValidateEpochOptions(Reader(LastBatchPolicy::kFill, 0), 4),
                                {"reader_epoch_size is 0"}));
  EpochOptions padded = Reader(LastBatchPolicy::kFill, 10);
  padded.epoch_size_padded = 8;
  EXPECT_TRUE(IsInvalidArgument(ValidateEpochOptions(padded, 4),
                                {"reader_epoch_size_padded (8) is less than reader_epoch_size"}));
  EXPECT_TRUE(IsInvalidArgument(ValidateEpochOptions(Reader(LastBatchPolicy::kFill, 10, 2, 2), 4),
                                {"reader_shard_id 2 of reader_num_shards 2"}));
}

}  // namespace
}  // namespace dali_tf
