"""tf.train.Checkpoint of a DALIDataset iterator restores exactly the batches that followed."""

import pytest
import tensorflow as tf
from nvidia.dali import fn, pipeline_def, types

import dali_tf
from tests.common import dataset_pipelines as pipes
from tests.common.dali_reference import assert_same_batches, dali_batches
from tests.common.test_utils import jpeg_dir_fixture

DTYPES = (tf.uint8, tf.int32, tf.float32)


jpeg_root = jpeg_dir_fixture(10)


def checkpointable_dataset(root):
    return dali_tf.DALIDataset(pipes.shuffled_random(root), output_dtypes=DTYPES)


def take(iterator, count):
    return [pipes.as_numpy(next(iterator)) for _ in range(count)]


@pytest.mark.parametrize("batches_before_save", [0, 1, 5])
def test_restored_fresh_iterator_continues_with_the_same_batches(
    jpeg_root, tmp_path, batches_before_save
):
    dataset = checkpointable_dataset(jpeg_root)
    iterator = iter(dataset)
    take(iterator, batches_before_save)
    path = tf.train.Checkpoint(iterator=iterator).save(str(tmp_path / "ckpt"))
    following = take(iterator, 6)  # past the 10-file epoch: reshuffling is restored too

    restored = iter(dataset)
    tf.train.Checkpoint(iterator=restored).restore(path).assert_consumed()
    assert_same_batches(take(restored, 6), following)


def test_restore_rewinds_an_iterator_in_use(jpeg_root, tmp_path):
    iterator = iter(checkpointable_dataset(jpeg_root))
    take(iterator, 2)
    checkpoint = tf.train.Checkpoint(iterator=iterator)
    path = checkpoint.save(str(tmp_path / "ckpt"))
    following = take(iterator, 4)
    take(iterator, 3)
    checkpoint.restore(path)
    assert_same_batches(take(iterator, 4), following)


def test_restore_into_a_new_dataset_object(jpeg_root, tmp_path):
    iterator = iter(checkpointable_dataset(jpeg_root))
    take(iterator, 3)
    path = tf.train.Checkpoint(iterator=iterator).save(str(tmp_path / "ckpt"))
    following = take(iterator, 3)
    restored = iter(checkpointable_dataset(jpeg_root))
    tf.train.Checkpoint(iterator=restored).restore(path)
    assert_same_batches(take(restored, 3), following)


def test_restored_batches_differ_from_a_fresh_start(jpeg_root, tmp_path):
    # Guards the equality tests above against a pipeline that repeats itself.
    iterator = iter(checkpointable_dataset(jpeg_root))
    first = take(iterator, 3)
    later = take(iterator, 3)
    assert any((a[2] != b[2]).any() for a, b in zip(first, later))


def test_saving_without_enable_checkpointing_is_a_clear_error(tmp_path):
    @pipeline_def(batch_size=2, num_threads=1, device_id=None, seed=1)
    def plain():
        return fn.random.uniform(range=[0, 1], shape=[2])

    iterator = iter(dali_tf.DALIDataset(plain(), output_dtypes=tf.float32))
    next(iterator)
    with pytest.raises(tf.errors.FailedPreconditionError, match="enable_checkpointing=True"):
        tf.train.Checkpoint(iterator=iterator).save(str(tmp_path / "ckpt"))
    next(iterator)  # the failed save leaves the iterator usable


# A checkpoint belongs to its dataset: restored into another one it is refused, naming what
# differs, and the iterator is left as it was. What a restore is right across is accepted.

FILES = 24


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """FILES one-byte files; file i holds i."""
    root = tmp_path_factory.mktemp("checkpoint_files")
    paths = []
    for i in range(FILES):
        path = root / ("sample_%02d.bin" % i)
        path.write_bytes(bytes([i]))
        paths.append(str(path))
    return paths


def labels_and_noise(files, count, name, shard_id, num_shards):
    """The first `count` files, labelled with their index, and a random output."""
    _, labels = fn.readers.file(
        files=files[:count],
        labels=list(range(count)),
        shard_id=shard_id,
        num_shards=num_shards,
        random_shuffle=True,
        initial_fill=4,
        name=name,
    )
    return labels, fn.random.uniform(range=[0, 1], shape=[2])


@pipeline_def(num_threads=1, device_id=None, enable_checkpointing=True)
def reader_pipe(files, count=10, name="Reader", shard_id=0, num_shards=1):
    return labels_and_noise(files, count, name, shard_id, num_shards)


@pipeline_def(num_threads=1, device_id=None, enable_checkpointing=True)
def same_pipe_defined_elsewhere(files, count=10, name="Reader", shard_id=0, num_shards=1):
    """reader_pipe in another function: DALI records in the serialized pipeline where (function,
    line) each operator was defined."""
    return labels_and_noise(files, count, name, shard_id, num_shards)


def reader_dataset(files, pipe=reader_pipe, batch_size=4, seed=1, dataset_args=None, **pipe_args):
    return dali_tf.DALIDataset(
        pipe(files, batch_size=batch_size, seed=seed, **pipe_args),
        output_dtypes=(tf.int32, tf.float32),
        output_shapes=((None, 1), (None, 2)),
        **(dataset_args or {}),
    )


def saved_after(dataset, tmp_path, batches=1):
    iterator = iter(dataset)
    take(iterator, batches)
    return tf.train.Checkpoint(iterator=iterator).save(str(tmp_path / "ckpt"))


def test_the_issues_example_is_refused_and_names_the_reader(files, tmp_path):
    # A checkpoint of a 10-file reader restored into a 24-file one gave 2 batches, then the end.
    path = saved_after(reader_dataset(files, dataset_args=dict(reader_name="Reader")), tmp_path)
    dataset = reader_dataset(files, count=24, dataset_args=dict(reader_name="Reader"))
    iterator = iter(dataset)
    with pytest.raises(tf.errors.InvalidArgumentError) as error:
        tf.train.Checkpoint(iterator=iterator).restore(path)
    message = str(error.value)
    for part in (
        "saved from a different DALI dataset",
        "reader_epoch_size: 10 in the checkpoint, 24 in this dataset",
        "operator 'Reader' argument 'files': [10 values",
        "operator 'Reader' argument 'labels'",
    ):
        assert part in message
    # The iterator is left as it was: the first epoch of its own 24 files, as DALI runs it.
    epoch = take(iterator, 6)
    assert_same_batches(epoch, dali_batches(reader_pipe(files, count=24, batch_size=4, seed=1), 6))
    assert sorted(int(s) for labels, _ in epoch for s in labels.ravel()) == list(range(FILES))
    with pytest.raises(StopIteration):
        next(iterator)


@pytest.mark.parametrize(
    "saved,restored,differences",
    [
        # The data set (no reader_name: the operator's arguments tell it).
        (dict(), dict(count=24), ["operator 'Reader' argument 'files'"]),
        # Another reader name: another operator.
        (
            dict(dataset_args=dict(reader_name="Reader")),
            dict(name="Other", dataset_args=dict(reader_name="Other")),
            [
                "reader_name: 'Reader' in the checkpoint, 'Other' in this dataset",
                "operator 'Reader': readers__File",
                "in the checkpoint, none in this dataset",
                "operator 'Other': none in the checkpoint, readers__File",
            ],
        ),
        (dict(), dict(name="Other"), ["operator 'Reader'", "operator 'Other'"]),
        # Another shard.
        (
            dict(num_shards=2, dataset_args=dict(reader_name="Reader")),
            dict(num_shards=2, shard_id=1, dataset_args=dict(reader_name="Reader")),
            [
                "reader_shard_id: 0 in the checkpoint, 1 in this dataset",
                "operator 'Reader' argument 'shard_id': 0 in the checkpoint, 1 in this dataset",
            ],
        ),
        (dict(num_shards=2), dict(num_shards=3), ["argument 'num_shards': 2 in the checkpoint, 3"]),
        # Another last batch policy.
        (
            dict(dataset_args=dict(reader_name="Reader")),
            dict(dataset_args=dict(reader_name="Reader", last_batch_policy="drop")),
            ["last_batch_policy: fill in the checkpoint, drop in this dataset"],
        ),
        # Reader epochs, or none.
        (
            dict(dataset_args=dict(reader_name="Reader")),
            dict(),
            [
                "reader_name: 'Reader' in the checkpoint, none in this dataset",
                "last_batch_policy: fill in the checkpoint, none in this dataset",
                "reader_epoch_size: 10 in the checkpoint, none in this dataset",
            ],
        ),
        # Another batch size.
        (dict(), dict(batch_size=2), ["batch_size: 4 in the checkpoint, 2 in this dataset"]),
        (
            dict(),
            dict(dataset_args=dict(batch_size=5)),
            ["batch_size: 4 in the checkpoint, 5 in this dataset"],
        ),
    ],
)
def test_a_checkpoint_of_another_dataset_is_refused(files, tmp_path, saved, restored, differences):
    path = saved_after(reader_dataset(files, **saved), tmp_path)
    iterator = iter(reader_dataset(files, **restored))
    with pytest.raises(tf.errors.InvalidArgumentError, match="different DALI dataset") as error:
        tf.train.Checkpoint(iterator=iterator).restore(path)
    for part in differences:
        assert part in str(error.value)
    next(iterator)  # still usable


def test_a_checkpoint_of_another_pipeline_is_refused(files, tmp_path):
    path = saved_after(reader_dataset(files), tmp_path)

    @pipeline_def(batch_size=4, num_threads=1, device_id=None, enable_checkpointing=True)
    def noise_only():
        return fn.random.uniform(range=[0, 1], shape=[1], dtype=types.INT32), fn.random.uniform(
            range=[0, 1], shape=[2]
        )

    dataset = dali_tf.DALIDataset(noise_only(), output_dtypes=(tf.int32, tf.float32))
    with pytest.raises(tf.errors.InvalidArgumentError) as error:
        tf.train.Checkpoint(iterator=iter(dataset)).restore(path)
    message = str(error.value)
    assert "operator 'Reader': readers__File" in message
    assert "pipeline outputs: 'Reader[1]' (cpu)" in message


@pytest.mark.parametrize(
    "restored",
    [
        dict(pipe=same_pipe_defined_elsewhere),
        dict(seed=2),  # the checkpoint holds the random generators' states
        dict(dataset_args=dict(num_threads=3)),
        dict(dataset_args=dict(prefetch_queue_depth=1)),
        dict(dataset_args=dict(prefetch_queue_depth=4)),
        dict(dataset_args=dict(exec_dynamic=False)),
    ],
    ids=["defined_elsewhere", "seed", "num_threads", "depth_1", "depth_4", "pipelined_executor"],
)
@pytest.mark.parametrize("reader_name", [None, "Reader"])
def test_what_a_restore_is_right_across_is_accepted(files, tmp_path, restored, reader_name):
    dataset_args = dict(restored.pop("dataset_args", {}), reader_name=reader_name)
    iterator = iter(reader_dataset(files, dataset_args=dict(reader_name=reader_name)))
    take(iterator, 1)
    path = tf.train.Checkpoint(iterator=iterator).save(str(tmp_path / "ckpt"))
    following = take(iterator, 2)  # the rest of the 10-file epoch (FILL: 3 batches)

    restored_iterator = iter(reader_dataset(files, dataset_args=dataset_args, **restored))
    tf.train.Checkpoint(iterator=restored_iterator).restore(path)
    assert_same_batches(take(restored_iterator, 2), following)


if __name__ == "__main__":
    from tests.common.pytest_main import main

    main(__file__)
