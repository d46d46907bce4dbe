"""TensorFlow's view of the GPU, for tools/gpu's scripts: can it load the CUDA libraries it needs
(TensorFlow's own TryDlopenCUDALibraries check, which needs no GPU), which GPUs does it register,
and is there an NVIDIA GPU it could have registered (the driver's /proc entries, /dev/nvidia0,
nvidia-smi -L). Prints key=value lines.

    python tools/gpu/tf_cuda_check.py

Exit status: 0 when TensorFlow registers a GPU; 1 when an NVIDIA GPU is there but TensorFlow
registers none (the CUDA libraries are missing or unusable: say so loudly); 2 when this machine
has no NVIDIA GPU.
"""

import ctypes
import glob
import os
import shutil
import subprocess
import sys


def dlopen_check():
    """TensorFlow's TryDlopenCUDALibraries() (cudart, cuBLAS, cuBLASLt, cuFFT, cuSOLVER,
    cuSPARSE, cuDNN): what it runs before registering a GPU, called directly."""
    import tensorflow as tf

    framework = ctypes.CDLL(
        os.path.join(os.path.dirname(tf.__file__), "libtensorflow_framework.so.2")
    )
    check = framework._ZN3tsl8internal9DsoLoader22TryDlopenCUDALibrariesEv
    check.restype, check.argtypes = ctypes.c_void_p, [ctypes.c_void_p]
    status = (ctypes.c_uint64 * 1)()  # absl::Status through a hidden pointer; 1 means OK
    check(ctypes.addressof(status))
    return "OK" if status[0] == 1 else "FAILED"


def nvidia_gpu_evidence():
    found = []
    if glob.glob("/proc/driver/nvidia/gpus/*"):
        found.append("/proc/driver/nvidia/gpus")
    if os.path.exists("/dev/nvidia0"):
        found.append("/dev/nvidia0")
    smi = shutil.which("nvidia-smi")
    if smi:
        try:
            listed = subprocess.run([smi, "-L"], capture_output=True, text=True, timeout=30)
            found += [
                line.strip() for line in listed.stdout.splitlines() if line.startswith("GPU ")
            ]
        except (OSError, subprocess.SubprocessError):
            pass
    return found


def main():
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    evidence = nvidia_gpu_evidence()
    print(
        "tensorflow=%s (CUDA %s build)"
        % (tf.__version__, tf.sysconfig.get_build_info().get("cuda_version", "none"))
    )
    print("TryDlopenCUDALibraries=%s" % dlopen_check())
    print("tensorflow_gpus=%s" % ", ".join(g.name for g in gpus))
    print("nvidia_gpu_evidence=%s" % "; ".join(evidence))
    if gpus:
        return 0
    if evidence:
        print(
            "ERROR: this machine has an NVIDIA GPU but TensorFlow registered none: its CUDA "
            "libraries are missing or unusable (TryDlopenCUDALibraries above; TensorFlow's log "
            "says which with TF_CPP_MIN_LOG_LEVEL=0)",
            file=sys.stderr,
        )
        return 1
    return 2


if __name__ == "__main__":
    sys.exit(main())
