"""@local_config_cuda: the CUDA headers the plugin compiles against (no CUDA library is linked:
device copies go through DALI's C API), and if_cuda() for the GPU kernels.

Which headers is decided in one place, python_env.py's cuda_headers(): $CUDA_HOME when it is set,
otherwise those TensorFlow's wheel bundles (the CUDA it was built with). DALI's dali.h includes
cuda_runtime_api.h, so every build needs them; DALI_TF_NO_CUDA=1 leaves only the GPU kernels out.
"""

load(":python_env.bzl", "PYTHON_ENV_VARS", "run_python_env")

_ENV_VARS = PYTHON_ENV_VARS + ["CUDA_HOME", "DALI_TF_NO_CUDA"]

def _local_cuda_impl(repository_ctx):
    headers = json.decode(run_python_env(
        repository_ctx,
        "cuda",
        environment = {"CUDA_HOME": repository_ctx.os.environ.get("CUDA_HOME", "")},
    ))
    description = "%s (CUDA %s, %s)" % (headers["include"], headers["version"], headers["source"])
    gpu = repository_ctx.os.environ.get("DALI_TF_NO_CUDA", "") not in ("1", "true")
    repository_ctx.symlink(headers["include"], "include")
    repository_ctx.file("WORKSPACE", "workspace(name = \"%s\")\n" % repository_ctx.name)
    repository_ctx.file("defs.bzl", """
CUDA_HEADERS = {description}
CUDA_ENABLED = {gpu}

def if_cuda(if_true, if_false = []):
    \"\"\"Selects if_true when the GPU kernels are compiled (DALI_TF_NO_CUDA unset).\"\"\"
    return if_true if CUDA_ENABLED else if_false
""".format(description = repr(description), gpu = repr(gpu)))
    repository_ctx.file("BUILD", """
package(default_visibility = ["//visibility:public"])

exports_files(["defs.bzl"])

# {description}
cc_library(
    name = "cuda_headers",
    hdrs = glob(["include/**/*.h", "include/**/*.hpp"]),
    includes = ["include"],
)
""".format(description = description))

local_cuda_configure = repository_rule(
    implementation = _local_cuda_impl,
    environ = _ENV_VARS,
    local = True,
)
