"""dali_tf.distributed_dataset on GPUs under MirroredStrategy (target tagged gpu /
requires-gpu-nvidia): skipped where TensorFlow sees no GPU. Two replicas: two GPUs, or two
logical GPUs on one (then both pipelines run on CUDA device 0, which checks TensorFlow's GPU
index -> CUDA ordinal mapping). Each replica's batches are compared in full with DALI's own
pipeline.run() of its shard. The module configures TensorFlow's devices when it is imported,
so it runs in a process of its own (as Bazel and tools/gpu/run_gpu_checks.sh run it)."""

import numpy as np
import pytest
import tensorflow as tf

import dali_tf
from dali_tf import distribute
from tests.common.dali_reference import dali_batches
from tests.common.test_utils import skip_without_gpu
from tests.distribute.pipelines import FEATURES, output_spec, sample_ids, write_sample_files

pytestmark = skip_without_gpu()

# With one GPU: two logical GPUs on it, set before anything initializes TensorFlow's devices.
PHYSICAL_GPUS = tf.config.list_physical_devices("GPU")
SPLIT_ERROR = None
if len(PHYSICAL_GPUS) == 1:
    try:
        tf.config.set_logical_device_configuration(
            PHYSICAL_GPUS[0], [tf.config.LogicalDeviceConfiguration(memory_limit=2048)] * 2
        )
    except RuntimeError as e:  # TensorFlow's GPUs were initialized by an earlier module
        SPLIT_ERROR = str(e)

NUM_FILES = 24
BATCH = 3
REPLICAS = 2
EPOCH_STEPS = NUM_FILES // (REPLICAS * BATCH)

needs_two_replicas = pytest.mark.skipif(
    SPLIT_ERROR is not None,
    reason="GPU 0 could not be split into two logical GPUs (%s): run this file in a process of "
    "its own" % SPLIT_ERROR,
)


@pytest.fixture(scope="module")
def strategy():
    # Not NCCL: it cannot all-reduce between two logical devices of one GPU.
    return tf.distribute.MirroredStrategy(
        ["/gpu:0", "/gpu:1"], cross_device_ops=tf.distribute.ReductionToOneDevice()
    )


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return write_sample_files(str(tmp_path_factory.mktemp("samples")), NUM_FILES)


def make_dataset(strategy, files, calls, gpu_outputs=True):
    def pipeline_fn(shard_id, num_shards, device_id):
        calls.append((shard_id, num_shards, device_id))
        return sample_ids(
            files, shard_id, num_shards, gpu_outputs, batch_size=BATCH, device_id=device_id
        )

    # CPU outputs go to the replica's GPU: a device mismatch, copied over when allowed.
    return dali_tf.distributed_dataset(
        strategy, pipeline_fn, *output_spec(BATCH), fail_on_device_mismatch=gpu_outputs
    )


@needs_two_replicas
@pytest.mark.parametrize("gpu_outputs", [True, False])
def test_each_replica_gets_its_shard_on_its_gpu(strategy, files, gpu_outputs):
    calls = []
    dataset = make_dataset(strategy, files, calls, gpu_outputs)
    ordinals = [distribute.cuda_ordinal(d) for d in strategy.extended.worker_devices]
    if len(PHYSICAL_GPUS) == 1:
        assert ordinals == [0, 0]
    assert sorted(calls) == [(r, REPLICAS, ordinals[r]) for r in range(REPLICAS)]
    expected = [
        dali_batches(
            sample_ids(files, r, REPLICAS, gpu_outputs, batch_size=BATCH, device_id=ordinals[r]),
            EPOCH_STEPS,
        )
        for r in range(REPLICAS)
    ]

    iterator = iter(dataset)
    for step in range(EPOCH_STEPS):
        features, ids = next(iterator)
        local = zip(
            strategy.experimental_local_results(features),
            strategy.experimental_local_results(ids),
        )
        for replica, (x, y) in enumerate(local):
            # On the replica's GPU: the dataset was placed there.
            assert x.device.endswith("GPU:%d" % replica), x.device
            assert y.device.endswith("GPU:%d" % replica), y.device
            want_x, want_y = expected[replica][step]
            np.testing.assert_array_equal(x.numpy(), want_x)
            np.testing.assert_array_equal(y.numpy(), want_y)
    # The batches compared above are the two shards: each file once, replica i the i-th half.
    half = NUM_FILES // REPLICAS
    shards = [sorted(int(v) for b in expected[r] for v in b[1].ravel()) for r in range(REPLICAS)]
    assert shards == [list(range(half)), list(range(half, NUM_FILES))]


class Linear(tf.keras.layers.Layer):
    """sum(x * w) + b without a matmul (elementwise ops and reductions: no cuBLAS, which the
    offline GPU kit of tools/gpu stubs out)."""

    def build(self, input_shape):
        self.w = self.add_weight(name="w", shape=(FEATURES,), initializer="zeros")
        self.b = self.add_weight(name="b", shape=(), initializer="zeros")

    def call(self, x):
        return tf.reduce_sum(x * self.w, axis=-1, keepdims=True) + self.b


@needs_two_replicas
def test_keras_fit_trains_on_gpu_replicas(strategy, files):
    with strategy.scope():
        model = tf.keras.Sequential([tf.keras.Input(shape=(FEATURES,)), Linear()])
        model.compile(optimizer=tf.keras.optimizers.SGD(0.01), loss="mse")
    history = model.fit(
        make_dataset(strategy, files, []),
        steps_per_epoch=EPOCH_STEPS,
        epochs=2,
        shuffle=False,
        verbose=0,
    )
    losses = history.history["loss"]
    assert np.all(np.isfinite(losses)) and losses[1] < losses[0], losses


if __name__ == "__main__":
    from tests.common.pytest_main import main

    main(__file__)
