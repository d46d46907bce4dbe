"""Element types on the Python side: TensorFlow's dtypes and DALI's ``types`` for the same types,
used where Python compares a dataset's dtype with what a live pipeline object declares (an
external source's ``dtype``), and the checks that give early, readable errors.

The ops own which types they take: the C++ table (cc/common/dtype_mapping.cc) for the dataset
ops, which checks its outputs and inputs against it, and the legacy Dali op's registered ``dtypes``
attribute, read here from its OpDef (legacy_op_dtypes).
"""

import tensorflow as tf
from nvidia.dali import types as _dali_types

# Every element type both DALI and TensorFlow have, in the order messages list them.
TF_TO_DALI = {
    tf.bool: _dali_types.BOOL,
    tf.int8: _dali_types.INT8,
    tf.int16: _dali_types.INT16,
    tf.int32: _dali_types.INT32,
    tf.int64: _dali_types.INT64,
    tf.uint8: _dali_types.UINT8,
    tf.uint16: _dali_types.UINT16,
    tf.uint32: _dali_types.UINT32,
    tf.uint64: _dali_types.UINT64,
    tf.float16: _dali_types.FLOAT16,
    tf.float32: _dali_types.FLOAT,
    tf.float64: _dali_types.FLOAT64,
}

# What the dataset ops produce and take as inputs: all of them.
DATASET_DTYPES = tuple(TF_TO_DALI)


def legacy_op_dtypes():
    """The types the registered Dali op allows in its ``dtypes`` attr (the legacy op's contract:
    float16, float32, uint8, int16, int32, int64)."""
    from tensorflow.python.framework import op_def_registry

    from dali_tf import _loader

    _loader.ops()  # registers the op
    (attr,) = [a for a in op_def_registry.get("Dali").attr if a.name == "dtypes"]
    return tuple(tf.as_dtype(t) for t in attr.allowed_values.list.type)


def names(dtypes):
    """ "bool, int8, ..." for messages."""
    return ", ".join(d.name for d in dtypes)


def as_supported(value, supported, what, producer):
    """`value` as a tf.DType from `supported`, or a TypeError naming `what`, the type, and the
    choices of `producer` ("a DALI pipeline", "the Dali op")."""
    try:
        dtype = tf.as_dtype(value)
    except TypeError:
        raise TypeError("%s must be a tf.DType, got %r" % (what, value)) from None
    if dtype not in supported:
        raise TypeError(
            "%s is %s, which %s cannot produce; supported: %s"
            % (what, dtype.name, producer, names(supported))
        )
    return dtype
