//! What the file system shows of a bundle's writer, independent of the
//! timestamps the writer puts in its content (its clock may be off, or on
//! another machine): when its files were last modified, and when this
//! reader last saw them grow.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use super::{safe_open, Bundle};

/// Signs of writing observed from outside the content, as epoch
/// milliseconds by this machine's clock.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Activity {
    /// The newest modification time of the files a live writer touches:
    /// manifest, trace, live projection, session event logs.
    pub modified_ms: Option<i64>,
    /// When a refresh last found new content (`None` until one did: a
    /// fresh open has seen nothing happen).
    pub grew_at_ms: Option<i64>,
}

impl Activity {
    /// The modification times of `bundle`'s files as they are now; what it
    /// saw grow before is kept.
    pub fn read(bundle: &Bundle) -> Activity {
        let paths = &bundle.paths;
        let files = [&paths.manifest, &paths.trace, &paths.live_projection]
            .into_iter()
            .chain(bundle.sessions.iter().map(|s| &s.events));
        Activity {
            modified_ms: files.filter_map(|p| modified_ms(&bundle.root, p)).max(),
            grew_at_ms: bundle.activity.grew_at_ms,
        }
    }
}

/// The modification time of one file of the bundle (opened through
/// `safe_open`: nothing outside the bundle is looked at).
pub fn modified_ms(root: &Path, path: &Path) -> Option<i64> {
    let modified = safe_open::regular_metadata(root, path)?.modified().ok()?;
    epoch_ms(modified)
}

fn epoch_ms(time: SystemTime) -> Option<i64> {
    let since = time.duration_since(UNIX_EPOCH).ok()?;
    i64::try_from(since.as_millis()).ok()
}
