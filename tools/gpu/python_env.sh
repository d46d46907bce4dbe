# tools/gpu/python_env.sh: sourced (from the project root) by run_gpu_checks.sh and tools/gpu_check.
# Sets PY, the interpreter, and its environment, for one of two set-ups:
#   kit   the offline kit unpacked by tools/gpu/unpack.sh ($DALI_TF_GPU_DIR/env.sh, default
#         /tmp/dali_tf_gpu): the host's python3 with the kit's TensorFlow, DALI and plugin;
#   venv  the project's .venv on a networked GPU machine (`DALI_TF_GPU=1 ./configure`, then
#         `bazel build //dali_tf:plugin`): its python with tensorflow[and-cuda]'s CUDA libraries.
# The kit wins where both are there. GPU_ENV names the one chosen; python_env_error says why
# neither is usable (the caller stops then).
DEST=${DALI_TF_GPU_DIR:-/tmp/dali_tf_gpu}
GPU_ENV=
python_env_error=
export DALI_TF_ROOT=$PWD
if [ -f "$DEST/env.sh" ]; then
    # shellcheck disable=SC1091
    source "$DEST/env.sh"
    PY=${PYTHON:-python3}
    GPU_ENV="kit ($DEST)"
elif [ -x .venv/bin/python ]; then
    PY=${PYTHON:-.venv/bin/python}
    GPU_ENV="venv (.venv)"
    [ -f bazel-bin/dali_tf/libdali_tf.so ] || [ -n "${DALI_TF_LIBRARY:-}" ] ||
        python_env_error="no bazel-bin/dali_tf/libdali_tf.so: run 'bazel build //dali_tf:plugin'"
else
    python_env_error="neither an unpacked kit ($DEST/env.sh: run tools/gpu/unpack.sh) nor a .venv (./configure)"
fi
# The tests import tests.common.*: the project root goes on PYTHONPATH.
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONDONTWRITEBYTECODE=1  # leave the checkout as it is
# The driver's compiled PTX is cached across processes: TensorFlow 2.21 has no sm_90 kernels, so
# the driver compiles the PTX of those it uses, once, not once per test process.
export CUDA_CACHE_PATH=${CUDA_CACHE_PATH:-$DEST/cuda_cache}
export CUDA_CACHE_MAXSIZE=${CUDA_CACHE_MAXSIZE:-4294967296}
