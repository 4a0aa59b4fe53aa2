//! Following bundles while acpx writes them (notify, debounced).
//!
//! acpx appends to `trace.ndjson` and `sessions/*/events.ndjson` line by
//! line and replaces its JSON files by renaming a temp file out of an
//! `acpx-write-*` folder (FORMAT.md §1). `watch` turns that activity into
//! few, coalesced notifications, one kind per thing shown: the run (its
//! folder, recursively) and the runs directory (its entries only). The
//! receiver then brings its model up to date (`Run::refreshed`), so nothing
//! here reads a bundle.
//!
//! Threads: notify's own (inotify etc.) classifies each event and forwards
//! the relevant ones over a channel to a debounce thread, which calls
//! `on_event` at most once per target per 100 ms and always once more after
//! a burst ends (see `debounce`). Both block while the files are quiet.
//!
//! The native watcher is used when it can be created; when it cannot (for
//! example `fs.inotify.max_user_instances` or `max_user_watches` reached),
//! notify's `PollWatcher` rescanning every 500 ms takes over
//! (`Watcher::is_polling` tells which).

mod backend;
mod debounce;
mod filter;
#[cfg(test)]
mod tests;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};

use notify::RecursiveMode;

use backend::{Backend, Kind, Watch};
use debounce::{Msg, Target};
use filter::Targets;

/// What changed. Each carries the path exactly as it was given to `watch`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum WatchEvent {
    /// Something in the run bundle folder changed (or the folder itself).
    Run(PathBuf),
    /// A run appeared in, or disappeared from, the runs directory.
    RunsDir(PathBuf),
}

/// Why watching could not start.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error("nothing to watch: neither a run nor a runs directory was given")]
    NothingToWatch,
    #[error("cannot watch {}: {source}", path.display())]
    Missing {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot watch {}: {source}", path.display())]
    Watch {
        path: PathBuf,
        #[source]
        source: notify::Error,
    },
    #[error("cannot start the watcher thread: {0}")]
    Thread(#[source] std::io::Error),
}

/// A running watch. It keeps the notify watcher and the debounce thread
/// alive; dropping it stops both, and once `drop` returns `on_event` is not
/// called again (unless the watcher is dropped from inside `on_event`).
pub struct Watcher {
    stop: Sender<Msg>,
    thread: Option<JoinHandle<()>>,
    backend: Arc<Mutex<Backend>>,
}

impl Watcher {
    /// True when the native watcher was unavailable and polling took over.
    pub fn is_polling(&self) -> bool {
        self.backend
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_polling()
    }
}

impl fmt::Debug for Watcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Watcher")
            .field("polling", &self.is_polling())
            .finish_non_exhaustive()
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.stop.send(Msg::Stop);
        if let Some(thread) = self.thread.take() {
            // Joining ourselves (dropped inside `on_event`) would deadlock.
            if thread.thread().id() != thread::current().id() {
                let _ = thread.join();
            }
        }
        // `backend` drops next (the thread's clone is gone): notify stops.
    }
}

/// Watches a run bundle folder (recursively) and/or a runs directory (its
/// entries), calling `on_event` from a background thread after changes.
///
/// Entries inside `acpx-write-*` folders and reel's `.reel/` state are
/// ignored: the first are transient (the rename out of them is what
/// counts), the second are reel's own writes. The run's parent folder is
/// watched too, so a run folder replaced as a whole (a rewind) is watched
/// again at its path.
pub fn watch(
    run: Option<&Path>,
    runs_dir: Option<&Path>,
    on_event: impl Fn(WatchEvent) + Send + 'static,
) -> Result<Watcher, WatchError> {
    let watcher = watch_with(Kind::Recommended, run, runs_dir, on_event);
    match &watcher {
        Ok(w) if w.is_polling() => {
            tracing::warn!(run = ?run, runs_dir = ?runs_dir, "native file watcher unavailable: polling")
        }
        Ok(_) => tracing::debug!(run = ?run, runs_dir = ?runs_dir, "watching"),
        Err(err) => {
            tracing::warn!(run = ?run, runs_dir = ?runs_dir, error = ?err.to_string(), "not watching")
        }
    }
    watcher
}

fn watch_with(
    kind: Kind,
    run: Option<&Path>,
    runs_dir: Option<&Path>,
    on_event: impl Fn(WatchEvent) + Send + 'static,
) -> Result<Watcher, WatchError> {
    if run.is_none() && runs_dir.is_none() {
        return Err(WatchError::NothingToWatch);
    }
    let targets = Targets {
        run: run.map(canonical).transpose()?,
        runs_dir: runs_dir.map(canonical).transpose()?,
    };
    let (tx, rx) = mpsc::channel::<Msg>();
    let handler = {
        let tx = tx.clone();
        let targets = targets.clone();
        move || forwarder(tx.clone(), targets.clone())
    };
    let backend = Backend::start(kind, handler, &watches(&targets))
        .map_err(|(path, source)| WatchError::Watch { path, source })?;
    let backend = Arc::new(Mutex::new(backend));

    let given = (run.map(Path::to_path_buf), runs_dir.map(Path::to_path_buf));
    let thread_backend = Arc::clone(&backend);
    let canonical_run = targets.run.clone();
    let thread = thread::Builder::new()
        .name("reel-watch".into())
        .spawn(move || {
            let rearm = || {
                if let Some(run) = &canonical_run {
                    thread_backend
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .rearm(run);
                }
            };
            let fire = |target: Target| {
                let event = match target {
                    Target::Run => given.0.clone().map(WatchEvent::Run),
                    Target::RunsDir => given.1.clone().map(WatchEvent::RunsDir),
                };
                if let Some(event) = event {
                    on_event(event);
                }
            };
            debounce::run(&rx, rearm, fire);
        })
        .map_err(WatchError::Thread)?;
    Ok(Watcher {
        stop: tx,
        thread: Some(thread),
        backend,
    })
}

fn canonical(path: &Path) -> Result<PathBuf, WatchError> {
    path.canonicalize().map_err(|source| WatchError::Missing {
        path: path.to_path_buf(),
        source,
    })
}

/// The folders to watch: the run recursively, its parent for the run folder
/// itself being replaced (best effort), the runs directory non-recursively.
fn watches(targets: &Targets) -> Vec<Watch> {
    let mut out = Vec::new();
    if let Some(run) = &targets.run {
        out.push(Watch {
            path: run.clone(),
            mode: RecursiveMode::Recursive,
            required: true,
        });
        if let Some(parent) = run.parent() {
            if targets.runs_dir.as_deref() != Some(parent) {
                out.push(Watch {
                    path: parent.to_path_buf(),
                    mode: RecursiveMode::NonRecursive,
                    required: false,
                });
            }
        }
    }
    if let Some(dir) = &targets.runs_dir {
        out.push(Watch {
            path: dir.clone(),
            mode: RecursiveMode::NonRecursive,
            required: true,
        });
    }
    out
}

/// The notify event handler: relevant events become `Msg::Touch`. An error
/// (a watch that could not be added to a new subfolder, say) may hide a
/// change, so it counts as a change of everything watched.
fn forwarder(
    tx: Sender<Msg>,
    targets: Targets,
) -> impl FnMut(notify::Result<notify::Event>) + Send + 'static {
    move |result| {
        let touch = match result {
            Ok(event) => targets.classify(&event),
            Err(err) => {
                tracing::warn!(error = ?err.to_string(), "file watcher error: refreshing everything watched");
                filter::Touch {
                    run: targets.run.is_some(),
                    runs_dir: targets.runs_dir.is_some(),
                    rearm: false,
                }
            }
        };
        if touch.any() {
            let _ = tx.send(Msg::Touch {
                run: touch.run,
                runs_dir: touch.runs_dir,
                rearm: touch.rearm,
            });
        }
    }
}
