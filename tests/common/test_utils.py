"""Shared helpers for the tests: small data the tests make themselves, GPU detection (a GPU
TensorFlow cannot use fails the GPU tests loudly instead of skipping them)."""

import functools
import os
import shutil
import subprocess
import sys

import numpy as np

# Set to 1 to skip the GPU tests on a machine whose NVIDIA GPU TensorFlow cannot use (they fail
# there otherwise, see gpu_available).
SKIP_UNUSABLE_GPU_ENV = "DALI_TF_SKIP_UNUSABLE_GPU"


def nvidia_gpu_evidence():
    """What says this machine has an NVIDIA GPU, whatever TensorFlow sees: a list of findings
    (the driver's /proc/driver/nvidia/gpus entries, /dev/nvidia0, `nvidia-smi -L`), empty when
    there is none."""
    found = []
    proc = "/proc/driver/nvidia/gpus"
    if os.path.isdir(proc) and os.listdir(proc):
        found.append("%s lists %d GPU(s)" % (proc, len(os.listdir(proc))))
    if os.path.exists("/dev/nvidia0"):
        found.append("/dev/nvidia0 exists")
    smi = shutil.which("nvidia-smi")
    if smi:
        try:
            listed = subprocess.run(
                [smi, "-L"], capture_output=True, text=True, timeout=30, check=False
            ).stdout
        except (OSError, subprocess.SubprocessError):
            listed = ""
        gpus = [line.strip() for line in listed.splitlines() if line.startswith("GPU ")]
        if gpus:
            found.append("nvidia-smi -L: " + "; ".join(gpus))
    return found


def _tensorflow_gpu_log():
    """TensorFlow's own log lines about loading CUDA, from a fresh interpreter (the reason it
    registered no GPU: typically "Cannot dlopen some GPU libraries")."""
    try:
        child = subprocess.run(
            [
                sys.executable,
                "-c",
                "import tensorflow as tf; tf.config.list_physical_devices('GPU')",
            ],
            env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="0"),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as e:
        return "(could not ask TensorFlow: %s)" % e
    pattern = ("dlopen", "dynamic library", "cuda", "gpu", "driver")
    lines = [
        line.strip()
        for line in child.stderr.splitlines()
        if any(word in line.lower() for word in pattern)
    ]
    return "\n".join(lines[-12:]) or "(no log line about CUDA)"


class UnusableGpuError(RuntimeError):
    """An NVIDIA GPU is present but TensorFlow registered none: the GPU tests cannot run."""


def gpu_available():
    """True when TensorFlow sees a GPU; False on a machine without an NVIDIA GPU.

    A machine that has an NVIDIA GPU TensorFlow cannot use (no CUDA libraries of the versions
    TensorFlow was built for) raises UnusableGpuError, saying what to install: the GPU tests must
    not skip there in silence. GPUs hidden on purpose (CUDA_VISIBLE_DEVICES="" or -1) and
    DALI_TF_SKIP_UNUSABLE_GPU=1 count as no GPU.
    """
    available, unusable = _gpu_state()
    if unusable:
        raise UnusableGpuError(unusable)
    return available


@functools.lru_cache(maxsize=None)
def _gpu_state():
    """(TensorFlow sees a GPU, the message of an unusable GPU or None), worked out once."""
    import tensorflow as tf

    if tf.config.list_physical_devices("GPU"):
        return True, None
    if os.environ.get("CUDA_VISIBLE_DEVICES", None) in ("", "-1"):
        return False, None
    if os.environ.get(SKIP_UNUSABLE_GPU_ENV) == "1":
        return False, None
    evidence = nvidia_gpu_evidence()
    if not evidence:
        return False, None
    build = tf.sysconfig.get_build_info()
    return False, (
        "This machine has an NVIDIA GPU (%s) but TensorFlow %s registered none, so the GPU "
        "tests cannot run. TensorFlow's wheel is a CUDA %s / cuDNN %s build and loads CUDA's "
        "libraries (cudart, cuBLAS, cuFFT, cuSOLVER, cuSPARSE, cuDNN) itself: install them with "
        "`DALI_TF_GPU=1 ./configure` (the CUDA libraries of tensorflow[and-cuda] into .venv), "
        "or, on an offline host, unpack the kit of tools/gpu (docs/gpu.md). "
        "%s=1 skips the GPU tests instead. TensorFlow's log:\n%s"
        % (
            "; ".join(evidence),
            tf.__version__,
            build.get("cuda_version", "?"),
            build.get("cudnn_version", "?"),
            SKIP_UNUSABLE_GPU_ENV,
            _tensorflow_gpu_log(),
        )
    )


def skip_without_gpu():
    """A pytest mark that skips a test (or, as ``pytestmark``, a module) where TensorFlow sees no
    GPU. Where an NVIDIA GPU is present but unusable, it fails the module's collection instead,
    with gpu_available's message."""
    import pytest

    try:
        available = gpu_available()
    except UnusableGpuError as e:
        pytest.fail(str(e), pytrace=False)
    return pytest.mark.skipif(not available, reason="no GPU visible to TensorFlow on this machine")


def make_jpeg_dir(root, count=8, size=(48, 64), classes=2, seed=0):
    """Writes `count` random JPEGs under root/<class>/ and returns the sorted file list."""
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    files = []
    for i in range(count):
        label_dir = os.path.join(root, "class_%d" % (i % classes))
        os.makedirs(label_dir, exist_ok=True)
        h, w = size[0] + 8 * (i % 3), size[1] + 4 * (i % 2)  # varied sizes, like real data
        pixels = rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8)
        path = os.path.join(label_dir, "img_%03d.jpg" % i)
        with open(path, "wb") as f:
            f.write(tf.io.encode_jpeg(pixels, quality=95).numpy())
        files.append(path)
    return sorted(files)


def jpeg_dir_fixture(count=8):
    """A module-scoped pytest fixture giving a folder of `count` JPEGs (see make_jpeg_dir);
    assign it in a test module: ``jpeg_root = jpeg_dir_fixture(10)``."""
    import pytest

    @pytest.fixture(scope="module")
    def jpeg_dir(tmp_path_factory):
        root = tmp_path_factory.mktemp("jpegs")
        make_jpeg_dir(str(root), count=count)
        return str(root)

    return jpeg_dir
