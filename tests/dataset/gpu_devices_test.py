"""DALIDataset on GPUs with a TensorFlow device set-up of their own, each case in a fresh
interpreter (TensorFlow's devices are configured once per process, before they initialize):
logical GPUs and visible devices (TensorFlow's /gpu:k is then not CUDA device k), the GPU memory
options dali_tf sets at import, a DALI out-of-memory error, and a prompt, clean exit. Target
tagged gpu / requires-gpu-nvidia: skipped where TensorFlow sees no GPU."""

import pytest

from tests.common.gpu_utils import assert_mentions, physical_gpu_count, run_gpu_script
from tests.common.test_utils import skip_without_gpu

pytestmark = skip_without_gpu()

# What every script starts with: a small pipeline whose GPU outputs (one float, one int64) are
# compared with DALI's own pipeline.run() on the expected CUDA device.
PIPELINE = """
import numpy as np
import tensorflow as tf
import dali_tf  # first, as programs import it: the device set-up below comes after it
from nvidia.dali import fn, pipeline_def, types
from tests.common.dali_reference import assert_same_batches, dali_batches
from tests.common.gpu_utils import take_arrays

@pipeline_def(batch_size=4, num_threads=2, seed=3)
def pipe():
    noise = fn.random.uniform(range=[0.0, 1.0], shape=[8, 8, 3], device="gpu", seed=4)
    return noise * 2.0, fn.cast(noise * 100.0, dtype=types.INT64)

def dataset(**kwargs):
    return dali_tf.DALIDataset(pipe(), (tf.float32, tf.int64), ((4, 8, 8, 3),) * 2, **kwargs)

def mismatch(**kwargs):
    try:
        next(iter(dataset(**kwargs)))
    except tf.errors.InvalidArgumentError as e:
        return str(e)
    return "no error"
"""


def test_logical_gpus_on_one_gpu_run_on_its_cuda_ordinal():
    """Two logical GPUs on CUDA device 0: /gpu:1 is CUDA device 0. A pipeline without device_id
    (or with device_id=0) placed there runs on device 0; device_id=1 is a mismatch."""
    found = run_gpu_script(
        PIPELINE,
        """
        gpu = tf.config.list_physical_devices("GPU")[0]
        tf.config.set_logical_device_configuration(
            gpu, [tf.config.LogicalDeviceConfiguration(memory_limit=2048)] * 2)
        assert len(tf.config.list_logical_devices("GPU")) >= 2
        expected = dali_batches(pipe(device_id=0), 3)
        for kwargs in ({}, {"device_id": 0}):
            with tf.device("/gpu:1"):
                assert_same_batches(take_arrays(iter(dataset(**kwargs)), 3, "GPU:1"), expected)
        with tf.device("/gpu:1"):
            result(mismatch(device_id=1))
        """,
    )
    assert_mentions(found, "1", "GPU:1")


@pytest.mark.skipif(physical_gpu_count() < 2, reason="needs two GPUs")
def test_visible_devices_run_on_the_cuda_ordinal_of_the_placed_gpu():
    """set_visible_devices(GPUs 1...): TensorFlow's /gpu:0 is CUDA device 1. Unset device_id or
    device_id=1 run there; device_id=0 is a mismatch, its outputs copied over when allowed."""
    found = run_gpu_script(
        PIPELINE,
        """
        gpus = tf.config.list_physical_devices("GPU")
        tf.config.set_visible_devices(gpus[1:], "GPU")
        on_1, on_0 = dali_batches(pipe(device_id=1), 3), dali_batches(pipe(device_id=0), 3)
        with tf.device("/gpu:0"):
            for kwargs in ({}, {"device_id": 1}):
                assert_same_batches(take_arrays(iter(dataset(**kwargs)), 3, "GPU:0"), on_1)
            copied = dataset(device_id=0, fail_on_device_mismatch=False)
            assert_same_batches(take_arrays(iter(copied), 3, "GPU:0"), on_0)
            result(mismatch(device_id=0))
        """,
    )
    assert_mentions(found, "0", "GPU:0")


# ---------------------------------------------------------------------------------------------
# GPU memory: `import dali_tf` turns TensorFlow's memory growth on, so that TensorFlow does not
# reserve the whole GPU before DALI allocates, unless the user decided (TF_FORCE_GPU_ALLOW_GROWTH,
# DALI_TF_GPU_MEMORY_GROWTH=0) or TensorFlow's GPUs are already initialized.

GROWTH = """
import os
{environment}
import tensorflow as tf
{before}
import dali_tf
result([tf.config.experimental.get_memory_growth(g)
        for g in tf.config.list_physical_devices("GPU")])
"""


@pytest.mark.parametrize(
    "environment, before, growth",
    [
        ("", "", True),
        ('os.environ["DALI_TF_GPU_MEMORY_GROWTH"] = "0"', "", False),
        ('os.environ["TF_FORCE_GPU_ALLOW_GROWTH"] = "false"', "", False),
        ("", 'tf.ones([4], name="initializes_the_gpus").numpy()', False),
        (
            "",
            "tf.config.set_logical_device_configuration(tf.config.list_physical_devices('GPU')"
            "[0], [tf.config.LogicalDeviceConfiguration(memory_limit=1024)])",
            False,
        ),
    ],
    ids=["default", "opted_out", "tf_env_set", "tf_initialized", "logical_devices_configured"],
)
def test_import_turns_memory_growth_on_unless_decided(environment, before, growth):
    growths = run_gpu_script(GROWTH.format(environment=environment, before=before))
    assert growths and all(g is growth for g in growths), growths


def test_mixed_decode_after_tensorflow_allocated_works_out_of_the_box(tmp_path):
    """TensorFlow allocates first (1 GiB), then a pipeline decodes JPEGs on the GPU."""
    equal = run_gpu_script(
        """
        import tensorflow as tf
        import dali_tf
        from nvidia.dali import fn, pipeline_def, types
        from tests.common.dali_reference import assert_same_batches, dali_batches
        from tests.common.gpu_utils import take_arrays
        from tests.common.test_utils import make_jpeg_dir

        root = %r
        make_jpeg_dir(root, count=8)
        with tf.device("/gpu:0"):
            held = tf.ones([256, 1024, 1024], tf.float32)  # 1 GiB held by TensorFlow

        @pipeline_def(batch_size=4, num_threads=2, seed=1)
        def decode():
            jpegs, labels = fn.readers.file(file_root=root, name="Reader")
            images = fn.resize(fn.decoders.image(jpegs, device="mixed"), size=(32, 32))
            return images, labels.gpu()

        expected = dali_batches(decode(), 4)
        with tf.device("/gpu:0"):
            dataset = dali_tf.DALIDataset(decode(), (tf.uint8, tf.int32), ((4, 32, 32, 3), (4, 1)))
            assert_same_batches(take_arrays(iter(dataset), 4, "GPU:0"), expected)
        result(float(tf.reduce_sum(held).numpy()))
        """
        % str(tmp_path / "jpegs")
    )
    assert equal == 256 * 1024 * 1024


def test_out_of_gpu_memory_says_what_to_set():
    """Memory growth opted out: TensorFlow's allocator takes its share of the GPU at its first
    allocation, and a pipeline that needs more than is left fails with a message that names the
    setting that avoids it."""
    message = run_gpu_script(
        """
        import os
        os.environ["DALI_TF_GPU_MEMORY_GROWTH"] = "0"
        import tensorflow as tf
        import dali_tf
        from nvidia.dali import fn, pipeline_def
        from tests.common.gpu_utils import device_free_bytes

        with tf.device("/gpu:0"):
            tf.ones([4]).numpy()  # TensorFlow's allocator reserves its region now
        free = device_free_bytes(0)
        rows = free // 8 // (1 << 18) + 1  # four samples of rows x 2**18 floats: twice what is free

        @pipeline_def(batch_size=4, num_threads=1, seed=1)
        def huge():
            return fn.random.uniform(range=[0.0, 1.0], shape=[rows, 1 << 18], device="gpu")

        try:
            with tf.device("/gpu:0"):
                next(iter(dali_tf.DALIDataset(huge(), (tf.float32,))))
            result("no error (%d MiB were free)" % (free >> 20))
        except tf.errors.OpError as e:
            result(str(e))
        """
    )
    assert_mentions(message, "memory")
    assert "TF_FORCE_GPU_ALLOW_GROWTH" in message or "set_memory_growth" in message, message


def test_process_exits_promptly_with_gpu_iterators_alive(tmp_path):
    """Iterators of a GPU-placed DALIDataset and DALIDatasetWithInputs left mid-epoch (batches
    in flight on the GPU) when the script ends: the process exits cleanly within the timeout."""
    run_gpu_script(
        PIPELINE,
        """
        iterators = []
        with tf.device("/gpu:0"):
            for _ in range(3):
                iterator = iter(dataset())
                next(iterator)
                iterators.append(iterator)

            @pipeline_def(batch_size=4, num_threads=2)
            def doubled():
                return fn.external_source(name="x", device="gpu", dtype=types.FLOAT) * 2.0

            def ones():
                while True:
                    yield np.ones(16, np.float32)

            endless = tf.data.Dataset.from_generator(
                ones, output_signature=tf.TensorSpec((16,), tf.float32))
            with_inputs = dali_tf.experimental.DALIDatasetWithInputs(
                pipeline=doubled(), input_datasets={"x": endless}, output_dtypes=(tf.float32,))
            iterator = iter(with_inputs)
            next(iterator)
            iterators.append(iterator)
        result(len(iterators))
        """,
        timeout=120,
    )


if __name__ == "__main__":
    from tests.common.pytest_main import main

    main(__file__)
