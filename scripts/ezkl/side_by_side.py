#!/usr/bin/env python3
"""EZKL side by side: one digits training step proven by EZKL and by spotproof.

Not part of CI (issue 13, item 9). It builds the digits model's whole training step as an ONNX
graph, proves it with EZKL (Halo2, KZG on BN254; the SRS is made locally with ``gen_srs``,
nothing is downloaded) and prints one table for both systems. Spotproof's column is measured
only when ``--spotproof-bin DIR`` names a directory holding release builds of
``spotproof-worker`` and ``spotproof-validator``; otherwise it reads "not measured".

The step (the model of ``core/src/model.rs``: widths 64-128-10, batch 32; the op order of
``core/src/step.rs``), written in floats because EZKL quantizes a float graph to fixed point
itself (``input_scale``/``param_scale`` bits of fraction)::

    h   = relu(x·W1 + b1)            x: 32×64,  W1: 64×128   linear_forward + relu
    z   = h·W2 + b2                  W2: 128×10              linear_forward
    e   = z − onehot                 32×10                   output_error
    gW2 = hᵀ·e,  gb2 = Σ_rows e                              weight_grad, bias_grad
    d   = (e·W2ᵀ) ⊙ [h > 0]          32×128                  linear_backward_input
    gW1 = xᵀ·d,  gb1 = Σ_rows d                              weight_grad, bias_grad
    W' = W − lr·gW,  b' = b − lr·gb  (lr = 2^-6)             sgd_update, bias_update

Deviations from spotproof's integer step, on purpose: the error is ``z − onehot``, the gradient
of the squared error at the logits (spotproof's ``output_error``; a linear surrogate of the
softmax cross-entropy gradient), without spotproof's int8 saturation, requantization shifts,
int16 master weights or the hidden-error gain; EZKL rescales after each product on its own.
The five matrix products are exactly the step's multiply-accumulates:
``32·(64·128 + 128·10)·2 + 32·128·10 = 647,168`` (forward, weight gradients, and the error
propagated through W2). EZKL checks all of them in one proof (its einsum chip checks a matrix
product with Freivalds' argument unless ``disable_freivalds``); spotproof's proof recomputes 64
sampled output elements of the committed step (1,022 MACs, see ``spotproof_checked_macs``) and
covers the rest only probabilistically.

The inputs are the first 32 rows of the vendored digits set (``data/digits.csv.gz``, pixels
/16) and Kaiming-uniform weights from a fixed seed. Visibility (``--input-visibility``,
default ``public``): x, the one-hot labels and the weights are public instances, and so are the
updated weights (the outputs); the verifier needs them all, where spotproof's verifier needs
only a trace root.

Calibration (``--calibration resources``, the default) picks scale 13 and 2^20 rows for this
graph (896,368 rows used); ``--quick`` keeps ``gen_settings``' scale 7 and 2^17 rows, which
spreads the same rows over more columns (bigger proof, smaller SRS).

Inference mode (``--inference --batch B``) proves the forward pass alone instead, ``z =
relu(x·W1 + b1)·W2 + b2`` for the first B digits rows, with the same weights (graph inputs, so
public by default, like x and the logits z): ``B·(64·128 + 128·10)`` MACs, every one checked.
Its files go to ``<work>/ezkl-inference-b<B>``; the SRS is shared with the training mode's
(``<work>/ezkl/kzg-<logrows>.srs``). Spotproof's column reads "not measured" there (its inference
is measured apart). ``--evm`` adds EZKL's Solidity verifier (``create_evm_verifier``) and the gas
of one ``verifyProof`` transaction, measured by ``gas.mjs`` (solc-js and an in-memory ethereumjs
EVM, from npm; ``create_evm_verifier``'s own solc download is not needed). Calibration gives
scale 13 and 2^16 rows at batch 1, 2^18 at batch 32.

Every EZKL phase runs in its own child process, so that its time and its peak resident memory
(``ru_maxrss`` of that child) are its own. Files go to ``--work`` (default ``.work`` beside this
script). Run ``python side_by_side.py --help`` for the options; ``README.md`` says how to set up.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent

WIDTHS = (64, 128, 10)
BATCH = 32
LR = 2.0**-6
SEED = 13

# The spotproof class that proves a digits step, and the beacon the script proves it under
# (any number below 2^93, 64 hex digits).
SPOTPROOF_CLASS = "mlp2-s64-r128"
SPOTPROOF_BEACON = "0" * 48 + "5107920051079200"


def step_macs(widths=WIDTHS, batch=BATCH) -> int:
    """Multiply-accumulates of one whole training step: forward, weight gradients, and the error
    propagated through every layer but the first."""
    k, h, n = widths
    forward = batch * (k * h + h * n)
    return 2 * forward + batch * n * h


def forward_macs(batch: int, widths=WIDTHS) -> int:
    """Multiply-accumulates of the forward pass alone (inference mode): batch·(64·128 + 128·10)."""
    k, h, n = widths
    return batch * (k * h + h * n)


def spotproof_checked_macs(samples: int, widths=WIDTHS, batch=BATCH) -> int:
    """MACs one spotproof proof recomputes in its circuit.

    Sample ``j`` checks one output element of op ``j mod 18`` (``core/src/sampling.rs``), in the
    op order of ``core/src/layout.rs`` for two layers. A ``linear_forward`` element is a dot
    product of the layer's fan-in, a ``weight_grad`` element one of the batch, a
    ``linear_backward_input`` element one of the next layer's width; the other ops are
    element-wise or copies.
    """
    k, h, n = widths
    ops = [
        0,  # gather
        0,  # transpose(input)
        0,  # transpose(W2)
        k,  # linear_forward, layer 0
        0,  # transpose(act 0)
        h,  # linear_forward, layer 1
        0,  # output_error
        0,  # transpose(err 1)
        batch,  # weight_grad, layer 1
        0,  # bias_grad, layer 1
        n,  # linear_backward_input, layer 1
        0,  # transpose(err 0)
        batch,  # weight_grad, layer 0
        0,  # bias_grad, layer 0
        0,  # sgd_update, layer 0
        0,  # bias_update, layer 0
        0,  # sgd_update, layer 1
        0,  # bias_update, layer 1
    ]
    return sum(ops[j % len(ops)] for j in range(samples))


# ----------------------------------------------------------------------------------------------
# The ONNX graph and its data


def build_onnx(path: Path) -> None:
    """Writes the training step as an ONNX graph: inputs x, onehot, W1, b1, W2, b2; outputs
    the updated W1, b1, W2, b2."""
    import onnx
    from onnx import TensorProto, helper

    k, h, n = WIDTHS
    f = TensorProto.FLOAT
    inputs = [
        helper.make_tensor_value_info("x", f, [BATCH, k]),
        helper.make_tensor_value_info("onehot", f, [BATCH, n]),
        helper.make_tensor_value_info("W1", f, [k, h]),
        helper.make_tensor_value_info("b1", f, [1, h]),
        helper.make_tensor_value_info("W2", f, [h, n]),
        helper.make_tensor_value_info("b2", f, [1, n]),
    ]
    outputs = [
        helper.make_tensor_value_info("W1_new", f, [k, h]),
        helper.make_tensor_value_info("b1_new", f, [1, h]),
        helper.make_tensor_value_info("W2_new", f, [h, n]),
        helper.make_tensor_value_info("b2_new", f, [1, n]),
    ]
    init = [
        helper.make_tensor("lr", f, [], [LR]),
        helper.make_tensor("zero", f, [], [0.0]),
        helper.make_tensor("axis0", TensorProto.INT64, [1], [0]),
    ]
    node = helper.make_node
    nodes = [
        # forward
        node("MatMul", ["x", "W1"], ["xW1"]),
        node("Add", ["xW1", "b1"], ["a1"]),
        node("Relu", ["a1"], ["h1"]),
        node("MatMul", ["h1", "W2"], ["hW2"]),
        node("Add", ["hW2", "b2"], ["z"]),
        # output error (squared-error gradient at the logits)
        node("Sub", ["z", "onehot"], ["e"]),
        # layer 1 gradients
        node("Transpose", ["h1"], ["h1T"], perm=[1, 0]),
        node("MatMul", ["h1T", "e"], ["gW2"]),
        node("ReduceSum", ["e", "axis0"], ["gb2"], keepdims=1),
        # error through W2, masked by relu's derivative
        node("Transpose", ["W2"], ["W2T"], perm=[1, 0]),
        node("MatMul", ["e", "W2T"], ["eW2T"]),
        node("Greater", ["a1", "zero"], ["pos"]),
        node("Cast", ["pos"], ["mask"], to=f),
        node("Mul", ["eW2T", "mask"], ["d1"]),
        # layer 0 gradients
        node("Transpose", ["x"], ["xT"], perm=[1, 0]),
        node("MatMul", ["xT", "d1"], ["gW1"]),
        node("ReduceSum", ["d1", "axis0"], ["gb1"], keepdims=1),
        # updates
        node("Mul", ["gW1", "lr"], ["sW1"]),
        node("Sub", ["W1", "sW1"], ["W1_new"]),
        node("Mul", ["gb1", "lr"], ["sb1"]),
        node("Sub", ["b1", "sb1"], ["b1_new"]),
        node("Mul", ["gW2", "lr"], ["sW2"]),
        node("Sub", ["W2", "sW2"], ["W2_new"]),
        node("Mul", ["gb2", "lr"], ["sb2"]),
        node("Sub", ["b2", "sb2"], ["b2_new"]),
    ]
    graph = helper.make_graph(nodes, "digits_training_step", inputs, outputs, init)
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", 13)],
        producer_name="spotproof scripts/ezkl/side_by_side.py",
    )
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))


def build_onnx_inference(path: Path, batch: int) -> None:
    """Writes the forward pass alone as an ONNX graph (inference mode): inputs x (batch×64),
    W1, b1, W2, b2; output the logits z = relu(x·W1 + b1)·W2 + b2 (batch×10). The weights are
    graph inputs, as in the training graph, so they take ``--input-visibility`` too."""
    import onnx
    from onnx import TensorProto, helper

    k, h, n = WIDTHS
    f = TensorProto.FLOAT
    inputs = [
        helper.make_tensor_value_info("x", f, [batch, k]),
        helper.make_tensor_value_info("W1", f, [k, h]),
        helper.make_tensor_value_info("b1", f, [1, h]),
        helper.make_tensor_value_info("W2", f, [h, n]),
        helper.make_tensor_value_info("b2", f, [1, n]),
    ]
    outputs = [helper.make_tensor_value_info("z", f, [batch, n])]
    node = helper.make_node
    nodes = [
        node("MatMul", ["x", "W1"], ["xW1"]),
        node("Add", ["xW1", "b1"], ["a1"]),
        node("Relu", ["a1"], ["h1"]),
        node("MatMul", ["h1", "W2"], ["hW2"]),
        node("Add", ["hW2", "b2"], ["z"]),
    ]
    graph = helper.make_graph(nodes, "digits_forward", inputs, outputs)
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", 13)],
        producer_name="spotproof scripts/ezkl/side_by_side.py --inference",
    )
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))


def step_data(batch: int = BATCH):
    """The first ``batch`` (32) digits rows (pixels /16), their one-hot labels, and seeded
    weights (the same for every batch size)."""
    import numpy as np

    rows = []
    with gzip.open(REPO / "data" / "digits.csv.gz", "rt") as fh:
        for line in fh:
            cells = line.strip().split(",")
            if len(cells) != WIDTHS[0] + 1:
                continue  # a header line, if any
            try:
                rows.append([int(c) for c in cells])
            except ValueError:
                continue
            if len(rows) == batch:
                break
    if len(rows) < batch:
        raise SystemExit(f"data/digits.csv.gz has only {len(rows)} rows, fewer than the batch {batch}")
    a = np.array(rows, dtype=np.int64)
    x = a[:, :-1].astype(np.float64) / 16.0
    onehot = np.eye(WIDTHS[-1])[a[:, -1]]
    rng = np.random.default_rng(SEED)
    k, h, n = WIDTHS
    w1 = rng.uniform(-1, 1, (k, h)) * np.sqrt(6.0 / k)
    w2 = rng.uniform(-1, 1, (h, n)) * np.sqrt(6.0 / h)
    b1 = np.zeros((1, h))
    b2 = np.zeros((1, n))
    return [x, onehot, w1, b1, w2, b2]


def reference_step(x, onehot, w1, b1, w2, b2):
    """The graph's arithmetic in float64 (what EZKL's fixed point approximates)."""
    import numpy as np

    a1 = x @ w1 + b1
    h1 = np.maximum(a1, 0)
    e = h1 @ w2 + b2 - onehot
    d1 = (e @ w2.T) * (a1 > 0)
    return [
        w1 - LR * (x.T @ d1),
        b1 - LR * d1.sum(0, keepdims=True),
        w2 - LR * (h1.T @ e),
        b2 - LR * e.sum(0, keepdims=True),
    ]


def reference_forward(x, w1, b1, w2, b2):
    """The inference graph's arithmetic in float64: the logits."""
    import numpy as np

    return [np.maximum(x @ w1 + b1, 0) @ w2 + b2]


# ----------------------------------------------------------------------------------------------
# Child processes


def phase(name: str, args: dict) -> None:
    """Runs one EZKL call (in a child process) and prints its time as JSON."""
    import ezkl

    t0 = time.perf_counter()
    if name == "gen_settings":
        ra = ezkl.PyRunArgs()
        ra.input_visibility = args["input_visibility"]
        ra.output_visibility = "public"
        ra.param_visibility = "fixed"
        if args.get("logrows"):
            ra.logrows = args["logrows"]
        if args.get("scale"):
            ra.input_scale = args["scale"]
            ra.param_scale = args["scale"]
        ok = ezkl.gen_settings(args["model"], args["settings"], py_run_args=ra)
    elif name == "calibrate_settings":
        kw = {}
        if args.get("scales"):
            kw["scales"] = args["scales"]
        ok = ezkl.calibrate_settings(
            args["data"], args["model"], args["settings"], args["target"], **kw
        )
    elif name == "compile_circuit":
        ok = ezkl.compile_circuit(args["model"], args["compiled"], args["settings"])
    elif name == "gen_srs":
        ezkl.gen_srs(args["srs"], args["logrows"])
        ok = True
    elif name == "setup":
        ok = ezkl.setup(args["compiled"], args["vk"], args["pk"], args["srs"])
    elif name == "gen_witness":
        ezkl.gen_witness(args["data"], args["compiled"], args["witness"])
        ok = True
    elif name == "prove":
        ezkl.prove(args["witness"], args["compiled"], args["pk"], args["proof"], args["srs"])
        ok = True
    elif name == "verify":
        ok = ezkl.verify(args["proof"], args["settings"], args["vk"], args["srs"])
    elif name == "create_evm_verifier":
        import asyncio

        async def render():
            return await ezkl.create_evm_verifier(args["vk"], args["settings"], args["sol"], args["abi"], args["srs"], False)

        ok = asyncio.run(render())
    elif name == "encode_evm_calldata":
        ezkl.encode_evm_calldata(args["proof"], args["calldata"], None)
        ok = True
    elif name == "mock":
        ok = ezkl.mock(args["witness"], args["compiled"])
    else:
        raise SystemExit(f"unknown phase {name}")
    seconds = time.perf_counter() - t0
    print(json.dumps({"ok": bool(ok), "seconds": seconds}), flush=True)


def run_child(cmd: list[str], env=None, timeout: float | None = None) -> dict:
    """Runs a command; returns its exit status, wall seconds, peak RSS (bytes), stdout, stderr."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
    wall = time.perf_counter() - t0
    return {"rc": p.returncode, "wall": wall, "out": out, "err": err}


def run_measured(cmd: list[str], env=None) -> dict:
    """Like run_child, but waits with wait4 so that the child's own peak RSS is known. Output
    goes to temporary files (no pipe can fill while we wait). Linux keeps a process's peak
    across exec, so a small child reports at least this script's own RSS at the fork (tens of
    MiB); the provers' gigabytes are theirs."""
    import tempfile

    with tempfile.TemporaryFile("w+") as fo, tempfile.TemporaryFile("w+") as fe:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=fo, stderr=fe, env=env, text=True)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        fo.seek(0)
        fe.seek(0)
        return {
            "rc": p.returncode,
            "wall": wall,
            "rss": ru.ru_maxrss * 1024,  # Linux: KiB
            "out": fo.read(),
            "err": fe.read(),
        }


def ezkl_phase(name: str, args: dict, env: dict, log) -> dict:
    r = run_measured([sys.executable, str(Path(__file__).resolve()), "--phase", name, json.dumps(args)], env)
    if r["rc"] != 0:
        sys.stderr.write(r["err"][-4000:])
        raise SystemExit(f"ezkl {name} failed (exit {r['rc']})")
    last = [l for l in r["out"].splitlines() if l.startswith("{")][-1]
    res = json.loads(last)
    res.update(wall=r["wall"], rss=r["rss"])
    log(f"  {name:<20} {res['seconds']:8.2f} s  (wall {r['wall']:.2f} s, peak RSS {r['rss'] / 2**20:.0f} MiB)")
    if not res["ok"]:
        raise SystemExit(f"ezkl {name} returned false")
    return res


# ----------------------------------------------------------------------------------------------
# The two systems


def measure_ezkl(work: Path, a, log, srs_dir: Path | None = None) -> dict:
    """Proves the training step (or, with ``a.inference``, the forward pass of ``a.batch``
    rows) with EZKL. The SRS is looked up in, and written to, ``srs_dir`` (default ``work``)."""
    import ezkl  # noqa: F401  (fail early, before the graph is built, if it is missing)
    import numpy as np
    from importlib.metadata import version

    work.mkdir(parents=True, exist_ok=True)
    srs_dir = srs_dir or work
    srs_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, EZKL_REPO_PATH=str(work / "ezkl-home"))
    p = {n: str(work / n) for n in ["step.onnx", "input.json", "settings.json", "step.compiled", "pk.key", "vk.key", "witness.json", "proof.json"]}

    log(f"EZKL {version('ezkl')} (onnx {version('onnx')}), work dir {work}")
    if a.inference:
        # The same file names as the training step's, in a directory of their own.
        build_onnx_inference(Path(p["step.onnx"]), a.batch)
        step = step_data(a.batch)
        data = [step[0], step[2], step[3], step[4], step[5]]  # x, W1, b1, W2, b2 (no labels)
    else:
        build_onnx(Path(p["step.onnx"]))
        data = step_data()
    Path(p["input.json"]).write_text(json.dumps({"input_data": [t.reshape(-1).tolist() for t in data]}))

    res = {"version": version("ezkl")}
    settings_args = {"model": p["step.onnx"], "settings": p["settings.json"], "input_visibility": a.input_visibility}
    if a.scale:
        settings_args["scale"] = a.scale
    res["gen_settings"] = ezkl_phase("gen_settings", settings_args, env, log)
    if a.calibration != "none":
        cal = {"data": p["input.json"], "model": p["step.onnx"], "settings": p["settings.json"], "target": a.calibration}
        if a.scale:
            cal["scales"] = [a.scale]
        res["calibrate_settings"] = ezkl_phase("calibrate_settings", cal, env, log)
    settings = json.loads(Path(p["settings.json"]).read_text())
    ra = settings["run_args"]
    res["logrows"] = ra["logrows"]
    res["settings"] = {k: ra.get(k) for k in ["input_scale", "param_scale", "logrows", "lookup_range", "num_inner_cols", "input_visibility", "output_visibility", "param_visibility", "decomp_base", "decomp_legs"]}
    res["num_rows"] = settings.get("num_rows")
    res["total_assignments"] = settings.get("total_assignments")
    log(f"  settings: {json.dumps(res['settings'])}, num_rows {res['num_rows']}")
    res["compile_circuit"] = ezkl_phase("compile_circuit", {"model": p["step.onnx"], "compiled": p["step.compiled"], "settings": p["settings.json"]}, env, log)
    # An SRS depends only on its size: one made by an earlier run is reused.
    p["kzg.srs"] = str(srs_dir / f"kzg-{res['logrows']}.srs")
    if Path(p["kzg.srs"]).is_file():
        res["gen_srs"] = None
        log(f"  gen_srs              reusing {p['kzg.srs']}")
    else:
        res["gen_srs"] = ezkl_phase("gen_srs", {"srs": p["kzg.srs"] + ".part", "logrows": res["logrows"]}, env, log)
        os.replace(p["kzg.srs"] + ".part", p["kzg.srs"])
    res["setup"] = ezkl_phase("setup", {"compiled": p["step.compiled"], "vk": p["vk.key"], "pk": p["pk.key"], "srs": p["kzg.srs"]}, env, log)
    res["gen_witness"] = ezkl_phase("gen_witness", {"data": p["input.json"], "compiled": p["step.compiled"], "witness": p["witness.json"]}, env, log)
    res["prove"] = ezkl_phase("prove", {"witness": p["witness.json"], "compiled": p["step.compiled"], "pk": p["pk.key"], "proof": p["proof.json"], "srs": p["kzg.srs"]}, env, log)
    res["verify"] = ezkl_phase("verify", {"proof": p["proof.json"], "settings": p["settings.json"], "vk": p["vk.key"], "srs": p["kzg.srs"]}, env, log)

    res["sizes"] = {n: os.path.getsize(p[n]) for n in ["pk.key", "vk.key", "kzg.srs", "proof.json", "step.compiled"]}
    proof = json.loads(Path(p["proof.json"]).read_text())
    res["proof_bytes"] = proof_bytes(proof)
    res["instances"] = sum(len(col) for col in proof.get("instances", []))

    # How far EZKL's fixed point is from the float step.
    w = json.loads(Path(p["witness.json"]).read_text())
    outs = (w.get("pretty_elements") or {}).get("rescaled_outputs")
    if outs and a.inference:
        (ref,) = reference_forward(*data)
        got = np.array(outs[0], dtype=float).reshape(ref.shape)
        res["max_abs_error"] = float(np.max(np.abs(got - ref)))
        res["max_abs_logit"] = float(np.max(np.abs(ref)))
        res["argmax_agree"] = int(np.sum(got.argmax(1) == ref.argmax(1)))
        log(f"  logits vs float64: max |error| {res['max_abs_error']:.4g} (largest |logit| {res['max_abs_logit']:.4g}), "
            f"argmax equal in {res['argmax_agree']}/{a.batch} rows")
    elif outs:
        ref = reference_step(*data)
        err = max(float(np.max(np.abs(np.array(o, dtype=float).reshape(-1) - r.reshape(-1)))) for o, r in zip(outs, ref))
        delta = max(float(np.max(np.abs(r - d))) for r, d in zip(ref, [data[2], data[3], data[4], data[5]]))
        res["max_abs_error"] = err
        res["max_update"] = delta
        log(f"  updated weights vs float64: max |error| {err:.4g} (largest update {delta:.4g})")
    return res


def measure_gas(work: Path, ez: dict, log) -> dict:
    """EZKL's Solidity verifier and its gas (``--evm``). ``create_evm_verifier`` renders
    ``Verifier.sol`` and then compiles it with a solc binary that it downloads; where that fails
    (no solc, no network) the rendered file is used as it is. ``gas.mjs`` compiles it with solc-js
    and runs deploy + ``verifyProof`` in an in-memory EVM; its JSON line is returned."""
    import shutil

    p = {n: str(work / n) for n in ["vk.key", "settings.json", "proof.json", "Verifier.sol", "abi.json", "calldata.bin"]}
    srs = str(work.parent / "ezkl" / f"kzg-{ez['logrows']}.srs")
    node = shutil.which("node")
    if not node or not (HERE / "node_modules" / "solc").is_dir():
        return {"skipped": "not measured (needs node and `npm ci` in scripts/ezkl)"}
    Path(p["Verifier.sol"]).unlink(missing_ok=True)
    r = run_measured([sys.executable, str(Path(__file__).resolve()), "--phase", "create_evm_verifier",
                      json.dumps({"vk": p["vk.key"], "settings": p["settings.json"], "sol": p["Verifier.sol"], "abi": p["abi.json"], "srs": srs})])
    if not Path(p["Verifier.sol"]).is_file():
        sys.stderr.write(r["err"][-4000:])
        return {"skipped": "failed: create_evm_verifier wrote no Verifier.sol"}
    log(f"  create_evm_verifier  wall {r['wall']:8.2f} s ({'ok' if r['rc'] == 0 else 'rendered; its own solc step failed, compiled with solc-js instead'})")
    r = run_measured([sys.executable, str(Path(__file__).resolve()), "--phase", "encode_evm_calldata",
                      json.dumps({"proof": p["proof.json"], "calldata": p["calldata.bin"]})])
    if r["rc"] != 0:
        sys.stderr.write(r["err"][-4000:])
        return {"skipped": "failed: encode_evm_calldata"}
    r = run_measured([node, str(HERE / "gas.mjs"), p["Verifier.sol"], p["calldata.bin"]])
    if r["rc"] != 0:
        sys.stderr.write(r["err"][-4000:])
        return {"skipped": "failed: gas.mjs (see stderr)"}
    g = json.loads(r["out"].strip().splitlines()[-1])
    log(f"  verifyProof gas      {g['gas_used']:,} (execution {g['execution_gas']:,}, calldata {g['calldata_bytes']:,} B), "
        f"verified {g['verified']}, tampered instance rejected {g['tampered_rejected']}, bytecode {g['bytecode_bytes']:,} B")
    if not g["verified"]:
        return dict(g, gas_used=None, skipped=f"failed: the verifier contract did not accept the proof ({g.get('error')})")
    return g


def proof_bytes(proof: dict) -> int | None:
    """Bytes of the proof itself (not its JSON wrapper or the instances)."""
    v = proof.get("proof")
    if isinstance(v, list):
        return len(v)
    if isinstance(v, str):
        s = v[2:] if v.startswith("0x") else v
        return len(s) // 2
    return None


def measure_spotproof(bindir: Path, work: Path, log) -> dict:
    worker, validator = bindir / "spotproof-worker", bindir / "spotproof-validator"
    for b in (worker, validator):
        if not b.is_file():
            raise SystemExit(f"{b} not found: build it with `cargo build --release -p spotproof-prover -p spotproof-verifier`")
    work.mkdir(parents=True, exist_ok=True)
    keys, traces, bundle = work / "keys", work / "traces", work / "step-000000.json"
    res = {}

    def run(name, cmd):
        r = run_measured([str(c) for c in cmd])
        if r["rc"] != 0:
            sys.stderr.write(r["err"][-4000:])
            raise SystemExit(f"spotproof {name} failed (exit {r['rc']}): {' '.join(map(str, cmd))}")
        log(f"  {name:<20} wall {r['wall']:8.2f} s, peak RSS {r['rss'] / 2**20:.0f} MiB")
        res[name] = r
        return r

    log(f"spotproof, binaries in {bindir}, work dir {work}")
    run("setup", [worker, "setup", "--class", SPOTPROOF_CLASS, "--out", keys, "--force"])
    run("commit", [worker, "commit", "--out", traces, "--steps", "1", "--device", "cpu"])
    trace = traces / "step-000000.trace.json"
    r = run("prove", [worker, "prove", "--trace", trace, "--beacon", SPOTPROOF_BEACON, "--keys", keys, "--out", bundle])
    m = re.search(r"proved and self-verified in ([0-9.]+) s", r["err"])
    res["prove_seconds"] = float(m.group(1)) if m else r["wall"]
    r = run("verify", [validator, "verify", "--vk", keys / f"{SPOTPROOF_CLASS}.vk", "--beacon", SPOTPROOF_BEACON, bundle, "--json"])
    v = json.loads(r["out"])
    if v.get("outcome") != "verified":
        raise SystemExit(f"spotproof verify: {r['out']}")
    res["verify_seconds"] = v["seconds"]
    r = run("inspect", [validator, "inspect", bundle])
    m = re.search(r"samples\s+(\d+) \(class", r["out"])
    res["samples"] = int(m.group(1)) if m else 64
    b = json.loads(bundle.read_text())
    res["proof_bytes"] = len(b["proof"].removeprefix("0x")) // 2
    res["sizes"] = {n: os.path.getsize(keys / f"{SPOTPROOF_CLASS}.{n}") for n in ["pk", "vk"]}
    res["version"] = run_child([str(worker), "--version"])["out"].strip()
    return res


# ----------------------------------------------------------------------------------------------
# The table


def fmt_s(x):
    return "not measured" if x is None else (f"{x * 1e3:.1f} ms" if x < 1 else f"{x:.2f} s")


def fmt_b(x):
    if x is None:
        return "not measured"
    for unit, div in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if x >= div:
            return f"{x:,} B ({x / div:.1f} {unit})"
    return f"{x:,} B"


def table(ez: dict | None, sp: dict | None) -> str:
    total = step_macs()
    nm = "not measured"
    rows = []

    def row(name, s, e):
        rows.append(f"| {name} | {s} | {e} |")

    sp_checked = spotproof_checked_macs(sp["samples"]) if sp else spotproof_checked_macs(64)
    ez_t = ez["prove"]["seconds"] if ez else None
    sp_t = sp["prove_seconds"] if sp else None
    row("system", f"spotproof {sp['version'].split()[-1] if sp else ''} (Groth16, BN254, class {SPOTPROOF_CLASS})",
        f"EZKL {ez['version']} (Halo2, KZG, BN254, 2^{ez['logrows']} rows)" if ez else nm)
    row("what a proof checks", f"{sp['samples'] if sp else 64} sampled elements of the committed step",
        "the whole step, every element")
    row("MACs one proof checks", f"{sp_checked:,} recomputed in the circuit (the other {total - sp_checked:,} only probabilistically)",
        f"{total:,}, all (matrix products by Freivalds' argument, EZKL's default)")
    row("**checked MACs per proving second**", f"{sp_checked / sp_t:,.0f}" if sp else nm,
        f"{total / ez_t:,.0f}" if ez else nm)
    row("step MACs covered per proving second (spotproof: probabilistically)",
        f"{total / sp_t:,.0f}" if sp else nm, f"{total / ez_t:,.0f}" if ez else nm)
    row("**proving time, one digits step**", fmt_s(sp_t) + (" (synthesis + witness + Groth16; key loaded before)" if sp else ""),
        fmt_s(ez_t) + (" (`prove`, key loading included)" if ez else ""))
    row("witness generation", "inside the proving time" if sp else nm,
        fmt_s(ez["gen_witness"]["seconds"]) + " (`gen_witness`)" if ez else nm)
    row("prove command, wall", fmt_s(sp["prove"]["wall"]) if sp else nm, fmt_s(ez["prove"]["wall"]) if ez else nm)
    row("**proof size**", fmt_b(sp["proof_bytes"]) if sp else nm,
        (fmt_b(ez["proof_bytes"]) + f"; proof file {ez['sizes']['proof.json']:,} B with {ez['instances']:,} public instances") if ez else nm)
    row("**verification time**", (fmt_s(sp["verify_seconds"]) + " (everything; keys read before)") if sp else nm,
        (fmt_s(ez["verify"]["seconds"]) + " (`verify`, keys and SRS read included)") if ez else nm)
    row("**proving key**", fmt_b(sp["sizes"]["pk"]) if sp else nm, fmt_b(ez["sizes"]["pk.key"]) if ez else nm)
    row("verifying key", fmt_b(sp["sizes"]["vk"]) if sp else nm, fmt_b(ez["sizes"]["vk.key"]) if ez else nm)
    row("**SRS**", "none apart from the keys (circuit-specific Groth16 setup)" if sp else nm,
        (fmt_b(ez["sizes"]["kzg.srs"]) + f" (`gen_srs`, 2^{ez['logrows']}, local, single-party)") if ez else nm)
    row("setup time", fmt_s(sp["setup"]["wall"]) if sp else nm,
        f"{fmt_s(ez['setup']['seconds'])} (+ `gen_srs` {fmt_s(ez['gen_srs']['seconds']) if ez['gen_srs'] else 'reused'})" if ez else nm)
    row("**peak RSS while proving**", fmt_b(sp["prove"]["rss"]) if sp else nm,
        fmt_b(ez["prove"]["rss"]) if ez else nm)
    head = ["| measurement | spotproof | EZKL |", "|---|---|---|"]
    return "\n".join(head + rows)


def inference_table(ez: dict, batch: int) -> str:
    """The inference mode's table: EZKL measured, spotproof's column "not measured" (its
    inference numbers are measured apart, with the Rust binaries)."""
    macs = forward_macs(batch)
    nm = "not measured"
    t = ez["prove"]["seconds"]
    peak = max(r["rss"] for r in ez.values() if isinstance(r, dict) and "rss" in r)
    gas = ez.get("gas") or {}
    rows = []

    def row(name, e):
        rows.append(f"| {name} | {nm} | {e} |")

    row("system", f"EZKL {ez['version']} (Halo2, KZG, BN254, 2^{ez['logrows']} rows, {ez['num_rows']:,} used; "
        f"scale {ez['settings']['input_scale']})")
    row("what a proof checks", f"the whole forward pass of {batch} row(s), every logit")
    row("MACs", f"{macs:,} = {batch}·(64·128 + 128·10), all checked")
    row("**checked MACs per proving second**", f"{macs / t:,.0f}")
    row("**setup time**", f"{fmt_s(ez['setup']['seconds'])} (`setup`; + `gen_srs` "
        f"{fmt_s(ez['gen_srs']['seconds']) if ez['gen_srs'] else 'reused'})")
    row("**proving key**", fmt_b(ez["sizes"]["pk.key"]))
    row("verifying key", fmt_b(ez["sizes"]["vk.key"]))
    row("**SRS**", fmt_b(ez["sizes"]["kzg.srs"]) + f" (2^{ez['logrows']}, local, single-party)")
    row("**proving time**", fmt_s(t) + " (`prove`, key loading included)")
    row("witness generation", fmt_s(ez["gen_witness"]["seconds"]) + " (`gen_witness`)")
    row("**proof size**", fmt_b(ez["proof_bytes"]) + f"; proof file {ez['sizes']['proof.json']:,} B with "
        f"{ez['instances']:,} public instances")
    row("**verification time**", fmt_s(ez["verify"]["seconds"]) + " (`verify`, keys and SRS read included)")
    row("**peak RSS while proving**", fmt_b(ez["prove"]["rss"]))
    row("peak RSS, any phase", fmt_b(peak))
    if gas.get("gas_used") is not None:
        row("**on-chain verification gas**", f"{gas['gas_used']:,} (one `verifyProof` transaction, Prague: 21,000 + "
            f"calldata {gas['calldata_bytes']:,} B + execution {gas['execution_gas']:,}); verifier bytecode "
            f"{gas['bytecode_bytes']:,} B{' (over EIP-170)' if gas['over_eip170'] else ''}, deployment {gas['deploy_gas']:,} gas")
    else:
        row("on-chain verification gas", gas.get("skipped", "not measured (give --evm)"))
    head = ["| measurement | spotproof | EZKL |", "|---|---|---|"]
    return "\n".join(head + rows)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--spotproof-bin", type=Path, help="directory with release builds of spotproof-worker and spotproof-validator (e.g. target/release); without it spotproof's column is not measured")
    ap.add_argument("--work", type=Path, default=HERE / ".work", help="directory for the generated files (default: scripts/ezkl/.work)")
    ap.add_argument("--calibration", choices=["resources", "accuracy", "none"], default="resources", help="calibrate_settings target, or none to keep gen_settings' defaults (default: resources)")
    ap.add_argument("--scale", type=int, help="fixed-point fraction bits for inputs and constants (default: gen_settings' 7; calibration then tries only this one)")
    ap.add_argument("--input-visibility", default="public", help="EZKL visibility of x, labels and weights: public, private, hashed, polycommit (default: public)")
    ap.add_argument("--quick", action="store_true", help="skip calibration (same as --calibration none)")
    ap.add_argument("--skip-ezkl", action="store_true", help="measure spotproof only")
    ap.add_argument("--json", type=Path, help="also write every measurement to this file")
    ap.add_argument("--inference", action="store_true", help="prove the forward pass only (h = relu(x·W1 + b1), z = h·W2 + b2) of --batch rows with EZKL; spotproof's column reads \"not measured\"")
    ap.add_argument("--batch", type=int, default=BATCH, help="rows of x in --inference mode (default: 32)")
    ap.add_argument("--evm", action="store_true", help="in --inference mode, also render EZKL's Solidity verifier and measure its verification gas (needs node and the npm packages of package.json)")
    ap.add_argument("--evm-only", action="store_true", help="in --inference mode, only measure the gas of the proof an earlier run of the same --batch left in the work dir (and add it to --json's file, if that exists)")
    ap.add_argument("--phase", nargs=2, metavar=("NAME", "ARGS"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.phase:
        phase(a.phase[0], json.loads(a.phase[1]))
        return 0
    if a.quick:
        a.calibration = "none"

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    if a.inference:
        return main_inference(a, log)
    if a.batch != BATCH or a.evm or a.evm_only:
        raise SystemExit("--batch, --evm and --evm-only are for --inference only (the training step has batch 32)")
    t0 = time.perf_counter()
    ez = None if a.skip_ezkl else measure_ezkl(a.work / "ezkl", a, log)
    sp = measure_spotproof(a.spotproof_bin.resolve(), a.work / "spotproof", log) if a.spotproof_bin else None
    if sp is None:
        log("spotproof: not measured (give --spotproof-bin DIR); by hand: see README.md")
    log(f"total wall {time.perf_counter() - t0:.1f} s")
    print(f"One digits training step (64-128-10 MLP, batch 32; {step_macs():,} MACs), {os.cpu_count()} CPUs")
    print()
    print(table(ez, sp))
    if a.json:
        strip = lambda d: {k: (strip(v) if isinstance(v, dict) else v) for k, v in d.items() if k not in ("out", "err")}
        a.json.write_text(json.dumps({"ezkl": ez and strip(ez), "spotproof": sp and strip(sp)}, indent=2, default=str))
    return 0


def main_inference(a, log) -> int:
    if a.spotproof_bin or a.skip_ezkl:
        raise SystemExit("--inference measures EZKL only (spotproof's inference is measured apart)")
    if a.batch < 1:
        raise SystemExit("--batch must be at least 1")
    work = a.work / f"ezkl-inference-b{a.batch}"
    if a.evm_only:
        settings = json.loads((work / "settings.json").read_text())
        gas = measure_gas(work, {"logrows": settings["run_args"]["logrows"]}, log)
        print(json.dumps(gas))
        if a.json and a.json.is_file():
            d = json.loads(a.json.read_text())
            d["ezkl"]["gas"] = gas
            a.json.write_text(json.dumps(d, indent=2, default=str))
        return 0 if gas.get("gas_used") is not None else 1
    load0 = os.getloadavg()
    log(f"load average at start {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f} ({os.cpu_count()} CPUs)")
    t0 = time.perf_counter()
    # Each batch size has its own files; the SRS is shared with the training mode's.
    ez = measure_ezkl(work, a, log, srs_dir=a.work / "ezkl")
    if a.evm:
        ez["gas"] = measure_gas(work, ez, log)
    wall = time.perf_counter() - t0
    load1 = os.getloadavg()
    log(f"total wall {wall:.1f} s; load average at end {load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f}")
    print(f"Inference, forward pass only (64-128-10 MLP, batch {a.batch}; {forward_macs(a.batch):,} MACs), "
          f"{os.cpu_count()} CPUs, load average {load0[0]:.2f} at start and {load1[0]:.2f} at end")
    print()
    print(inference_table(ez, a.batch))
    if a.json:
        strip = lambda d: {k: (strip(v) if isinstance(v, dict) else v) for k, v in d.items() if k not in ("out", "err")}
        a.json.write_text(json.dumps({"mode": "inference", "batch": a.batch, "macs": forward_macs(a.batch),
                                      "load_average": {"start": load0, "end": load1}, "total_wall": wall,
                                      "ezkl": strip(ez), "spotproof": None}, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
