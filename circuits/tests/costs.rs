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
    // The inference catalogue is smallest first for each number of layers (`inf<L>-…`), so
    // that `smallest_infer_for` takes the cheapest class that fits.
    let mut last = std::collections::HashMap::new();
    for l in now.lines().filter(|l| l.starts_with("infer,")) {
        let f: Vec<&str> = l.split(',').collect();
        let layers = &f[1][3..4];
        let n: usize = f[4].parse().unwrap();
        if let Some(&prev) = last.get(layers) {
            assert!(prev < n, "{}: {n} constraints after {prev}", f[1]);
        }
        last.insert(layers.to_string(), n);
    }
    // 7 op kinds of the trace (weight_grad and bias_grad are not sampled) and the mean.
    assert_eq!(
        now.lines().filter(|l| l.starts_with("sample,")).count(),
        2 * 8
    );
}

/// The checked-work columns, recomputed from the class alone: of a 2-layer step's 14 ops, the
/// dot products are the 2 forward matmuls, the 1 backward input matmul (layer 0 gets none) and
/// the 2 master updates (each recomputes its weight-gradient elements); sample `j` goes to op
/// `j mod 14` and checks a block of its kind's shape, one column wide for the `N×1` biases.
#[test]
fn the_checked_work_is_the_classs() {
    use spotproof_core::layout::Role;
    use spotproof_core::ops::OpKind;
    let csv = spotproof_circuits::costs::csv().unwrap();
    for c in spotproof_circuits::class::CLASSES {
        let lay = spotproof_circuits::step::template(c.layers);
        let dot = |k: OpKind| {
            matches!(
                k,
                OpKind::LinearForward | OpKind::LinearBackwardInput | OpKind::SgdUpdate
            )
        };
        // L forward matmuls, L − 1 backward input matmuls, L master updates.
        assert_eq!(
            lay.ops.iter().filter(|o| dot(o.kind)).count(),
            3 * c.layers - 1
        );
        let (mut macs, mut outputs) = (0, 0);
        for j in 0..c.samples {
            let op = &lay.ops[j % lay.ops.len()];
            let [r, cols] = c.blocks[op.kind.index()];
            // The output's shape at the class's bounds (batch B, widths w).
            // (the inner length is read only for the dot products).
            let b = c.batch;
            let w = |l: u16, up: u16| c.widths.get((l + up) as usize).copied().unwrap_or(0);
            let (rows, n, inner) = match lay.roles[op.outputs[0]] {
                Role::Act(l) => (b, w(l, 1), w(l, 0)),
                Role::Err(l) => (b, w(l, 1), w(l, 2)),
                Role::Master(l) => (w(l, 1), w(l, 0), b),
                Role::Bias(l) => (w(l, 1), 1, 0),
                Role::Input => (b, w(0, 0), 0),
                Role::InputT => (w(0, 0), b, 0),
                Role::ActT(l) | Role::ErrT(l) => (w(l, 1), b, 0),
                Role::WeightT(l) => (w(l, 0), w(l, 1), 0),
                role => panic!("no op writes {role:?}"),
            };
            let (r, cols) = (r.min(rows), cols.min(n));
            if dot(op.kind) {
                macs += r * cols * inner;
            } else {
                outputs += r * cols;
            }
        }
        let row = csv
            .lines()
            .find(|l| l.starts_with(&format!("class,{},", c.name)))
            .unwrap();
        let f: Vec<&str> = row.split(',').collect();
        assert_eq!(f[9].parse::<usize>().unwrap(), macs, "{}", c.name);
        assert_eq!(f[10].parse::<usize>().unwrap(), outputs, "{}", c.name);
    }
}
