//! The notify watcher underneath: the platform's native one (inotify,
//! FSEvents, ReadDirectoryChangesW, kqueue), or notify's `PollWatcher` when
//! the native one cannot be had.

use std::path::{Path, PathBuf};
use std::time::Duration;

use notify::{Config, ErrorKind, PollWatcher, RecommendedWatcher, RecursiveMode, Watcher as _};

/// How often the polling fallback rescans the watched folders.
pub(super) const POLL_INTERVAL: Duration = Duration::from_millis(500);

/// Which notify watcher to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// The native watcher, falling back to polling when it fails.
    Recommended,
    /// Polling only: how the tests exercise the fallback.
    #[cfg_attr(not(test), allow(dead_code))]
    Poll,
}

/// One folder to watch and how.
#[derive(Debug, Clone)]
pub(super) struct Watch {
    pub path: PathBuf,
    pub mode: RecursiveMode,
    /// A folder that cannot be watched fails the whole watch only if it is
    /// required (the parent of a run is a convenience).
    pub required: bool,
}

/// A notify watcher with every requested folder armed.
pub(super) struct Backend {
    watcher: Box<dyn notify::Watcher + Send>,
    polling: bool,
}

impl Backend {
    /// Creates a watcher and arms `watches`. The native watcher is given up
    /// for polling when it cannot be created (no inotify instance left,
    /// `fs.inotify.max_user_instances`) or runs out of watches while arming
    /// (`fs.inotify.max_user_watches`): slower, but the view still follows.
    /// Any other failure to watch a folder is the caller's error, with the
    /// folder that failed.
    pub fn start<H>(
        kind: Kind,
        handler: impl Fn() -> H,
        watches: &[Watch],
    ) -> Result<Backend, (PathBuf, notify::Error)>
    where
        H: notify::EventHandler,
    {
        if kind == Kind::Recommended {
            if let Ok(watcher) = RecommendedWatcher::new(handler(), Config::default()) {
                let mut backend = Backend {
                    watcher: Box::new(watcher),
                    polling: false,
                };
                match backend.arm(watches) {
                    Ok(()) => return Ok(backend),
                    Err((_, err)) if is_resource_limit(&err) => {}
                    Err(failed) => return Err(failed),
                }
            }
        }
        // notify compares modification times in whole seconds, so a second
        // append within the same second would go unseen (possibly the last
        // line of a run); comparing contents costs a read of the watched
        // files per scan, acceptable for a fallback.
        let config = Config::default()
            .with_poll_interval(POLL_INTERVAL)
            .with_compare_contents(true);
        let first = watches.first().map(|w| w.path.clone()).unwrap_or_default();
        let watcher = PollWatcher::new(handler(), config).map_err(|err| (first, err))?;
        let mut backend = Backend {
            watcher: Box::new(watcher),
            polling: true,
        };
        backend.arm(watches)?;
        Ok(backend)
    }

    pub fn is_polling(&self) -> bool {
        self.polling
    }

    fn arm(&mut self, watches: &[Watch]) -> Result<(), (PathBuf, notify::Error)> {
        for watch in watches {
            match self.watcher.watch(&watch.path, watch.mode) {
                Ok(()) => {}
                Err(err) if watch.required || is_resource_limit(&err) => {
                    return Err((watch.path.clone(), err));
                }
                Err(_) => {}
            }
        }
        Ok(())
    }

    /// Watches `path` (recursively) afresh: after the folder was replaced
    /// the old watch points at the old inode. Failures are ignored: a folder
    /// that is gone has nothing to watch until it reappears, which the
    /// parent's watch reports (and that calls this again).
    pub fn rearm(&mut self, path: &Path) {
        let _ = self.watcher.unwatch(path);
        if path.is_dir() {
            let _ = self.watcher.watch(path, RecursiveMode::Recursive);
        }
    }
}

/// `ENOSPC` (out of inotify watches) and `EMFILE` (out of inotify
/// instances or file descriptors): the same numbers on Linux, macOS and the
/// BSDs.
const ENOSPC: i32 = 28;
const EMFILE: i32 = 24;

fn is_resource_limit(err: &notify::Error) -> bool {
    match &err.kind {
        ErrorKind::MaxFilesWatch => true,
        ErrorKind::Io(io) => matches!(io.raw_os_error(), Some(ENOSPC | EMFILE)),
        _ => false,
    }
}
