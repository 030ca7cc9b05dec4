#!/usr/bin/env bash
# Installs the Claude Code CLI into a project-local npm prefix for the e2e tests.
#
# Always exits 0: the e2e tests skip (visibly) when the CLI is missing, so a
# machine without npm or without registry access must not fail the whole CI run.
#
#   LABRAILS_CLAUDE_VERSION  npm version or tag to install (default: pinned below)
#
# The binary ends up at .ci/.node/node_modules/.bin/claude, which is where
# tests/testing/claude_client.py looks for it.
set -u

# Pinned so that a new client release cannot silently change the request shapes
# the harness relies on; bump deliberately. An unpinned install has been seen to
# resolve to an older release than the registry's `latest` tag.
VERSION="${LABRAILS_CLAUDE_VERSION:-2.1.330}"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
prefix="$here/.node"
pkg_dir="$prefix/node_modules/@anthropic-ai/claude-code"
bin="$prefix/node_modules/.bin/claude"

installed_version() {
    # `claude --version` prints e.g. "2.1.330 (Claude Code)".
    [ -x "$bin" ] || return 1
    local out
    out="$("$bin" --version 2>/dev/null)" || return 1
    printf '%s\n' "${out%% *}"
}

skip() {
    echo "install_claude: $*" >&2
    echo "install_claude: Claude Code CLI NOT installed; e2e tests will be skipped." >&2
    exit 0
}

if current="$(installed_version)" && [ "$current" = "$VERSION" ]; then
    echo "claude $current (already installed at $bin)"
    exit 0
fi

command -v npm >/dev/null 2>&1 || skip "npm not found on PATH"

mkdir -p "$prefix" || skip "cannot create $prefix"
echo "install_claude: installing @anthropic-ai/claude-code@$VERSION into $prefix" >&2
if ! npm install --prefix "$prefix" --no-audit --no-fund --no-save --loglevel=error \
        "@anthropic-ai/claude-code@$VERSION" >&2; then
    skip "npm install @anthropic-ai/claude-code@$VERSION failed (see npm output above)"
fi

# The package's bin is a placeholder that its postinstall replaces with the
# native binary from the platform package; npm versions that hold back install
# scripts leave the placeholder, so run the postinstall by hand in that case.
if ! installed_version >/dev/null && [ -f "$pkg_dir/install.cjs" ]; then
    (cd "$pkg_dir" && node install.cjs) >&2 || true
fi

current="$(installed_version)" || skip "installed, but '$bin --version' does not run"
echo "claude $current (installed at $bin)"
exit 0
