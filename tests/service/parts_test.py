"""dali_tf.service.parts_dataset in one process (no service): part i is what DALI's own
pipeline.run() reads from shard i of the reader, one epoch of it, under each last batch policy;
and the arguments a tf.data service worker could not run are refused, naming the problem."""

import numpy as np
import pytest
import tensorflow as tf
from nvidia.dali import fn, pipeline_def

import dali_tf
import dali_tf.service
from tests.distribute.pipelines import FEATURES, sample_ids, write_sample_files

NUM_FILES = 20
NUM_PARTS = 3  # shards of 6, 7 and 7 samples
BATCH = 3
SPEC = dict(output_dtypes=(tf.float32, tf.float32), output_shapes=((None, FEATURES), (None, 1)))


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return write_sample_files(str(tmp_path_factory.mktemp("samples")), NUM_FILES)


def pipeline_fn_of(files, calls=None):
    def pipeline_fn(shard_id, num_shards, device_id):
        if calls is not None:
            calls.append((shard_id, num_shards, device_id))
        return sample_ids(files, shard_id, num_shards, batch_size=BATCH, device_id=device_id)

    return pipeline_fn


def dali_epoch(files, part, policy):
    """Part `part`'s batches as a DALIDataset of its shard gives them (one epoch, as DALI's
    framework iterators cut it: tests/dataset/epochs_test.py), without empty batches: the
    reference. (features, ids) NumPy batches."""
    pipe = sample_ids(files, part, NUM_PARTS, batch_size=BATCH, device_id=None)
    dataset = dali_tf.DALIDataset(pipe, reader_name="Reader", last_batch_policy=policy, **SPEC)
    return [(f.numpy(), i.numpy()) for f, i in dataset if i.shape[0]]


@pytest.mark.parametrize("policy", ["partial", "drop", "fill"])
def test_each_part_is_one_epoch_of_its_shard_as_dali_reads_it(files, policy):
    calls = []
    dataset = dali_tf.service.parts_dataset(
        pipeline_fn_of(files, calls),
        NUM_PARTS,
        reader_name="Reader",
        last_batch_policy=policy,
        **SPEC,
    )
    # pipeline_fn is called once per part, in order, always CPU-only.
    assert calls == [(i, NUM_PARTS, None) for i in range(NUM_PARTS)]
    assert dataset.element_spec == (
        tf.TensorSpec((None, FEATURES), tf.float32),
        tf.TensorSpec((None, 1), tf.float32),
    )
    expected = [batch for part in range(NUM_PARTS) for batch in dali_epoch(files, part, policy)]
    for epoch in range(2):  # each iterator reads every part again, from its beginning
        got = [(f.numpy(), i.numpy()) for f, i in dataset]
        assert len(got) == len(expected), (epoch, [g[1].ravel() for g in got])
        for (features, ids), (want_features, want_ids) in zip(got, expected):
            np.testing.assert_array_equal(ids, want_ids)
            np.testing.assert_array_equal(features, want_features)
            # File i holds the byte i: the pipeline's features of sample i are i / 64.
            np.testing.assert_array_equal(features, np.repeat(ids, FEATURES, axis=1) / 64.0)
    ids = [int(i) for _, batch in got for i in batch.ravel()]
    if policy == "partial":
        assert ids == list(range(NUM_FILES))  # every sample exactly once
    elif policy == "drop":  # each part's incomplete last batch is lost: 12 and 19
        assert ids == list(range(12)) + list(range(13, 19))
    else:  # FILL: a part's last batch wraps around into the next shard (DALI's iterator counts
        # ceil(20 / 3) = 7 samples per shard): 6-8, 13-14 and 0-1 come twice
        assert ids == list(range(9)) + list(range(6, 15)) + list(range(13, 20)) + [0, 1]


def test_a_single_part(files):
    dataset = dali_tf.service.parts_dataset(pipeline_fn_of(files), 1, reader_name="Reader", **SPEC)
    ids = [int(i) for _, batch in dataset for i in batch.numpy().ravel()]
    assert ids == list(range(NUM_FILES))


def test_the_reader_and_the_parts_must_be_given(files):
    with pytest.raises(ValueError, match="reader_name is required"):
        dali_tf.service.parts_dataset(pipeline_fn_of(files), 2, **SPEC)
    for bad in (0, -1, True, "2", 2.0):
        with pytest.raises(ValueError, match="num_parts must be a positive int"):
            dali_tf.service.parts_dataset(pipeline_fn_of(files), bad, reader_name="Reader", **SPEC)
    with pytest.raises(TypeError, match="pipeline_fn must be a function"):
        dali_tf.service.parts_dataset("pipe", 2, reader_name="Reader", **SPEC)
    with pytest.raises(
        TypeError,
        match=r"pipeline_fn\(shard_id=0, num_shards=2, device_id=None\) "
        "must return an nvidia.dali Pipeline",
    ):
        dali_tf.service.parts_dataset(lambda *a: None, 2, reader_name="Reader", **SPEC)
    with pytest.raises(ValueError, match="no reader of that name"):
        dali_tf.service.parts_dataset(pipeline_fn_of(files), 2, reader_name="Other", **SPEC)


def test_partial_batches_need_an_unknown_batch_dimension(files):
    # The op's rule (PARTIAL can yield a shorter last batch), raised by its kernel eagerly.
    with pytest.raises(tf.errors.InvalidArgumentError, match="declare its batch dimension as None"):
        dali_tf.service.parts_dataset(
            pipeline_fn_of(files),
            2,
            reader_name="Reader",
            output_dtypes=(tf.float32, tf.float32),
            output_shapes=((BATCH, FEATURES), (BATCH, 1)),
        )


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(device_id=0), "sets device_id itself"),
        (dict(fail_on_device_mismatch=False), "sets fail_on_device_mismatch itself"),
        (dict(pipeline=None), "sets pipeline itself"),
        (dict(num_thread=2), "unexpected keyword arguments num_thread"),
    ],
)
def test_arguments_the_parts_set_themselves_or_do_not_have(files, kwargs, message):
    with pytest.raises(TypeError, match=message):
        dali_tf.service.parts_dataset(
            pipeline_fn_of(files), 2, reader_name="Reader", **SPEC, **kwargs
        )


def test_gpu_pipelines_and_gpu_placement_are_refused(files):
    def gpu_pipeline_fn(shard_id, num_shards, device_id):
        return sample_ids(
            files, shard_id, num_shards, gpu_outputs=True, batch_size=BATCH, device_id=0
        )

    with pytest.raises(ValueError, match=r"device_id=0: tf.data service workers send host tensors"):
        dali_tf.service.parts_dataset(gpu_pipeline_fn, 2, reader_name="Reader", **SPEC)

    def mixed_pipeline_fn(shard_id, num_shards, device_id):
        return sample_ids(
            files, shard_id, num_shards, gpu_outputs=True, batch_size=BATCH, device_id=device_id
        )

    # No device_id, but GPU outputs: a worker with a GPU would run them there.
    with pytest.raises(
        ValueError, match=r"uses the GPU \(output 0 on the GPU, output 1 on the GPU\)"
    ):
        dali_tf.service.parts_dataset(mixed_pipeline_fn, 2, reader_name="Reader", **SPEC)

    @pipeline_def(batch_size=BATCH, num_threads=1, device_id=None)
    def mixed_decoder(shard_id, num_shards):
        jpegs, labels = fn.readers.file(
            files=list(files), shard_id=shard_id, num_shards=num_shards, name="Reader"
        )
        return fn.decoders.image(jpegs, device="mixed"), labels

    with pytest.raises(
        ValueError, match=r"uses the GPU \(decoders.Image on mixed, output 0 on the GPU\)"
    ):
        dali_tf.service.parts_dataset(
            lambda shard_id, num_shards, _: mixed_decoder(shard_id, num_shards),
            2,
            reader_name="Reader",
            output_dtypes=(tf.uint8, tf.int32),
        )
    with tf.device("/gpu:0"):
        with pytest.raises(ValueError, match=r"made under tf.device\('.*GPU:0'\)"):
            dali_tf.service.parts_dataset(pipeline_fn_of(files), 2, reader_name="Reader", **SPEC)


def test_external_sources_are_refused(files):
    @pipeline_def(batch_size=BATCH, num_threads=1, device_id=None)
    def with_source(callback):
        data = (
            fn.external_source(source=callback, batch=False, name="from_python")
            if callback
            else fn.external_source(name="fed")
        )
        _, ids = fn.readers.file(files=list(files), name="Reader")
        return data, ids

    def source_fn(shard_id, num_shards, device_id):
        return with_source(lambda: np.zeros(FEATURES, np.float32))

    with pytest.raises(
        ValueError,
        match=r"fn.external_source\(source=...\) \('from_python'\): "
        "the workers receive the dataset as a serialized graph",
    ):
        dali_tf.service.parts_dataset(source_fn, 2, reader_name="Reader", **SPEC)
    with pytest.raises(ValueError, match=r"an fn.external_source \('fed'\), which nothing feeds"):
        dali_tf.service.parts_dataset(lambda *a: with_source(None), 2, reader_name="Reader", **SPEC)


if __name__ == "__main__":
    from tests.common.pytest_main import main

    main(__file__)
