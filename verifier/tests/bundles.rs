//! Real bundles through the `spotproof-validator` binary: honest ones verify (alone, batched,
//! chained); every tampering is rejected with its own reason (exit 1); malformed input is an
//! error (exit 2); `inspect` prints; `export --snarkjs` is accepted by snarkjs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{json, s, validator};
use spotproof_core::sampling::{self, Sampling};

use rand::SeedableRng;
use serde_json::Value;
use spotproof_circuits::fixture::small_run;
use spotproof_circuits::{Class, step_witness};
use spotproof_core::check;
use spotproof_core::commit::{Fr, to_hex};
use spotproof_core::layout::Role;
use spotproof_core::trace;
use spotproof_verifier::bundle::{BeaconSource, Bundle, proof_from_hex};
use spotproof_verifier::keys;
use std::path::PathBuf;
use std::sync::OnceLock;

struct Fixture {
    dir: PathBuf,
    vk: PathBuf,
    /// Steps 0 and 1 (chained), and a step 1 that does not continue step 0.
    bundles: [PathBuf; 3],
    /// Step 2 of the same run.
    step2: PathBuf,
    /// A step 0 that names a previous root, as if it continued something outside the run.
    orphan_zero: PathBuf,
    /// A step 1 with previous root 0 (and a borrowed proof).
    zero_later: PathBuf,
    /// Step 0 with row 0 of its layer-0 weight gradient faked (zeros), proven under an external
    /// beacon the worker searched for until the samples missed the fake.
    ground: PathBuf,
    /// That beacon.
    ground_beacon: Fr,
}

/// Whether every sample `beacon` selects in `t` passes the native checker.
fn samples_pass(t: &trace::Trace, beacon: Fr, sampling: &Sampling) -> bool {
    let m = trace::Manifest::of(t);
    t.samples(beacon, sampling).iter().all(|x| {
        check::open_sample(t, x)
            .ok()
            .is_some_and(|o| check::verify_sample(&m, x, &o).is_ok())
    })
}

/// One setup and six proofs for the whole file.
fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let class = Class::by_name("mlp2-s18-r32").unwrap();
        let dir = common::scratch("bundles");
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(42);
        let pk = spotproof_circuits::setup(class, &mut rng).unwrap();
        let vk = dir.join("small.vk");
        std::fs::write(&vk, keys::encode(keys::VK_MAGIC, class, &pk.vk)).unwrap();
        let vk_hash = keys::vk_hash(&pk.vk);
        let run = small_run(3, Fr::from(0xabcdu64)).unwrap();
        // A second step 1 that starts from another "previous" root.
        let mut orphan_header = run.headers[1];
        orphan_header.prev_root = Fr::from(1234u64);
        let orphan =
            trace::commit_values(&run.config, &run.values[1], &run.dataset, orphan_header).unwrap();
        // A step 0 that claims a predecessor.
        let mut zero_header = run.headers[0];
        zero_header.prev_root = Fr::from(77u64);
        let orphan_zero =
            trace::commit_values(&run.config, &run.values[0], &run.dataset, zero_header).unwrap();
        // The cheat: skip row 0 of layer 0's activations, then try beacons offline until none of
        // the samples opens that row, and prove under the beacon found.
        let slot = run.traces[0].slot(Role::Act(0)).unwrap();
        let cols = run.traces[0].tensors[slot].header.cols;
        let mut values = run.values[0].clone();
        assert!(values[slot - 1][..cols].iter().any(|&v| v != 0));
        values[slot - 1][..cols].fill(0);
        let faked = run.recommit(0, &values).unwrap();
        let passes = |b: u64| samples_pass(&faked, Fr::from(b), &class.sampling());
        assert!(
            (0..64).any(|b| !passes(b)),
            "the fake must be caught by some beacons"
        );
        let ground_beacon = Fr::from((0..).find(|&b| passes(b)).unwrap());
        let proven = [
            (&run.traces[0], None),
            (&run.traces[1], None),
            (&orphan, None),
            (&run.traces[2], None),
            (&orphan_zero, None),
            (&faked, Some(ground_beacon)),
        ];
        let paths: Vec<PathBuf> = proven
            .iter()
            .enumerate()
            .map(|(k, (t, chosen))| {
                let (beacon, source) = match chosen {
                    None => (
                        sampling::fiat_shamir_beacon(t.root),
                        BeaconSource::FiatShamir,
                    ),
                    Some(b) => (*b, BeaconSource::External),
                };
                let w = step_witness(class, t, beacon).unwrap();
                let proof = spotproof_circuits::prove(&pk, class, &w, &mut rng).unwrap();
                let b = Bundle::of_trace(&class, &vk_hash, &run.config, t, beacon, source, &proof);
                let path = dir.join(format!("b{k}-step{}.json", t.header.step));
                b.write(&path).unwrap();
                path
            })
            .collect();
        // A step 1 that claims to start a run (previous root 0). Its proof is borrowed: the
        // rule is checked before any proof.
        let mut zero_header = run.headers[1];
        zero_header.prev_root = Fr::from(0u64);
        let zero_later =
            trace::commit_values(&run.config, &run.values[1], &run.dataset, zero_header).unwrap();
        let borrowed = proof_from_hex(&Bundle::read(&paths[0]).unwrap().proof).unwrap();
        let zero_later_path = dir.join("zero-later.json");
        Bundle::of_trace(
            &class,
            &vk_hash,
            &run.config,
            &zero_later,
            sampling::fiat_shamir_beacon(zero_later.root),
            BeaconSource::FiatShamir,
            &borrowed,
        )
        .write(&zero_later_path)
        .unwrap();
        Fixture {
            zero_later: zero_later_path,
            dir,
            vk,
            bundles: [paths[0].clone(), paths[1].clone(), paths[2].clone()],
            step2: paths[3].clone(),
            orphan_zero: paths[4].clone(),
            ground: paths[5].clone(),
            ground_beacon,
        }
    })
}

/// Writes an edited copy of bundle `k` and returns its path.
fn edited(name: &str, k: usize, edit: impl FnOnce(&mut Value)) -> PathBuf {
    let f = fixture();
    common::edited(&f.bundles[k], &f.dir, name, edit)
}

#[test]
fn honest_bundles_verify_alone_batched_and_chained() {
    let f = fixture();
    for b in &f.bundles {
        let (code, _, err) = validator(&["verify", "--vk", s(&f.vk), s(b)]);
        assert_eq!(code, 0, "{err}");
    }
    let (code, out, err) = validator(&[
        "verify",
        "--vk",
        s(&f.vk),
        s(&f.bundles[1]),
        s(&f.bundles[0]),
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["verified"], 2);
    assert_eq!(v["rejected"], 0);
}

#[test]
fn a_step_that_does_not_continue_the_previous_one_is_rejected() {
    let f = fixture();
    let (code, _, err) = validator(&[
        "verify",
        "--vk",
        s(&f.vk),
        s(&f.bundles[0]),
        s(&f.bundles[2]),
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("previous root"), "{err}");
}

fn hex_plus_one(v: &Value) -> Value {
    let x = spotproof_core::commit::from_hex(v.as_str().unwrap()).unwrap();
    Value::String(to_hex(&(x + Fr::from(1u64))))
}

#[test]
fn every_tampering_is_rejected_with_its_own_reason() {
    let f = fixture();
    let cases: Vec<(&str, PathBuf, &str)> = vec![
        (
            "another beacon (Fiat-Shamir)",
            edited("beacon-fs", 0, |v| v["beacon"] = hex_plus_one(&v["beacon"])),
            "not the Fiat-Shamir beacon",
        ),
        (
            "another beacon (external)",
            edited("beacon-ext", 0, |v| {
                v["beacon"] = hex_plus_one(&v["beacon"]);
                v["beacon_source"] = "external".into();
            }),
            "nothing pins it",
        ),
        (
            "another worker id",
            edited("worker", 0, |v| v["worker"] = hex_plus_one(&v["worker"])),
            "worker id is not the one in the step header",
        ),
        (
            "header worker changed too",
            edited("header-worker", 0, |v| {
                v["worker"] = hex_plus_one(&v["worker"]);
                v["header"]["worker"] = v["worker"].clone();
            }),
            "does not hash to the trace root",
        ),
        (
            "a tensor's rows",
            edited("rows", 0, |v| v["tensors"][3]["rows"] = 17.into()),
            "does not hash to the trace root",
        ),
        (
            "a merkle root",
            edited("merkle", 0, |v| {
                v["tensors"][5]["merkle_root"] = hex_plus_one(&v["tensors"][5]["merkle_root"])
            }),
            "does not hash to the trace root",
        ),
        (
            "an op parameter",
            edited("param", 0, |v| v["ops"][4]["params"][0] = 3.into()),
            "does not hash to the trace root",
        ),
        (
            "the step index",
            edited("step", 0, |v| v["header"]["step"] = 5.into()),
            "does not hash to the trace root",
        ),
        (
            "the trace root",
            edited("root", 0, |v| {
                v["trace_root"] = hex_plus_one(&v["trace_root"])
            }),
            "does not hash to the trace root",
        ),
        (
            "the model configuration",
            edited("model", 0, |v| v["model"]["hyper"]["lr_shift"] = 5.into()),
            "does not follow its architecture",
        ),
        (
            "the samples",
            edited("samples", 0, |v| v["samples"] = 64.into()),
            "samples, the class proves",
        ),
        (
            "a proof from another step",
            {
                let other = json(&f.bundles[1])["proof"].clone();
                edited("swapped", 0, move |v| v["proof"] = other)
            },
            "proof does not verify",
        ),
    ];
    for (what, path, reason) in cases {
        let (code, _, err) = validator(&["verify", "--vk", s(&f.vk), s(&path)]);
        assert_eq!(code, 1, "{what}: {err}");
        assert!(err.contains(reason), "{what}: {err}");
    }
    // Any flipped proof byte: either the bytes are no longer curve points, or the proof fails.
    let proof = json(&f.bundles[0])["proof"].as_str().unwrap().to_string();
    for byte in [0usize, 31, 63, 64, 100, 191, 192, 255] {
        let mut bytes = hex::decode(&proof).unwrap();
        bytes[byte] ^= 1;
        let path = edited(&format!("flip{byte}"), 0, |v| {
            v["proof"] = hex::encode(&bytes).into()
        });
        let (code, _, err) = validator(&["verify", "--vk", s(&f.vk), s(&path)]);
        assert_eq!(code, 1, "byte {byte}: {err}");
        assert!(
            err.contains("malformed proof") || err.contains("proof does not verify"),
            "byte {byte}: {err}"
        );
    }
    // An expected beacon the bundle was not proven under.
    let (code, _, err) = validator(&[
        "verify",
        "--vk",
        s(&f.vk),
        "--beacon",
        &"0".repeat(64),
        s(&f.bundles[0]),
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("not the expected one"), "{err}");
    // In a batch, only the bad bundle is named.
    let bad = edited("batch-bad", 1, |v| {
        v["beacon"] = hex_plus_one(&v["beacon"]);
        v["beacon_source"] = "external".into();
    });
    let (code, out, _) = validator(&[
        "verify",
        "--vk",
        s(&f.vk),
        s(&f.bundles[0]),
        s(&bad),
        "--json",
    ]);
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["verified"], 1);
    assert_eq!(v["bundles"][1]["verified"], false);
}

#[test]
fn malformed_input_is_an_error_not_a_panic() {
    let f = fixture();
    let text = std::fs::read(&f.bundles[0]).unwrap();
    let truncated = f.dir.join("truncated.json");
    std::fs::write(&truncated, &text[..text.len() / 2]).unwrap();
    let schema = edited("schema", 0, |v| v["schema"] = 99.into());
    let badhex = edited("badhex", 0, |v| v["trace_root"] = "xyz".into());
    let mixed = edited("mixed", 1, |v| v["header"]["data_seed"] = 6.into());
    let vk_bytes = std::fs::read(&f.vk).unwrap();
    let short_vk = f.dir.join("short.vk");
    std::fs::write(&short_vk, &vk_bytes[..vk_bytes.len() - 5]).unwrap();
    // The same key bytes labelled with another class.
    let other_vk = f.dir.join("other.vk");
    let (_, key) = {
        let k = keys::read_vk(&f.vk).unwrap();
        (k.class, k.key().clone())
    };
    let other = Class::by_name("mlp2-s64-r128").unwrap();
    std::fs::write(&other_vk, keys::encode(keys::VK_MAGIC, other, &key)).unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["verify", "--vk", s(&f.vk), s(&truncated)],
            "not a spotproof bundle",
        ),
        (vec!["verify", "--vk", s(&f.vk), s(&schema)], "schema 99"),
        (vec!["verify", "--vk", s(&f.vk), s(&badhex)], "trace_root"),
        (
            vec!["verify", "--vk", s(&f.vk), "/nonexistent/b.json"],
            "cannot read",
        ),
        (
            vec!["verify", "--vk", s(&short_vk), s(&f.bundles[0])],
            "not a valid verifying key",
        ),
        (
            vec!["verify", "--vk", "/nonexistent.vk", s(&f.bundles[0])],
            "cannot read",
        ),
        (
            vec!["verify", "--vk", s(&other_vk), s(&f.bundles[0])],
            "class",
        ),
        (
            vec!["verify", "--vk", s(&f.vk), s(&f.bundles[0]), s(&mixed)],
            "not the same run",
        ),
        (
            vec![
                "verify",
                "--vk",
                s(&f.vk),
                s(&f.bundles[1]),
                s(&f.bundles[2]),
            ],
            "appears twice",
        ),
        (
            vec![
                "verify",
                "--vk",
                s(&f.vk),
                "--beacon",
                "12",
                s(&f.bundles[0]),
            ],
            "--beacon",
        ),
        (vec!["inspect", s(&truncated)], "not a spotproof bundle"),
        (
            vec![
                "export",
                "--snarkjs",
                s(&f.bundles[0]),
                "--vk",
                s(&other_vk),
                "--out",
                s(&f.dir),
            ],
            "proven under",
        ),
    ];
    for (args, reason) in cases {
        let (code, _, err) = validator(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(reason), "{args:?}: {err}");
        assert_eq!(
            err.trim().lines().count(),
            1,
            "{args:?}: one line expected: {err}"
        );
    }
}

#[test]
fn inspect_prints_the_manifest() {
    let f = fixture();
    let (code, out, err) = validator(&["inspect", s(&f.bundles[0])]);
    assert_eq!(code, 0, "{err}");
    let root = json(&f.bundles[0])["trace_root"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(out.contains(&root));
    assert!(
        out.contains("LinearForward") && out.contains("ErrT(1)") && out.contains("valid points"),
        "{out}"
    );
}

#[test]
fn snarkjs_accepts_an_exported_bundle_and_rejects_a_tampered_one() {
    let f = fixture();
    let Some(snarkjs) = common::snarkjs_or_skip("snarkjs_accepts_an_exported_bundle") else {
        return;
    };
    let out = f.dir.join("snarkjs");
    let (code, _, err) = validator(&[
        "export",
        "--snarkjs",
        s(&f.bundles[1]),
        "--vk",
        s(&f.vk),
        "--out",
        s(&out),
    ]);
    assert_eq!(code, 0, "{err}");
    let v = common::snarkjs_verify(&snarkjs, &out);
    assert!(v.accepted(), "{}", v.output);
    // Another beacon in public.json.
    let public = out.join("public.json");
    let mut p: Value = json(&public);
    let beacon = p[1]
        .as_str()
        .unwrap()
        .parse::<u128>()
        .map(|x| x + 1)
        .map(|x| x.to_string());
    p[1] = match beacon {
        Ok(x) => x.into(),
        Err(_) => {
            let mut digits = p[1].as_str().unwrap().to_string();
            let last = digits.pop().unwrap();
            digits.push(if last == '0' { '1' } else { '0' });
            digits.into()
        }
    };
    std::fs::write(&public, serde_json::to_vec(&p).unwrap()).unwrap();
    let v = common::snarkjs_verify(&snarkjs, &out);
    assert!(v.rejected(), "{}", v.output);
}

/// The attack: fake part of a step, search beacons offline until the samples miss the fake,
/// prove, and hand the bundle in. Nothing pins an external beacon, so it is rejected; relabelled
/// Fiat–Shamir it is not that beacon; only the validator's own beacon could pin it.
#[test]
fn a_beacon_the_worker_searched_for_is_rejected() {
    let f = fixture();
    let vk = s(&f.vk);
    let (code, _, err) = validator(&["verify", "--vk", vk, s(&f.ground)]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("nothing pins it"), "{err}");
    let relabelled = common::edited(&f.ground, &f.dir, "ground-fs", |v| {
        v["beacon_source"] = "fiat-shamir".into()
    });
    let (code, _, err) = validator(&["verify", "--vk", vk, s(&relabelled)]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("not the Fiat-Shamir beacon"), "{err}");
    // The beacon a validator issued (here: any other) is not the one the worker found.
    let issued = to_hex(&(f.ground_beacon + Fr::from(1u64)));
    let (code, _, err) = validator(&["verify", "--vk", vk, "--beacon", &issued, s(&f.ground)]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("not the expected one"), "{err}");
    // The proof itself is valid: a validator that pinned exactly this beacon accepts it, which
    // is why the beacon must come from the validator. Without the roots published before the
    // beacon, the figures allow for a root re-rolled after it.
    let found = to_hex(&f.ground_beacon);
    let (code, out, err) = validator(&["verify", "--vk", vk, "--beacon", &found, s(&f.ground)]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("beacon given without the roots") && out.contains("skipped op 0.0000"),
        "{out}"
    );
    let root = json(&f.ground)["trace_root"].as_str().unwrap().to_string();
    let pinned = ["verify", "--vk", vk, "--beacon", &found, "--root", &root];
    let (code, out, err) = validator(&[&pinned[..], &[s(&f.ground)]].concat());
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("pinned beacon"), "{out}");
    // A root that was not published before the beacon (here: any other) is refused.
    let other = to_hex(&Fr::from(5u64));
    let (code, _, err) = validator(&[
        "verify",
        "--vk",
        vk,
        "--beacon",
        &found,
        "--root",
        &other,
        s(&f.ground),
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("not one of the roots published before the beacon"),
        "{err}"
    );
}

#[test]
fn step_0_must_start_the_chain() {
    let f = fixture();
    let (code, _, err) = validator(&["verify", "--vk", s(&f.vk), s(&f.orphan_zero)]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("step 0 must have previous root 0"), "{err}");
    // A later step with previous root 0 pretends to start a run.
    let (code, _, err) = validator(&["verify", "--vk", s(&f.vk), s(&f.zero_later)]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("only step 0 may have previous root 0"),
        "{err}"
    );
}

#[test]
fn the_successor_of_a_rejected_bundle_is_rejected() {
    let f = fixture();
    // Step 0 with a proof that does not verify: its manifest (and root) are intact, so step 1
    // chains to it perfectly — which must not count.
    let other = json(&f.bundles[1])["proof"].clone();
    let bad0 = edited("bad0", 0, move |v| v["proof"] = other);
    let (code, out, err) = validator(&[
        "verify",
        "--vk",
        s(&f.vk),
        s(&f.step2),
        s(&f.bundles[1]),
        s(&bad0),
        "--json",
    ]);
    assert_eq!(code, 1, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["verified"], 0, "{v}");
    assert_eq!(v["bundles"][1]["reason"], "predecessor rejected (step 0)");
    assert_eq!(v["bundles"][0]["reason"], "predecessor rejected (step 1)");
    assert!(
        v["bundles"][2]["reason"]
            .as_str()
            .unwrap()
            .contains("proof does not verify")
    );
    // Honest, the three chain.
    let (code, _, err) = validator(&[
        "verify",
        "--vk",
        s(&f.vk),
        s(&f.step2),
        s(&f.bundles[1]),
        s(&f.bundles[0]),
    ]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn missing_steps_are_a_gap() {
    let f = fixture();
    let args = ["verify", "--vk", s(&f.vk), s(&f.bundles[0]), s(&f.step2)];
    let (code, _, err) = validator(&args);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("gap: step 1 is missing: the chain from step 0 to step 2 is not checked"),
        "{err}"
    );
    let (code, out, err) = validator(&[&args[..], &["--allow-gaps", "--json"]].concat());
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("gap allowed") && err.contains("step 1 is missing"),
        "{err}"
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["outcome"], "verified");
    assert_eq!(v["gaps"][0]["after"], 0);
    assert_eq!(v["gaps"][0]["before"], 2);
    // A run that starts later is said to be checked only from there.
    let (code, _, err) = validator(&["verify", "--vk", s(&f.vk), s(&f.step2)]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("checked from step 2"), "{err}");
}

#[test]
fn figures_the_worker_wrote_are_not_printed() {
    let f = fixture();
    let claim = serde_json::json!({
        "min_samples_per_op": 64,
        "op_skipped": 1.0,
        "half_wrong": 1.0,
        "tenth_wrong": 1.0,
        "hundredth_wrong": 1.0,
    });
    // And what the proof checks: a worker may write any count; the validator prints its own.
    let boasting = edited("boasting", 0, move |v| {
        v["detection"] = claim;
        v["checked"] = serde_json::json!({"macs": 987_654_321u64, "outputs": 987_654_321u64});
    });
    let run = |b: &PathBuf, json: bool| {
        let mut args = vec!["verify", "--vk", s(&f.vk), s(b)];
        if json {
            args.push("--json");
        }
        let (code, out, err) = validator(&args);
        assert_eq!(code, 0, "{err}");
        out
    };
    // Times differ between runs; everything else must not.
    let strip = |text: String| {
        let mut v: Value = serde_json::from_str(&text).unwrap();
        v["seconds"] = Value::Null;
        v["bundles"][0]["bundle"] = Value::Null;
        v
    };
    assert_eq!(strip(run(&boasting, true)), strip(run(&f.bundles[0], true)));
    let text = run(&boasting, false);
    let figures = text.lines().nth(1).unwrap();
    // 18 samples over 18 ops, a Fiat–Shamir beacon, 2^40 re-rolls: nothing survives.
    assert!(
        figures.contains("samples per op ≥ 1, Fiat-Shamir beacon, against 2^40 re-rolls")
            && figures.contains("skipped op 0.0000"),
        "{text}"
    );
    assert!(!text.contains("987654321"), "{text}");
    let (_, out, _) = validator(&["inspect", s(&boasting)]);
    assert!(!out.contains("half wrong 1.0000"), "{out}");
    assert!(
        !out.contains("987654321") && out.contains("multiply-accumulates"),
        "{out}"
    );
    // The validator's own: one sample on the least-sampled op, half its outputs placed in the
    // fewest blocks; a made-up op is caught almost surely (its blocks hold several values).
    assert!(
        out.contains("half wrong 0.5000") && out.contains("skipped op 1.0000"),
        "{out}"
    );
}

/// A reader that closed its end (`| head`) is normal: no panic, and the exit code still says
/// what was found.
#[test]
fn a_closed_stdout_is_not_a_panic() {
    let f = fixture();
    let closed = |args: &[&str]| {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_spotproof-validator"))
            .args(args)
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        out.status.code()
    };
    assert_eq!(closed(&["inspect", s(&f.bundles[0])]), Some(0));
    assert_eq!(
        closed(&["verify", "--vk", s(&f.vk), s(&f.bundles[0]), "--json"]),
        Some(0)
    );
    assert_eq!(
        closed(&["verify", "--vk", s(&f.vk), s(&f.ground), "--json"]),
        Some(1)
    );
}
