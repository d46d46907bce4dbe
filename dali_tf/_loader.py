"""Finds and loads the plugin library (libdali_tf.so) on first use.

Looked for, in order: $DALI_TF_LIBRARY, beside this package (installed, or Bazel runfiles), and
the repository's bazel-bin/ (after `bazel build //dali_tf:plugin`, as tensorflow/addons does).
nvidia.dali is imported first: it loads libdali.so, which the plugin links by soname only.
"""

import atexit
import ctypes
import functools
import os
import sys

LIBRARY_NAME = "libdali_tf.so"

# How long exit waits for the input elements DALI datasets are pulling (see _stop_input_pulls):
# at most EXIT_WAIT_FOR_INPUTS_MS, and no longer once none of them has finished for
# EXIT_IDLE_INPUTS_MS (those left are blocked, and would only delay the exit).
EXIT_WAIT_FOR_INPUTS_MS = 10000
EXIT_IDLE_INPUTS_MS = 500


def _candidate_paths():
    override = os.environ.get("DALI_TF_LIBRARY")
    if override:
        yield override
        return
    package_dir = os.path.dirname(os.path.abspath(__file__))
    yield os.path.join(package_dir, LIBRARY_NAME)
    yield os.path.join(os.path.dirname(package_dir), "bazel-bin", "dali_tf", LIBRARY_NAME)


def library_path():
    """The plugin library's path; ImportError naming the places looked at when there is none."""
    candidates = list(_candidate_paths())
    for path in candidates:
        if os.path.isfile(path):
            return path
    raise ImportError(
        "dali_tf: the plugin library %s was not found (looked at: %s). Build it with "
        "`./configure && bazel build //dali_tf:plugin`, or set DALI_TF_LIBRARY."
        % (LIBRARY_NAME, ", ".join(candidates))
    )


@functools.lru_cache(maxsize=None)
def _c_exports(path):
    """The library's C exports (cc/plugin/c_exports.cc) through ctypes, opened once."""
    return ctypes.CDLL(path)


def _rebuild_advice():
    """How to rebuild the library for the interpreter running now."""
    return (
        "Rebuild it for this interpreter: `PYTHON_BIN_PATH=%s ./configure && bazel build "
        "//dali_tf:plugin` (or plain `./configure && bazel build //dali_tf:plugin` for the "
        "repository's .venv)" % sys.executable
    )


def _check_built_versions(path, tf_version, dali_version):
    """Refuses a library built against another TensorFlow or DALI than those imported, naming
    both pairs: its ops and kernels are compiled against one TensorFlow's headers and one DALI's
    C API, and another one's ABI would crash or misbehave instead of failing cleanly."""
    try:
        lib = _c_exports(path)
    except OSError as e:
        raise ImportError(
            "dali_tf: cannot load %s (%s). It was probably built against another TensorFlow or "
            "DALI than TensorFlow %s / DALI %s imported here. %s."
            % (path, e, tf_version, dali_version, _rebuild_advice())
        ) from e
    built = []
    for symbol in ("dali_tf_built_with_tf_version", "dali_tf_built_with_dali_version"):
        getter = getattr(lib, symbol)
        getter.restype = ctypes.c_char_p
        built.append(getter().decode())
    if built != [tf_version, dali_version]:
        raise ImportError(
            "dali_tf: %s was built against TensorFlow %s and DALI %s, but TensorFlow %s and DALI "
            "%s are imported. %s."
            % (path, built[0], built[1], tf_version, dali_version, _rebuild_advice())
        )


@functools.lru_cache(maxsize=None)
def ops():
    """The loaded op module (tf.load_op_library), loaded once."""
    import nvidia.dali  # noqa: F401  (loads libdali.so before the plugin needs it)
    import tensorflow as tf
    from nvidia.dali import __version__ as dali_version

    path = library_path()
    # tf.load_op_library must be the first to load the library: TensorFlow records the ops a
    # library registers only while it loads it (an earlier ctypes load would leave it empty).
    try:
        module = tf.load_op_library(path)
    except Exception as e:
        _check_built_versions(path, tf.__version__, dali_version)  # the clearer reason, if any
        raise ImportError("dali_tf: cannot load %s (%s). %s." % (path, e, _rebuild_advice())) from e
    _check_built_versions(path, tf.__version__, dali_version)
    atexit.register(_stop_input_pulls, path)
    return module


@functools.lru_cache(maxsize=None)
def _input_names_check():
    """The C export behind check_input_names, with its signature declared once."""
    ops()  # tf.load_op_library first
    check = _c_exports(library_path()).dali_tf_check_input_names
    names = ctypes.POINTER(ctypes.c_char_p)
    check.argtypes = [names, ctypes.c_int, names, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    check.restype = ctypes.c_int
    return check


def check_input_names(external_sources, inputs):
    """The DALIDataset kernel's rule pairing inputs with external sources (each input names one,
    none twice, every one has an input; cc/dataset/input_feeder.cc, CheckInputNames), applied
    at construction: its message when they do not pair, else None."""

    def array(strings):
        return (ctypes.c_char_p * len(strings))(*(s.encode() for s in strings))

    message = ctypes.create_string_buffer(4096)
    failed = _input_names_check()(
        array(external_sources),
        len(external_sources),
        array(inputs),
        len(inputs),
        message,
        len(message),
    )
    return message.value.decode() if failed else None


@functools.lru_cache(maxsize=None)
def pipeline_option_attrs():
    """{name: default} of the pipeline options' attributes, as the ops registered them.

    The C++ side declares them once (cc/common/pipeline_options.cc) for both ops, so they are
    exactly the attributes the DALIDataset and Dali ops share; the defaults are the legacy op's.
    """
    ops()  # registers them
    from tensorflow.python.framework import op_def_registry

    def attrs(op_name):
        return {a.name: a for a in op_def_registry.get(op_name).attr}

    dataset, legacy = attrs("DALIDataset"), attrs("Dali")
    return {name: _attr_default(legacy[name]) for name in legacy if name in dataset}


def _attr_default(attr):
    """An OpDef attribute's default as a Python value (None when it has none)."""
    if not attr.HasField("default_value"):
        return None
    value = attr.default_value
    kind = value.WhichOneof("value")
    return {"i": value.i, "b": value.b, "s": value.s}.get(kind)


def _stop_input_pulls(path):
    """At exit: DALI datasets stop pulling their inputs, and the pulls in progress finish.

    Python's shutdown, which follows the atexit handlers, ends any thread that then tries to take
    the GIL. A tf.data thread inside an input that runs Python (a source= callback) would be ended
    in the middle of it, and the destruction of the iterator waiting for that thread would hang
    the exit. ctypes releases the GIL during the call, so those pulls can finish. A pull blocked
    for good (a callback waiting on a queue no one fills) never takes the GIL again: the wait gives
    up on it after EXIT_IDLE_INPUTS_MS without any pull finishing, instead of delaying every such
    exit by the whole EXIT_WAIT_FOR_INPUTS_MS.
    """
    try:
        stop = _c_exports(path).dali_tf_stop_input_pulls
    except (OSError, AttributeError):
        return
    stop.argtypes = [ctypes.c_int, ctypes.c_int]
    stop.restype = ctypes.c_int
    stop(EXIT_IDLE_INPUTS_MS, EXIT_WAIT_FOR_INPUTS_MS)
