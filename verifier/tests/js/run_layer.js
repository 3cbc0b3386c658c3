// An independent implementation of the run layer (papers/protocol.md §12) in JavaScript, from the
// paper alone: task id, run-tree leaves and root, membership paths, challenge draws (Floyd) and
// step beacons. Reads a run vector (vectors/run/v2.json) and prints "ok" or what differs.
// Usage: node run_layer.js VECTOR NODE_MODULES
const fs = require("fs");
const path = require("path");
const { keccak256 } = require(path.join(process.argv[3], "js-sha3"));

const v = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const hex = (s) => (s.startsWith("0x") ? s.slice(2) : s).padStart(64, "0");
const word = (n) => BigInt(n).toString(16).padStart(64, "0");
const kw = (...words) => "0x" + keccak256(Buffer.from(words.map(hex).join(""), "hex"));
const ks = (s) => "0x" + keccak256(s);

const t = v.inputs.task;
const taskId = kw(
  ks("spotproof.task.v1"), word(2), t.arch_id, t.dataset_root, word(t.data_seed),
  kw(...t.initial_roots), word(t.steps), word(t.samples), word(t.challenge_steps), t.vk_hash);

const roots = v.inputs.trace_roots;
const n = roots.length;
let level = roots.map((r) => kw(word(0), r));
const leaves = level.slice();
let width = 1;
while (width < n) width *= 2;
while (level.length < width) level.push(ks("spotproof.run.pad"));
const levels = [level];
while (level.length > 1) {
  const up = [];
  for (let i = 0; i < level.length; i += 2) up.push(kw(word(1), level[i], level[i + 1]));
  levels.push(up);
  level = up;
}
const runRoot = kw(word(2), word(n), level[0]);
const paths = roots.map((_, s) => {
  const p = [];
  let i = s;
  for (const l of levels.slice(0, -1)) { p.push(l[i ^ 1]); i >>= 1; }
  return p;
});

const B = v.inputs.beacon;
const c = v.inputs.challenge_steps;
const draws = [];
const picked = new Set();
for (let k = 0; k < c; k++) {
  const j = BigInt(n - c + k);
  const d = kw(word(1), runRoot, B, word(k));
  draws.push(d);
  const t2 = BigInt(d) % (j + 1n);
  picked.add(picked.has(t2) ? j : t2);
}
const steps = [...picked].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
const mask = (1n << 93n) - 1n;
const challenged = steps.map((s) => ({
  step: Number(s),
  beacon: (BigInt(kw(word(2), runRoot, B, word(s))) & mask).toString(16).padStart(64, "0"),
}));

const got = { task_id: taskId, leaves, run_root: runRoot, paths, draws, challenged };
const bad = Object.keys(got).filter((k) => JSON.stringify(got[k]) !== JSON.stringify(v.outputs[k]));
console.log(bad.length ? "differs: " + bad.join(", ") : "ok");
process.exit(bad.length ? 1 : 0);
