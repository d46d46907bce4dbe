"""The TensorFlow and DALI versions dali_tf supports: the one home of that range.

tools/version_matrix builds and tests it (docs/versions.md). ./configure refuses a pair
outside it before installing anything; the repository rules (tensorflow.bzl, dali.bzl) refuse the
same at build time, for workspaces that use dali_tf without ./configure. DALI_TF_ALLOW_UNSUPPORTED=1
(in the environment of ./configure, or --repo_env) builds anyway.

This file is Starlark and Python both: ./configure runs it with Python (exec), so it holds plain
data and functions only.
"""

# Inclusive ranges of major.minor releases; any patch release of them.
TENSORFLOW_RANGE = ("2.16", "2.21")
DALI_RANGE = ("2.0", "2.4")

# DALI's wheels (its C API and Python API are the same in both; each bundles its CUDA runtime).
DALI_PACKAGES = ("nvidia-dali-cuda120", "nvidia-dali-cuda130")

def release(version):
    """[major, minor] of a version string ("2.17.0rc1" -> [2, 17]); [] if it has none."""
    numbers = []
    for part in version.split(".")[:2]:
        digits = ""
        for i in range(len(part)):
            if not part[i].isdigit():
                break
            digits += part[i]
        if not digits:
            return []
        numbers.append(int(digits))
    return numbers if len(numbers) == 2 else []

def _in_range(version, supported):
    low = [int(n) for n in supported[0].split(".")]
    high = [int(n) for n in supported[1].split(".")]
    have = release(version)
    return bool(have) and low <= have and have <= high

def unsupported(tf_version, dali_package, dali_version):
    """Why this TensorFlow / DALI pair is outside the supported range ("" when it is not)."""
    reasons = []
    if not _in_range(tf_version, TENSORFLOW_RANGE):
        reasons.append("TensorFlow %s is outside %s-%s" % ((tf_version,) + TENSORFLOW_RANGE))
    if dali_package not in DALI_PACKAGES:
        reasons.append("%s is not one of DALI's wheels %s" % (dali_package, ", ".join(DALI_PACKAGES)))
    if not _in_range(dali_version, DALI_RANGE):
        reasons.append("DALI %s is outside %s-%s" % ((dali_version,) + DALI_RANGE))
    if not reasons:
        return ""
    return ("dali_tf supports TensorFlow %s-%s with DALI %s-%s (%s): %s. " +
            "Set DALI_TF_ALLOW_UNSUPPORTED=1 to build anyway.") % (
        TENSORFLOW_RANGE + DALI_RANGE + (", ".join(DALI_PACKAGES), "; ".join(reasons))
    )
