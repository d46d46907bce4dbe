"""dali_tf_op_library: the one macro that builds the TensorFlow op library (the plugin .so)."""

load("@local_config_cuda//:defs.bzl", "if_cuda")
load("@local_config_dali//:defs.bzl", "DALI_VERSION")
load("@local_config_tf//:defs.bzl", "TF_COPTS", "TF_LINKOPTS", "TF_VERSION")

# Compile options every translation unit of the plugin gets: TensorFlow's own (from tf.sysconfig),
# the GPU switch, and the versions the Python loader checks the library against.
DALI_TF_COPTS = TF_COPTS + [
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
