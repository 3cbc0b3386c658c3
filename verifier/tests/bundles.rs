//! Real bundles through the `spotproof-validator` binary: honest ones verify (alone, batched,
//! chained); every tampering is rejected with its own reason (exit 1); malformed input is an
//! error (exit 2); `inspect` prints; `export --snarkjs` is accepted by snarkjs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{json, s, validator};

use rand::SeedableRng;
use serde_json::Value;
use spotproof_circuits::fixture::small_run;
use spotproof_circuits::{Class, step_witness};
use spotproof_core::commit::{Fr, to_hex};
use spotproof_core::trace;
use spotproof_verifier::bundle::{BeaconSource, Bundle};
use spotproof_verifier::keys;
use std::path::PathBuf;
use std::sync::OnceLock;

struct Fixture {
    dir: PathBuf,
    vk: PathBuf,
    /// Steps 0 and 1 (chained), and a step 1 that does not continue step 0.
    bundles: [PathBuf; 3],
}

/// One setup and three proofs for the whole file.
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
        let run = small_run(2, Fr::from(0xabcdu64)).unwrap();
        // A second step 1 that starts from another "previous" root.
        let mut orphan_header = run.headers[1];
        orphan_header.prev_root = Fr::from(1234u64);
        let orphan =
            trace::commit_values(&run.config, &run.values[1], &run.dataset, orphan_header).unwrap();
        let traces = [&run.traces[0], &run.traces[1], &orphan];
        let bundles = traces.map(|t| {
            let beacon = trace::fiat_shamir_beacon(t.root);
            let w = step_witness(class, t, beacon).unwrap();
            let proof = spotproof_circuits::prove(&pk, class, &w, &mut rng).unwrap();
            let b = Bundle::of_trace(
                &class,
                &vk_hash,
                &run.config,
                t,
                beacon,
                BeaconSource::FiatShamir,
                &proof,
            );
            let path = dir.join(format!(
                "step{}-{}.json",
                t.header.step,
                &to_hex(&t.root)[..8]
            ));
            b.write(&path).unwrap();
            path
        });
        Fixture { dir, vk, bundles }
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
            "proof does not verify",
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
        (k.class, k.key)
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
