"""reader_name / last_batch_policy: one epoch of a reader per iterator, exactly as DALI's own
framework iterators (nvidia.dali.plugin.base_iterator) cut the reader's stream into epochs.

The reader reads N tiny files whose labels (from a file_list) are their indices, so a batch of
labels names its samples. The reference is DALI's iterator logic itself
(tests/common/reference_iterator.py).
"""

import os

import numpy as np
import pytest
import tensorflow as tf
from nvidia.dali import fn, pipeline_def
from nvidia.dali.plugin.base_iterator import LastBatchPolicy
from tensorflow.python.data.ops import dataset_ops
from tensorflow.python.ops import gen_dataset_ops, gen_experimental_dataset_ops

import dali_tf
from dali_tf import _epochs
from dali_tf._dataset_op import OutputStructure, make_variant
from dali_tf._pipeline import PipelineSettings
from tests.common import reference_iterator as reference
from tests.common.dali_reference import dali_batches

FILES = 10
EPOCHS = 3
POLICIES = (LastBatchPolicy.FILL, LastBatchPolicy.DROP, LastBatchPolicy.PARTIAL)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    """FILES one-byte files and a file_list labelling file i with i."""
    root = tmp_path_factory.mktemp("epoch_files")
    lines = []
    for i in range(FILES):
        name = "sample_%02d.bin" % i
        (root / name).write_bytes(bytes([i]))
        lines.append("%s %d" % (name, i))
    (root / "list.txt").write_text("\n".join(lines) + "\n")
    return str(root)


@pipeline_def(num_threads=1, device_id=None, seed=7)
def labels_pipe(root, shard_id=0, num_shards=1, pad=False, stick=False, shuffle=False):
    _, labels = fn.readers.file(
        file_root=root,
        file_list=os.path.join(root, "list.txt"),
        shard_id=shard_id,
        num_shards=num_shards,
        pad_last_batch=pad,
        stick_to_shard=stick,
        random_shuffle=shuffle,
        initial_fill=4,
        name="Reader",
    )
    return labels


def make_pipe(root, batch_size, checkpointing=False, **reader):
    return labels_pipe(root, batch_size=batch_size, enable_checkpointing=checkpointing, **reader)


def reference_epochs(pipe, policy, epochs=EPOCHS):
    """Per epoch, the label batches DALI's iterator gives, and its len() when made."""
    return reference.reference_epochs(pipe, policy, epochs)


def dataset(root, batch_size, policy, checkpointing=False, **reader):
    kwargs = {} if policy is None else {"last_batch_policy": policy}
    return dali_tf.DALIDataset(
        make_pipe(root, batch_size, checkpointing, **reader),
        output_dtypes=tf.int32,
        output_shapes=(None, 1),
        reader_name="Reader",
        **kwargs,
    )


def labels_of(elements):
    return [element[0].numpy().ravel().tolist() for element in elements]


def shard_samples(shard, num_shards):
    """The samples of a shard, as DALI splits FILES among num_shards."""
    return list(range(shard * FILES // num_shards, (shard + 1) * FILES // num_shards))


def check_policy(policy, epoch, batch_size, shard, num_shards, pad):
    """What the policy promises, independently of the reference: batch sizes, and for the
    padded (or unsharded) reader, each sample of the epoch's shard the expected number of
    times."""
    sizes = [len(b) for b in epoch]
    samples = sorted(s for b in epoch for s in b)
    own = shard_samples(shard, num_shards)
    if policy != LastBatchPolicy.PARTIAL:
        assert all(size == batch_size for size in sizes), sizes
    else:
        assert all(size == batch_size for size in sizes[:-1]) and sizes[-1] <= batch_size, sizes
    if policy == LastBatchPolicy.DROP:
        assert len(epoch) == (FILES // num_shards) // batch_size
        if not pad:  # (a padded shard's padding can start the next epoch)
            assert len(set(samples)) == len(samples), samples  # nothing twice
    if pad or num_shards == 1:
        if policy == LastBatchPolicy.PARTIAL:
            assert samples == own  # every sample of the shard, once
        elif policy == LastBatchPolicy.FILL and pad:
            # Every shard padded with its last sample to the biggest one's whole batches.
            biggest = -(-FILES // num_shards)
            padded = -(-biggest // batch_size) * batch_size
            fill = padded - len(own)
            assert samples == sorted(own + [own[-1]] * fill)


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
@pytest.mark.parametrize(
    "num_shards,pad,stick",
    [(1, False, False), (1, True, False)]
    + [(3, pad, stick) for pad in (False, True) for stick in (False, True)],
)
@pytest.mark.parametrize("batch_size", [3, 4])
def test_epochs_are_dalis_iterator_epochs(data_dir, policy, num_shards, pad, stick, batch_size):
    reader = dict(num_shards=num_shards, pad=pad, stick=stick)
    partial_epoch_samples = [[] for _ in range(EPOCHS)]
    for shard in range(num_shards):
        expected, length = reference_epochs(
            make_pipe(data_dir, batch_size, shard_id=shard, **reader), policy
        )
        ds = dataset(data_dir, batch_size, policy, shard_id=shard, **reader)
        assert int(ds.cardinality()) == length == len(expected[0])
        # One iterator per epoch: each goes on where the previous one left the reader.
        epochs = [labels_of(ds) for _ in range(EPOCHS)]
        assert epochs == expected
        # repeat() gives the same epochs in a row.
        again = dataset(data_dir, batch_size, policy, shard_id=shard, **reader)
        assert labels_of(again.repeat(EPOCHS)) == [b for epoch in expected for b in epoch]

        for e, epoch in enumerate(epochs):
            current = shard if stick else (shard + e) % num_shards  # the reader's shard
            check_policy(policy, epoch, batch_size, current, num_shards, pad)
            partial_epoch_samples[e] += [s for b in epoch for s in b]
    if policy == LastBatchPolicy.PARTIAL and pad:
        # The shards of one epoch together: every sample exactly once.
        for samples in partial_epoch_samples:
            assert sorted(samples) == list(range(FILES))


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
def test_shuffled_reader_matches_dalis_iterator(data_dir, policy):
    expected, _ = reference_epochs(make_pipe(data_dir, 4, shuffle=True), policy)
    ds = dataset(data_dir, 4, policy, shuffle=True)
    assert labels_of(ds.repeat(EPOCHS)) == [b for epoch in expected for b in epoch]


def test_fill_without_padding_carries_the_read_ahead_into_the_next_epoch(data_dir):
    # 10 samples, batches of 4: epoch 1 reads 0..9 and 0, 1 ahead; epoch 2 is 2..9 only.
    ds = dataset(data_dir, 4, None)  # FILL is the default
    assert int(ds.cardinality()) == 3
    epochs = [labels_of(ds) for _ in range(3)]
    assert epochs == [
        [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 0, 1]],
        [[2, 3, 4, 5], [6, 7, 8, 9]],
        [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 0, 1]],
    ]


def test_partial_can_give_an_empty_last_batch_as_dali_does(data_dir):
    # Shards of 3, 3 and 4 samples, batches of 3: the epoch is two batches, and a 3-sample
    # shard has nothing left for the second one.
    expected, _ = reference_epochs(
        make_pipe(data_dir, 3, shard_id=0, num_shards=3), LastBatchPolicy.PARTIAL
    )
    assert expected[0] == [[0, 1, 2], []]
    ds = dataset(data_dir, 3, LastBatchPolicy.PARTIAL, shard_id=0, num_shards=3)
    first = next(iter(ds.skip(1)))
    assert first[0].shape == (0, 1)


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
def test_stopping_after_the_epochs_batches_still_ends_the_epoch(data_dir, policy):
    # A consumer that takes `cardinality` batches and never asks for the end (take(), Keras
    # steps): the next iterator still goes on with the next epoch, DROP's dropped batch too.
    expected, length = reference_epochs(make_pipe(data_dir, 4), policy)
    ds = dataset(data_dir, 4, policy)
    assert [labels_of(ds.take(length)) for _ in range(2)] == expected[:2]


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
def test_next_iterator_made_while_the_last_one_is_alive(data_dir, policy):
    # Keras makes the next epoch's iterator before it drops the last one.
    expected, length = reference_epochs(make_pipe(data_dir, 4), policy)
    ds = dataset(data_dir, 4, policy)
    first = iter(ds)
    batches = [next(first) for _ in range(length)]
    second = iter(ds)
    assert labels_of(batches) == expected[0]
    assert labels_of(second) == expected[1]
    assert labels_of(first) == []


def test_an_unused_iterator_takes_nothing(data_dir):
    # Keras makes an iterator at the end of each epoch, drops it unused, and makes another.
    expected, _ = reference_epochs(make_pipe(data_dir, 4), LastBatchPolicy.FILL)
    ds = dataset(data_dir, 4, "fill")
    assert labels_of(ds) == expected[0]
    unused = iter(ds)
    used = iter(ds)
    del unused
    assert labels_of(used) == expected[1]


def keras_fit(xy, epochs):
    """model.fit(xy, epochs): the y batches Keras trained on (as lists of ints), and the number of
    epochs it ran."""
    seen = []

    class Recorder(tf.keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = tf.keras.layers.Dense(1)

        def call(self, x):
            return self.dense(x)

        def train_step(self, data):
            seen.append(data[1].numpy().ravel().astype(int).tolist())
            return {"loss": 0.0}

    model = Recorder()
    model.compile(run_eagerly=True)
    history = model.fit(xy, epochs=epochs, verbose=0)
    return seen, len(history.history["loss"])


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
@pytest.mark.parametrize("pad", [False, True])
def test_keras_fit_epochs_are_dalis_epochs(data_dir, policy, pad):
    expected, _ = reference_epochs(make_pipe(data_dir, 4, pad=pad), policy)
    xy = dataset(data_dir, 4, policy, pad=pad).map(lambda x: (tf.cast(x, tf.float32),) * 2)
    seen, _ = keras_fit(xy, EPOCHS)
    # (FILL without padding: Keras warns that the shorter second epoch ran out of data.)
    assert seen == [b for epoch in expected for b in epoch]


def test_an_iterator_dropped_mid_epoch_leaves_the_next_one_starting_over(data_dir):
    ds = dataset(data_dir, 4, "fill")
    iterator = iter(ds)
    next(iterator)
    del iterator
    assert labels_of(ds) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 0, 1]]


def test_policy_strings_are_case_insensitive(data_dir):
    expected, _ = reference_epochs(make_pipe(data_dir, 4), LastBatchPolicy.DROP)
    assert labels_of(dataset(data_dir, 4, "Drop")) == expected[0]
    ds = dataset(data_dir, 4, "PARTIAL")
    assert [len(b) for b in labels_of(ds)] == [4, 4, 2]


def test_cardinality_without_reader_name(data_dir):
    plain = dali_tf.DALIDataset(make_pipe(data_dir, 4), output_dtypes=tf.int32)
    assert int(plain.cardinality()) == tf.data.INFINITE_CARDINALITY


def test_repeat_cardinality(data_dir):
    ds = dataset(data_dir, 4, "partial", pad=True)
    assert int(ds.cardinality()) == 3
    assert int(ds.repeat(3).cardinality()) == 9
    assert len(labels_of(ds.repeat(3))) == 9


def test_epochs_in_a_tf_function(data_dir):
    expected, _ = reference_epochs(make_pipe(data_dir, 4), LastBatchPolicy.PARTIAL, 2)
    ds = dataset(data_dir, 4, "partial")

    @tf.function
    def total():
        return ds.repeat(2).reduce(
            np.int64(0), lambda acc, b: acc + tf.reduce_sum(tf.cast(b[0], tf.int64))
        )

    assert int(total()) == sum(s for epoch in expected for b in epoch for s in b)


def test_epochs_survive_graph_serialization(data_dir):
    expected, _ = reference_epochs(
        make_pipe(data_dir, 3, num_shards=3, shard_id=2), LastBatchPolicy.DROP
    )
    ds = dataset(data_dir, 3, "drop", num_shards=3, shard_id=2)
    graph_def = gen_dataset_ops.dataset_to_graph_v2(ds._variant_tensor)
    rebuilt = dataset_ops._VariantDataset(
        gen_experimental_dataset_ops.dataset_from_graph(graph_def), ds.element_spec
    )
    assert int(rebuilt.cardinality()) == 1
    assert labels_of(rebuilt.repeat(EPOCHS)) == [b for epoch in expected for b in epoch]


# Checkpoints


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
@pytest.mark.parametrize("batches_before_save", [1, 2])
def test_checkpoint_mid_epoch_restores_the_rest_of_the_epoch(
    data_dir, tmp_path, policy, batches_before_save
):
    expected, _ = reference_epochs(make_pipe(data_dir, 4, checkpointing=True), policy, 2)
    ds = dataset(data_dir, 4, policy, checkpointing=True)
    iterator = iter(ds)
    [next(iterator) for _ in range(batches_before_save)]
    path = tf.train.Checkpoint(iterator=iterator).save(str(tmp_path / "ckpt"))
    rest = labels_of(iterator)
    assert rest == expected[0][batches_before_save:]

    restored = iter(dataset(data_dir, 4, policy, checkpointing=True))
    tf.train.Checkpoint(iterator=restored).restore(path)
    assert labels_of(restored) == rest
    with pytest.raises(StopIteration):
        next(restored)


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
@pytest.mark.parametrize("into_the_second_epoch", [0, 1])
def test_checkpoint_in_a_later_epoch_of_repeat(data_dir, tmp_path, policy, into_the_second_epoch):
    # The epoch count (FILL's shorter second epoch, the shard) is restored with the pipeline,
    # also right at the end of an epoch.
    reader = dict(num_shards=3, shard_id=1)
    expected, _ = reference_epochs(make_pipe(data_dir, 2, checkpointing=True, **reader), policy)
    flat = [b for epoch in expected for b in epoch]
    ds = dataset(data_dir, 2, policy, checkpointing=True, **reader).repeat(EPOCHS)
    iterator = iter(ds)
    skip = len(expected[0]) + into_the_second_epoch
    assert labels_of([next(iterator) for _ in range(skip)]) == flat[:skip]
    path = tf.train.Checkpoint(iterator=iterator).save(str(tmp_path / "ckpt"))
    assert labels_of(iterator) == flat[skip:]

    restored = iter(dataset(data_dir, 2, policy, checkpointing=True, **reader).repeat(EPOCHS))
    tf.train.Checkpoint(iterator=restored).restore(path)
    assert labels_of(restored) == flat[skip:]


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
@pytest.mark.parametrize("ask_for_the_end", [False, True])
def test_restored_at_the_end_of_an_epoch_the_next_iterator_goes_on(
    data_dir, tmp_path, policy, ask_for_the_end
):
    expected, length = reference_epochs(make_pipe(data_dir, 4, checkpointing=True), policy, 2)
    iterator = iter(dataset(data_dir, 4, policy, checkpointing=True))
    [next(iterator) for _ in range(length)]  # every batch, without asking for the end
    path = tf.train.Checkpoint(iterator=iterator).save(str(tmp_path / "ckpt"))

    ds = dataset(data_dir, 4, policy, checkpointing=True)
    restored = iter(ds)
    tf.train.Checkpoint(iterator=restored).restore(path)
    if ask_for_the_end:
        assert labels_of(restored) == []
    del restored
    assert labels_of(ds) == expected[1]


def test_checkpoint_after_the_last_batch_of_an_epoch(data_dir, tmp_path):
    ds = dataset(data_dir, 4, "drop", checkpointing=True)
    iterator = iter(ds)
    assert len(labels_of(iterator)) == 2  # ended
    path = tf.train.Checkpoint(iterator=iterator).save(str(tmp_path / "ckpt"))
    restored = iter(dataset(data_dir, 4, "drop", checkpointing=True))
    tf.train.Checkpoint(iterator=restored).restore(path)
    assert labels_of(restored) == []


# Input datasets


@pipeline_def(batch_size=4, num_threads=1, device_id=None)
def per_sample_pipe():
    return fn.external_source(name="x")


@pipeline_def(batch_size=4, num_threads=1, device_id=None)
def two_inputs_pipe():
    return fn.external_source(name="x"), fn.external_source(name="y")


def sample_input(count, start=0):
    return tf.data.Dataset.range(start, start + count).map(
        lambda i: tf.reshape(tf.cast(i, tf.int32), [1])
    )


def fed_dataset(policy=None, count=10):
    kwargs = {} if policy is None else {"last_batch_policy": policy}
    return dali_tf.experimental.DALIDatasetWithInputs(
        per_sample_pipe(),
        input_datasets={"x": sample_input(count)},
        output_dtypes=tf.int32,
        output_shapes=(None, 1),
        **kwargs,
    )


def test_per_sample_input_keeps_dalis_end_of_data_by_default():
    assert labels_of(fed_dataset()) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert labels_of(fed_dataset(LastBatchPolicy.DROP)) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert labels_of(fed_dataset("fill")) == [[0, 1, 2, 3], [4, 5, 6, 7]]


@pytest.mark.parametrize("policy", [LastBatchPolicy.PARTIAL, "partial"])
def test_partial_keeps_the_incomplete_batch_of_a_per_sample_input(policy):
    assert labels_of(fed_dataset(policy)) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert labels_of(fed_dataset(policy, count=8)) == [[0, 1, 2, 3], [4, 5, 6, 7]]


def test_partial_cuts_every_input_to_the_shortest():
    per_batch = dali_tf.experimental.Input(
        tf.data.Dataset.range(100, 112)
        .map(lambda i: tf.reshape(tf.cast(i, tf.int32), [1]))
        .batch(4),
        batch=True,
    )
    ds = dali_tf.experimental.DALIDatasetWithInputs(
        two_inputs_pipe(),
        input_datasets={"x": sample_input(9), "y": per_batch},
        output_dtypes=(tf.int32, tf.int32),
        output_shapes=((None, 1), (None, 1)),
        last_batch_policy="partial",
    )
    batches = [[t.numpy().ravel().tolist() for t in element] for element in ds]
    assert batches == [
        [[0, 1, 2, 3], [100, 101, 102, 103]],
        [[4, 5, 6, 7], [104, 105, 106, 107]],
        [[8], [108]],
    ]


def test_reader_epochs_with_an_input_dataset(data_dir):
    @pipeline_def(batch_size=4, num_threads=1, device_id=None)
    def reader_and_input():
        _, labels = fn.readers.file(
            file_root=data_dir, file_list=os.path.join(data_dir, "list.txt"), name="Reader"
        )
        return labels, fn.external_source(name="x")

    expected, _ = reference_epochs(make_pipe(data_dir, 4), LastBatchPolicy.PARTIAL, 1)
    ds = dali_tf.experimental.DALIDatasetWithInputs(
        reader_and_input(),
        input_datasets={"x": sample_input(100)},
        output_dtypes=(tf.int32, tf.int32),
        output_shapes=((None, 1), (None, 1)),
        reader_name="Reader",
        last_batch_policy="partial",
    )
    assert int(ds.cardinality()) == 3
    for _ in range(2):  # with inputs, each iterator starts over (inputs and reader)
        elements = list(ds)
        assert labels_of(elements) == expected[0]
        assert [e[1].numpy().ravel().tolist() for e in elements][-1] == [8, 9]


# Cardinality with inputs: the data ends with the first input that runs out, so the cardinality
# is never more than the shortest input gives (Keras and repeat() trust it).


@pipeline_def(batch_size=4, num_threads=1, device_id=None)
def reader_and_x(root, source=None):
    """(the reader's labels, x): x is the input "x", or fed per sample from `source`."""
    _, labels = fn.readers.file(
        file_root=root, file_list=os.path.join(root, "list.txt"), name="Reader"
    )
    if source is None:
        return labels, fn.external_source(name="x")
    return labels, fn.external_source(source=source, batch=False)


def int_samples(count):
    return [np.array([i], np.int32) for i in range(count)]


def x_input(kind, count):
    """The input "x": `count` samples ("samples"), `count` batches of 4 ("batches"), endless
    ("endless") or of unknown length ("unknown")."""
    if kind == "batches":
        return dali_tf.experimental.Input(sample_input(4 * count).batch(4), batch=True)
    if kind == "endless":
        return sample_input(count).repeat()
    if kind == "unknown":
        return sample_input(count).filter(lambda x: True)
    return sample_input(count)


def reader_x_dataset(root, kind, count, reader_name="Reader", policy=None):
    kwargs = {} if policy is None else {"last_batch_policy": policy}
    return dali_tf.experimental.DALIDatasetWithInputs(
        reader_and_x(root),
        input_datasets={"x": x_input(kind, count)},
        output_dtypes=(tf.int32, tf.int32),
        output_shapes=((None, 1), (None, 1)),
        reader_name=reader_name,
        **kwargs,
    )


def as_lists(elements):
    return [[t.numpy().ravel().tolist() for t in element] for element in elements]


@pytest.mark.parametrize(
    "kind,count,reader_name,batches",
    [
        ("samples", 8, "Reader", 2),  # the input ends first: 2 batches, not the reader's 3
        ("samples", 10, "Reader", 2),  # an incomplete last batch does not come
        ("samples", 100, "Reader", 3),  # the reader's epoch ends first
        ("batches", 2, "Reader", 2),
        ("endless", 5, "Reader", 3),
        ("samples", 10, None, 2),
        ("batches", 5, None, 5),
    ],
)
def test_cardinality_with_inputs_is_the_batches_that_come(
    data_dir, kind, count, reader_name, batches
):
    ds = reader_x_dataset(data_dir, kind, count, reader_name)
    assert int(ds.cardinality()) == len(ds) == batches
    got = as_lists(ds)
    assert len(got) == batches
    # The same batches as DALI's own pipeline.run() fed the same samples, cut to the reader's
    # epoch (len() of DALI's iterator) where there is one.
    source = {
        "samples": int_samples(count),
        "batches": int_samples(4 * count),
        "endless": int_samples(count) * 20,
    }[kind]
    reference = dali_batches(reader_and_x(data_dir, source=source), max_batches=200)
    _, epoch = reference_epochs(make_pipe(data_dir, 4), LastBatchPolicy.FILL, 1)
    if reader_name is not None:
        reference = reference[:epoch]
    assert got == [[labels.ravel().tolist(), x.ravel().tolist()] for labels, x in reference]
    # Every new iterator starts over, inputs and reader: repeat() gives cardinality * n.
    assert int(ds.repeat(2).cardinality()) == 2 * batches
    assert as_lists(ds.repeat(2)) == got * 2


@pytest.mark.parametrize("count,batches", [(10, 3), (8, 2), (3, 1)])
def test_cardinality_with_partial_counts_the_incomplete_batch(count, batches):
    ds = fed_dataset("partial", count)
    assert int(ds.cardinality()) == batches
    assert labels_of(ds) == [list(range(count))[i : i + 4] for i in range(0, count, 4)]


def test_cardinality_with_partial_and_a_reader_is_the_readers_epoch(data_dir):
    # 12 samples: the input gives 3 full batches, the reader's epoch cuts the last one.
    ds = reader_x_dataset(data_dir, "samples", 12, policy="partial")
    assert int(ds.cardinality()) == 3
    assert as_lists(ds) == [
        [[0, 1, 2, 3], [0, 1, 2, 3]],
        [[4, 5, 6, 7], [4, 5, 6, 7]],
        [[8, 9], [8, 9]],
    ]


def test_cardinality_with_two_inputs_is_the_shortest(data_dir):
    ds = dali_tf.experimental.DALIDatasetWithInputs(
        two_inputs_pipe(),
        input_datasets={"x": x_input("samples", 9), "y": x_input("batches", 5)},
        output_dtypes=(tf.int32, tf.int32),
    )
    assert int(ds.cardinality()) == 2 == len(list(ds))


@pytest.mark.parametrize("kind", ["unknown", "endless"])
def test_cardinality_with_an_input_of_unknown_or_endless_length(data_dir, kind):
    ds = reader_x_dataset(data_dir, kind, 6, reader_name=None)
    expected = {"unknown": tf.data.UNKNOWN_CARDINALITY, "endless": tf.data.INFINITE_CARDINALITY}
    assert int(ds.cardinality()) == expected[kind]
    # With a reader epoch, an input of unknown length could end first: unknown too.
    with_reader = reader_x_dataset(data_dir, kind, 6)
    assert int(with_reader.cardinality()) == {"unknown": tf.data.UNKNOWN_CARDINALITY}.get(kind, 3)
    if kind == "unknown":
        assert len(list(with_reader)) == 1  # 6 samples: one full batch


def test_keras_fit_steps_follow_an_input_that_ends_first(data_dir):
    # Keras takes each epoch's steps from the cardinality: 3 (the reader) would make it run out
    # of data in the first epoch and stop training.
    ds = reader_x_dataset(data_dir, "samples", 8)
    xy = ds.map(lambda labels, x: (tf.cast(labels, tf.float32), tf.cast(x, tf.float32)))
    seen, epochs = keras_fit(xy, 3)
    assert epochs == 3
    assert seen == [[0, 1, 2, 3], [4, 5, 6, 7]] * 3


# Errors


def test_unknown_reader_name_lists_the_readers(data_dir):
    with pytest.raises(ValueError, match=r"'Nope'.*readers: Reader"):
        dali_tf.DALIDataset(make_pipe(data_dir, 4), output_dtypes=tf.int32, reader_name="Nope")


def test_bad_policy(data_dir):
    with pytest.raises(ValueError, match="last_batch_policy must be"):
        dataset(data_dir, 4, "sometimes")
    with pytest.raises(ValueError, match="last_batch_policy must be"):
        dataset(data_dir, 4, 2)


def test_partial_needs_an_unknown_batch_dimension(data_dir):
    # The op checks it when it is created: eagerly its kernel, in a graph its shape function.
    message = (
        r"output_shapes\[0\] is \[4,1\], but last_batch_policy=partial can yield a shorter "
        r"last batch: declare its batch dimension as None, e.g. \(None, 1\)"
    )

    def partial_with_a_batch_dimension():
        return dali_tf.DALIDataset(
            make_pipe(data_dir, 4),
            output_dtypes=tf.int32,
            output_shapes=(4, 1),
            reader_name="Reader",
            last_batch_policy="partial",
        )

    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        partial_with_a_batch_dimension()
    with tf.Graph().as_default(), pytest.raises(ValueError, match=message):
        partial_with_a_batch_dimension()
    with pytest.raises(tf.errors.InvalidArgumentError, match="batch dimension as None"):
        dali_tf.experimental.DALIDatasetWithInputs(
            per_sample_pipe(),
            input_datasets={"x": sample_input(10)},
            output_dtypes=tf.int32,
            output_shapes=(4, 1),
            last_batch_policy="partial",
        )


@pytest.mark.parametrize(
    "epochs,message",
    [
        (dict(last_batch_policy="partial"), r"output_shapes\[0\] is \[4,1\].*partial"),
        (dict(last_batch_policy="drop", shard_id=3, num_shards=3), "reader_shard_id 3 of"),
        (dict(last_batch_policy="sometimes"), "last_batch_policy is 'sometimes'"),
        (dict(last_batch_policy=""), "last_batch_policy must be given"),
    ],
)
def test_the_op_checks_its_epoch_attributes(data_dir, epochs, message):
    # Past the Python checks (a graph loaded without Python would reach the op like this).
    settings = PipelineSettings.resolve(make_pipe(data_dir, 4))
    outputs = OutputStructure.resolve(tf.int32, (4, 1))
    attrs = _epochs.EpochSettings(
        **dict(dict(reader_name="Reader", epoch_size=FILES, epoch_size_padded=FILES), **epochs)
    )
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        make_variant(settings, outputs, True, epochs=attrs)


def test_policy_without_reader_or_inputs(data_dir):
    with pytest.raises(ValueError, match="last_batch_policy needs reader_name"):
        dali_tf.DALIDataset(
            make_pipe(data_dir, 4), output_dtypes=tf.int32, last_batch_policy="drop"
        )


if __name__ == "__main__":
    from tests.common.pytest_main import main

    main(__file__)
