"""@local_config_python: the configured interpreter as Bazel's Python toolchain, so py_test
targets run with the same .venv that holds TensorFlow and DALI."""

load(":python_env.bzl", "PYTHON_ENV_VARS", "python_bin", "run_python")

def _local_python_impl(repository_ctx):
    interpreter = python_bin(repository_ctx)
    version = run_python(repository_ctx, "import sys; print('%d.%d' % sys.version_info[:2])", "the Python version")
    repository_ctx.file("WORKSPACE", "workspace(name = \"%s\")\n" % repository_ctx.name)
    repository_ctx.file("defs.bzl", "PYTHON_BIN_PATH = %r\nPYTHON_VERSION = %r\n" % (interpreter, version))
    repository_ctx.file("BUILD", """
load("@bazel_tools//tools/python:toolchain.bzl", "py_runtime_pair")

package(default_visibility = ["//visibility:public"])

exports_files(["defs.bzl"])

py_runtime(
    name = "py3_runtime",
    interpreter_path = "{interpreter}",
    python_version = "PY3",
)

py_runtime_pair(
    name = "runtime_pair",
    py3_runtime = ":py3_runtime",
)

toolchain(
    name = "py_toolchain",
    toolchain = ":runtime_pair",
    toolchain_type = "@bazel_tools//tools/python:toolchain_type",
)
""".format(interpreter = interpreter))

local_python_configure = repository_rule(
    implementation = _local_python_impl,
    environ = PYTHON_ENV_VARS,
    local = True,
)
