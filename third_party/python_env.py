"""What a build takes from the configured interpreter, read without importing TensorFlow or DALI:
which TensorFlow and DALI distributions it holds, and which CUDA headers the build compiles
against. The one place that decides both; run with that interpreter by the repository rules
(dali.bzl, cuda.bzl, python_env.bzl) and by ./configure:

  python python_env.py packages      JSON: {"tensorflow": {name, version, dir}, "dali": {...}}
  python python_env.py fingerprint   "tensorflow==2.21.0,nvidia-dali-cuda120==2.4.0"
  python python_env.py cuda          JSON: {"include": dir, "source": words, "version": "12.5"}

A problem (a package missing, two DALI wheels in one environment, incomplete CUDA headers) is
one line on stderr and exit status 1.
"""

import importlib.metadata
import importlib.util
import json
import os
import re
import sys

# NVIDIA's own TF plugin (nvidia-dali-tf-plugin-*) is a distribution of nvidia.dali's namespace
# too, but not DALI.
_DALI_DIST = re.compile(r"^nvidia-dali-(nightly-|weekly-)?cuda\d+$")
_TENSORFLOW_DISTS = ("tensorflow", "tensorflow-cpu", "tensorflow-gpu", "tf-nightly")


class Problem(Exception):
    pass


def _package_dir(module):
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return ""
    return list(spec.submodule_search_locations)[0]


def _normalized(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def packages():
    """The TensorFlow and DALI distributions of this interpreter."""
    owners = importlib.metadata.packages_distributions()
    tf_names = sorted({_normalized(n) for n in owners.get("tensorflow", [])})
    tf_names = [n for n in tf_names if n in _TENSORFLOW_DISTS] or tf_names
    nvidia = {_normalized(n) for n in owners.get("nvidia", [])}
    dali_names = sorted(n for n in nvidia if _DALI_DIST.match(n))
    found = {}
    for key, names, module, example in (
        ("tensorflow", tf_names, "tensorflow", "tensorflow"),
        ("dali", dali_names, "nvidia.dali", "nvidia-dali-cuda120"),
    ):
        directory = _package_dir(module)
        if not names or not directory:
            raise Problem(
                "%s has no %s: install it (e.g. pip install %s), or run ./configure without "
                "PYTHON_BIN_PATH to get the pinned pair in .venv" % (sys.executable, key, example)
            )
        if len(names) > 1:
            raise Problem(
                "%s has %s installed together: they overwrite each other's files; uninstall all "
                "but one" % (sys.executable, " and ".join(names))
            )
        found[key] = {
            "name": names[0],
            "version": importlib.metadata.version(names[0]),
            "dir": directory,
        }
    return found


def fingerprint(found=None):
    """The installed pair as one string: the repository rules list it in their environment, so
    that ./configure after a version change refreshes them even in a running Bazel server."""
    found = found or packages()
    pair = (found["tensorflow"], found["dali"])
    return ",".join("%s==%s" % (package["name"], package["version"]) for package in pair)


def _cuda_version(include):
    with open(os.path.join(include, "cuda_runtime_api.h"), errors="replace") as header:
        match = re.search(r"#define\s+CUDART_VERSION\s+(\d+)", header.read())
    if not match:
        return "unknown"
    number = int(match.group(1))
    return "%d.%d" % (number // 1000, number % 1000 // 10)


def _complete(include):
    headers = ("cuda_runtime_api.h", "crt/host_defines.h")
    return all(os.path.isfile(os.path.join(include, h)) for h in headers)


def cuda_headers():
    """The CUDA headers a build compiles against.

    The plugin needs them only for declarations: DALI's dali.h includes cuda_runtime_api.h, and
    the GPU kernels take cudaStream_t from TensorFlow's Eigen GPU device. No CUDA library is
    linked (device copies go through DALI), so any CUDA 12 or 13 headers serve DALI's cuda120 and
    cuda130 wheels alike. The choice:

    1. $CUDA_HOME/include, when CUDA_HOME is set: a toolkit chosen on purpose (an error if it
       lacks the headers, never a silent fallback).
    2. Otherwise the headers TensorFlow's wheel bundles (tensorflow/include/third_party/gpus/
       cuda/include, in every wheel of the supported range): the CUDA TensorFlow was built with,
       the same on every machine, with nothing to install. A toolkit in /usr/local/cuda is not
       used unless CUDA_HOME names it.
    """
    cuda_home = os.environ.get("CUDA_HOME", "")
    if cuda_home:
        include = os.path.join(cuda_home, "include")
        if not _complete(include):
            raise Problem(
                "CUDA_HOME=%s has no include/cuda_runtime_api.h with include/crt/host_defines.h: "
                "point it at a CUDA toolkit, or unset it to use the headers TensorFlow's wheel "
                "bundles" % cuda_home
            )
        source = "CUDA_HOME"
    else:
        include = os.path.join(
            _package_dir("tensorflow"), "include", "third_party", "gpus", "cuda", "include"
        )
        if not _complete(include):
            raise Problem(
                "TensorFlow's wheel in %s bundles no CUDA headers (looked in %s): set CUDA_HOME "
                "to a CUDA toolkit" % (sys.executable, include)
            )
        source = "TensorFlow's wheel"
    return {"include": include, "source": source, "version": _cuda_version(include)}


def main(argv):
    try:
        if argv[1:] == ["packages"]:
            print(json.dumps(packages()))
        elif argv[1:] == ["fingerprint"]:
            print(fingerprint())
        elif argv[1:] == ["cuda"]:
            print(json.dumps(cuda_headers()))
        else:
            print("usage: python_env.py packages|fingerprint|cuda", file=sys.stderr)
            return 2
    except Problem as e:
        print(e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
