"""The legacy Dali op's GPU kernel (target tagged gpu / requires-gpu-nvidia; skipped where
TensorFlow sees no GPU): GPU and CPU pipeline outputs reaching either kernel, every output
compared with DALI's own pipeline.run(); GPU ops consuming the outputs inside the graph; the
op's device_id against its GPU (unset: that GPU; another one: an error naming both), also on a
logical GPU whose CUDA ordinal differs from TensorFlow's index (in a fresh interpreter).
"""

import numpy as np
import pytest
import tensorflow as tf
from nvidia.dali import fn, pipeline_def

import dali_tf
from tests.common import test_utils
from tests.common.dali_reference import assert_same_batches, dali_batches, dali_sample_batches
from tests.common.gpu_utils import assert_mentions, run_gpu_script
from tests.common.legacy_pipelines import check_ragged_outputs, ragged_pipeline, six_dtypes_pipeline

pytestmark = test_utils.skip_without_gpu()

BATCH = 4
ITERATIONS = 3


@pipeline_def(num_threads=1, seed=1234)  # device_id unset: the op's GPU
def gpu_pipeline():
    """A GPU output and a CPU output of the same data, and a GPU random output."""
    data = fn.random.uniform(shape=[3, 5], seed=21)
    noise = fn.random.uniform(shape=[2, 7], device="gpu", seed=22)
    return data.gpu() * 2.0, data, noise


def run_on(device, outputs_fn, iterations=ITERATIONS):
    with tf.Graph().as_default():
        with tf.device(device):
            outputs = outputs_fn()
        config = tf.compat.v1.ConfigProto(allow_soft_placement=False)
        with tf.compat.v1.Session(config=config) as session:
            return [session.run(outputs) for _ in range(iterations)]


def gpu_op(device_id=-1, **pipeline_kwargs):
    """The op over gpu_pipeline; `device_id` is the op's argument (-1: the pipeline's)."""
    return dali_tf.dali(
        pipeline=gpu_pipeline(batch_size=BATCH, **pipeline_kwargs),
        shapes=[(BATCH, 3, 5), (BATCH, 3, 5), (BATCH, 2, 7)],
        dtypes=[tf.float32] * 3,
        device_id=device_id,
    )


@pytest.mark.parametrize("exec_dynamic", [True, False])
@pytest.mark.parametrize("device", ["/GPU:0", "/CPU:0"])
def test_gpu_pipeline_outputs_reach_either_device(device, exec_dynamic):
    got = run_on(device, lambda: gpu_op(exec_dynamic=exec_dynamic, device_id=0))
    expected = dali_batches(
        gpu_pipeline(batch_size=BATCH, exec_dynamic=exec_dynamic, device_id=0), ITERATIONS
    )
    assert_same_batches(got, expected)


def test_unset_device_id_runs_on_the_ops_gpu():
    got = run_on("/GPU:0", gpu_op)
    assert_same_batches(got, dali_batches(gpu_pipeline(batch_size=BATCH), ITERATIONS))


def test_gpu_ops_consume_the_outputs_in_the_graph():
    """reduce_sum on the GPU of each GPU output, in the same graph: only the sums leave it."""

    def sums():
        outputs = gpu_op()
        return [tf.reduce_sum(o, axis=list(range(1, o.shape.rank))) for o in outputs]

    got = run_on("/GPU:0", sums)
    expected = dali_batches(gpu_pipeline(batch_size=BATCH), ITERATIONS)
    assert len(got) == len(expected)
    for got_batch, expected_batch in zip(got, expected):
        for g, e in zip(got_batch, expected_batch):
            np.testing.assert_allclose(g, e.sum(axis=tuple(range(1, e.ndim))), rtol=1e-6)


def test_device_id_of_another_gpu_is_an_error_naming_both():
    # CUDA device 1 is not /GPU:0's ordinal (0), whether or not this machine has a GPU 1.
    with pytest.raises(tf.errors.InvalidArgumentError) as error:
        run_on("/GPU:0", lambda: gpu_op(device_id=1), iterations=1)
    assert_mentions(error.value, "1", "GPU:0")


def test_cpu_pipeline_on_the_gpu_kernel():
    got = run_on(
        "/GPU:0",
        lambda: dali_tf.dali(
            pipeline=six_dtypes_pipeline(batch_size=BATCH),
            shapes=[(BATCH, 2, 3)] * 6,
            dtypes=[tf.float16, tf.float32, tf.uint8, tf.int16, tf.int32, tf.int64],
        ),
    )
    assert_same_batches(got, dali_batches(six_dtypes_pipeline(batch_size=BATCH), ITERATIONS))


def test_sparse_outputs_on_the_gpu_kernel():
    got = run_on(
        "/GPU:0",
        lambda: dali_tf.dali(
            pipeline=ragged_pipeline(batch_size=BATCH),
            sparse=[True, True, False],
            shapes=[(BATCH, None, None), (BATCH, None), (BATCH, 2)],
            dtypes=[tf.float32, tf.int16, tf.float32],
        ),
    )
    check_ragged_outputs(got, dali_sample_batches(ragged_pipeline(batch_size=BATCH), ITERATIONS))


def test_logical_gpu_runs_the_op_on_its_cuda_ordinal():
    """Two logical GPUs on CUDA device 0: the op on /GPU:1 runs on device 0 with device_id unset
    or 0; device_id=1 is an error naming both."""
    found = run_gpu_script(
        """
        import numpy as np
        import tensorflow as tf
        import dali_tf
        from nvidia.dali import fn, pipeline_def
        from tests.common.dali_reference import dali_batches

        gpu = tf.config.list_physical_devices("GPU")[0]
        tf.config.set_logical_device_configuration(
            gpu, [tf.config.LogicalDeviceConfiguration(memory_limit=2048)] * 2)

        @pipeline_def(batch_size=2, num_threads=1, seed=3)
        def pipe():
            return fn.random.uniform(shape=[4], device="gpu", seed=4) * 2.0

        def run(**kwargs):
            with tf.Graph().as_default():
                with tf.device("/GPU:1"):
                    (out,) = dali_tf.dali(
                        pipeline=pipe(), shapes=[(2, 4)], dtypes=[tf.float32], **kwargs)
                with tf.compat.v1.Session() as session:
                    return [session.run(out) for _ in range(2)]

        expected = [out for (out,) in dali_batches(pipe(device_id=0), 2)]
        for kwargs in ({}, {"device_id": 0}):
            for got, want in zip(run(**kwargs), expected):
                np.testing.assert_array_equal(got, want)
        try:
            run(device_id=1)
            result("no error")
        except tf.errors.InvalidArgumentError as e:
            result(str(e))
        """
    )
    assert_mentions(found, "1", "GPU:1")


if __name__ == "__main__":
    from tests.common.pytest_main import main

    main(__file__)
