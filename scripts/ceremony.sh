#!/usr/bin/env bash
# A multi-party Groth16 ceremony for one circuit class, with snarkjs (papers/protocol.md §11):
#   scripts/ceremony.sh CLASS WORKDIR KEYDIR
# 1. the class's constraint system as .r1cs (`spotproof-worker ceremony r1cs`);
# 2. phase 1, powers of tau: a new accumulator, one contribution per contributor, verified, then
#    prepared for phase 2;
# 3. phase 2, the circuit's key: `groth16 setup`, one contribution per contributor, then
#    `zkey verify` against the .r1cs and the powers of tau;
# 4. the final key imported as the class's keys (`spotproof-worker ceremony import`), which
#    refuses a key of another circuit.
# The keys are sound if one contributor of each phase destroyed its secret. Here every
# contributor runs on this machine with fresh entropy from /dev/urandom (a demonstration and the
# CI test); in a real ceremony each contributor runs its `contribute` on its own machine and
# passes the file on, and anyone can rerun the two `verify` steps on the published files.
# Environment: SPOTPROOF_SNARKJS (default .ci/node/node_modules/.bin/snarkjs),
# SPOTPROOF_WORKER (default target/release/spotproof-worker), SPOTPROOF_CONTRIBUTORS (default 2),
# SPOTPROOF_PTAU: a prepared phase-1 file to use instead of running phase 1 (a network uses the
# public Perpetual Powers of Tau for BN254; the CI test passes a test-only one).
set -euo pipefail
if [ $# -ne 3 ]; then
  echo "usage: scripts/ceremony.sh CLASS WORKDIR KEYDIR" >&2
  exit 2
fi
class=$1 work=$2 keys=$3
root="$(cd "$(dirname "$0")/.." && pwd)"
snarkjs=${SPOTPROOF_SNARKJS:-$root/.ci/node/node_modules/.bin/snarkjs}
worker=${SPOTPROOF_WORKER:-$root/target/release/spotproof-worker}
n=${SPOTPROOF_CONTRIBUTORS:-2}
if [ "$n" -lt 1 ]; then
  echo "ceremony: SPOTPROOF_CONTRIBUTORS must be at least 1" >&2
  exit 2
fi
for tool in "$snarkjs" "$worker"; do
  if [ ! -x "$tool" ]; then
    echo "ceremony: $tool is not an executable (see the header of $0)" >&2
    exit 2
  fi
done
mkdir -p "$work"
entropy() { od -An -tx1 -N32 /dev/urandom | tr -d ' \n'; }
step() { echo "== $* (at ${SECONDS} s)"; }

r1cs="$work/$class.r1cs"
step "constraint system"
"$worker" ceremony r1cs --class "$class" --out "$r1cs"
# The QAP domain holds the constraints and the public-input rows; phase 1 needs twice that.
constraints=$("$snarkjs" r1cs info "$r1cs" | sed -n 's/.*# of Constraints: *\([0-9]*\).*/\1/p')
public=$("$snarkjs" r1cs info "$r1cs" | sed -n 's/.*# of Public Inputs: *\([0-9]*\).*/\1/p')
size=$((constraints + public + 1))
power=1
while [ $((1 << power)) -lt "$size" ]; do power=$((power + 1)); done
power=$((power + 1))
echo "$constraints constraints, $public public inputs: powers of tau 2^$power"

if [ -n "${SPOTPROOF_PTAU:-}" ]; then
  step "phase 1: $SPOTPROOF_PTAU (prepared)"
  cp "$SPOTPROOF_PTAU" "$work/final.ptau"
else
  step "phase 1: powers of tau, $n contributors"
  "$snarkjs" powersoftau new bn128 "$power" "$work/pot_0.ptau" >/dev/null
  for i in $(seq 1 "$n"); do
    "$snarkjs" powersoftau contribute "$work/pot_$((i - 1)).ptau" "$work/pot_$i.ptau" \
      --name="contributor $i" -e="$(entropy)" >/dev/null
    rm "$work/pot_$((i - 1)).ptau"
  done
  "$snarkjs" powersoftau prepare phase2 "$work/pot_$n.ptau" "$work/final.ptau" >/dev/null
  rm "$work/pot_$n.ptau"
  "$snarkjs" powersoftau verify "$work/final.ptau" >/dev/null
fi

step "phase 2: the circuit's key, $n contributors"
"$snarkjs" groth16 setup "$r1cs" "$work/final.ptau" "$work/${class}_0.zkey" >/dev/null
for i in $(seq 1 "$n"); do
  "$snarkjs" zkey contribute "$work/${class}_$((i - 1)).zkey" "$work/${class}_$i.zkey" \
    --name="contributor $i" -e="$(entropy)" >/dev/null
  rm "$work/${class}_$((i - 1)).zkey"
done
"$snarkjs" zkey verify "$r1cs" "$work/final.ptau" "$work/${class}_$n.zkey" >/dev/null

step "import"
"$worker" ceremony import --class "$class" --zkey "$work/${class}_$n.zkey" --out "$keys"
step "done"
