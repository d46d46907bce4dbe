"""Checkpointing DALIDatasetWithInputs: the pipeline's state, every input iterator's state and
the input batches still in flight are saved, so a restore continues exactly."""

import os

import numpy as np
import pytest
import tensorflow as tf
from nvidia.dali import fn, pipeline_def

import dali_tf
from tests.common.inputs_test_utils import with_inputs


@pipeline_def(batch_size=3, num_threads=2, device_id=None, enable_checkpointing=True, seed=123)
def noisy():
    x = fn.external_source(name="x")
    noise = fn.random.uniform(range=[0.0, 1.0], shape=[2])
    return x + noise


def make_dataset():
    inputs = (
        tf.data.Dataset.range(1000)
        .shuffle(50, seed=7)
        .map(lambda i: tf.fill([2], tf.cast(i, tf.float32)))
    )
    return with_inputs(noisy(), {"x": inputs}, tf.float32, (3, 2))


def next_batches(iterator, n):
    """The next n batches; the datasets here have one output, so each element is a 1-tuple."""
    return [next(iterator)[0].numpy() for _ in range(n)]


@pytest.mark.parametrize("consumed", [0, 1, 4])
def test_restore_gives_the_same_following_batches(tmp_path, consumed):
    iterator = iter(make_dataset())
    next_batches(iterator, consumed)
    checkpoint = tf.train.Checkpoint(iterator=iterator)
    path = checkpoint.save(os.path.join(tmp_path, "ckpt"))
    expected = next_batches(iterator, 5)

    restored = iter(make_dataset())
    next_batches(restored, 2)  # a different position, overwritten by the restore
    tf.train.Checkpoint(iterator=restored).restore(path)
    got = next_batches(restored, 5)
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(g, e)


@pipeline_def(batch_size=2, num_threads=1, device_id=None, enable_checkpointing=True)
def two_inputs():
    per_sample = fn.external_source(name="per_sample")
    batched = fn.external_source(name="batched")
    return per_sample * 1000 + batched


def two_input_dataset(count):
    per_sample = tf.data.Dataset.range(count).shuffle(10, seed=3)
    batched = tf.data.Dataset.range(count).map(lambda i: i * 7).batch(2)
    return with_inputs(
        two_inputs(),
        {"per_sample": per_sample, "batched": dali_tf.experimental.Input(batched, batch=True)},
        tf.int64,
    )


def rest(iterator):
    return [b.numpy() for (b,) in iterator]


@pytest.mark.parametrize("consumed", [1, 3, 4])
def test_restore_with_a_batched_input_and_near_the_end_of_data(tmp_path, consumed):
    # 10 samples, batch 2: 5 batches; saving after 3 or 4 leaves in-flight batches whose inputs
    # have already been read to the end.
    iterator = iter(two_input_dataset(10))
    next_batches(iterator, consumed)
    path = tf.train.Checkpoint(iterator=iterator).save(os.path.join(tmp_path, "ckpt"))
    expected = rest(iterator)
    assert len(expected) == 5 - consumed

    restored = iter(two_input_dataset(10))
    tf.train.Checkpoint(iterator=restored).restore(path)
    got = rest(restored)
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(g, e)


def test_python_source_cannot_be_checkpointed_and_is_named(tmp_path):
    def counter(info):
        return np.float32(info.idx_in_epoch)

    @pipeline_def(batch_size=2, num_threads=1, device_id=None, enable_checkpointing=True)
    def pipe():
        return fn.external_source(source=counter, batch=False)

    iterator = iter(with_inputs(pipe(), {}, tf.float32))
    next(iterator)
    with pytest.raises(tf.errors.FailedPreconditionError, match="source=counter"):
        tf.train.Checkpoint(iterator=iterator).save(os.path.join(tmp_path, "ckpt"))


# A checkpoint belongs to its dataset: the in-flight input batches are stored by input position,
# per sample or per batch, at the batch size. Restored into a dataset fed otherwise, it is refused.


def x_samples():
    return tf.data.Dataset.range(1000).map(lambda i: tf.fill([2], tf.cast(i, tf.float32)))


def noisy_dataset(x=None, batch_size=3, shapes=None, **kwargs):
    x = x_samples() if x is None else x
    shapes = (batch_size, 2) if shapes is None else shapes
    return with_inputs(noisy(batch_size=batch_size), {"x": x}, tf.float32, shapes, **kwargs)


def saved_with_batches_in_flight(dataset, tmp_path):
    iterator = iter(dataset)
    next_batches(iterator, 2)
    return iterator, tf.train.Checkpoint(iterator=iterator).save(os.path.join(tmp_path, "ckpt"))


@pytest.mark.parametrize(
    "restored,differences",
    [
        (
            dict(x=dali_tf.experimental.Input(x_samples().batch(3), batch=True)),
            [
                "input 0: 'x', per-sample, layout as in the pipeline, elements float [2] in the "
                "checkpoint, 'x', batch, layout as in the pipeline, elements float [?,2] in this "
                "dataset"
            ],
        ),
        (
            dict(x=dali_tf.experimental.Input(x_samples(), layout="W")),
            ["in the checkpoint, 'x', per-sample, layout 'W', elements float [2] in this dataset"],
        ),
        (dict(batch_size=2), ["batch_size: 3 in the checkpoint, 2 in this dataset"]),
        (
            dict(x=x_samples().map(lambda x: x[:1])),
            [
                "elements float [2] in the checkpoint, 'x', per-sample, layout as in the pipeline, "
                "elements float [1] in this dataset"
            ],
        ),
        (
            dict(last_batch_policy="partial", shapes=(None, 2)),
            ["last_batch_policy: none in the checkpoint, partial in this dataset"],
        ),
    ],
)
def test_a_checkpoint_of_a_dataset_fed_otherwise_is_refused(tmp_path, restored, differences):
    _, path = saved_with_batches_in_flight(noisy_dataset(), tmp_path)
    iterator = iter(noisy_dataset(**restored))
    with pytest.raises(tf.errors.InvalidArgumentError, match="different DALI dataset") as error:
        tf.train.Checkpoint(iterator=iterator).restore(path)
    for part in differences:
        assert part in str(error.value)
    # (TensorFlow cancels the iterator a restore is attempted on, so its inputs are not read again.)


def test_a_checkpoint_of_another_input_is_refused(tmp_path):
    @pipeline_def(batch_size=3, num_threads=1, device_id=None, enable_checkpointing=True, seed=123)
    def noisy_y():
        return fn.external_source(name="y") + fn.random.uniform(range=[0.0, 1.0], shape=[2])

    _, path = saved_with_batches_in_flight(noisy_dataset(), tmp_path)
    iterator = iter(with_inputs(noisy_y(), {"y": x_samples()}, tf.float32, (3, 2)))
    with pytest.raises(tf.errors.InvalidArgumentError) as error:
        tf.train.Checkpoint(iterator=iterator).restore(path)
    message = str(error.value)
    assert (
        "input 0: 'x', per-sample, layout as in the pipeline, elements float [2] in the "
        "checkpoint, 'y'" in message
    )
    assert "operator 'x'" in message and "operator 'y'" in message


@pytest.mark.parametrize("depth", [1, 4])
def test_restore_into_another_prefetch_depth_gives_the_same_batches(tmp_path, depth):
    # The batches in flight at the save (2 at DALI's default depth) are fed again first, whatever
    # the restored pipeline's depth.
    iterator, path = saved_with_batches_in_flight(noisy_dataset(), tmp_path)
    expected = next_batches(iterator, 5)
    restored = iter(noisy_dataset(prefetch_queue_depth=depth))
    tf.train.Checkpoint(iterator=restored).restore(path)
    for got, want in zip(next_batches(restored, 5), expected):
        np.testing.assert_array_equal(got, want)


if __name__ == "__main__":
    from tests.common.pytest_main import main

    main(__file__)
