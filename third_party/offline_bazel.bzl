"""Offline stand-ins for the helper repositories Bazel 4.2.3 would otherwise fetch over HTTP.

- rules_cc: re-exports the native cc rules that @bazel_tools//tools/cpp loads (Debian's
  bazel-rules-cc 0.0.4 is too new for Bazel 4.2.3).
- rules_java, platforms: Debian's bazel-rules-java and bazel-platforms packages.
- remote_coverage_tools: a stub, so `bazel coverage` reports are unavailable offline.
"""

_RULES_CC_DEFS = """
# Native cc rules under the names rules_cc exports.
cc_binary = native.cc_binary
cc_import = native.cc_import
cc_library = native.cc_library
cc_proto_library = native.cc_proto_library
cc_shared_library = getattr(native, "cc_shared_library", None)
cc_test = native.cc_test
cc_toolchain = native.cc_toolchain
cc_toolchain_suite = native.cc_toolchain_suite
fdo_prefetch_hints = native.fdo_prefetch_hints
fdo_profile = native.fdo_profile
objc_import = native.objc_import
objc_library = native.objc_library
"""

def _offline_rules_cc_impl(repository_ctx):
    repository_ctx.file("WORKSPACE", "workspace(name = \"rules_cc\")\n")
    repository_ctx.file("BUILD", "")
    repository_ctx.file("cc/defs.bzl", _RULES_CC_DEFS)
    repository_ctx.file("cc/BUILD", """
package(default_visibility = ["//visibility:public"])

alias(
    name = "toolchain_type",
    actual = "@bazel_tools//tools/cpp:toolchain_type",
)
""")

offline_rules_cc = repository_rule(implementation = _offline_rules_cc_impl)

def _offline_coverage_tools_impl(repository_ctx):
    repository_ctx.file("WORKSPACE", "workspace(name = \"remote_coverage_tools\")\n")
    repository_ctx.file("unavailable.sh", "#!/bin/sh\necho 'coverage reports are unavailable offline' >&2\nexit 1\n", executable = True)
    repository_ctx.file("BUILD", """
package(default_visibility = ["//visibility:public"])

sh_binary(name = "coverage_report_generator", srcs = ["unavailable.sh"])

sh_binary(name = "lcov_merger", srcs = ["unavailable.sh"])
""")

offline_coverage_tools = repository_rule(implementation = _offline_coverage_tools_impl)

def _system_bazel_repo_impl(repository_ctx):
    """Mirrors the first existing directory of `candidates` (a Debian Bazel rules package)."""
    for candidate in repository_ctx.attr.candidates:
        path = repository_ctx.path(candidate)
        if path.exists:
            for child in path.readdir():
                if child.basename != "WORKSPACE":
                    repository_ctx.symlink(child, child.basename)
            repository_ctx.file("WORKSPACE", "workspace(name = \"%s\")\n" % repository_ctx.name)
            return
    fail("%s not found in %s: run ./configure (it installs Debian's %s)." % (
        repository_ctx.name,
        ", ".join(repository_ctx.attr.candidates),
        repository_ctx.attr.debian_package,
    ))

system_bazel_repo = repository_rule(
    implementation = _system_bazel_repo_impl,
    attrs = {
        "candidates": attr.string_list(mandatory = True),
        "debian_package": attr.string(mandatory = True),
    },
    local = True,
)

def offline_bazel_repositories():
    offline_rules_cc(name = "rules_cc")
    offline_coverage_tools(name = "remote_coverage_tools")
    system_bazel_repo(
        name = "rules_java",
        candidates = ["/usr/share/bazel/rules/java"],
        debian_package = "bazel-rules-java",
    )
    system_bazel_repo(
        name = "platforms",
        candidates = ["/usr/share/bazel/tools/platforms", "/usr/share/bazel/platforms"],
        debian_package = "bazel-platforms",
    )
