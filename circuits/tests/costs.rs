//! `vectors/constraints.csv` is what the circuits synthesize today (regenerate with
//! `cargo run --release -p spotproof-circuits --example constraints`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[test]
fn constraints_csv_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors/constraints.csv");
    let committed = std::fs::read_to_string(&path).unwrap();
    let now = spotproof_circuits::costs::csv().unwrap();
    assert_eq!(committed, now, "regenerate {}", path.display());
    // The catalogue is ordered smallest first and the per-sample rows cover every op kind.
    let classes: Vec<usize> = now
        .lines()
        .filter(|l| l.starts_with("class,"))
        .map(|l| l.split(',').nth(4).unwrap().parse().unwrap())
        .collect();
    assert!(classes.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(
        now.lines().filter(|l| l.starts_with("sample,")).count(),
        2 * 10
    );
}
