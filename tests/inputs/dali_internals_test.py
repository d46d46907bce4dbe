"""What dali_tf/_dali_internals.py reads from DALI's private objects, against the installed DALI:
run by tools/version_matrix with every DALI of the range, so a DALI that moved an attribute fails
here, by name, rather than deep inside a dataset."""

import numpy as np
from nvidia.dali import fn, pipeline_def, types

from dali_tf import _dali_internals
from dali_tf._dali_internals import SourceKind


def a_callable(info):
    return np.full((2,), info.idx_in_epoch, np.int32)


def a_generator():
    yield [np.zeros((2,), np.int32)] * 2


def test_external_sources_are_read_in_graph_order_with_their_declarations():
    @pipeline_def(batch_size=2, num_threads=1, device_id=None)
    def pipe():
        fed = fn.external_source(name="fed", dtype=types.UINT8, batch=False)
        default = fn.external_source(name="default")
        sampled = fn.external_source(source=a_callable, batch=False, name="sampled")
        iterable = fn.external_source(source=[[np.ones((2,), np.int32)] * 2], cycle=True)
        generated = fn.external_source(source=a_generator, batch=True, batch_info=False)
        return fed, default, sampled, iterable, generated

    p = pipe()
    sources = _dali_internals.external_sources(p)

    assert [s.name for s in sources[:3]] == ["fed", "default", "sampled"]
    fed, default, sampled, iterable, generated = sources
    assert (fed.dtype, fed.batch, fed.group) == (types.UINT8, False, None)
    assert (default.dtype, default.batch, default.group) == (None, True, None)  # batch mode

    assert sampled.batch is False
    assert sampled.group.source is a_callable
    assert sampled.group.kind == SourceKind.CALLABLE
    assert sampled.group.has_inputs and not sampled.group.batch
    assert sampled.group.output_names == ("sampled",)
    assert not sampled.group.is_multioutput

    assert iterable.group.kind == SourceKind.ITERABLE
    assert iterable.group.cycle is True
    assert iterable.group.batch  # DALI's default: batch mode
    assert iterable.group.output_names == (iterable.name,)

    assert generated.group.kind == SourceKind.GENERATOR_FUNC
    assert generated.group.source is a_generator
    assert generated.group.batch_info is False


def test_outputs_of_one_source_share_one_group():
    def two_outputs(info):
        return np.int32([info.iteration]), np.int32([-info.iteration])

    @pipeline_def(batch_size=2, num_threads=1, device_id=None)
    def pipe():
        a, b = fn.external_source(source=two_outputs, num_outputs=2, batch_info=True)
        return a, b

    a, b = _dali_internals.external_sources(pipe())
    assert a.group is b.group
    assert a.group.is_multioutput and a.group.batch_info and a.group.has_inputs
    assert a.group.output_names == (a.name, b.name)
    assert a.name != b.name


def test_graph_num_outputs_once_the_graph_is_defined():
    @pipeline_def(batch_size=2, num_threads=1, device_id=None)
    def pipe():
        return types.Constant(1), types.Constant(2), types.Constant(3)

    p = pipe()
    assert _dali_internals.graph_num_outputs(p) is None
    p.serialize()
    assert _dali_internals.graph_num_outputs(p) == 3


def test_pipeline_device_id_tells_unset_from_cpu_only():
    @pipeline_def(batch_size=2, num_threads=1)
    def pipe():
        return types.Constant(1)

    assert _dali_internals.pipeline_device_id(pipe()) is None
    assert _dali_internals.pipeline_device_id(pipe(device_id=None)) is None
    cpu_only = pipe(device_id=types.CPU_ONLY_DEVICE_ID)
    assert _dali_internals.pipeline_device_id(cpu_only) == types.CPU_ONLY_DEVICE_ID
    assert cpu_only.device_id is None  # the public property cannot tell
    assert _dali_internals.pipeline_device_id(pipe(device_id=1)) == 1


def test_gpu_uses_name_gpu_operators_and_outputs():
    @pipeline_def(batch_size=2, num_threads=1, device_id=0)
    def pipe():
        data = fn.external_source(name="data")
        return data, fn.cast(data.gpu(), dtype=types.INT32), fn.cast(data, dtype=types.INT32)

    assert _dali_internals.gpu_uses(pipe()) == ["Cast on gpu", "output 1 on the GPU"]

    @pipeline_def(batch_size=2, num_threads=1, device_id=None)
    def cpu_pipe():
        return fn.cast(fn.external_source(name="data"), dtype=types.INT32)

    assert _dali_internals.gpu_uses(cpu_pipe()) == []


if __name__ == "__main__":
    from tests.common.pytest_main import main

    main(__file__)
