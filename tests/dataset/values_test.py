"""DALIDataset on the CPU produces exactly what the same pipeline run directly produces."""

import numpy as np
import pytest
import tensorflow as tf
from tensorflow.python.data.ops import dataset_ops
from tensorflow.python.ops import gen_dataset_ops, gen_experimental_dataset_ops

import dali_tf
from tests.common import dataset_pipelines as pipes
from tests.common.dali_reference import assert_same_batches, dali_batches
from tests.common.test_utils import jpeg_dir_fixture

BATCH = 4
FILES = 8  # two batches per epoch


jpeg_root = jpeg_dir_fixture(FILES)


def image_label_dataset(root, **kwargs):
    return dali_tf.DALIDataset(
        pipes.images_and_labels(root),
        output_dtypes=(tf.uint8, tf.int32),
        output_shapes=((BATCH,) + pipes.IMAGE_SIZE + (3,), (BATCH, 1)),
        **kwargs,
    )


def test_every_dtype_equals_pipeline_run(jpeg_root):
    dtypes = (tf.uint8, tf.int32) + tuple(tf_type for _, tf_type in pipes.DALI_TO_TF)
    dataset = dali_tf.DALIDataset(pipes.every_dtype(jpeg_root), output_dtypes=dtypes)
    batches = [pipes.as_numpy(e) for e in dataset.take(3)]
    assert_same_batches(batches, dali_batches(pipes.every_dtype(jpeg_root), 3))
    patch_int32 = batches[0][2 + [t for _, t in pipes.DALI_TO_TF].index(tf.int32)]
    assert patch_int32.shape == (BATCH, 4, 5, 3)
    assert patch_int32.min() < 0 < patch_int32.max()  # real image data, not zeros


def test_several_epochs_equal_pipeline_run(jpeg_root):
    epochs = 3
    count = epochs * FILES // BATCH
    batches = [pipes.as_numpy(e) for e in image_label_dataset(jpeg_root).take(count)]
    assert_same_batches(batches, dali_batches(pipes.images_and_labels(jpeg_root), count))
    labels = np.concatenate([b[1].ravel() for b in batches])
    assert sorted(labels[:FILES]) == sorted(labels[FILES : 2 * FILES])  # every epoch sees all files


def test_shapes_and_element_spec(jpeg_root):
    dataset = image_label_dataset(jpeg_root)
    assert dataset.element_spec == (
        tf.TensorSpec((BATCH, 24, 32, 3), tf.uint8),
        tf.TensorSpec((BATCH, 1), tf.int32),
    )
    images, labels = next(iter(dataset))
    assert images.shape == (BATCH, 24, 32, 3) and labels.shape == (BATCH, 1)


def test_single_dtype_gives_a_1_tuple_like_nvidias_plugin(jpeg_root):
    # A single tf.DType (not a tuple) and a single shape: each element is a 1-tuple, and so is
    # element_spec, as in NVIDIA's DALI TF plugin.
    dataset = dali_tf.DALIDataset(
        pipes.random_floats(), output_dtypes=tf.float32, output_shapes=(None, 16, 16, 3)
    )
    assert dataset.element_spec == (tf.TensorSpec((None, 16, 16, 3), tf.float32),)
    element = next(iter(dataset))
    assert isinstance(element, tuple) and len(element) == 1
    (images,) = element
    assert isinstance(images, tf.Tensor)
    assert_same_batches([[images.numpy()]], dali_batches(pipes.random_floats(), 1))


def test_unknown_shapes_by_default(jpeg_root):
    dataset = dali_tf.DALIDataset(
        pipes.images_and_labels(jpeg_root), output_dtypes=(tf.uint8, tf.int32)
    )
    assert dataset.element_spec[0].shape.rank is None
    images, _ = next(iter(dataset))
    assert images.shape == (BATCH, 24, 32, 3)


def test_two_datasets_iterated_at_once(jpeg_root):
    first = iter(image_label_dataset(jpeg_root))
    second = iter(dali_tf.DALIDataset(pipes.random_floats(), output_dtypes=tf.float32))
    got_first, got_second = [], []
    for _ in range(5):
        got_first.append(pipes.as_numpy(next(first)))
        got_second.append(pipes.as_numpy(next(second)))
    assert_same_batches(got_first, dali_batches(pipes.images_and_labels(jpeg_root), 5))
    assert_same_batches(got_second, dali_batches(pipes.random_floats(), 5))


def test_iterating_inside_tf_function(jpeg_root):
    dataset = image_label_dataset(jpeg_root)

    @tf.function
    def label_sums(ds):
        sums = tf.TensorArray(tf.int32, size=0, dynamic_size=True)
        i = 0
        for _, labels in ds.take(4):
            sums = sums.write(i, tf.reduce_sum(labels))
            i += 1
        return sums.stack()

    expected = [int(b[1].sum()) for b in dali_batches(pipes.images_and_labels(jpeg_root), 4)]
    assert label_sums(dataset).numpy().tolist() == expected


def test_dataset_created_inside_tf_function(jpeg_root):
    pipe = pipes.images_and_labels(jpeg_root)

    @tf.function
    def first_images():
        dataset = dali_tf.DALIDataset(pipe, output_dtypes=(tf.uint8, tf.int32))
        return next(iter(dataset))[0]

    expected = dali_batches(pipes.images_and_labels(jpeg_root), 1)[0][0]
    np.testing.assert_array_equal(first_images().numpy(), expected)


@pytest.mark.parametrize("exec_dynamic", [True, False])
def test_zero_copy_batches_stay_valid_after_the_pipeline_moves_on(exec_dynamic):
    # With the dynamic executor the tensors alias DALI's buffers; with the other executor they
    # are copies. Either way batches held long after must keep their values.
    count = 60
    dataset = dali_tf.DALIDataset(
        pipes.random_floats(),
        output_dtypes=tf.float32,
        exec_dynamic=exec_dynamic,
        prefetch_queue_depth=2,
    )
    held = list(dataset.take(count))
    expected = dali_batches(pipes.random_floats(), count)
    assert_same_batches([[t.numpy()] for (t,) in held], expected)
    assert len({float(t[0, 0, 0, 0]) for (t,) in held}) == count  # distinct batches


def test_dataset_survives_its_graph_serialization(jpeg_root):
    # tf.data's graph rewrites and saving a dataset rebuild it from the GraphDef it serializes to.
    dataset = image_label_dataset(jpeg_root)
    graph_def = gen_dataset_ops.dataset_to_graph_v2(dataset._variant_tensor)
    rebuilt = dataset_ops._VariantDataset(
        gen_experimental_dataset_ops.dataset_from_graph(graph_def), dataset.element_spec
    )
    batches = [pipes.as_numpy(e) for e in rebuilt.take(3)]
    assert_same_batches(batches, dali_batches(pipes.images_and_labels(jpeg_root), 3))


def test_options_keep_values(jpeg_root):
    dataset = image_label_dataset(jpeg_root).with_options(dali_tf.dataset_options())
    batches = [pipes.as_numpy(e) for e in dataset.take(3)]
    assert_same_batches(batches, dali_batches(pipes.images_and_labels(jpeg_root), 3))


def test_dataset_options_disable_what_would_move_or_shard_the_dataset():
    options = dali_tf.dataset_options()
    assert options.autotune.enabled is False
    assert options.experimental_optimization.apply_default_optimizations is False
    assert (
        options.experimental_distribute.auto_shard_policy
        == tf.data.experimental.AutoShardPolicy.OFF
    )


if __name__ == "__main__":
    from tests.common.pytest_main import main

    main(__file__)
