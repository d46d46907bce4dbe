"""The legacy ``Dali`` op for TF1 sessions (and tf.function): one call, one batch of every output.

    images, labels = dali_tf.dali(pipeline=pipe, shapes=[(32, 224, 224, 3), (32, 1)],
                                  dtypes=[tf.float32, tf.int32])

A sparse output (``sparse[i]`` true) may have samples of different shapes and comes back as a
``tf.SparseTensor`` of the padded batch. The op itself produces three tensors for it (indices,
values, dense_shape) in place of one, so its ``dtypes``/``shapes`` attrs have one entry per
produced tensor; ``dali`` expands them and reassembles the SparseTensor.
"""

import tensorflow as tf

from dali_tf import _loader
from dali_tf import _pipeline

# The element types the op's `dtypes` attr accepts (see REGISTER_OP("Dali") in cc/daliop.cc).
SUPPORTED_DTYPES = (tf.float16, tf.float32, tf.uint8, tf.int16, tf.int32, tf.int64)

# The op's attrs use -1 for "as serialized in the pipeline".
_KEEP_SERIALIZED = -1

# Op defaults of the attrs that a pipeline object can supply instead.
_OP_DEFAULTS = dict(exec_separated=False, exec_dynamic=False, gpu_prefetch_queue_depth=2,
                    cpu_prefetch_queue_depth=2, enable_memory_stats=False)


def dali(serialized_pipeline=None, shapes=None, dtypes=None, sparse=None, batch_size=-1,
         num_threads=-1, device_id=-1, exec_separated=None, exec_dynamic=None,
         gpu_prefetch_queue_depth=None, cpu_prefetch_queue_depth=None, enable_memory_stats=None,
         pipeline=None, name=None):
    """Runs a DALI pipeline as a TensorFlow op; returns one tensor per pipeline output.

    Args:
      serialized_pipeline: ``pipe.serialize()`` bytes; or give ``pipeline`` instead.
      shapes: one shape per pipeline output, of the whole batch (batch dimension first);
        ``None`` entries/dimensions are unknown. For a sparse output, its dense (padded) shape.
      dtypes: one per pipeline output: float16, float32, uint8, int16, int32 or int64.
      sparse: optional list of bools, one per pipeline output (default: all dense).
      batch_size: -1: the pipeline object's batch size, or (serialized pipeline) the first
        dimension declared for a dense output.
      num_threads, device_id: -1 keeps the pipeline's setting. ``device_id=None`` (no GPU) needs a
        pipeline defined with ``device_id=None``: DALI cannot take a serialized device away.
      exec_separated, exec_dynamic, gpu_prefetch_queue_depth, cpu_prefetch_queue_depth,
        enable_memory_stats: ``None`` takes them from ``pipeline`` when given, otherwise the op's
        defaults (False, False, 2, 2, False).
      pipeline: an ``nvidia.dali`` Pipeline, serialized here.
      name: name of the op in the graph.

    Returns:
      A list with a ``tf.Tensor`` per dense output and a ``tf.SparseTensor`` per sparse output.
    """
    settings = _check_pipeline_and_read_settings(serialized_pipeline, pipeline)
    dtypes = _check_dtypes(dtypes)
    shapes = _check_shapes(shapes, len(dtypes))
    sparse = _check_sparse(sparse, len(dtypes))

    if batch_size == _KEEP_SERIALIZED:
        batch_size = settings.get("batch_size", _KEEP_SERIALIZED)
    if batch_size == _KEEP_SERIALIZED:  # the op infers it from the shapes
        _check_batch_size_inferable(shapes, sparse)
    if device_id is None:  # keep the serialized device, which must be "no GPU"
        _pipeline.require_cpu_only(pipeline)
        device_id = _KEEP_SERIALIZED
    given = dict(exec_separated=exec_separated, exec_dynamic=exec_dynamic,
                 gpu_prefetch_queue_depth=gpu_prefetch_queue_depth,
                 cpu_prefetch_queue_depth=cpu_prefetch_queue_depth,
                 enable_memory_stats=enable_memory_stats)
    options = {key: value if value is not None else settings.get(key, _OP_DEFAULTS[key])
               for key, value in given.items()}

    if pipeline is not None:
        serialized_pipeline = _pipeline.serialize_pipeline(pipeline)
    op_dtypes, op_shapes = _expand_for_op(dtypes, shapes, sparse)
    produced = _loader.ops().dali(
        serialized_pipeline=serialized_pipeline, shapes=op_shapes, dtypes=op_dtypes,
        sparse=sparse, batch_size=batch_size, num_threads=num_threads, device_id=device_id,
        name=name, **options)
    return _assemble(produced, sparse)


def DALIIterator():  # noqa: N802  (the DALI TF plugin's name)
    """Returns ``dali``, the function creating the op, as the DALI TF plugin's API does."""
    return dali


def DALIRawIterator():  # noqa: N802
    """Returns the generated op function itself: dtypes/shapes per produced tensor, no checks."""
    return _loader.ops().dali


def _check_pipeline_and_read_settings(serialized_pipeline, pipeline):
    """The settings of the pipeline object, if one is given instead of a serialized pipeline."""
    if (serialized_pipeline is None) == (pipeline is None):
        raise ValueError("Give exactly one of serialized_pipeline and pipeline")
    if pipeline is None:
        if not isinstance(serialized_pipeline, (bytes, str)) or not serialized_pipeline:
            raise TypeError("serialized_pipeline must be the non-empty bytes of "
                            "pipe.serialize(), got %r" % (type(serialized_pipeline).__name__,))
        return {}
    _pipeline.check_pipeline(pipeline)
    return _pipeline.configured_settings(pipeline)


def _check_dtypes(dtypes):
    if not isinstance(dtypes, (list, tuple)) or not dtypes:
        raise ValueError("dtypes must be a non-empty list, one dtype per pipeline output, got %r"
                         % (dtypes,))
    checked = []
    for i, dtype in enumerate(dtypes):
        try:
            dtype = tf.as_dtype(dtype)
        except TypeError as e:
            raise TypeError("dtypes[%d] is not a dtype: %r" % (i, dtype)) from e
        if dtype not in SUPPORTED_DTYPES:
            raise TypeError("dtypes[%d] is %s; the Dali op supports only %s"
                            % (i, dtype.name, ", ".join(d.name for d in SUPPORTED_DTYPES)))
        checked.append(dtype)
    return checked


def _check_shapes(shapes, num_outputs):
    if not isinstance(shapes, (list, tuple)):
        raise ValueError("shapes must be a list, one shape per pipeline output, got %r"
                         % (shapes,))
    if len(shapes) != num_outputs:
        raise ValueError("shapes has %d entries but dtypes has %d: give one shape and one dtype "
                         "per pipeline output" % (len(shapes), num_outputs))
    checked = []
    for i, shape in enumerate(shapes):
        try:
            checked.append(tf.TensorShape(shape))
        except (TypeError, ValueError) as e:
            raise ValueError("shapes[%d] is not a shape: %r (%s)" % (i, shape, e)) from e
    return checked


def _check_sparse(sparse, num_outputs):
    if sparse is None or (isinstance(sparse, (list, tuple)) and not sparse):
        return []
    if not isinstance(sparse, (list, tuple)) or len(sparse) != num_outputs:
        raise ValueError("sparse must have one bool per pipeline output (%d), got %r"
                         % (num_outputs, sparse))
    return [bool(s) for s in sparse]


def _check_batch_size_inferable(shapes, sparse):
    for i, shape in enumerate(shapes):
        dense = not sparse or not sparse[i]
        if dense and shape.rank and shape[0] is not None:
            return
    raise ValueError("batch_size could not be inferred: pass batch_size, or declare the batch "
                     "(first) dimension of a dense output in shapes")


def _expand_for_op(dtypes, shapes, sparse):
    """One dtype and shape per tensor the op produces: three for a sparse output."""
    op_dtypes, op_shapes = [], []
    for i, (dtype, shape) in enumerate(zip(dtypes, shapes)):
        if sparse and sparse[i]:
            rank = shape.rank  # None when unknown
            op_dtypes += [tf.int64, dtype, tf.int64]
            op_shapes += [tf.TensorShape([None, rank]), tf.TensorShape([None]),
                          tf.TensorShape([rank])]
        else:
            op_dtypes.append(dtype)
            op_shapes.append(shape)
    return op_dtypes, op_shapes


def _assemble(produced, sparse):
    produced = list(produced)
    if not sparse:
        return produced
    results, pos = [], 0
    for is_sparse in sparse:
        if is_sparse:
            results.append(tf.SparseTensor(*produced[pos:pos + 3]))
            pos += 3
        else:
            results.append(produced[pos])
            pos += 1
    return results
