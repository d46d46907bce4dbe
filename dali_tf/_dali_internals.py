"""The private parts of DALI's Python objects that dali_tf reads, in one place.

DALI has no public API for a pipeline's external source nodes before it is built: their names,
declared dtype and batch mode, and the ``source=`` each was given (DALI's own iterators read them
the same way). Everything dali_tf needs of them is read here, into plain records; the rest of the
package never touches a private DALI attribute. Public API is used where DALI has one
(``_OperatorInstance.name``).

Checked with nvidia-dali-cuda120 2.0.0, 2.1.1, 2.2.0, 2.3.0 and 2.4.0 and nvidia-dali-cuda130
2.0.0 and 2.4.0 (tests/inputs/dali_internals_test.py, run by tools/version_matrix): every
attribute read below exists with the same meaning in all of them. A DALI outside that range that
moved one fails here, with an AttributeError naming it.
"""

import dataclasses
from typing import Any, Optional

from nvidia.dali import external_source as _dali_es
from nvidia.dali._utils import external_source_impl as _es_impl

# How a source= was given: CALLABLE, ITERABLE (or an iterator) or GENERATOR_FUNC.
SourceKind = _es_impl.SourceKind


@dataclasses.dataclass(frozen=True, eq=False)
class SourceGroup:
    """One ``fn.external_source(source=...)`` call: the source and how DALI calls it. A source
    with ``num_outputs`` has one node per output, all sharing this group."""

    source: Any  # the source= object
    kind: SourceKind
    cycle: Any  # the cycle= argument (None, False, "no", True, "quiet", "raise")
    has_inputs: bool  # a callable that takes SampleInfo / BatchInfo / the iteration
    batch_info: bool  # batch_info=True: a batch-mode callable takes a BatchInfo
    batch: bool  # batch mode (DALI's default) or per-sample
    is_multioutput: bool  # num_outputs was given
    output_names: tuple  # the names of its nodes, one per output


@dataclasses.dataclass(frozen=True)
class ExternalSource:
    """One external source node of a pipeline."""

    name: str
    dtype: Any  # the dtype= it declares (nvidia.dali.types.DALIDataType), or None
    batch: bool  # its batch= (DALI's default, batch mode, when it declares none)
    group: Optional[SourceGroup]  # its source=, or None for a node fed from outside


def _source_group(dali_group):
    desc = dali_group.source_desc
    return SourceGroup(
        source=desc.source,
        kind=desc.kind,
        cycle=desc.cycle,
        has_inputs=bool(desc.has_inputs),
        batch_info=bool(desc.batch_info),
        batch=bool(dali_group.batch),
        is_multioutput=bool(dali_group.is_multioutput),
        output_names=tuple(instance.name for instance in dali_group.instances),
    )


def external_sources(pipe):
    """The pipeline's external source nodes, in graph order. Defines the pipeline's graph if it
    is not yet (as ``pipe.serialize()`` would), without building the pipeline."""
    if not pipe._py_graph_built:
        pipe._build_graph()
    groups = {}  # one SourceGroup per DALI group, shared by its nodes
    found = []
    for op in pipe._ops:
        if not _dali_es._is_external_source(op):
            continue
        group = None
        if op._callback is not None:
            if id(op._group) not in groups:
                groups[id(op._group)] = _source_group(op._group)
            group = groups[id(op._group)]
        batch = True if op._batch is None else bool(op._batch)
        found.append(ExternalSource(op.name, op._op._dtype, batch, group))
    return found


def graph_num_outputs(pipe):
    """The number of outputs of the pipeline's graph once it is defined (``serialize()`` defines
    it), else None. DALI's public ``num_outputs`` builds the pipeline to tell."""
    return getattr(pipe, "_num_outputs", None)


def pipeline_device_id(pipe):
    """The device_id the pipeline was defined with: None when unset (DALI 2.4's default),
    CPU_ONLY_DEVICE_ID when defined CPU-only, or a CUDA ordinal. (The public ``device_id``
    property says None for both of the first two.)"""
    return pipe._device_id


def gpu_uses(pipe):
    """What in the pipeline's graph runs on or yields to a GPU, as readable lines ("Resize on
    gpu", "decoders.Image on mixed", "output 1 on the GPU"); empty for a CPU-only graph.
    Defines the graph if it is not yet."""
    if not pipe._py_graph_built:
        pipe._build_graph()
    uses = [
        "%s on %s" % (op._op.schema_name.replace("__", "."), op._op.device)
        for op in pipe._ops
        if op._op.device != "cpu"
    ]
    uses += [
        "output %d on the GPU" % i for i, out in enumerate(pipe._graph_out) if out.device != "cpu"
    ]
    return uses
