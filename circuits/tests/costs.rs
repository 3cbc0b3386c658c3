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
    // 7 op kinds of the trace (weight_grad and bias_grad are not sampled) and the mean.
    assert_eq!(
        now.lines().filter(|l| l.starts_with("sample,")).count(),
        2 * 8
    );
}

/// The checked-work columns, recomputed from the class alone: of a 2-layer step's 14 ops, the
/// dot products are the 2 forward matmuls, the 1 backward input matmul (layer 0 gets none) and
/// the 2 master updates (each recomputes its weight-gradient element); sample `j` goes to op
/// `j mod 14`.
#[test]
fn the_checked_work_is_the_classs() {
    use spotproof_core::ops::OpKind;
    let csv = spotproof_circuits::costs::csv().unwrap();
    for c in spotproof_circuits::class::CLASSES {
        let ops = spotproof_circuits::step::template(c.layers).ops;
        let dot = |k: OpKind| {
            matches!(
                k,
                OpKind::LinearForward | OpKind::LinearBackwardInput | OpKind::SgdUpdate
            )
        };
        assert_eq!(ops.iter().filter(|o| dot(o.kind)).count(), 5);
        let on_dots = (0..c.samples)
            .filter(|j| dot(ops[j % ops.len()].kind))
            .count();
        let row = csv
            .lines()
            .find(|l| l.starts_with(&format!("class,{},", c.name)))
            .unwrap();
        let f: Vec<&str> = row.split(',').collect();
        assert_eq!(
            f[9].parse::<usize>().unwrap(),
            on_dots * c.max_row,
            "{}",
            c.name
        );
        assert_eq!(
            f[10].parse::<usize>().unwrap(),
            c.samples - on_dots,
            "{}",
            c.name
        );
    }
}
