"""dali_tf.distributed_dataset under MirroredStrategy over two logical CPU devices: each replica
reads its own shard, on its own device, and Keras trains on the result."""

import numpy as np
import pytest
import tensorflow as tf
from nvidia.dali import fn, pipeline_def, types
from nvidia.dali.plugin.base_iterator import LastBatchPolicy

import dali_tf
from dali_tf import _epochs, distribute
from tests.common.reference_iterator import reference_epochs
from tests.distribute.pipelines import (
    FEATURES,
    ids_of,
    output_spec,
    sample_ids,
    small_model,
    write_sample_files,
)

# Two logical CPUs, set before anything initializes TensorFlow's devices (collection imports this
# module first).
tf.config.set_logical_device_configuration(
    tf.config.list_physical_devices("CPU")[0], [tf.config.LogicalDeviceConfiguration()] * 2
)

NUM_FILES = 24
BATCH = 3  # per replica
REPLICAS = 2
EPOCH_STEPS = NUM_FILES // (REPLICAS * BATCH)


@pytest.fixture(scope="module")
def strategy():
    return tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return write_sample_files(str(tmp_path_factory.mktemp("samples")), NUM_FILES)


def make_dataset(strategy, files, calls=None, batch=BATCH, **kwargs):
    def pipeline_fn(shard_id, num_shards, device_id):
        if calls is not None:
            calls.append((shard_id, num_shards, device_id))
        return sample_ids(files, shard_id, num_shards, batch_size=batch, device_id=device_id)

    spec = output_spec(kwargs.get("batch_size", batch))
    return dali_tf.distributed_dataset(strategy, pipeline_fn, *spec, **kwargs)


def run_steps(strategy, dataset, steps):
    """Per replica: the sample ids it got over `steps` steps, and the devices of its tensors."""
    iterator = iter(dataset)
    ids = [[] for _ in range(strategy.num_replicas_in_sync)]
    devices = [set() for _ in range(strategy.num_replicas_in_sync)]
    for _ in range(steps):
        features, labels = next(iterator)
        local = zip(
            strategy.experimental_local_results(features),
            strategy.experimental_local_results(labels),
        )
        for replica, (x, y) in enumerate(local):
            assert x.shape == (BATCH, FEATURES)
            ids[replica].extend(ids_of(y))
            devices[replica].update({x.device, y.device})
    return ids, devices


def test_each_replica_reads_its_own_shard_once_per_epoch(strategy, files):
    calls = []
    dataset = make_dataset(strategy, files, calls)
    assert sorted(calls) == [(0, REPLICAS, None), (1, REPLICAS, None)]

    ids, devices = run_steps(strategy, dataset, EPOCH_STEPS)
    first, second = (set(i) for i in ids)
    # Disjoint, each sample once, and together the whole data set.
    assert all(len(i) == NUM_FILES // REPLICAS for i in ids)
    assert len(set(ids[0])) == len(ids[0]) and len(set(ids[1])) == len(ids[1])
    assert not first & second
    assert first | second == set(range(NUM_FILES))
    # Replica r has the reader's shard r (DALI gives shard r the r-th contiguous part) ...
    half = NUM_FILES // REPLICAS
    assert first == set(range(half)) and second == set(range(half, NUM_FILES))
    # ... on its own device.
    assert [{d.rsplit("/", 1)[-1] for d in ds} for ds in devices] == [
        {"device:CPU:0"},
        {"device:CPU:1"},
    ]


def test_the_next_epoch_is_split_the_same_way(strategy, files):
    # Without stick_to_shard, DALI's readers move on to the next shard each epoch: the second
    # epoch is again disjoint across the replicas and covers the data set once.
    ids, _ = run_steps(strategy, make_dataset(strategy, files), 2 * EPOCH_STEPS)
    half = NUM_FILES // REPLICAS
    for epoch in (0, 1):
        seen = [replica_ids[epoch * half : (epoch + 1) * half] for replica_ids in ids]
        assert sorted(seen[0] + seen[1]) == list(range(NUM_FILES))


def test_keras_fit_trains_under_the_strategy(strategy, files):
    tf.keras.utils.set_random_seed(0)
    with strategy.scope():
        model = small_model()
    before = [w.copy() for w in model.get_weights()]
    history = model.fit(
        make_dataset(strategy, files),
        steps_per_epoch=EPOCH_STEPS,
        epochs=2,
        shuffle=False,
        verbose=0,
    )
    losses = history.history["loss"]
    assert len(losses) == 2 and np.all(np.isfinite(losses))
    assert any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_dataset_arguments_are_passed_on(strategy, files):
    # batch_size overrides the pipeline's: the per-replica batch.
    dataset = make_dataset(strategy, files, batch=2, batch_size=4)
    features, labels = next(iter(dataset))
    for x, y in zip(
        strategy.experimental_local_results(features), strategy.experimental_local_results(labels)
    ):
        assert x.shape == (4, FEATURES) and y.shape == (4, 1)


def test_every_input_pipeline_has_dali_dataset_options(strategy, files):
    dataset = make_dataset(strategy, files)
    per_replica = dataset._datasets  # pylint: disable=protected-access
    assert len(per_replica) == REPLICAS
    for replica_dataset in per_replica:
        options = replica_dataset.options()
        assert options.experimental_distribute.auto_shard_policy == (
            tf.data.experimental.AutoShardPolicy.OFF
        )
        assert options.autotune.enabled is False


def test_the_strategys_other_datasets_are_unaffected(strategy, files):
    plain = tf.data.Dataset.range(8).batch(4)

    def batches():
        return [
            [t.numpy().tolist() for t in strategy.experimental_local_results(v)]
            for v in strategy.experimental_distribute_dataset(plain)
        ]

    before = batches()
    make_dataset(strategy, files)
    assert batches() == before == [[[0, 1], [2, 3]], [[4, 5], [6, 7]]]


def test_input_options():
    # MirroredStrategy: one pipeline per replica, placed and iterated on the replica's device
    # (also on CPUs: no MultiDeviceIterator); MultiWorkerMirroredStrategy: TensorFlow's defaults.
    mirrored = distribute.input_options("mirrored")
    assert mirrored.experimental_replication_mode == tf.distribute.InputReplicationMode.PER_REPLICA
    assert mirrored.experimental_place_dataset_on_device is True
    assert mirrored.experimental_fetch_to_device is False
    assert distribute.input_options("multi_worker") == tf.distribute.InputOptions()


@pytest.mark.parametrize(
    "device, gpus, ordinal",
    [
        ("/gpu:0", [("/physical_device:GPU:0", 1), ("/physical_device:GPU:1", 1)], 0),
        ("/job:localhost/replica:0/task:0/device:GPU:1", [("/physical_device:GPU:0", 1)] * 2, 0),
        # Hidden GPU 0 (tf.config.set_visible_devices): TF's /gpu:0 is CUDA device 1.
        ("/gpu:0", [("/physical_device:GPU:1", 1)], 1),
        # Two logical devices on CUDA device 0, one on device 1.
        ("/gpu:1", [("/physical_device:GPU:0", 2), ("/physical_device:GPU:1", 1)], 0),
        ("/device:GPU:2", [("/physical_device:GPU:0", 2), ("/physical_device:GPU:1", 1)], 1),
    ],
)
def test_cuda_ordinal_of_tensorflow_gpus(device, gpus, ordinal):
    assert distribute.cuda_ordinal(device, gpus) == ordinal


def test_cuda_ordinal_of_a_gpu_tensorflow_does_not_have():
    with pytest.raises(ValueError, match="/gpu:3 is not one of the 3 GPUs"):
        distribute.cuda_ordinal("/gpu:3", [("/physical_device:GPU:0", 2), ("p:GPU:1", 1)])


# Errors: each one raised by distributed_dataset itself, naming what is wrong.


def test_unsupported_strategy(files):
    pipeline_fn = lambda s, n, d: sample_ids(files, s, n, batch_size=2)  # noqa: E731
    for strategy in (tf.distribute.OneDeviceStrategy("/cpu:0"), object()):
        with pytest.raises(TypeError, match="MirroredStrategy or .*MultiWorkerMirroredStrategy"):
            dali_tf.distributed_dataset(strategy, pipeline_fn, *output_spec(2))


def test_pipeline_fn_must_be_callable(strategy):
    with pytest.raises(TypeError, match="pipeline_fn must be a function"):
        dali_tf.distributed_dataset(strategy, "not a function", *output_spec(2))


def test_pipeline_fn_must_return_a_pipeline(strategy):
    with pytest.raises(
        TypeError,
        match=r"pipeline_fn\(shard_id=0, num_shards=2, device_id=None\) must return an "
        "nvidia.dali Pipeline .*got dict",
    ):
        dali_tf.distributed_dataset(strategy, lambda s, n, d: {}, *output_spec(2))


def test_gpu_pipeline_on_a_cpu_replica(strategy):
    @pipeline_def(batch_size=2, num_threads=1, device_id=0)
    def on_gpu_0():
        return fn.random.uniform(range=[0, 1], shape=[1])

    with pytest.raises(ValueError, match="returned a pipeline with device_id=0.*device:CPU:0"):
        dali_tf.distributed_dataset(strategy, lambda s, n, d: on_gpu_0(), tf.float32)


def test_device_id_is_the_replicas(strategy, files):
    with pytest.raises(TypeError, match="sets device_id itself"):
        make_dataset(strategy, files, device_id=0)


def test_unknown_keyword_argument(strategy, files):
    with pytest.raises(TypeError, match="unexpected keyword arguments num_thread "):
        make_dataset(strategy, files, num_thread=2)


def test_output_dtypes_are_checked_first(strategy, files):
    with pytest.raises(TypeError, match="output_dtypes is required"):
        dali_tf.distributed_dataset(strategy, lambda s, n, d: sample_ids(files, s, n), None)


# Sharding: each reader reads its replica's shard, or is named in unsharded_readers.


def fixed_shard_fn(files, shard_of, num_shards):
    """A pipeline_fn whose reader reads shard shard_of(shard_id) of `num_shards`."""

    def pipeline_fn(shard_id, _, device_id):
        return sample_ids(
            files, shard_of(shard_id), num_shards, batch_size=BATCH, device_id=device_id
        )

    return pipeline_fn


@pytest.mark.parametrize("reader_name", [None, "Reader"])
def test_a_reader_that_ignores_its_shard_is_refused(strategy, files, reader_name):
    kwargs = {} if reader_name is None else {"reader_name": reader_name}
    with pytest.raises(
        ValueError,
        match=r"pipeline_fn\(shard_id=0, num_shards=2, device_id=None\) returned a pipeline whose "
        r"reader 'Reader' reads the whole data set: every replica would read the same samples, "
        r"but it is input pipeline 0 of 2: pass shard_id and num_shards to the reader .*"
        r"unsharded_readers=\['Reader'\]",
    ):
        dali_tf.distributed_dataset(
            strategy, fixed_shard_fn(files, lambda s: 0, 1), *output_spec(BATCH), **kwargs
        )


@pytest.mark.parametrize(
    "shard_of,num_shards,what",
    [
        (lambda s: s, 4, "reads shard 0 of 4, but it is input pipeline 0 of 2"),
        (lambda s: 1 - s, 2, "reads shard 1 of 2, but it is input pipeline 0 of 2"),
    ],
    ids=["too_many_shards", "swapped_shards"],
)
def test_a_reader_on_another_shard_is_refused(strategy, files, shard_of, num_shards, what):
    with pytest.raises(ValueError, match="reader 'Reader' " + what):
        dali_tf.distributed_dataset(
            strategy, fixed_shard_fn(files, shard_of, num_shards), *output_spec(BATCH)
        )


def test_unsharded_readers_opt_in_reads_everything_on_every_replica(strategy, files):
    dataset = dali_tf.distributed_dataset(
        strategy,
        fixed_shard_fn(files, lambda s: 0, 1),
        *output_spec(BATCH),
        unsharded_readers=["Reader"],
    )
    ids, _ = run_steps(strategy, dataset, NUM_FILES // BATCH)
    assert ids == [list(range(NUM_FILES))] * REPLICAS


@pipeline_def(num_threads=1, seed=7)
def with_backgrounds(files, shard_id, num_shards, sharded_backgrounds=False):
    """sample_ids' outputs, plus the ids of a second reader over the same files ("Backgrounds"),
    read whole unless `sharded_backgrounds`."""
    features, ids = sample_ids.__wrapped__(files, shard_id, num_shards)
    _, backgrounds = fn.readers.file(
        files=list(files),
        labels=list(range(len(files))),
        shard_id=shard_id if sharded_backgrounds else 0,
        num_shards=num_shards if sharded_backgrounds else 1,
        name="Backgrounds",
    )
    return features, ids, fn.cast(backgrounds, dtype=types.FLOAT)


def backgrounds_dataset(strategy, files, **kwargs):
    dtypes, shapes = output_spec(BATCH)
    return dali_tf.distributed_dataset(
        strategy,
        lambda s, n, d: with_backgrounds(files, s, n, batch_size=BATCH, device_id=d),
        dtypes + (tf.float32,),
        shapes + ((BATCH, 1),),
        **kwargs,
    )


def test_a_second_reader_must_be_sharded_or_named(strategy, files):
    with pytest.raises(ValueError, match="reader 'Backgrounds' reads the whole data set"):
        backgrounds_dataset(strategy, files)
    dataset = backgrounds_dataset(strategy, files, unsharded_readers=("Backgrounds",))
    iterator = iter(dataset)
    for step in range(2):
        _, ids, backgrounds = next(iterator)
        ids = [ids_of(t) for t in strategy.experimental_local_results(ids)]
        backgrounds = [ids_of(t) for t in strategy.experimental_local_results(backgrounds)]
        half = NUM_FILES // REPLICAS
        assert ids == [
            list(range(r * half + step * BATCH, r * half + (step + 1) * BATCH)) for r in (0, 1)
        ]
        # Every replica reads all backgrounds, from the first.
        assert backgrounds == [list(range(step * BATCH, (step + 1) * BATCH))] * REPLICAS


def test_unsharded_readers_must_name_readers(strategy, files):
    with pytest.raises(ValueError, match=r"unsharded_readers names 'Nope', .*its readers: Reader"):
        make_dataset(strategy, files, unsharded_readers=["Nope"])
    with pytest.raises(TypeError, match="unsharded_readers must be a list of reader names"):
        make_dataset(strategy, files, unsharded_readers="Reader")


def test_each_pipeline_is_built_once_to_read_its_readers(strategy, files, monkeypatch):
    # The shard check and the reader's epoch share one built copy per input pipeline.
    builds = []
    deserialize = _epochs._dali_pipeline.Pipeline.deserialize

    def counting(*args, **kwargs):
        builds.append(kwargs.get("batch_size"))
        return deserialize(*args, **kwargs)

    monkeypatch.setattr(_epochs._dali_pipeline.Pipeline, "deserialize", counting)
    make_dataset(strategy, files, reader_name="Reader")
    assert builds == [BATCH] * REPLICAS


# Replicas whose data ends at different steps. Each step takes a batch from every replica.


@pytest.fixture(scope="module")
def seven_files(tmp_path_factory):
    return write_sample_files(str(tmp_path_factory.mktemp("seven")), 7)


@pytest.mark.parametrize(
    "policy", [LastBatchPolicy.FILL, LastBatchPolicy.DROP, LastBatchPolicy.PARTIAL], ids=str
)
def test_with_reader_name_every_replica_has_as_many_batches(strategy, seven_files, policy):
    # Shards of 3 and 4 samples, batches of 2: DALI counts an epoch over all shards, so both
    # replicas end it at the same step, each with DALI's own iterator's batches of its shard
    # (PARTIAL: the short shard's last batch is cut, here to a single sample).
    def pipeline_fn(shard_id, num_shards, device_id):
        return sample_ids(seven_files, shard_id, num_shards, batch_size=2, device_id=device_id)

    dtypes, _ = output_spec(2)
    dataset = dali_tf.distributed_dataset(
        strategy,
        pipeline_fn,
        dtypes,
        ((None, FEATURES), (None, 1)),
        reader_name="Reader",
        last_batch_policy=policy,
    )
    expected = [
        reference_epochs(pipeline_fn(shard, REPLICAS, None), policy, 2, output=1)[0]
        for shard in range(REPLICAS)
    ]
    for epoch in range(2):
        got = [[], []]
        for _, ids in dataset:
            for replica, tensor in enumerate(strategy.experimental_local_results(ids)):
                got[replica].append(ids_of(tensor))
        assert got == [expected[replica][epoch] for replica in range(REPLICAS)]
        assert len(got[0]) == len(got[1]) > 0


def uneven_sources_dataset(strategy, output_shapes):
    """Replica 0's pipeline has 4 samples (2 batches of 2), replica 1's 6 (3 batches)."""

    @pipeline_def(batch_size=2, num_threads=1)
    def counted(count, first):
        samples = [np.array([first + i], np.float32) for i in range(count)]
        return fn.external_source(source=samples, batch=False)

    return dali_tf.distributed_dataset(
        strategy,
        lambda s, n, d: counted(4 + 2 * s, 100 * s, device_id=d),
        tf.float32,
        output_shapes,
    )


def steps_of(strategy, dataset):
    return [
        [ids_of(t) for t in strategy.experimental_local_results(element[0])] for element in dataset
    ]


def test_a_replica_whose_data_ends_first_ends_the_iteration_for_all(strategy):
    # With a declared batch dimension TensorFlow cannot stand in for the missing batch: the
    # iteration ends with the shortest replica, and replica 1's last batch never arrives.
    assert steps_of(strategy, uneven_sources_dataset(strategy, (2, 1))) == [
        [[0, 1], [100, 101]],
        [[2, 3], [102, 103]],
    ]


def test_an_unknown_batch_dimension_gets_every_batch(strategy):
    # Declared None, the batch dimension lets TensorFlow give the replica that ran out an empty
    # batch until every replica has: no batch is lost.
    assert steps_of(strategy, uneven_sources_dataset(strategy, (None, 1))) == [
        [[0, 1], [100, 101]],
        [[2, 3], [102, 103]],
        [[], [104, 105]],
    ]


if __name__ == "__main__":
    from tests.common.pytest_main import main

    main(__file__)
