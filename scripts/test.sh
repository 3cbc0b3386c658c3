#!/usr/bin/env bash
# Everything CI checks, on a fresh Debian machine with the Rust toolchain:
# installs Mesa's lavapipe (software Vulkan, so the WGSL kernels run on the CPU) and the pinned
# snarkjs and solc (Node), then format, lints, the validator's trust base, all tests with the GPU,
# snarkjs and solc required, and that no test rewrote the golden vectors.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
if ! ls /usr/share/vulkan/icd.d/lvp_icd*.json >/dev/null 2>&1; then
  echo "== installing mesa-vulkan-drivers (lavapipe)"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mesa-vulkan-drivers >/dev/null
fi
# Mesa's WSI warns without it; compute does not need a display.
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
# Kernel tests must not skip silently: no adapter is a failure.
export SPOTPROOF_REQUIRE_GPU=1

# snarkjs, an independent Groth16 verifier, checks our exported proofs (verifier/tests/snarkjs.rs);
# solc compiles the exported verifier and registry for the revm tests (verifier/tests/onchain.rs).
# Their versions and every dependency are pinned by .ci/node/package-lock.json.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "== installing nodejs npm"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
if [ ! -x .ci/node/node_modules/.bin/snarkjs ] || [ ! -x .ci/node/node_modules/.bin/solcjs ] ||
  [ .ci/node/package-lock.json -nt .ci/node/node_modules/.package-lock.json ]; then
  echo "== installing snarkjs and solc (npm ci, .ci/node/package-lock.json)"
  npm ci --no-audit --no-fund --prefix .ci/node >/dev/null
fi
export SPOTPROOF_SNARKJS="$PWD/.ci/node/node_modules/.bin/snarkjs"
export SPOTPROOF_SOLC="$PWD/.ci/node/node_modules/.bin/solcjs"
# The interop and contract tests must not skip silently either.
export SPOTPROOF_REQUIRE_SNARKJS=1
export SPOTPROOF_REQUIRE_SOLC=1

rustup component add rustfmt clippy >/dev/null 2>&1 || true

echo "== cargo fmt --check"
cargo fmt --all --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== validator trust base"
if cargo tree -p spotproof-verifier -e normal --locked | grep -E '(^|[^-])wgpu|spotproof-shaders|spotproof-prover'; then
  echo "spotproof-verifier must not depend on wgpu, spotproof-shaders or spotproof-prover" >&2
  exit 1
fi
echo "== cargo test"
cargo test --workspace --locked
echo "== golden vectors unchanged"
git diff --exit-code -- vectors
echo "== all checks passed"
