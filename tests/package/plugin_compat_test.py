"""Code written for NVIDIA's DALI TF plugin (``import nvidia.dali.plugin.tf as dali_tf``) runs
unchanged with ``import dali_tf``: written here as plugin users write it, each result checked
against DALI's own ``pipeline.run()`` on the same pipeline."""

import numpy as np
import pytest
import tensorflow as tf
from nvidia.dali import fn, pipeline_def, types

import dali_tf
from dali_tf import _compat
from tests.common.dali_reference import assert_same_batches, dali_batches, dali_sample_batches

BATCH = 4


def as_numpy(elements):
    return [tuple(t.numpy() for t in element) for element in elements]


# --- The tutorial's loop: a single dtype gives 1-tuple elements ---------------------------------


def sample(i):
    return np.full((5, 7, 3), i, np.uint8)


@pipeline_def(batch_size=BATCH, num_threads=1, device_id=None)
def doubled(source=None):
    if source is None:
        x = fn.external_source(name="x", dtype=types.UINT8)
    else:
        x = fn.external_source(source=source, batch=False, dtype=types.UINT8)
    return x + x  # stays uint8 (a Python int would promote it)


def numbered_samples(count):
    def generate():
        for i in range(count):
            yield sample(i)

    return generate


def test_the_tutorial_loop_reads_whole_batches():
    input_dataset = tf.data.Dataset.range(12).map(
        lambda i: tf.fill((5, 7, 3), tf.cast(i, tf.uint8))
    )
    with tf.device("/cpu:0"):
        dali_dataset = dali_tf.experimental.DALIDatasetWithInputs(
            pipeline=doubled(),
            input_datasets={"x": input_dataset},
            batch_size=BATCH,
            output_shapes=(BATCH, 5, 7, 3),
            output_dtypes=tf.uint8,
        )

    # The tutorial's run(), as written.
    result = []
    for batch, i in zip(dali_dataset, range(2)):  # noqa: B007  (the tutorial's loop, as written)
        images = batch[0].numpy()
        for sample_idx in range(BATCH):
            result.append(images[sample_idx])

    expected = dali_batches(doubled(source=numbered_samples(12)))
    assert len(result) == 2 * BATCH
    for k, image in enumerate(result):
        np.testing.assert_array_equal(image, expected[k // BATCH][0][k % BATCH])
        assert image.shape == (5, 7, 3)


@pytest.mark.parametrize("with_inputs", [False, True])
def test_a_single_dtype_gives_a_one_tuple(with_inputs):
    if with_inputs:
        dataset = dali_tf.experimental.DALIDatasetWithInputs(
            doubled(),
            input_datasets={
                "x": tf.data.Dataset.range(8).map(
                    lambda i: tf.fill((5, 7, 3), tf.cast(i, tf.uint8))
                )
            },
            output_dtypes=tf.uint8,
            output_shapes=(BATCH, 5, 7, 3),
        )
    else:
        dataset = dali_tf.DALIDataset(
            doubled(source=numbered_samples(8)),
            output_dtypes=tf.uint8,
            output_shapes=(BATCH, 5, 7, 3),
        )
    assert dataset.element_spec == (tf.TensorSpec((BATCH, 5, 7, 3), tf.uint8),)
    it = iter(dataset)
    (images,) = next(it)
    np.testing.assert_array_equal(
        images.numpy(), dali_batches(doubled(source=numbered_samples(8)))[0][0]
    )


# --- Declared shapes that differ by size-1 dimensions --------------------------------------------


def mnist_like_sample(info):
    """A [1, 28, 28] image whose mean tells its class, and its [1] label: learnable."""
    label = info.idx_in_epoch % 2
    rng = np.random.default_rng(info.idx_in_epoch)
    image = rng.uniform(0.0, 0.5, (1, 28, 28)).astype(np.float32) + 0.5 * label
    return image, np.array([label], np.int32)


@pipeline_def(batch_size=8, num_threads=1, device_id=None)
def mnist_like():
    images, labels = fn.external_source(
        source=mnist_like_sample, batch=False, num_outputs=2, dtype=[types.FLOAT, types.INT32]
    )
    return images, labels


def test_size_one_dimensions_are_reshaped_away():
    dataset = dali_tf.DALIDataset(
        mnist_like(), output_dtypes=(tf.float32, tf.int32), output_shapes=((8, 28, 28), (8,))
    )
    got = as_numpy(dataset.take(3))
    expected = dali_batches(mnist_like(), 3)  # [8, 1, 28, 28] and [8, 1]
    assert_same_batches(
        got, [(images.reshape(8, 28, 28), labels.reshape(8)) for images, labels in expected]
    )


def test_size_one_dimensions_in_partial_declared_shapes():
    dataset = dali_tf.DALIDataset(
        mnist_like(),
        output_dtypes=(tf.float32, tf.int32),
        output_shapes=((None, 28, None, 1), (None,)),
    )
    images, labels = next(iter(dataset))
    assert images.shape == (8, 28, 28, 1) and labels.shape == (8,)
    expected_images, expected_labels = dali_batches(mnist_like(), 1)[0]
    np.testing.assert_array_equal(images.numpy(), expected_images.reshape(8, 28, 28, 1))
    np.testing.assert_array_equal(labels.numpy(), expected_labels.reshape(8))


def test_other_shape_differences_stay_errors():
    dataset = dali_tf.DALIDataset(
        mnist_like(), output_dtypes=(tf.float32, tf.int32), output_shapes=((8, 28, 27), (8,))
    )
    with pytest.raises(
        tf.errors.InvalidArgumentError,
        match=r"Output 0 of the DALI pipeline has shape \[8,1,28,28\] but the "
        r"declared shape is \[8,28,27\]",
    ):
        next(iter(dataset))


def test_keras_trains_on_images_and_labels_declared_without_their_size_one_dimensions():
    tf.keras.utils.set_random_seed(0)
    dataset = dali_tf.DALIDataset(
        mnist_like(), output_dtypes=(tf.float32, tf.int32), output_shapes=((8, 28, 28), (8,))
    )
    model = tf.keras.Sequential(
        [
            tf.keras.Input((28, 28)),
            tf.keras.layers.GlobalAveragePooling1D(),  # column means: enough to tell the classes
            tf.keras.layers.Dense(2),
        ]
    )
    model.compile(
        optimizer=tf.keras.optimizers.Adam(0.05),
        loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    history = model.fit(dataset, steps_per_epoch=10, epochs=4, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < losses[0] * 0.6, losses
    assert history.history["accuracy"][-1] > 0.9


# --- End of data: exactly the batches of pipeline.run() ------------------------------------------


@pytest.mark.parametrize("count", [8, 10, 11])
def test_per_sample_tf_data_input_ends_as_dali_does(count):
    # 10 samples at batch 4: DALI gives 2 batches and drops the incomplete third.
    input_dataset = tf.data.Dataset.from_tensor_slices(np.stack([sample(i) for i in range(count)]))
    dataset = dali_tf.experimental.DALIDatasetWithInputs(
        doubled(),
        input_datasets={"x": input_dataset},
        output_dtypes=tf.uint8,
        output_shapes=(BATCH, 5, 7, 3),
    )
    assert_same_batches(as_numpy(dataset), dali_batches(doubled(source=numbered_samples(count))))


@pytest.mark.parametrize("count", [8, 10])
def test_per_sample_source_ends_as_dali_does(count):
    dataset = dali_tf.DALIDataset(
        doubled(source=numbered_samples(count)),
        output_dtypes=tf.uint8,
        output_shapes=(BATCH, 5, 7, 3),
    )
    assert_same_batches(as_numpy(dataset), dali_batches(doubled(source=numbered_samples(count))))


def batches_of(sizes):
    def generate():
        start = 0
        for size in sizes:
            yield np.stack([sample(start + k) for k in range(size)])
            start += size

    return generate


@pipeline_def(batch_size=BATCH, num_threads=1, device_id=None)
def doubled_batches(source=None):
    if source is None:
        x = fn.external_source(name="x", dtype=types.UINT8)
    else:
        x = fn.external_source(source=source, batch=True, dtype=types.UINT8)
    return x + x  # stays uint8 (a Python int would promote it)


def test_batch_mode_input_keeps_its_smaller_last_batch_as_dali_does():
    sizes = [4, 4, 2]
    input_dataset = tf.data.Dataset.from_generator(
        batches_of(sizes), output_signature=tf.TensorSpec((None, 5, 7, 3), tf.uint8)
    )
    dataset = dali_tf.experimental.DALIDatasetWithInputs(
        doubled_batches(),
        input_datasets={"x": dali_tf.experimental.Input(input_dataset, batch=True)},
        output_dtypes=tf.uint8,
    )
    got = as_numpy(dataset)
    assert [b[0].shape[0] for b in got] == sizes
    assert_same_batches(got, dali_batches(doubled_batches(source=batches_of(sizes))))


def test_batch_mode_source_ends_as_dali_does():
    sizes = [4, 3]
    dataset = dali_tf.DALIDataset(doubled_batches(source=batches_of(sizes)), output_dtypes=tf.uint8)
    assert_same_batches(as_numpy(dataset), dali_batches(doubled_batches(source=batches_of(sizes))))


# --- The plugin's API surface and exception classes ----------------------------------------------


def test_everything_the_plugin_exports_exists():
    for name in (
        "DALIDataset",
        "DALIIterator",
        "DALIIteratorWrapper",
        "DALIRawIterator",
        "serialize_pipeline",
        "dataset_options",
        "dataset_compatible_tensorflow",
        "dataset_inputs_compatible_tensorflow",
        "dataset_distributed_compatible_tensorflow",
    ):
        assert callable(getattr(dali_tf, name)), name
    assert callable(dali_tf.experimental.DALIDatasetWithInputs)
    assert callable(dali_tf.experimental.Input)
    assert dali_tf.DALIIterator() is dali_tf.DALIIteratorWrapper
    assert isinstance(dali_tf.dataset_options(), tf.data.Options)


def test_compatibility_helpers_follow_the_tensorflow_version(monkeypatch):
    # This TensorFlow (2.21) has everything.
    assert dali_tf.dataset_compatible_tensorflow() is True
    assert dali_tf.dataset_inputs_compatible_tensorflow() is True
    assert dali_tf.dataset_distributed_compatible_tensorflow() is True
    expectations = {
        "1.14.0": (False, False, False),
        "1.15.2": (True, False, False),
        "2.4.0": (True, False, False),
        "2.4.1": (True, True, False),
        "2.5.0rc1": (True, True, True),
        "2.21.0": (True, True, True),
    }
    for version, expected in expectations.items():
        monkeypatch.setattr(_compat.tf, "__version__", version)
        assert (
            _compat.dataset_compatible_tensorflow(),
            _compat.dataset_inputs_compatible_tensorflow(),
            _compat.dataset_distributed_compatible_tensorflow(),
        ) == expected, version


@pipeline_def(batch_size=2, num_threads=1, device_id=None)
def with_python_function():
    x = fn.external_source(source=lambda: [np.zeros(3, np.float32)] * 2, batch=True)
    return fn.python_function(x, function=lambda a: a + 1)


def test_unserializable_operator_is_a_runtime_error_naming_it():
    message = (
        r"cannot run inside TensorFlow: its operator nvidia.dali.fn.python_function "
        r"cannot be serialized"
    )
    with pytest.raises(RuntimeError, match=message):
        dali_tf.DALIDataset(with_python_function(), output_dtypes=tf.float32)
    with pytest.raises(RuntimeError, match=message):
        dali_tf.DALIIterator()(
            pipeline=with_python_function(), shapes=[(2, 3)], dtypes=[tf.float32]
        )


def test_missing_output_dtypes_is_a_type_error():
    with pytest.raises(TypeError, match="output_dtypes is required"):
        dali_tf.DALIDataset(mnist_like())


def test_mismatched_counts_are_value_errors():
    with pytest.raises(ValueError, match="output_shapes has 1 entries but output_dtypes has 2"):
        dali_tf.DALIDataset(
            mnist_like(), output_dtypes=(tf.float32, tf.int32), output_shapes=((8, 28, 28),)
        )
    with pytest.raises(ValueError, match="pipeline has 2 outputs but 1 output_dtypes"):
        dali_tf.DALIDataset(mnist_like(), output_dtypes=(tf.float32,))
    with pytest.raises(ValueError, match="shapes has 3 entries but dtypes has 2"):
        dali_tf.DALIIterator()(
            pipeline=mnist_like(), shapes=[(8, 28, 28)] * 3, dtypes=[tf.float32, tf.int32]
        )


def test_deprecated_shapes_and_dtypes_still_work():
    with pytest.warns(DeprecationWarning):
        dataset = dali_tf.DALIDataset(
            mnist_like(), dtypes=(tf.float32, tf.int32), shapes=((8, 1, 28, 28), (8, 1))
        )
    images, labels = next(iter(dataset))
    expected_images, expected_labels = dali_batches(mnist_like(), 1)[0]
    np.testing.assert_array_equal(images.numpy(), expected_images)
    np.testing.assert_array_equal(labels.numpy(), expected_labels)


# --- The legacy op as plugin users call it -------------------------------------------------------


@pipeline_def(batch_size=BATCH, num_threads=1, device_id=None, seed=3)
def ragged_and_labels():
    length = fn.cast(fn.random.uniform(range=[1.0, 6.0], seed=4), dtype=types.INT32)
    vectors = fn.random.uniform(shape=fn.stack(length, length), range=[0.0, 1.0], seed=5)
    labels = fn.cast(fn.random.uniform(shape=[1], range=[0.0, 10.0], seed=6), dtype=types.INT32)
    return vectors, labels


@pytest.mark.parametrize("sparse_shape", [(BATCH,), ()])
def test_legacy_op_sparse_shape_hints_and_positional_pipeline(sparse_shape):
    daliop = dali_tf.DALIIterator()
    with tf.Graph().as_default(), tf.device("/cpu:0"):
        vectors, labels = daliop(
            ragged_and_labels(),
            sparse=[True, False],
            shapes=[sparse_shape, (BATCH,)],
            dtypes=[tf.float32, tf.int32],
            prefetch_queue_depth=2,
        )
        assert isinstance(vectors, tf.SparseTensor)
        with tf.compat.v1.Session() as session:
            got = [session.run((vectors, labels)) for _ in range(2)]
    for (sparse, got_labels), (expected_vectors, expected_labels) in zip(
        got, dali_sample_batches(ragged_and_labels(), 2)
    ):
        dense = tf.sparse.to_dense(tf.SparseTensor(*sparse)).numpy()
        for k, expected in enumerate(expected_vectors):
            np.testing.assert_array_equal(
                dense[k][: expected.shape[0], : expected.shape[1]], expected
            )
        np.testing.assert_array_equal(got_labels, np.array(expected_labels).reshape(BATCH))


if __name__ == "__main__":
    from tests.common.pytest_main import main

    main(__file__)
