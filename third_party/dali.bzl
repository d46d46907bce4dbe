"""@local_config_dali: DALI's public C API headers and libdali.so from the installed wheel
(nvidia-dali-cuda120 or -cuda130: the same C API 2, dali/dali.h, in every DALI of the range)."""

load(":python_env.bzl", "PYTHON_ENV_VARS", "python_packages")

def _local_dali_impl(repository_ctx):
    # Read without importing nvidia.dali, which would load its native libraries for nothing.
    dali = python_packages(repository_ctx)["dali"]
    dali_dir = dali["dir"]
    version = dali["version"]
    if not repository_ctx.path(dali_dir + "/include/dali/dali.h").exists:
        fail("%s has no include/dali/dali.h: DALI >= 2.0 with C API 2 is required." % dali_dir)
    repository_ctx.symlink(dali_dir + "/include", "include")
    repository_ctx.symlink(dali_dir + "/libdali.so", "libdali.so")
    repository_ctx.file("WORKSPACE", "workspace(name = \"%s\")\n" % repository_ctx.name)
    repository_ctx.file("defs.bzl", "DALI_VERSION = %r\nDALI_PACKAGE = %r\nDALI_DIR = %r\n" % (
        version,
        dali["name"],
        dali_dir,
    ))
    repository_ctx.file("BUILD", """
package(default_visibility = ["//visibility:public"])

exports_files(["defs.bzl"])

cc_library(
    name = "dali_headers",
    hdrs = glob(["include/dali/**/*.h"]),
    includes = ["include"],
)

# Linked by soname only: at run time `import nvidia.dali` has already loaded it (dali_tf does
# that import before loading the plugin), so no rpath into one particular venv is baked in.
cc_library(
    name = "libdali",
    srcs = ["libdali.so"],
)
""")

local_dali_configure = repository_rule(
    implementation = _local_dali_impl,
    environ = PYTHON_ENV_VARS,
    local = True,
)
