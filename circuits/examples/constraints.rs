//! Writes `vectors/constraints.csv`: every class's size, and the constraints per sampled element
//! by op kind at row lengths 64 and 784. `cargo run --release -p spotproof-circuits --example constraints`

#![allow(clippy::unwrap_used, clippy::expect_used)]

fn main() {
    let text = spotproof_circuits::costs::csv().expect("synthesis");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors/constraints.csv");
    std::fs::write(&path, text).expect("write");
    println!("{}", path.display());
}
