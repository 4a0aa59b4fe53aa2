//! The flow file a resume loads: the user's own file outside the bundle,
//! named by `manifest.flowPath`. Its content hash is recorded in a fork's
//! lineage so a later resume can tell that the code it is about to run is
//! not the code the run ran.

use std::fs::File;
use std::path::Path;

use crate::bundle::sha256::sha256_reader;

/// The SHA-256 of a regular file (`None` when it is absent, not a regular
/// file, or unreadable). The type is checked first so a FIFO never blocks.
pub fn sha256_of(path: &Path) -> Option<String> {
    if !std::fs::metadata(path).ok()?.is_file() {
        return None;
    }
    sha256_reader(File::open(path).ok()?).ok()
}
