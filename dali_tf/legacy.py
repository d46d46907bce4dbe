"""The legacy ``Dali`` op for TF1 sessions (and tf.function): one call, one batch of every output.

    images, labels = dali_tf.dali(pipeline=pipe, shapes=[(32, 224, 224, 3), (32, 1)],
                                  dtypes=[tf.float32, tf.int32])

A sparse output (``sparse[i]`` true) may have samples of different shapes and comes back as a
``tf.SparseTensor`` of the padded batch. The op itself produces three tensors for it (indices,
values, dense_shape) in place of one, so its ``dtypes``/``shapes`` attrs have one entry per
produced tensor; ``dali`` expands them and reassembles the SparseTensor.
"""

from typing import List, Mapping, Optional, Sequence, Union

import tensorflow as tf
from nvidia.dali.pipeline import Pipeline

from dali_tf import _dtypes, _loader, _pipeline

__all__ = ["DALIIterator", "DALIIteratorWrapper", "DALIRawIterator", "dali"]


def dali(
    pipeline: Optional[Pipeline] = None,
    serialized_pipeline: Optional[bytes] = None,
    sparse: Optional[Sequence[bool]] = None,
    shapes: Optional[Sequence[Union[tf.TensorShape, Sequence[Optional[int]], None]]] = None,
    dtypes: Optional[Sequence[tf.DType]] = None,
    batch_size: int = -1,
    prefetch_queue_depth: Union[int, Mapping[str, int], None] = None,
    exec_dynamic: Optional[bool] = None,
    *,
    num_threads: int = -1,
    device_id: Optional[int] = -1,
    exec_separated: Optional[bool] = None,
    gpu_prefetch_queue_depth: Optional[int] = None,
    cpu_prefetch_queue_depth: Optional[int] = None,
    enable_memory_stats: Optional[bool] = None,
    seed: Optional[int] = None,
    name: Optional[str] = None,
) -> List[Union[tf.Tensor, tf.SparseTensor]]:
    """Runs a DALI pipeline as a TensorFlow op; returns one tensor per pipeline output.

    The arguments come in the order of NVIDIA's plugin (``DALIIterator()(pipe, ...)``).

    Args:
      pipeline: an ``nvidia.dali`` Pipeline, serialized here; or give ``serialized_pipeline``.
      serialized_pipeline: ``pipe.serialize()`` bytes.
      sparse: optional list of bools, one per pipeline output (default: all dense); outputs
        past its end are dense.
      shapes: one shape per pipeline output, of the whole batch (batch dimension first);
        ``None`` entries/dimensions are unknown, and so are ``()`` (as NVIDIA's plugin reads it:
        ``shapes=[(B, 3, 224, 224), ()]``) and outputs past the end of the list. A dense
        output's declared shape may differ from DALI's by dimensions of size 1 (it is then
        reshaped to it). For a sparse output the shape is a hint: its dense (padded) shape is
        checked when its full rank is given, and short forms such as ``(B,)`` or ``()`` mean
        "not declared".
      dtypes: one per pipeline output: float16, float32, uint8, int16, int32 or int64.
      batch_size: -1: the pipeline object's batch size, or (serialized pipeline) the first
        dimension declared for a dense output.
      prefetch_queue_depth: an int (both queues) or ``{"cpu_size": n, "gpu_size": m}``, which
        selects the separated executor, as in DALI.
      exec_dynamic, exec_separated, gpu_prefetch_queue_depth, cpu_prefetch_queue_depth,
        enable_memory_stats: ``None`` takes them from ``pipeline`` when given, otherwise the op's
        defaults (False, False, 2, 2, False: its registered attributes').
      seed: overrides the pipeline's seed; ``None`` keeps it.
      num_threads, device_id: -1 keeps the pipeline's setting. A pipeline that leaves its device
        unset runs on the GPU the op is placed on (``tf.device('/gpu:N')``), or as DALI decides on
        the CPU; one on another GPU than the op's is an error. ``device_id=None`` means CPU only,
        for a pipeline without GPU operators: DALI cannot take a GPU away from a pipeline.
      name: name of the op in the graph.

    Returns:
      A list with a ``tf.Tensor`` per dense output and a ``tf.SparseTensor`` per sparse output.
    """
    if (serialized_pipeline is None) == (pipeline is None):
        raise ValueError("Give exactly one of pipeline and serialized_pipeline")
    dtypes = _check_dtypes(dtypes)
    shapes = _check_shapes(shapes, len(dtypes))
    sparse = _check_sparse(sparse, len(dtypes))

    if pipeline is not None:
        settings = _pipeline.PipelineSettings.resolve(
            pipeline,
            batch_size=batch_size,
            num_threads=num_threads,
            device_id=device_id,
            exec_separated=exec_separated,
            exec_dynamic=exec_dynamic,
            prefetch_queue_depth=prefetch_queue_depth,
            cpu_prefetch_queue_depth=cpu_prefetch_queue_depth,
            gpu_prefetch_queue_depth=gpu_prefetch_queue_depth,
            enable_memory_stats=enable_memory_stats,
            seed=seed,
        )
        attrs = settings.op_attrs()
    else:
        if not isinstance(serialized_pipeline, (bytes, str)) or not serialized_pipeline:
            raise TypeError(
                "serialized_pipeline must be the non-empty bytes of "
                "pipe.serialize(), got %r" % (type(serialized_pipeline).__name__,)
            )
        defaults = _loader.pipeline_option_attrs()  # the op's registered defaults
        if exec_separated is None:
            exec_separated = isinstance(prefetch_queue_depth, dict)
        cpu_depth, gpu_depth = _pipeline.queue_depths(
            prefetch_queue_depth,
            cpu_prefetch_queue_depth,
            gpu_prefetch_queue_depth,
            exec_separated,
            defaults["cpu_prefetch_queue_depth"],
            defaults["gpu_prefetch_queue_depth"],
        )
        given = dict(
            exec_separated=exec_separated,
            exec_dynamic=exec_dynamic,
            enable_memory_stats=enable_memory_stats,
            seed=seed,
        )
        attrs = dict(
            serialized_pipeline=serialized_pipeline,
            batch_size=batch_size,
            num_threads=num_threads,
            device_id=_pipeline.CPU_ONLY_DEVICE_ID if device_id is None else device_id,
            cpu_prefetch_queue_depth=cpu_depth,
            gpu_prefetch_queue_depth=gpu_depth,
            **{key: defaults[key] if value is None else value for key, value in given.items()},
        )

    op_dtypes, op_shapes = _expand_for_op(dtypes, shapes, sparse)
    produced = _loader.ops().dali(
        shapes=op_shapes, dtypes=op_dtypes, sparse=sparse, name=name, **attrs
    )
    return _assemble(produced, sparse)


# NVIDIA's plugin's name of ``dali``.
DALIIteratorWrapper = dali


def DALIIterator():  # noqa: N802  (the DALI TF plugin's name)
    """Returns ``dali``, the function creating the op, as the DALI TF plugin's API does."""
    return dali


def DALIRawIterator():  # noqa: N802
    """Returns the generated op function itself: dtypes/shapes per produced tensor, no checks."""
    return _loader.ops().dali


def _check_dtypes(dtypes):
    if not isinstance(dtypes, (list, tuple)) or not dtypes:
        raise ValueError(
            "dtypes must be a non-empty list, one dtype per pipeline output, got %r" % (dtypes,)
        )
    return [
        _dtypes.as_supported(dtype, _dtypes.legacy_op_dtypes(), "dtypes[%d]" % i, "the Dali op")
        for i, dtype in enumerate(dtypes)
    ]


def _check_shapes(shapes, num_outputs):
    """One TensorShape per pipeline output. As in NVIDIA's plugin, a list shorter than dtypes
    leaves the other outputs' shapes unknown (the op reads a rank-0 shape, ``()``, as unknown)."""
    if not isinstance(shapes, (list, tuple)):
        raise ValueError("shapes must be a list, one shape per pipeline output, got %r" % (shapes,))
    if len(shapes) > num_outputs:
        raise ValueError(
            "shapes has %d entries but dtypes has %d: give at most one shape per dtype "
            "(one dtype per pipeline output)" % (len(shapes), num_outputs)
        )
    checked = []
    for i, shape in enumerate(shapes):
        try:
            checked.append(tf.TensorShape(shape))
        except (TypeError, ValueError) as e:
            raise ValueError("shapes[%d] is not a shape: %r (%s)" % (i, shape, e)) from e
    return checked + [tf.TensorShape(None)] * (num_outputs - len(checked))


def _check_sparse(sparse, num_outputs):
    """One bool per pipeline output, or [] (all dense). As in NVIDIA's plugin, a list shorter
    than dtypes leaves the other outputs dense."""
    if sparse is None or (isinstance(sparse, (list, tuple)) and not any(sparse)):
        return []
    if not isinstance(sparse, (list, tuple)) or len(sparse) > num_outputs:
        raise ValueError(
            "sparse must have at most one bool per pipeline output (%d), got %r"
            % (num_outputs, sparse)
        )
    return [bool(s) for s in sparse] + [False] * (num_outputs - len(sparse))


def _expand_for_op(dtypes, shapes, sparse):
    """One dtype and shape per tensor the op produces: three for a sparse output.

    A sparse output's declared shape gives the rank of its indices and dense_shape. Plugin users
    write short hints there, ``(B,)`` or ``()``: a shape of rank 0 or 1 declares nothing (a
    batch of scalars is the only sparse output of rank 1, and needs no declaration).
    """
    op_dtypes, op_shapes = [], []
    for i, (dtype, shape) in enumerate(zip(dtypes, shapes)):
        if sparse and sparse[i]:
            rank = shape.rank if shape.rank is not None and shape.rank > 1 else None
            op_dtypes += [tf.int64, dtype, tf.int64]
            op_shapes += [
                tf.TensorShape([None, rank]),
                tf.TensorShape([None]),
                tf.TensorShape([rank]),
            ]
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
            results.append(tf.SparseTensor(*produced[pos : pos + 3]))
            pos += 3
        else:
            results.append(produced[pos])
            pos += 1
    return results
