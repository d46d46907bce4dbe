"""@local_config_tf: TensorFlow's headers and libtensorflow_framework from the configured Python,
with compile and link flags read from tf.sysconfig (nothing hard-coded)."""

load(":python_env.bzl", "PYTHON_ENV_VARS", "python_packages", "run_python")

_SYSCONFIG = """
import json, tensorflow as tf
print(json.dumps({
    "version": tf.__version__,
    "include": tf.sysconfig.get_include(),
    "lib": tf.sysconfig.get_lib(),
    "compile_flags": tf.sysconfig.get_compile_flags(),
    "link_flags": tf.sysconfig.get_link_flags(),
    "cuda_version": tf.sysconfig.get_build_info().get("cuda_version", ""),
}))
"""

def _parse_link_flags(flags):
    """Splits tf.sysconfig link flags into the library file name and any other linker options."""
    libname = None
    others = []
    for flag in flags:
        if flag.startswith("-l:"):
            libname = flag[3:]
        elif flag.startswith("-l"):
            libname = "lib%s.so" % flag[2:]
        elif not flag.startswith("-L"):
            others.append(flag)
    if not libname:
        fail("tf.sysconfig.get_link_flags() names no TensorFlow library: %s" % flags)
    return libname, others

def _local_tf_impl(repository_ctx):
    python_packages(repository_ctx)  # refuses a TensorFlow / DALI pair outside the range
    info = json.decode(run_python(repository_ctx, _SYSCONFIG, "TensorFlow's sysconfig"))

    # Defines and the language standard come from sysconfig; include paths become a cc_library.
    copts = [f for f in info["compile_flags"] if not f.startswith("-I")]
    libname, linkopts = _parse_link_flags(info["link_flags"])

    repository_ctx.symlink(info["include"], "include")
    repository_ctx.symlink(info["lib"] + "/" + libname, libname)
    repository_ctx.file("WORKSPACE", "workspace(name = \"%s\")\n" % repository_ctx.name)
    repository_ctx.file("defs.bzl", "\n".join([
        "TF_VERSION = %r" % info["version"],
        "TF_COPTS = %r" % copts,
        "TF_LINKOPTS = %r" % linkopts,
        "TF_CUDA_VERSION = %r" % info["cuda_version"],
        "",
    ]))
    repository_ctx.file("BUILD", """
package(default_visibility = ["//visibility:public"])

exports_files(["defs.bzl"])

cc_library(
    name = "tf_headers",
    hdrs = glob(["include/**/*.h", "include/**/*.hpp", "include/**/*.inc", "include/**/*.def",
                 "include/unsupported/Eigen/**", "include/Eigen/**",
                 "include/third_party/eigen3/**"]),
    includes = ["include"],
)

cc_library(
    name = "tf_framework",
    srcs = ["{libname}"],
)
""".format(libname = libname))

local_tf_configure = repository_rule(
    implementation = _local_tf_impl,
    environ = PYTHON_ENV_VARS,
    local = True,
)
