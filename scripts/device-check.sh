#!/bin/bash
# Device check (H200 machine): kernel bit-exactness on a hardware GPU, the CPU benchmarks of
# commitment and verification on its 16 cores, GPU throughput, a committed run on GPU and CPU, and
# the demo (setup, run, challenge, proofs, audit). Results go to papers/benchmarks.md.
# Expects, in the repository root: .devbin/ with stripped release builds — `kernels` and
# `shaders-lib` (the test binaries of spotproof-shaders), `throughput` (its bench), `commit`
# (spotproof-core's bench), `verify` (spotproof-verifier's bench) and `spotproof-worker` — and
# .gl/*.deb (the Vulkan loader, libvulkan1). Logs go to $OUT.
set -u
for f in .gl/*.deb; do dpkg -x $f /; done; ldconfig
# The kernel tests find vectors/ through the build's CARGO_MANIFEST_DIR (/work/main/shaders here).
mkdir -p /work && ln -sfn "$PWD" /work/main
export XDG_RUNTIME_DIR=/tmp
{ nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv; nproc; } > $OUT/gpu.txt 2>&1
if ! ls /usr/share/vulkan/icd.d/nvidia* /etc/vulkan/icd.d/nvidia* >/dev/null 2>&1; then
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
fi
cat $OUT/gpu.txt
export SPOTPROOF_REQUIRE_GPU=1
echo "== kernels"
(cd shaders && time timeout 120 ../.devbin/kernels --test-threads 4 && timeout 60 ../.devbin/shaders-lib) > $OUT/kernels.log 2>&1; echo "kernels rc=$?"
grep -E "test result|FAILED|panicked" $OUT/kernels.log
echo "== commit (CPU, all cores)"
timeout 120 .devbin/commit --bench > $OUT/commit.log 2>&1; echo "commit rc=$?"; cat $OUT/commit.log
echo "== verify"
timeout 120 .devbin/verify --bench > $OUT/verify.log 2>&1; echo "verify rc=$?"; cat $OUT/verify.log
echo "== throughput"
timeout 90 .devbin/throughput --bench > $OUT/throughput.log 2>&1; echo "throughput rc=$?"; tail -12 $OUT/throughput.log
echo "== demo (setup, run, challenge, prove, audit)"
cd /tmp
(time timeout 240 /work/main/.devbin/spotproof-worker demo --out /tmp/demo --json) > $OUT/demo.json 2> $OUT/demo.err; echo "demo rc=$?"
tail -12 $OUT/demo.err
echo "== runs (digits, 400 steps, the demo's keys)"
timeout 60 /work/main/.devbin/spotproof-worker task --dataset digits --steps 400 --challenge-steps 2 --keys /tmp/demo/keys --out /tmp/task-d.json >/dev/null 2>>$OUT/runs.err
for dev in gpu cpu; do
  timeout 120 /work/main/.devbin/spotproof-worker run --task /tmp/task-d.json --out run-d-$dev --device $dev --json > $OUT/run-d-$dev.json 2>>$OUT/runs.err; echo "digits $dev rc=$?"; cat $OUT/run-d-$dev.json
done
