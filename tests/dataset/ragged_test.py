"""output_ragged: outputs whose samples keep their own shapes, as tf.RaggedTensor, equal to DALI's
per-sample arrays from its own pipeline.run()."""

import numpy as np
import pytest
import tensorflow as tf
from nvidia.dali import fn, pipeline_def, types

import dali_tf
from tests.common.dali_reference import dali_sample_batches
from tests.common.test_utils import jpeg_dir_fixture

BATCH = 3

jpeg_root = jpeg_dir_fixture(6)  # of different sizes


@pipeline_def(batch_size=BATCH, num_threads=1, device_id=None, seed=7)
def decoded_images(root):
    jpegs, labels = fn.readers.file(file_root=root, random_shuffle=False)
    return fn.decoders.image(jpegs, device="cpu"), labels


@pipeline_def(batch_size=BATCH, num_threads=1, device_id=None, seed=7, enable_checkpointing=True)
def boxes():
    """A varying number (1..5) of float boxes [x0, y0, x1, y1] per sample, and a dense id."""
    count = fn.cast(fn.random.uniform(range=[1.0, 6.0], seed=3), dtype=types.INT32)
    boxes = fn.random.uniform(shape=fn.stack(count, 4), range=[0.0, 1.0], seed=4)
    return boxes, fn.random.uniform(shape=[1], range=[0.0, 100.0], seed=5)


def assert_ragged_equal(ragged, samples):
    assert isinstance(ragged, tf.RaggedTensor)
    assert ragged.shape[0] == len(samples)
    for k, expected in enumerate(samples):
        got = ragged[k].numpy() if ragged.ragged_rank == 1 else ragged[k].to_tensor().numpy()
        assert got.shape == expected.shape, (k, got.shape, expected.shape)
        np.testing.assert_array_equal(got, expected, err_msg="sample %d" % k)


def test_images_of_different_sizes(jpeg_root):
    dataset = dali_tf.DALIDataset(
        decoded_images(jpeg_root),
        output_dtypes=(tf.uint8, tf.int32),
        output_shapes=((BATCH, None, None, 3), (BATCH, 1)),
        output_ragged=(True, False),
    )
    assert dataset.element_spec == (
        tf.RaggedTensorSpec([BATCH, None, None, 3], tf.uint8, 2, tf.int64),
        tf.TensorSpec([BATCH, 1], tf.int32),
    )
    expected = dali_sample_batches(decoded_images(jpeg_root), 4)  # crosses the epoch of 6 files
    heights = set()
    for (images, labels), (expected_images, expected_labels) in zip(dataset.take(4), expected):
        assert_ragged_equal(images, expected_images)
        np.testing.assert_array_equal(labels.numpy(), np.stack(expected_labels))
        heights |= {s.shape[0] for s in expected_images}
    assert len(heights) > 1  # the samples really differ in shape


def test_a_varying_number_of_boxes_is_ragged_in_one_dimension():
    dataset = dali_tf.DALIDataset(
        boxes(),
        output_dtypes=(tf.float32, tf.float32),
        output_shapes=((None, None, 4), None),
        output_ragged=(True, False),
    )
    assert dataset.element_spec[0] == tf.RaggedTensorSpec([None, None, 4], tf.float32, 1)
    batches = list(dataset.take(5))
    for (got, _), (expected, _) in zip(batches, dali_sample_batches(boxes(), 5)):
        assert_ragged_equal(got, expected)
        np.testing.assert_array_equal(got.row_lengths().numpy(), [len(e) for e in expected])


def test_batches_held_after_the_pipeline_moved_on_keep_their_values():
    # Contiguous CPU batches are handed over without a copy: the values must stay DALI's
    # buffers' contents, held by reference, while the pipeline produces 40 more batches.
    dataset = dali_tf.DALIDataset(
        boxes(),
        output_dtypes=(tf.float32, tf.float32),
        output_shapes=((None, None, 4), None),
        output_ragged=(True, False),
        prefetch_queue_depth=2,
    )
    held = [b for b, _ in dataset.take(40)]
    for got, (expected, _) in zip(held, dali_sample_batches(boxes(), 40)):
        assert_ragged_equal(got, expected)


def test_ragged_inside_tf_function():
    dataset = dali_tf.DALIDataset(
        boxes(),
        output_dtypes=(tf.float32, tf.float32),
        output_shapes=((None, None, 4), None),
        output_ragged=(True, False),
    )

    @tf.function
    def box_counts_and_sums():
        iterator = iter(dataset)
        counts, sums = [], []
        for _ in range(3):  # unrolled at trace time
            b, _ = next(iterator)
            counts.append(b.row_lengths())
            sums.append(tf.reduce_sum(b.flat_values))
        return counts, sums

    counts, sums = box_counts_and_sums()
    for got_counts, got_sum, (expected, _) in zip(counts, sums, dali_sample_batches(boxes(), 3)):
        np.testing.assert_array_equal(got_counts.numpy(), [len(e) for e in expected])
        np.testing.assert_allclose(got_sum.numpy(), sum(e.sum() for e in expected), rtol=1e-5)


def test_checkpoint_restores_the_following_ragged_batches(tmp_path):
    dataset = dali_tf.DALIDataset(
        boxes(),
        output_dtypes=(tf.float32, tf.float32),
        output_shapes=((None, None, 4), None),
        output_ragged=(True, False),
    )
    iterator = iter(dataset)
    for _ in range(2):
        next(iterator)
    checkpoint = tf.train.Checkpoint(iterator=iterator)
    path = checkpoint.save(str(tmp_path / "ckpt"))
    expected = [next(iterator)[0] for _ in range(3)]

    restored_iterator = iter(dataset)
    tf.train.Checkpoint(iterator=restored_iterator).restore(path)
    for want in expected:
        got = next(restored_iterator)[0]
        np.testing.assert_array_equal(got.row_splits.numpy(), want.row_splits.numpy())
        np.testing.assert_array_equal(got.flat_values.numpy(), want.flat_values.numpy())


def test_ragged_with_a_per_sample_input():
    lengths = [2, 5, 1, 3, 4, 2]
    samples = [np.arange(n, dtype=np.int32) + 10 * i for i, n in enumerate(lengths)]

    @pipeline_def(batch_size=BATCH, num_threads=1, device_id=None)
    def plus_one():
        return fn.external_source(name="x", dtype=types.INT32) + 1

    source = tf.data.Dataset.from_generator(
        lambda: iter(samples), output_signature=tf.TensorSpec([None], tf.int32)
    )
    dataset = dali_tf.experimental.DALIDatasetWithInputs(
        plus_one(),
        input_datasets={"x": source},
        output_dtypes=tf.int32,
        output_shapes=(BATCH, None),
        output_ragged=True,
    )
    got = [b for (b,) in dataset]
    assert len(got) == 2
    for b, batch in enumerate(got):
        assert_ragged_equal(batch, [s + 1 for s in samples[b * BATCH : (b + 1) * BATCH]])


def test_a_non_uniform_batch_without_ragged_suggests_it(jpeg_root):
    dataset = dali_tf.DALIDataset(decoded_images(jpeg_root), output_dtypes=(tf.uint8, tf.int32))
    with pytest.raises(
        tf.errors.InvalidArgumentError,
        match=r"Output 0 of the DALI pipeline is not a uniform batch.*"
        r"pass output_ragged=True to get a tf.RaggedTensor",
    ):
        next(iter(dataset))


@pytest.mark.parametrize("shape", [None, (BATCH, 4, 4, 3)])
def test_a_ragged_output_needs_its_ragged_dimensions_declared(jpeg_root, shape):
    # The op's rule (cc/dataset/ragged_output.cc), checked when the op is created.
    with pytest.raises(
        tf.errors.InvalidArgumentError,
        match=r"output_shapes\[0\] is .* a ragged output "
        r"needs a shape of known rank",
    ):
        dali_tf.DALIDataset(
            decoded_images(jpeg_root),
            output_dtypes=(tf.uint8, tf.int32),
            output_shapes=(shape, None),
            output_ragged=(True, False),
        )


def test_output_ragged_must_match_output_dtypes(jpeg_root):
    with pytest.raises(TypeError, match="output_ragged must be a bool, or a tuple of 2 bools"):
        dali_tf.DALIDataset(
            decoded_images(jpeg_root), output_dtypes=(tf.uint8, tf.int32), output_ragged=(True,)
        )


def test_samples_must_agree_in_the_declared_dimensions(jpeg_root):
    dataset = dali_tf.DALIDataset(
        decoded_images(jpeg_root),
        output_dtypes=(tf.uint8, tf.int32),
        output_shapes=((BATCH, None, None, 4), (BATCH, 1)),
        output_ragged=(True, False),
    )
    with pytest.raises(
        tf.errors.InvalidArgumentError,
        match=r"Output 0 of the DALI pipeline: sample 0 has dimension 2 of size 3 "
        r"but the declared shape \[3,\?,\?,4\] gives 4",
    ):
        next(iter(dataset))


def test_partial_with_a_reader_cannot_cut_a_ragged_output(jpeg_root):
    @pipeline_def(batch_size=BATCH, num_threads=1, device_id=None)
    def named_reader():
        jpegs, labels = fn.readers.file(file_root=jpeg_root, name="Reader")
        return fn.decoders.image(jpegs, device="cpu"), labels

    with pytest.raises(
        tf.errors.InvalidArgumentError,
        match=r"last_batch_policy=partial with reader_name cannot shorten ragged outputs "
        r"\(output_ragged\): use fill or drop",
    ):
        dali_tf.DALIDataset(
            named_reader(),
            output_dtypes=(tf.uint8, tf.int32),
            output_shapes=((None, None, None, 3), (None, 1)),
            output_ragged=(True, False),
            reader_name="Reader",
            last_batch_policy="partial",
        )


if __name__ == "__main__":
    from tests.common.pytest_main import main

    main(__file__)
