"""DALIDataset on a GPU (target tagged gpu / requires-gpu-nvidia; skipped where TensorFlow sees
no GPU, failed where an NVIDIA GPU is present but unusable: see test_utils.gpu_available).

A GPU-placed DALIDataset must be the last dataset, so these tests read it the ways users can:
its iterator directly (a count of next() calls), inside tf.function, and through Keras fit;
never through take/map/prefetch, which run on the CPU. Every output of every batch is compared
in full with DALI's own pipeline.run() of the same pipeline on the same GPU (GPU outputs
brought to the host by DALI's .as_cpu()). Tests that need their own TensorFlow device set-up
(logical GPUs, visible devices, memory options) are in gpu_devices_test.py.
"""

import numpy as np
import pytest
import tensorflow as tf
from nvidia.dali import fn, pipeline_def, types

import dali_tf
from tests.common.dali_reference import assert_same_batches, batch_array, dali_batches, dali_runs
from tests.common.dataset_pipelines import DALI_TO_TF
from tests.common.gpu_utils import (
    MIB,
    assert_mentions,
    device_free_bytes,
    element_arrays,
    physical_gpu_count,
    take_arrays,
)
from tests.common.test_utils import jpeg_dir_fixture, skip_without_gpu

pytestmark = skip_without_gpu()

BATCH = 4
PATCH = [6, 5]
IMAGE = [16, 16, 3]
EVERY_DTYPE = (tf.float32,) + tuple(tf_type for _, tf_type in DALI_TO_TF)
EVERY_SHAPE = ((BATCH, *IMAGE),) + ((BATCH, *PATCH),) * len(DALI_TO_TF)
JPEG_SIZE = (24, 32)
JPEGS = 16  # 4 batches an epoch

jpeg_root = jpeg_dir_fixture(JPEGS)


# Pipelines leave device_id unset (None, DALI 2.4's default) unless a test is about device_id:
# placed under tf.device('/gpu:k') they run on the CUDA ordinal of TensorFlow's /gpu:k.


@pipeline_def(batch_size=BATCH, num_threads=2, seed=1234)
def every_dtype_gpu():
    """GPU outputs of every type a DALIDataset takes: random images computed on the GPU, and
    signed values cast on the GPU to each type (bool, ints, floats)."""
    images = fn.random.uniform(range=[0.0, 1.0], shape=IMAGE, device="gpu", seed=4)
    values = fn.random.uniform(range=[-100.0, 100.0], shape=PATCH, seed=3).gpu()
    return (images * 2.0,) + tuple(fn.cast(values, dtype=dali_type) for dali_type, _ in DALI_TO_TF)


@pipeline_def(batch_size=BATCH, num_threads=2, seed=99)
def integer_images(shape=(32, 32, 3)):
    """Float images of whole numbers 0..255 made on the GPU: any sum of them in float32 is exact
    in any order, so GPU reductions can be compared exactly."""
    noise = fn.random.uniform(range=[0.0, 255.0], shape=list(shape), device="gpu", seed=8)
    return fn.cast(fn.cast(noise, dtype=types.UINT8), dtype=types.FLOAT)


@pipeline_def(batch_size=BATCH, num_threads=2, seed=5)
def gpu_and_cpu_outputs():
    """Output 0 on the GPU, output 1 on the CPU."""
    values = fn.random.uniform(range=[0.0, 1.0], shape=[3, 4], seed=6)
    return values.gpu() * 3.0, values


@pipeline_def(batch_size=BATCH, num_threads=2, seed=5, device_id=types.CPU_ONLY_DEVICE_ID)
def cpu_only():
    return fn.random.uniform(range=[0.0, 1.0], shape=[3, 4], seed=6)


@pipeline_def(batch_size=BATCH, num_threads=2, seed=7)
def mixed_decode(file_root, shuffle=False):
    """JPEGs decoded on the GPU (nvJPEG, decoders.image(device="mixed")), resized and normalized
    there, with a random mirror; labels moved to the GPU."""
    jpegs, labels = fn.readers.file(
        file_root=file_root, random_shuffle=shuffle, initial_fill=8, name="Reader"
    )
    images = fn.decoders.image(jpegs, device="mixed", output_type=types.RGB)
    images = fn.resize(images, size=JPEG_SIZE)
    images = fn.crop_mirror_normalize(
        images,
        dtype=types.FLOAT,
        output_layout="HWC",
        mean=[123.7, 116.3, 103.5],
        std=[58.4, 57.1, 57.4],
        mirror=fn.random.coin_flip(seed=9),
    )
    return images, labels.gpu()


MIXED_DTYPES = (tf.float32, tf.int32)
MIXED_SHAPES = ((BATCH, *JPEG_SIZE, 3), (BATCH, 1))


def on_gpu(pipe, output_dtypes, output_shapes=None, **kwargs):
    with tf.device("/gpu:0"):
        return dali_tf.DALIDataset(pipe, output_dtypes, output_shapes, **kwargs)


def gpu_iterator(dataset):
    with tf.device("/gpu:0"):
        return iter(dataset)


# ---------------------------------------------------------------------------------------------
# Values: every output, every batch.


@pytest.mark.parametrize("exec_dynamic", [True, False])
def test_every_output_equals_pipeline_run(exec_dynamic):
    expected = dali_batches(every_dtype_gpu(exec_dynamic=exec_dynamic), 6)
    dataset = on_gpu(every_dtype_gpu(exec_dynamic=exec_dynamic), EVERY_DTYPE, EVERY_SHAPE)
    assert_same_batches(take_arrays(gpu_iterator(dataset), 6, "GPU:0"), expected)


def test_explicit_device_id_runs_on_that_gpu():
    expected = dali_batches(every_dtype_gpu(device_id=0), 3)
    dataset = on_gpu(every_dtype_gpu(device_id=0), EVERY_DTYPE, EVERY_SHAPE)
    assert_same_batches(take_arrays(gpu_iterator(dataset), 3, "GPU:0"), expected)


def test_mixed_decode_jpegs_equal_pipeline_run(jpeg_root):
    expected = dali_batches(mixed_decode(jpeg_root, shuffle=True), 6)
    dataset = on_gpu(mixed_decode(jpeg_root, shuffle=True), MIXED_DTYPES, MIXED_SHAPES)
    assert_same_batches(take_arrays(gpu_iterator(dataset), 6, "GPU:0"), expected)


# ---------------------------------------------------------------------------------------------
# Consumers that are GPU ops. The outputs never go to the host: a GPU op reading a batch before
# its copy into TensorFlow's memory is complete (an output copied on another stream than TF's,
# unordered), or a buffer DALI reuses while TensorFlow still reads it, gives other sums.

WEIGHTS = (np.arange(32 * 32 * 3) % 7 + 1).astype(np.float32).reshape(32, 32, 3)


def expected_sums(batches):
    """Per batch and sample: the plain and the position-weighted sum (exact in float32)."""
    return np.stack(
        [
            np.stack([b[0].sum(axis=(1, 2, 3)), (b[0] * WEIGHTS).sum(axis=(1, 2, 3))], axis=-1)
            for b in batches
        ]
    )


@tf.function
def sums_on_gpu(iterator, steps):
    """reduce_sum on the GPU, inside one tf.function, of `steps` batches of `iterator`."""
    out = tf.TensorArray(tf.float32, size=steps)
    with tf.device("/gpu:0"):
        weights = tf.constant(WEIGHTS)
        for step in tf.range(steps):
            (images,) = next(iterator)
            plain = tf.reduce_sum(images, axis=[1, 2, 3])
            weighted = tf.reduce_sum(images * weights, axis=[1, 2, 3])
            out = out.write(step, tf.stack([plain, weighted], axis=-1))
        return out.stack()


@pytest.mark.parametrize("exec_dynamic", [True, False])
def test_gpu_ops_in_tf_function_read_whole_batches(exec_dynamic):
    steps = 40
    expected = expected_sums(dali_batches(integer_images(exec_dynamic=exec_dynamic), steps))
    dataset = on_gpu(
        integer_images(exec_dynamic=exec_dynamic), (tf.float32,), ((BATCH, 32, 32, 3),)
    )
    got = sums_on_gpu(gpu_iterator(dataset), tf.constant(steps))
    np.testing.assert_array_equal(got.numpy(), expected)


BIG = [512, 512, 3]  # 3 MiB a sample, 24 MiB a batch of 8
BIG_BATCH = 8
BIG_STEPS = 2000


@pipeline_def(batch_size=BIG_BATCH, num_threads=2, seed=21, prefetch_queue_depth=2)
def big_batches():
    """Large GPU batches of whole numbers 0..15 (made on the GPU), and DALI's own per-sample sums
    of them (at most 512*512*3*15 < 2**24: exact in float32)."""
    noise = fn.random.uniform(range=[0.0, 15.0], shape=BIG, device="gpu", seed=22)
    values = fn.cast(fn.cast(noise, dtype=types.UINT8), dtype=types.FLOAT)
    return values, fn.reductions.sum(values)


@tf.function
def check_big_batches(iterator, steps):
    """For `steps` batches: how many samples' reduce_sum on the GPU differs from DALI's sum of
    the same sample, and DALI's sums (to compare with pipeline.run())."""
    sums = tf.TensorArray(tf.float32, size=steps)
    with tf.device("/gpu:0"):
        mismatches = tf.constant(0.0)
        for step in tf.range(steps):
            values, dali_sums = next(iterator)
            dali_sums = tf.reshape(dali_sums, [-1])
            tf_sums = tf.reduce_sum(values, axis=[1, 2, 3])
            mismatches += tf.reduce_sum(tf.cast(tf.not_equal(tf_sums, dali_sums), tf.float32))
            sums = sums.write(step, dali_sums)
        return mismatches, sums.stack()


@pytest.mark.parametrize("exec_dynamic", [True, False])
def test_2000_large_batches_reuse_buffers_with_bounded_device_memory(exec_dynamic):
    warmup = 50
    # Only DALI's sums are kept: each run's 24 MiB of values is dropped before the next run.
    expected = np.stack(
        [
            batch_array(outputs[1]).reshape(-1)
            for outputs in dali_runs(big_batches(exec_dynamic=exec_dynamic), warmup + BIG_STEPS)
        ]
    )

    dataset = on_gpu(
        big_batches(exec_dynamic=exec_dynamic),
        (tf.float32, tf.float32),
        ((BIG_BATCH, *BIG), (BIG_BATCH,)),
    )
    iterator = gpu_iterator(dataset)
    bad, first = check_big_batches(iterator, tf.constant(warmup))
    tf_before = tf.config.experimental.get_memory_info("GPU:0")["current"]
    free_before = device_free_bytes(0)
    bad_after, rest = check_big_batches(iterator, tf.constant(BIG_STEPS))
    tf_after = tf.config.experimental.get_memory_info("GPU:0")["current"]
    free_after = device_free_bytes(0)

    assert bad.numpy() == 0 and bad_after.numpy() == 0, (
        "%d samples whose sum on the GPU differs from DALI's" % (bad.numpy() + bad_after.numpy())
    )
    np.testing.assert_array_equal(np.concatenate([first.numpy(), rest.numpy()]), expected)
    batch_bytes = BIG_BATCH * int(np.prod(BIG)) * 4
    # TensorFlow holds no more batches than before; the device as a whole (DALI's buffers,
    # TensorFlow's pool) grows by less than a few batches over 2,000.
    assert tf_after - tf_before <= 2 * batch_bytes, (tf_before / MIB, tf_after / MIB)
    assert free_before - free_after <= 8 * batch_bytes, (free_before / MIB, free_after / MIB)


# ---------------------------------------------------------------------------------------------
# A GPU-placed dataset must be the last one.


@pytest.mark.parametrize(
    "apply",
    [lambda d: d.take(5), lambda d: d.map(lambda images: images)],
    ids=["take", "map"],
)
def test_dataset_op_after_a_gpu_dataset_is_a_failed_precondition(apply):
    """TakeDataset and MapDataset have CPU kernels only: their iterators, and the DALIDataset's
    under them, run on the CPU."""
    dataset = on_gpu(integer_images(), (tf.float32,))
    with pytest.raises(tf.errors.FailedPreconditionError) as error:
        next(iter(apply(dataset)))
    assert_mentions(error.value, "last")


def test_prefetch_after_a_gpu_dataset_is_refused_or_exact():
    """PrefetchDataset has a GPU kernel and is colocated with its input (tf.data's prefetch_op),
    so a prefetch after a GPU-placed DALIDataset runs on that GPU, and the DALIDataset's iterator
    under it too. Whether dali_tf then refuses it (FailedPrecondition, as after take or map) or
    serves it, it must never give other batches than pipeline.run()."""
    expected = dali_batches(integer_images(), 4)
    prefetched = on_gpu(integer_images(), (tf.float32,), ((BATCH, 32, 32, 3),)).prefetch(2)
    try:
        got = take_arrays(gpu_iterator(prefetched), 4, "GPU:0")
    except tf.errors.FailedPreconditionError as e:
        assert_mentions(e, "last")
        return
    assert_same_batches(got, expected)


# ---------------------------------------------------------------------------------------------
# Keras fit on one GPU.

FEATURES = 8
TRUE_WEIGHTS = np.linspace(-1.0, 1.0, FEATURES).astype(np.float32)


@pipeline_def(batch_size=BATCH, num_threads=2, seed=31)
def regression():
    """Features made on the GPU and their target sum(x * TRUE_WEIGHTS) + 0.5, computed by DALI."""
    x = fn.random.uniform(range=[-1.0, 1.0], shape=[FEATURES], device="gpu", seed=32)
    weights = fn.constant(fdata=TRUE_WEIGHTS.tolist(), shape=[FEATURES], device="gpu")
    return x, fn.reductions.sum(x * weights, axes=0, keep_dims=True) + 0.5


class Linear(tf.keras.layers.Layer):
    """sum(x * w) + b without a matmul: elementwise ops and reductions only (no cuBLAS, which
    the offline GPU kit of tools/gpu stubs out)."""

    def build(self, input_shape):
        self.w = self.add_weight(name="w", shape=(FEATURES,), initializer="zeros")
        self.b = self.add_weight(name="b", shape=(), initializer="zeros")

    def call(self, x):
        return tf.reduce_sum(x * self.w, axis=-1, keepdims=True) + self.b


def fit(dataset, steps):
    model = tf.keras.Sequential([tf.keras.Input(shape=(FEATURES,)), Linear()])
    model.compile(optimizer=tf.keras.optimizers.SGD(0.1), loss="mse")
    history = model.fit(dataset, steps_per_epoch=steps, epochs=1, shuffle=False, verbose=0)
    return history.history["loss"], [np.asarray(v) for v in model.layers[-1].weights]


def test_keras_fit_on_one_gpu_trains_on_the_pipeline_batches():
    steps = 30
    batches = dali_batches(regression(), steps)
    x = np.stack([b[0] for b in batches])
    y = np.stack([b[1] for b in batches])
    # The same batches, in the same order, from tensors: what fit must see from DALIDataset.
    _, want = fit(tf.data.Dataset.from_tensor_slices((x, y)), steps)
    loss, got = fit(
        on_gpu(regression(), (tf.float32, tf.float32), ((BATCH, FEATURES), (BATCH, 1))), steps
    )
    assert np.isfinite(loss).all()
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)
    # It learnt: the weights moved towards TRUE_WEIGHTS.
    assert np.abs(got[0] - TRUE_WEIGHTS).sum() < np.abs(TRUE_WEIGHTS).sum()


# ---------------------------------------------------------------------------------------------
# device_id and fail_on_device_mismatch.


def first_batch(pipe, device, **kwargs):
    """The first element of a DALIDataset of `pipe` placed on `device`, as arrays on it."""
    with tf.device("/%s:0" % device.lower()):
        dataset = dali_tf.DALIDataset(
            pipe, (tf.float32, tf.float32), ((BATCH, 3, 4),) * 2, **kwargs
        )
        return element_arrays(next(iter(dataset)), "%s:0" % device)


def test_cpu_output_into_a_gpu_placed_dataset_is_a_mismatch():
    with pytest.raises(tf.errors.InvalidArgumentError) as error:
        first_batch(gpu_and_cpu_outputs(), "GPU")
    assert_mentions(error.value, "output", "1", "CPU", "GPU")


def test_gpu_output_into_a_cpu_placed_dataset_is_a_mismatch():
    # device_id unset and a GPU operator: DALI's current device (0), as DALI's own rule says.
    with pytest.raises(tf.errors.InvalidArgumentError) as error:
        first_batch(gpu_and_cpu_outputs(), "CPU")
    assert_mentions(error.value, "output", "0", "CPU", "GPU")


@pytest.mark.parametrize("exec_dynamic", [True, False])
@pytest.mark.parametrize("device", ["GPU", "CPU"])
def test_mismatched_outputs_are_copied_when_allowed(device, exec_dynamic):
    expected = dali_batches(gpu_and_cpu_outputs(exec_dynamic=exec_dynamic), 1)
    got = first_batch(
        gpu_and_cpu_outputs(exec_dynamic=exec_dynamic), device, fail_on_device_mismatch=False
    )
    assert_same_batches([got], expected)


def test_cpu_only_pipeline_on_a_gpu_placed_dataset():
    """types.CPU_ONLY_DEVICE_ID: CPU outputs, a mismatch on a GPU; copied there when allowed."""
    with tf.device("/gpu:0"):
        with pytest.raises(tf.errors.InvalidArgumentError) as error:
            next(iter(dali_tf.DALIDataset(cpu_only(), (tf.float32,))))
    assert_mentions(error.value, "CPU", "GPU")

    expected = dali_batches(cpu_only(), 2)
    dataset = on_gpu(cpu_only(), (tf.float32,), ((BATCH, 3, 4),), fail_on_device_mismatch=False)
    assert_same_batches(take_arrays(gpu_iterator(dataset), 2, "GPU:0"), expected)


def test_explicit_device_id_of_another_gpu_is_a_mismatch():
    # CUDA device 1 is not /gpu:0's ordinal (0), whether or not this machine has a GPU 1.
    with tf.device("/gpu:0"):
        with pytest.raises(tf.errors.InvalidArgumentError) as error:
            next(iter(dali_tf.DALIDataset(integer_images(), (tf.float32,), device_id=1)))
    assert_mentions(error.value, "1", "GPU:0")


@pytest.mark.skipif(physical_gpu_count() < 2, reason="needs two GPUs")
def test_outputs_of_another_gpu_are_copied_when_allowed():
    expected = dali_batches(integer_images(device_id=1), 3)
    dataset = on_gpu(integer_images(), (tf.float32,), device_id=1, fail_on_device_mismatch=False)
    assert_same_batches(take_arrays(gpu_iterator(dataset), 3, "GPU:0"), expected)


# ---------------------------------------------------------------------------------------------
# Reader epochs, checkpoints.


def test_reader_epochs_on_the_gpu(jpeg_root):
    per_epoch = JPEGS // BATCH
    expected = dali_batches(mixed_decode(jpeg_root), 2 * per_epoch)
    dataset = on_gpu(mixed_decode(jpeg_root), MIXED_DTYPES, MIXED_SHAPES, reader_name="Reader")
    assert dataset.cardinality().numpy() == per_epoch
    epochs = []
    for _ in range(2):  # each for loop is a new iterator: the reader's next epoch
        with tf.device("/gpu:0"):
            epochs.append([element_arrays(element, "GPU:0") for element in dataset])
    assert [len(e) for e in epochs] == [per_epoch, per_epoch]
    assert_same_batches(epochs[0] + epochs[1], expected)


def checkpointable(jpeg_root):
    return mixed_decode(jpeg_root, shuffle=True, enable_checkpointing=True)


def test_checkpoint_restores_a_gpu_pipeline_exactly(jpeg_root, tmp_path):
    """The GPU pipeline's state (shuffled reader, random mirror) saved with tf.train.Checkpoint
    from a CPU-placed dataset (outputs copied to the host): TensorFlow serializes iterators on
    the CPU only (SerializeIterator has no GPU kernel)."""
    expected = dali_batches(checkpointable(jpeg_root), 7)

    def dataset():
        with tf.device("/cpu:0"):
            return dali_tf.DALIDataset(
                checkpointable(jpeg_root),
                MIXED_DTYPES,
                MIXED_SHAPES,
                fail_on_device_mismatch=False,
            )

    with tf.device("/cpu:0"):
        iterator = iter(dataset())
        take_arrays(iterator, 3, "CPU:0")
        path = tf.train.Checkpoint(iterator=iterator).save(str(tmp_path / "ckpt"))
        after = take_arrays(iterator, 4, "CPU:0")
        restored_iterator = iter(dataset())
        tf.train.Checkpoint(iterator=restored_iterator).restore(path).assert_consumed()
        restored = take_arrays(restored_iterator, 4, "CPU:0")
    assert_same_batches(after, expected[3:])
    assert_same_batches(restored, expected[3:])


def test_checkpoint_of_a_gpu_placed_iterator_is_an_error_or_exact(jpeg_root, tmp_path):
    """TensorFlow 2.21 cannot serialize an iterator that lives on a GPU (SerializeIterator is a
    CPU kernel): saving must then fail with TensorFlow's error, never save a wrong state. Should a
    TensorFlow version save it, the restore must be exact."""
    dataset = on_gpu(checkpointable(jpeg_root), MIXED_DTYPES, MIXED_SHAPES)
    iterator = gpu_iterator(dataset)
    take_arrays(iterator, 2, "GPU:0")
    try:
        path = tf.train.Checkpoint(iterator=iterator).save(str(tmp_path / "ckpt"))
    except tf.errors.OpError as e:
        assert_mentions(e, "GPU")
        return
    after = take_arrays(iterator, 3, "GPU:0")
    restored_iterator = gpu_iterator(on_gpu(checkpointable(jpeg_root), MIXED_DTYPES, MIXED_SHAPES))
    tf.train.Checkpoint(iterator=restored_iterator).restore(path)
    assert_same_batches(take_arrays(restored_iterator, 3, "GPU:0"), after)


if __name__ == "__main__":
    from tests.common.pytest_main import main

    main(__file__)
