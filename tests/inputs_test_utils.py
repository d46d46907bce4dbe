"""Helpers shared by the DALIDatasetWithInputs tests."""

import numpy as np
import tensorflow as tf

import dali_tf


def layout_of(array_row):
    """Decodes a row of fn.get_property(key='layout') output."""
    return bytes(np.asarray(array_row, np.uint8)).decode()


def take(dataset, n):
    """Up to n elements as NumPy (tuples kept), stopping early at the end of data."""
    out = []
    for element in dataset:
        out.append(tuple(e.numpy() for e in element) if isinstance(element, tuple)
                   else element.numpy())
        if len(out) == n:
            break
    return out


def with_inputs(pipe, inputs, dtypes, shapes=None, **kwargs):
    with tf.device("/cpu:0"):
        return dali_tf.experimental.DALIDatasetWithInputs(
            pipeline=pipe, input_datasets=inputs, output_dtypes=dtypes, output_shapes=shapes,
            **kwargs)


def samples_dataset(count, shape=(3,), dtype=np.int32):
    """Element i is an array of `shape` filled with i."""
    return tf.data.Dataset.from_tensor_slices(
        np.stack([np.full(shape, i, dtype) for i in range(count)]))
