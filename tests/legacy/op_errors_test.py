"""Bad input to the legacy Dali op ends in a Python exception that names the problem."""

import pytest
import tensorflow as tf

import dali_tf
from tests.common import test_utils
from tests.common.dali_reference import assert_same_batches, dali_batches
from tests.common.legacy_pipelines import jpeg_pipeline, ragged_pipeline, six_dtypes_pipeline

BATCH = 2


def first_batch(**dali_args):
    """Builds the op in a new graph and runs it once in a session."""
    with tf.Graph().as_default():
        outputs = dali_tf.dali(**dali_args)
        with tf.compat.v1.Session() as session:
            return session.run(outputs)


def six_outputs():
    """Outputs of shape [BATCH, 2, 3] and types SIX_DTYPES."""
    return six_dtypes_pipeline(batch_size=BATCH)


SIX_SHAPES = [(BATCH, 2, 3)] * 6
SIX_DTYPES = [tf.float16, tf.float32, tf.uint8, tf.int16, tf.int32, tf.int64]


def test_more_shapes_than_dtypes():
    # Fewer shapes are fine (the others are unknown, as in NVIDIA's plugin); more are not.
    with pytest.raises(ValueError, match="shapes has 7 entries but dtypes has 6"):
        first_batch(pipeline=six_outputs(), shapes=SIX_SHAPES + [(BATCH,)], dtypes=SIX_DTYPES)


def test_raw_op_checks_counts_when_the_graph_is_built():
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="shapes has 3 entries but dtypes has 2"):
            dali_tf.DALIRawIterator()(
                serialized_pipeline=b"unused",
                shapes=[(BATCH,)] * 3,
                dtypes=[tf.float32, tf.float32],
            )
        with pytest.raises(ValueError, match="sparse describes 1 outputs that produce 3 tensors"):
            dali_tf.DALIRawIterator()(
                serialized_pipeline=b"unused", shapes=[None], dtypes=[tf.float32], sparse=[True]
            )
        with pytest.raises(
            ValueError,
            match=r"dtypes\[0\] must be int64: it is the indices of "
            "sparse output 0",
        ):
            dali_tf.DALIRawIterator()(
                serialized_pipeline=b"unused",
                shapes=[None] * 3,
                dtypes=[tf.int32, tf.float32, tf.int64],
                sparse=[True],
            )


def test_pipeline_output_count_differs_from_dtypes():
    with pytest.raises(
        tf.errors.InvalidArgumentError, match="The DALI pipeline has 6 outputs but 2 were declared"
    ):
        first_batch(pipeline=six_outputs(), shapes=SIX_SHAPES[:2], dtypes=SIX_DTYPES[:2])


def test_unsupported_dtype():
    with pytest.raises(
        TypeError,
        match=r"dtypes\[1\] is bool, which the Dali op cannot produce; supported: "
        "float16, float32, uint8, int16, int32, int64",
    ):
        first_batch(
            pipeline=six_outputs(), shapes=SIX_SHAPES, dtypes=[tf.float16, tf.bool] + SIX_DTYPES[2:]
        )


def test_dtype_differs_from_the_pipeline_output():
    with pytest.raises(
        tf.errors.InvalidArgumentError,
        match="Output 2 of the DALI pipeline has type uint8 but int32 was declared",
    ):
        first_batch(
            pipeline=six_outputs(),
            shapes=SIX_SHAPES,
            dtypes=SIX_DTYPES[:2] + [tf.int32] + SIX_DTYPES[3:],
        )


def test_declared_shape_differs_from_the_output():
    with pytest.raises(
        tf.errors.InvalidArgumentError,
        match=r"Output 1 of the DALI pipeline has shape \[2,2,3\] but the declared "
        r"shape is \[2,3,2\]",
    ):
        first_batch(
            pipeline=six_outputs(),
            shapes=[(BATCH, 2, 3), (BATCH, 3, 2)] + SIX_SHAPES[2:],
            dtypes=SIX_DTYPES,
        )


def test_sparse_rank_differs_from_the_declared_shape():
    with pytest.raises(
        tf.errors.InvalidArgumentError,
        match=r"Sparse output 0 of the DALI pipeline has rank 3 \(the batch "
        r"dimension and 2 sample dimensions\) but its declared shape has "
        r"rank 4",
    ):
        first_batch(
            pipeline=ragged_pipeline(batch_size=BATCH),
            sparse=[True, True, False],
            shapes=[(BATCH, None, None, None), (BATCH, None), (BATCH, 2)],
            dtypes=[tf.float32, tf.int16, tf.float32],
        )


def test_garbage_serialized_pipeline():
    # DALI's own reason follows ours.
    with pytest.raises(
        tf.errors.OpError,
        match="Could not deserialize the DALI pipeline "
        r"\(serialized_pipeline\): .*serialized pipeline",
    ):
        first_batch(
            serialized_pipeline=b"certainly not a pipeline", shapes=[(BATCH,)], dtypes=[tf.float32]
        )


def test_neither_or_both_pipeline_arguments():
    with pytest.raises(ValueError, match="exactly one of pipeline and serialized_pipeline"):
        dali_tf.dali(shapes=[(BATCH,)], dtypes=[tf.float32])
    with pytest.raises(TypeError, match="must be an nvidia.dali Pipeline"):
        dali_tf.dali(pipeline="not a pipeline", shapes=[(BATCH,)], dtypes=[tf.float32])


def test_no_gpu_requested_for_a_gpu_pipeline():
    with pytest.raises(
        ValueError, match="device_id=None cannot override the pipeline's device_id=0"
    ):
        dali_tf.dali(
            pipeline=six_dtypes_pipeline(batch_size=BATCH, device_id=0),
            shapes=SIX_SHAPES,
            dtypes=SIX_DTYPES,
            device_id=None,
        )


def test_raw_op_device_ids():
    # CPU only (-99999) runs a pipeline serialized without a device; an id that is neither a CUDA
    # ordinal nor one of the op's markers is refused, naming the attribute.
    serialized = six_outputs().serialize()
    with tf.Graph().as_default():
        cpu_only = dali_tf.DALIRawIterator()(
            serialized_pipeline=serialized, shapes=SIX_SHAPES, dtypes=SIX_DTYPES, device_id=-99999
        )
        bad = dali_tf.DALIRawIterator()(
            serialized_pipeline=serialized, shapes=SIX_SHAPES, dtypes=SIX_DTYPES, device_id=-7
        )
        with tf.compat.v1.Session() as session:
            got = session.run(cpu_only)
            with pytest.raises(
                tf.errors.InvalidArgumentError,
                match=r"device_id must be a CUDA ordinal \(>= 0\), -1 \(as serialized\), -2 "
                r"\(the op's GPU\) or -99999 \(CPU only\), got -7",
            ):
                session.run(bad)
    assert_same_batches([got], dali_batches(six_outputs(), 1))


def test_sparse_list_longer_than_the_outputs():
    # A shorter list leaves the other outputs dense, as in NVIDIA's plugin; a longer one is wrong.
    with pytest.raises(
        ValueError, match=r"sparse must have at most one bool per pipeline output \(6\)"
    ):
        first_batch(
            pipeline=six_outputs(),
            shapes=SIX_SHAPES,
            dtypes=SIX_DTYPES,
            sparse=[False] * 6 + [True],
        )


def test_non_uniform_batch_as_a_dense_output():
    with pytest.raises(
        tf.errors.InvalidArgumentError,
        match="Output 0 of the DALI pipeline is not a uniform batch: sample 0 has "
        r"shape \[\d+, \d+\] but sample \d has shape",
    ):
        first_batch(
            pipeline=ragged_pipeline(batch_size=BATCH),
            shapes=[None, None, None],
            dtypes=[tf.float32, tf.int16, tf.float32],
        )


def test_batch_size_that_cannot_be_inferred():
    serialized = six_outputs().serialize()
    message = r"batch_size is -1 \(infer\) but no dense output declares its batch"
    # In a graph the op's shape function refuses it when the op is created; eagerly, the kernel.
    for call in (dali_tf.dali, dali_tf.DALIRawIterator()):
        with tf.Graph().as_default():
            with pytest.raises(ValueError, match=message):
                call(serialized_pipeline=serialized, shapes=[None, ()] * 3, dtypes=SIX_DTYPES)
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        dali_tf.dali(serialized_pipeline=serialized, shapes=[None] * 6, dtypes=SIX_DTYPES)


def test_dali_errors_carry_dalis_message_and_later_calls_do_not_hang(tmp_path):
    files = test_utils.make_jpeg_dir(str(tmp_path), count=4, classes=1)
    with open(files[1], "wb") as f:
        f.write(b"not a JPEG")
    with tf.Graph().as_default():
        outputs = dali_tf.dali(
            pipeline=jpeg_pipeline(str(tmp_path), batch_size=1),
            shapes=[(1, 32, 32, 3), (1, 1), (1, 2)],
            dtypes=[tf.uint8, tf.int32, tf.float32],
        )
        with tf.compat.v1.Session() as session:
            session.run(outputs)  # the first file is fine
            with pytest.raises(
                tf.errors.OpError, match=r"(?s)DALI pipeline failed:.*decoders\.image"
            ):
                session.run(outputs)
            for _ in range(3):  # the dynamic executor carries on with the next files
                session.run(outputs)


if __name__ == "__main__":
    from tests.common.pytest_main import main

    main(__file__)
