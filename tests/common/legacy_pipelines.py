"""Small deterministic CPU pipelines for the legacy op's tests, and their expected values.

Each function returns a new, unbuilt pipeline: one goes to the op, an identical one is run by
DALI directly (dali_reference) to give the expected values (same seeds, so the same data).
"""

import numpy as np
from nvidia.dali import fn, pipeline_def, types

# The six element types the op supports, DALI's and TF's names.
SIX_DTYPES = [
    (types.FLOAT16, "float16"),
    (types.FLOAT, "float32"),
    (types.UINT8, "uint8"),
    (types.INT16, "int16"),
    (types.INT32, "int32"),
    (types.INT64, "int64"),
]


@pipeline_def(num_threads=1, device_id=None, seed=1234)
def jpeg_pipeline(file_root, size=32):
    """Images decoded and resized to size x size (uint8 HWC), labels (int32 [1]), noise."""
    jpegs, labels = fn.readers.file(file_root=file_root, random_shuffle=False)
    images = fn.resize(fn.decoders.image(jpegs, device="cpu"), size=[size, size])
    noise = fn.random.uniform(shape=[2], range=[-1.0, 1.0], seed=7)
    return images, labels, noise


@pipeline_def(num_threads=1, device_id=None, seed=1234)
def six_dtypes_pipeline():
    """One [2, 3] output per supported type, in SIX_DTYPES order."""
    return tuple(
        fn.cast(fn.random.uniform(shape=[2, 3], range=[0.0, 100.0], seed=10 + i), dtype=dali_type)
        for i, (dali_type, _) in enumerate(SIX_DTYPES)
    )


@pipeline_def(num_threads=1, device_id=None, seed=1234)
def ragged_pipeline():
    """Samples of different shapes: float [h, w] with h, w in 1..4, and int16 [n] with n in
    1..5; then a dense float [2]."""
    shape_2d = fn.cast(fn.random.uniform(shape=[2], range=[1.0, 5.0], seed=3), dtype=types.INT32)
    shape_1d = fn.cast(fn.random.uniform(shape=[1], range=[1.0, 6.0], seed=4), dtype=types.INT32)
    matrices = fn.random.uniform(shape=shape_2d, range=[0.0, 1.0], seed=5)
    vectors = fn.cast(
        fn.random.uniform(shape=shape_1d, range=[-50.0, 50.0], seed=6), dtype=types.INT16
    )
    dense = fn.random.uniform(shape=[2], seed=8)
    return matrices, vectors, dense


def expected_sparse(sample_arrays):
    """indices, values, dense_shape of the padded batch of `sample_arrays`, values in
    sample order and row-major within a sample (tf.SparseTensor layout)."""
    indices = [
        (i,) + position
        for i, sample in enumerate(sample_arrays)
        for position in np.ndindex(*sample.shape)
    ]
    values = np.concatenate([sample.ravel() for sample in sample_arrays])
    ndim = sample_arrays[0].ndim
    dense_shape = [len(sample_arrays)] + [
        max(s.shape[d] for s in sample_arrays) for d in range(ndim)
    ]
    return np.array(indices, dtype=np.int64).reshape(-1, ndim + 1), values, np.array(dense_shape)


def check_ragged_outputs(got, expected):
    """got: [SparseTensorValue, SparseTensorValue, dense] per iteration; expected: ragged_pipeline's
    batches from dali_reference.dali_sample_batches (per output, the list of sample arrays)."""
    assert len(got) == len(expected), "%d batches, DALI gives %d" % (len(got), len(expected))
    for (matrices, vectors, dense), (matrix_samples, vector_samples, dense_samples) in zip(
        got, expected
    ):
        for sparse, samples in ((matrices, matrix_samples), (vectors, vector_samples)):
            indices, values, dense_shape = expected_sparse(samples)
            np.testing.assert_array_equal(sparse.indices, indices)
            np.testing.assert_array_equal(sparse.values, values)
            np.testing.assert_array_equal(sparse.dense_shape, dense_shape)
        np.testing.assert_array_equal(dense, np.stack(dense_samples))
