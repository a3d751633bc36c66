//! A browser test's folder of numbered screenshots, one per step, with the
//! driver's log: kept when the test fails, removed when it passes.

use std::path::{Path, PathBuf};

pub struct Screenshots {
    dir: PathBuf,
}

impl Screenshots {
    /// `<target>/tmp/browser-screenshots/<test>-<timestamp>/`, created empty.
    pub fn new(test: &str) -> Screenshots {
        let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S%.3f");
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("browser-screenshots")
            .join(format!("{test}-{stamp}"));
        std::fs::create_dir_all(&dir)
            .unwrap_or_else(|err| panic!("failed to create {}: {err}", dir.display()));
        Screenshots { dir }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes the picture of step `number`, named after it: `03-preview.png`.
    pub fn save(&self, number: usize, step: &str, png: &[u8]) {
        let path = self
            .dir
            .join(format!("{number:02}-{}.png", file_name(step)));
        std::fs::write(&path, png)
            .unwrap_or_else(|err| panic!("failed to write {}: {err}", path.display()));
    }

    /// The test passed: nothing to look at.
    pub fn discard(self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// "Approve the reply" -> "approve-the-reply".
fn file_name(step: &str) -> String {
    let words: Vec<String> = step
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    words.join("-")
}
