//! Regenerates the golden vectors under `vectors/` from the core reference:
//! `cargo run -p spotproof-core --example vectors [-- DIR]` (default: the workspace's `vectors/`).

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../vectors"));
    for (rel, json) in spotproof_core::vectors::files()? {
        let path = dir.join(&rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, json)?;
        std::fs::rename(&tmp, &path)?;
        println!("{}", path.display());
    }
    Ok(())
}
