"""DALIDatasetWithInputs on a GPU (target tagged gpu / requires-gpu-nvidia; skipped where
TensorFlow sees no GPU). Where each input lives (host, or a GPU after copy_to_device) against
the device of the external source it feeds (cpu, gpu), per sample and per batch; the input of
a CPU-placed dataset on a GPU; NVIDIA's notebook case (JPEGs moved to the GPU, fed to a CPU
external source before a mixed decoder); source= callbacks; and a long run whose GPU inputs
must stay alive until DALI has read them. Every batch is compared with DALI's own
pipeline.run() of the same pipeline fed the same samples through fn.external_source(source=).
"""

import numpy as np
import pytest
import tensorflow as tf
from nvidia.dali import fn, pipeline_def, types

import dali_tf
from tests.common.dali_reference import assert_same_batches, dali_batches
from tests.common.gpu_utils import MIB, assert_mentions, take_arrays
from tests.common.inputs_test_utils import samples, samples_dataset
from tests.common.test_utils import make_jpeg_dir, skip_without_gpu

pytestmark = skip_without_gpu()

BATCH = 4
NAME = "frames"  # an input name no message contains by chance
COUNT = 12  # samples: 3 batches
SHAPE = (5, 3)


@pipeline_def(batch_size=BATCH, num_threads=2, seed=3)
def scaled(device, source=None, batch=False):
    """Input `NAME` (or DALI's own `source`) on an external source of `device`, times 2 plus a
    GPU noise term: a GPU output either way."""
    if source is None:
        x = fn.external_source(name=NAME, device=device, dtype=types.FLOAT)
    else:
        x = fn.external_source(source=source, batch=batch, device=device, dtype=types.FLOAT)
    noise = fn.random.uniform(range=[0.0, 1.0], shape=list(SHAPE), device="gpu", seed=4)
    return x.gpu() * 2.0 + noise


def sample_source(arrays):
    return lambda info: arrays[info.idx_in_epoch]


def batch_source(arrays):
    return lambda iteration: arrays[iteration * BATCH : (iteration + 1) * BATCH]


def gpu_input(dataset):
    return dataset.apply(tf.data.experimental.copy_to_device("/gpu:0"))


@pytest.mark.parametrize("batch", [False, True], ids=["per_sample", "per_batch"])
@pytest.mark.parametrize("source_device", ["cpu", "gpu"])
@pytest.mark.parametrize("input_on", ["host", "gpu"])
def test_every_input_location_feeds_every_external_source(input_on, source_device, batch):
    """Host inputs of a GPU-placed dataset are moved for the user; GPU inputs are used as they
    are; DALI copies where the external source is on the other device."""
    arrays = samples(COUNT, SHAPE, np.float32)
    source = (batch_source if batch else sample_source)(arrays)
    expected = dali_batches(scaled(source_device, source=source, batch=batch), COUNT // BATCH)

    inputs = samples_dataset(COUNT, SHAPE, np.float32)
    if batch:
        inputs = inputs.batch(BATCH)
    if input_on == "gpu":
        inputs = gpu_input(inputs)
    with tf.device("/gpu:0"):
        dataset = dali_tf.experimental.DALIDatasetWithInputs(
            pipeline=scaled(source_device),
            input_datasets={NAME: dali_tf.experimental.Input(inputs, batch=batch)},
            output_dtypes=(tf.float32,),
            output_shapes=((BATCH, *SHAPE),),
        )
        iterator = iter(dataset)
        got = take_arrays(iterator, COUNT // BATCH, "GPU:0")
        with pytest.raises(StopIteration):  # the input ran out
            next(iterator)
    assert_same_batches(got, expected)


def test_gpu_input_of_a_cpu_placed_dataset_is_refused():
    @pipeline_def(batch_size=BATCH, num_threads=1, device_id=types.CPU_ONLY_DEVICE_ID)
    def on_cpu():
        return fn.external_source(name=NAME, dtype=types.FLOAT) * 2.0

    with tf.device("/cpu:0"):
        with pytest.raises(ValueError) as error:
            dali_tf.experimental.DALIDatasetWithInputs(
                pipeline=on_cpu(),
                input_datasets={NAME: gpu_input(samples_dataset(COUNT, SHAPE, np.float32))},
                output_dtypes=(tf.float32,),
            )
    assert_mentions(error.value, NAME, "GPU")


def test_jpegs_moved_to_the_gpu_feed_a_cpu_source_before_a_mixed_decoder(tmp_path):
    """NVIDIA's tensorflow-dataset-inputs notebook: encoded JPEGs copy_to_device'd, fed to a CPU
    external source, decoded by the mixed decoder (DALI copies them back to the host)."""
    files = make_jpeg_dir(str(tmp_path), count=8)
    encoded = [np.fromfile(f, dtype=np.uint8) for f in files]

    @pipeline_def(batch_size=BATCH, num_threads=2, seed=1)
    def decode(source=None):
        if source is None:
            jpegs = fn.external_source(name=NAME, device="cpu", dtype=types.UINT8)
        else:
            jpegs = fn.external_source(source=source, batch=False, dtype=types.UINT8)
        images = fn.decoders.image(jpegs, device="mixed", output_type=types.RGB)
        return fn.resize(images, size=(40, 48))

    expected = dali_batches(decode(source=sample_source(encoded)), 2)
    jpegs = gpu_input(
        tf.data.Dataset.from_tensor_slices(files).map(
            lambda path: tf.io.decode_raw(tf.io.read_file(path), tf.uint8)
        )
    )
    with tf.device("/gpu:0"):
        dataset = dali_tf.experimental.DALIDatasetWithInputs(
            pipeline=decode(),
            input_datasets={NAME: jpegs},
            output_dtypes=(tf.uint8,),
            output_shapes=((BATCH, 40, 48, 3),),
        )
        got = take_arrays(iter(dataset), 2, "GPU:0")
    assert_same_batches(got, expected)


@pytest.mark.parametrize("dataset_class", ["DALIDataset", "DALIDatasetWithInputs"])
def test_source_callbacks_with_gpu_placement(dataset_class):
    """source= callbacks run as CPU generator datasets, moved to the GPU for the dataset."""

    @pipeline_def(batch_size=BATCH, num_threads=2, seed=3)
    def from_callback():
        index = fn.external_source(
            source=lambda info: np.full(SHAPE, info.idx_in_epoch, np.float32), batch=False
        )
        return index.gpu() * 2.0

    expected = dali_batches(from_callback(), 3)
    cls = {
        "DALIDataset": dali_tf.DALIDataset,
        "DALIDatasetWithInputs": dali_tf.experimental.DALIDatasetWithInputs,
    }[dataset_class]
    with tf.device("/gpu:0"):
        dataset = cls(
            pipeline=from_callback(),
            output_dtypes=(tf.float32,),
            output_shapes=((BATCH, *SHAPE),),
        )
        got = take_arrays(iter(dataset), 3, "GPU:0")
    assert_same_batches(got, expected)


# ---------------------------------------------------------------------------------------------
# A long run: 1 MiB samples made by TensorFlow and fed to a GPU external source, their sums
# checked by GPU ops. A TF tensor freed (its memory reused) before DALI read it, or read before
# TensorFlow wrote it, gives another sum.

BIG_SAMPLE = 1 << 18  # floats: 1 MiB
STEPS = 500


@pipeline_def(batch_size=BATCH, num_threads=2, prefetch_queue_depth=3)
def sums():
    x = fn.external_source(name=NAME, device="gpu", dtype=types.FLOAT)
    return fn.reductions.sum(x)


def big_samples():
    """Element i: BIG_SAMPLE floats, all i % 61 (so a sum, at most 60 * 2**18, is exact)."""
    return tf.data.Dataset.range(BATCH * (STEPS + 10)).map(
        lambda i: tf.fill([BIG_SAMPLE], tf.cast(i % 61, tf.float32))
    )


@tf.function
def count_wrong_sums(iterator, first_step, steps):
    with tf.device("/gpu:0"):
        wrong = tf.constant(0.0)
        for step in tf.range(first_step, first_step + steps):
            (got,) = next(iterator)
            index = tf.cast(tf.range(step * BATCH, (step + 1) * BATCH), tf.float32)
            want = (index - 61.0 * tf.floor(index / 61.0)) * float(BIG_SAMPLE)
            wrong += tf.reduce_sum(tf.cast(tf.not_equal(tf.reshape(got, [-1]), want), tf.float32))
        return wrong


@pytest.mark.parametrize("input_on", ["host", "gpu"])
def test_500_batches_of_inputs_stay_alive_until_dali_read_them(input_on):
    inputs = big_samples() if input_on == "host" else gpu_input(big_samples())
    with tf.device("/gpu:0"):
        dataset = dali_tf.experimental.DALIDatasetWithInputs(
            pipeline=sums(),
            input_datasets={NAME: inputs},
            output_dtypes=(tf.float32,),
            output_shapes=((BATCH,),),
        )
        iterator = iter(dataset)
    warmup = 10
    assert count_wrong_sums(iterator, 0, warmup).numpy() == 0
    before = tf.config.experimental.get_memory_info("GPU:0")["current"]
    assert count_wrong_sums(iterator, warmup, STEPS).numpy() == 0
    after = tf.config.experimental.get_memory_info("GPU:0")["current"]
    # The fed tensors are released: TensorFlow holds no more than a few batches more than before.
    assert after - before <= 4 * BATCH * BIG_SAMPLE * 4, ((before / MIB), (after / MIB))


def test_first_batch_values_of_a_gpu_fed_pipeline_equal_pipeline_run():
    """The sums above, for the first batches, against pipeline.run() (the long run checks the
    rest by formula)."""
    arrays = [np.full(BIG_SAMPLE, i % 61, np.float32) for i in range(3 * BATCH)]

    @pipeline_def(batch_size=BATCH, num_threads=2, prefetch_queue_depth=3)
    def reference():
        x = fn.external_source(source=sample_source(arrays), batch=False, device="gpu")
        return fn.reductions.sum(x)

    expected = dali_batches(reference(), 3)
    with tf.device("/gpu:0"):
        dataset = dali_tf.experimental.DALIDatasetWithInputs(
            pipeline=sums(),
            input_datasets={NAME: gpu_input(big_samples())},
            output_dtypes=(tf.float32,),
        )
        got = take_arrays(iter(dataset), 3, "GPU:0")
    assert_same_batches(got, expected)


if __name__ == "__main__":
    from tests.common.pytest_main import main

    main(__file__)
