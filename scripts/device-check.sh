#!/bin/bash
# Device check: kernel bit-exactness on a hardware GPU, GPU benchmarks, GPU vs CPU training runs, the demo.
# Expects, in the repository root: .devbin/{kernels,shaders-lib,throughput,spotproof-worker} (release
# builds: the kernel and lib test binaries of spotproof-shaders, the throughput bench, the worker)
# and .gl/*.deb (the Vulkan loader, libvulkan1), and $OUT for its logs. papers/benchmarks.md, H200.
set -u
for f in .gl/*.deb; do dpkg -x $f /; done; ldconfig
# The kernel tests find vectors/ through the build's CARGO_MANIFEST_DIR (/work/main/shaders here).
mkdir -p /work && ln -sfn "$PWD" /work/main
export XDG_RUNTIME_DIR=/tmp
{ nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv; nproc; ldconfig -p | grep libvulkan;
  ls /usr/share/vulkan/icd.d /etc/vulkan/icd.d /usr/local/nvidia/share/vulkan/icd.d; } > $OUT/gpu.txt 2>&1
if ! ls /usr/share/vulkan/icd.d/nvidia* /etc/vulkan/icd.d/nvidia* >/dev/null 2>&1; then
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  echo "VK_DRIVER_FILES=$VK_DRIVER_FILES" >> $OUT/gpu.txt
fi
cat $OUT/gpu.txt
export SPOTPROOF_REQUIRE_GPU=1
echo "== kernels"
(cd shaders && time timeout 240 ../.devbin/kernels --test-threads 4 && timeout 60 ../.devbin/shaders-lib) > $OUT/kernels.log 2>&1; echo "kernels rc=$?"
tail -5 $OUT/kernels.log
echo "== throughput"
timeout 150 .devbin/throughput --bench > $OUT/throughput.log 2>&1; echo "throughput rc=$?"
cat $OUT/throughput.log
echo "== train"
for ds in digits mnist10k; do for dev in gpu cpu; do
  timeout 150 .devbin/spotproof-worker train --dataset $ds --epochs 3 --device $dev --json > $OUT/train-$ds-$dev.json 2>>$OUT/train.err; echo "$ds $dev rc=$?"
done; done
python3 - <<'PY'
import json, os
o = os.environ["OUT"]
for ds in ["digits", "mnist10k"]:
    a = [json.loads(l) for l in open(f"{o}/train-{ds}-gpu.json") if l.startswith("{")]
    b = [json.loads(l) for l in open(f"{o}/train-{ds}-cpu.json") if l.startswith("{")]
    if not a or not b: print(ds, "missing output"); continue
    a, b = a[-1], b[-1]
    strip = lambda d: {k: v for k, v in d.items() if k not in ("seconds", "device")}
    print(ds, "gpu == cpu:", strip(a) == strip(b), "gpu s", a["seconds"], "cpu s", b["seconds"], "steps", a["steps"], "test", a["test_accuracy"])
PY
echo "== demo"
(time timeout 200 .devbin/spotproof-worker demo --out /tmp/demo) > $OUT/demo.log 2>&1; echo "demo rc=$?"
tail -25 $OUT/demo.log
