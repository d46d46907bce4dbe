"""dali_tf_op_library: the one macro that builds the TensorFlow op library (the plugin .so);
dali_tf_cc_library for the code it links, and dali_tf_cc_test for C++ unit tests of that code."""

load("@local_config_cuda//:defs.bzl", "if_cuda")
load("@local_config_dali//:defs.bzl", "DALI_DIR", "DALI_VERSION")
load("@local_config_tf//:defs.bzl", "TF_COPTS", "TF_LINKOPTS", "TF_VERSION")

# Compile options every translation unit of the plugin gets: TensorFlow's own (from tf.sysconfig),
# the GPU switch, and the versions the Python loader checks the library against. NDEBUG as
# TensorFlow's wheels are built: with it off, the DCHECKs inlined from TensorFlow's headers
# instantiate absl logging templates that some wheels do not export (TF 2.20: LogMessage's
# operator<< for unsigned long, an undefined symbol when the library is linked).
DALI_TF_COPTS = TF_COPTS + [
    "-DNDEBUG",
    "-fPIC",
    "-fvisibility=hidden",
    "-Wall",
    "-Wno-sign-compare",
    "-DDALI_TF_BUILT_WITH_TF_VERSION=\\\"%s\\\"" % TF_VERSION,
    "-DDALI_TF_BUILT_WITH_DALI_VERSION=\\\"%s\\\"" % DALI_VERSION,
] + if_cuda(["-DGOOGLE_CUDA=1", "-DEIGEN_USE_GPU"])

# What every library of ops links against: TF headers and framework, DALI's C API, CUDA headers.
DALI_TF_DEPS = [
    "@local_config_tf//:tf_headers",
    "@local_config_tf//:tf_framework",
    "@local_config_dali//:dali_headers",
    "@local_config_dali//:libdali",
    "@local_config_cuda//:cuda_headers",
]

def dali_tf_cc_library(name, srcs = [], hdrs = [], deps = [], **kwargs):
    """A cc_library of plugin code, compiled with the plugin's options."""
    native.cc_library(
        name = name,
        srcs = srcs,
        hdrs = hdrs,
        copts = DALI_TF_COPTS,
        deps = deps + DALI_TF_DEPS,
        alwayslink = 1,  # op and kernel registrations are static initialisers
        **kwargs
    )

def dali_tf_op_library(name, library, deps, **kwargs):
    """Links `deps` into the shared library `library` (loaded by tf.load_op_library); `name`
    is an alias of it."""
    native.cc_binary(
        name = library,
        deps = deps + DALI_TF_DEPS,
        linkshared = 1,
        copts = DALI_TF_COPTS,
        linkopts = TF_LINKOPTS + ["-Wl,--no-undefined", "-Wl,-z,defs"],
        **kwargs
    )
    native.alias(
        name = name,
        actual = ":" + library,
        visibility = kwargs.get("visibility"),
    )

def dali_tf_cc_test(name, srcs = None, deps = [], size = "small", **kwargs):
    """A googletest binary (gtest_main) over plugin code, compiled with the plugin's options.

    The plugin code is linked in statically; libtensorflow_framework and libdali stay shared.
    Bazel's rpath finds them through its _solib_k8 symlinks, but libdali.so finds its own
    libraries (libdali_kernels.so, libdali_core.so, .libs/) through $ORIGIN, which the loader
    takes from the path it opened: so libdali is loaded from the DALI wheel's directory
    (LD_LIBRARY_PATH comes before the test's rpath), as `import nvidia.dali` loads it.
    """
    native.cc_test(
        name = name,
        srcs = srcs or [name + ".cc"],
        deps = deps + DALI_TF_DEPS + ["@local_config_googletest//:gtest_main"],
        copts = DALI_TF_COPTS,
        linkopts = TF_LINKOPTS,
        linkstatic = 1,
        env = {"LD_LIBRARY_PATH": DALI_DIR},
        size = size,
        **kwargs
    )
