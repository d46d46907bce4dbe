"""What the GPU tests share: DALI's own pipeline.run() on the GPU as the reference, checks of
where a dataset's tensors live, the GPU's free memory, and GPU scripts run in a fresh
interpreter (for a device set-up of their own: logical GPUs, visible devices, memory options).

Import it only from GPU test files: it imports TensorFlow and DALI, and skips nothing itself."""

import ast
import ctypes
import functools
import textwrap

import numpy as np
import tensorflow as tf

from tests.common.fault_utils import run_isolated

MIB = 1 << 20
# Marks the line a GPU script prints with its result (see run_gpu_script).
RESULT_MARK = "GPU_SCRIPT_RESULT "


def dali_arrays(outputs):
    """A pipeline.run() result as NumPy arrays, one per output: GPU outputs copied to the host
    by DALI (``.as_cpu()``), CPU outputs as they are."""
    arrays = []
    for out in outputs:
        if hasattr(out, "as_cpu"):
            out = out.as_cpu()
        arrays.append(out.as_array())
    return arrays


def pipeline_run(pipe, count):
    """`count` batches of DALI's own ``pipeline.run()`` on `pipe` (built here), each a list of
    NumPy arrays: the reference every GPU test compares with."""
    pipe.build()
    batches = [dali_arrays(pipe.run()) for _ in range(count)]
    del pipe
    return batches


def element_arrays(element, device):
    """A DALIDataset element (a tuple of tensors) as NumPy arrays, after asserting that every
    tensor lives on `device` (e.g. "GPU:0", "CPU:0"). int32 included: IteratorGetNext's GPU
    kernel declares no host-memory outputs, so TensorFlow keeps its int32 outputs on the GPU."""
    assert isinstance(element, tuple), "a DALIDataset element is a tuple, got %r" % (element,)
    for i, tensor in enumerate(element):
        assert tensor.device.endswith(device), "output %d (%s) is on %s, not %s" % (
            i,
            tensor.dtype.name,
            tensor.device,
            device,
        )
    return [tensor.numpy() for tensor in element]


def take_arrays(iterator, count, device):
    """`count` elements of `iterator`, each through element_arrays. No dataset op is put after
    a GPU-placed DALIDataset (it must be the last dataset): the iterator is read directly."""
    return [element_arrays(next(iterator), device) for _ in range(count)]


def assert_batches_equal(got, expected):
    """Every output of every batch: same count, dtype, shape and values."""
    assert len(got) == len(expected), "%d batches, DALI gave %d" % (len(got), len(expected))
    for i, (g, e) in enumerate(zip(got, expected)):
        assert len(g) == len(e), "batch %d: %d outputs, DALI gives %d" % (i, len(g), len(e))
        for j, (g_out, e_out) in enumerate(zip(g, e)):
            assert g_out.dtype == e_out.dtype, "batch %d output %d: %s, DALI gives %s" % (
                i,
                j,
                g_out.dtype,
                e_out.dtype,
            )
            np.testing.assert_array_equal(g_out, e_out, err_msg="batch %d output %d" % (i, j))


def assert_mentions(error, *words):
    """Asserts the exception's message contains each of `words` (case-insensitive)."""
    message = str(error)
    for word in words:
        assert word.lower() in message.lower(), "%r does not say %r" % (message, word)


def physical_gpu_count():
    return len(tf.config.list_physical_devices("GPU"))


@functools.lru_cache(maxsize=None)
def _cudart():
    """The CUDA runtime TensorFlow loaded (by soname: dlopen returns the library already in the
    process)."""
    for name in ("libcudart.so.12", "libcudart.so"):
        try:
            return ctypes.CDLL(name)
        except OSError:
            continue
    raise RuntimeError("no libcudart.so.12 in the process (TensorFlow loads it with its GPU)")


def device_free_bytes(ordinal=0):
    """Free memory of CUDA device `ordinal`, as the driver counts it (cudaMemGetInfo): what
    TensorFlow's allocator and DALI's hold together."""
    cudart = _cudart()
    current = ctypes.c_int()
    if cudart.cudaGetDevice(ctypes.byref(current)) != 0:
        raise RuntimeError("cudaGetDevice failed")
    try:
        if cudart.cudaSetDevice(ordinal) != 0:
            raise RuntimeError("cudaSetDevice(%d) failed" % ordinal)
        free, total = ctypes.c_size_t(), ctypes.c_size_t()
        if cudart.cudaMemGetInfo(ctypes.byref(free), ctypes.byref(total)) != 0:
            raise RuntimeError("cudaMemGetInfo failed")
        return free.value
    finally:
        cudart.cudaSetDevice(current.value)


def run_gpu_script(*parts, timeout=300):
    """Runs a script, the `parts` dedented and joined, in a fresh interpreter
    (fault_utils.run_isolated: a hang or crash fails the test) and returns the value it passed
    to ``result(...)`` (a repr()-able Python value). The script starts with ``result`` defined;
    it sets its own TensorFlow devices before anything initializes them."""
    preamble = "def result(value):\n    print(%r + repr(value), flush=True)\n" % RESULT_MARK
    script = "\n".join([preamble] + [textwrap.dedent(part) for part in parts])
    stdout = run_isolated(script, timeout=timeout)
    lines = [line for line in stdout.splitlines() if line.startswith(RESULT_MARK)]
    assert len(lines) == 1, "the script printed no result:\n%s" % stdout[-3000:]
    return ast.literal_eval(lines[0][len(RESULT_MARK) :])
