"""What the GPU tests share: checks of where a dataset's tensors live, the GPU's free memory, and
GPU scripts run in a fresh interpreter (for a device set-up of their own: logical GPUs, visible
devices, memory options). DALI's own pipeline.run() on the GPU, the reference they compare with,
is dali_reference's, as for the CPU tests.

Import it only from GPU test files: it imports TensorFlow, and skips nothing itself."""

import ast
import ctypes
import functools
import textwrap

import tensorflow as tf

from tests.common.fault_utils import run_isolated

MIB = 1 << 20
# Marks the line a GPU script prints with its result (see run_gpu_script).
RESULT_MARK = "GPU_SCRIPT_RESULT "


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
