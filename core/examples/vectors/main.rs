//! Regenerates the golden vectors under `vectors/` from the core reference, as pretty-printed
//! JSON, each file atomically: `cargo run -p spotproof-core --example vectors [-- DIR]`
//! (default: the workspace's `vectors/`). Review the diff.

mod generate;

use std::path::PathBuf;

fn main() -> generate::Result<()> {
    let dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../vectors"));
    for (rel, json) in generate::files()? {
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
