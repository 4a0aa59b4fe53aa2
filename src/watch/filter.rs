//! Which target a file-system event concerns, if any.
//!
//! Paths are matched against canonical forms of the watched folders (notify
//! reports paths under the path it was given, so both sides must agree on
//! symlinks and `..`). Events that cannot change what reel shows are dropped
//! here, in the notify thread, so they never wake the debounce thread.

use std::ffi::OsStr;
use std::path::{Component, Path, PathBuf};

use notify::event::{AccessKind, EventKind, MetadataKind, ModifyKind};

use crate::bundle::TRANSIENT_WRITE_PREFIX;
use crate::timetravel::fork::TEMP_PREFIX;
use crate::timetravel::layout::STATE_DIR;

/// The canonical folders being watched.
#[derive(Debug, Clone)]
pub(super) struct Targets {
    pub run: Option<PathBuf>,
    pub runs_dir: Option<PathBuf>,
}

/// What one event touched.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Touch {
    pub run: bool,
    pub runs_dir: bool,
    /// The run folder itself was created, moved or removed: its watch must
    /// be set up again (a rewind exchanges the whole folder, and an inotify
    /// watch follows the old inode, not the path).
    pub rearm: bool,
}

impl Touch {
    pub fn any(self) -> bool {
        self.run || self.runs_dir || self.rearm
    }
}

impl Targets {
    pub fn classify(&self, event: &notify::Event) -> Touch {
        if event.need_rescan() {
            // The kernel queue overflowed: anything may have changed.
            return Touch {
                run: self.run.is_some(),
                runs_dir: self.runs_dir.is_some(),
                rearm: self.run.is_some(),
            };
        }
        if !changes_content(&event.kind) {
            return Touch::default();
        }
        let mut touch = Touch::default();
        for path in &event.paths {
            if let Some(run) = &self.run {
                if let Ok(rel) = path.strip_prefix(run) {
                    if rel.as_os_str().is_empty() {
                        touch.run = true;
                        touch.rearm = true;
                    } else if !has_ignored_component(rel) {
                        touch.run = true;
                    }
                }
            }
            if let Some(dir) = &self.runs_dir {
                let entry = path.parent() == Some(dir.as_path())
                    && !path.file_name().is_some_and(is_ignored_name);
                touch.runs_dir |= path == dir || entry;
            }
        }
        touch
    }
}

/// Opening and reading files (our own refreshes included: inotify reports
/// opens) and access-time updates change nothing; reacting to them would
/// make every refresh trigger the next one. Data changes arrive as
/// create / modify / rename / remove events.
fn changes_content(kind: &EventKind) -> bool {
    !matches!(
        kind,
        EventKind::Access(
            AccessKind::Any
                | AccessKind::Read
                | AccessKind::Open(_)
                | AccessKind::Close(_)
                | AccessKind::Other
        ) | EventKind::Modify(ModifyKind::Metadata(MetadataKind::AccessTime))
    )
}

/// Transient or reel-owned entries: acpx's `acpx-write-*` temp folders
/// (their content is renamed over the real file, which reports the change),
/// reel's state folder `.reel/` and its unpublished forks `.reel-tmp-*`.
pub(super) fn is_ignored_name(name: &OsStr) -> bool {
    let name = name.to_string_lossy();
    name.starts_with(TRANSIENT_WRITE_PREFIX) || name == STATE_DIR || name.starts_with(TEMP_PREFIX)
}

fn has_ignored_component(rel: &Path) -> bool {
    rel.components().any(|c| match c {
        Component::Normal(name) => is_ignored_name(name),
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::{CreateKind, DataChange, RenameMode};

    fn targets() -> Targets {
        Targets {
            run: Some(PathBuf::from("/runs/r1")),
            runs_dir: Some(PathBuf::from("/runs")),
        }
    }

    fn event(kind: EventKind, paths: &[&str]) -> notify::Event {
        let mut event = notify::Event::new(kind);
        for path in paths {
            event = event.add_path(PathBuf::from(path));
        }
        event
    }

    const APPEND: EventKind = EventKind::Modify(ModifyKind::Data(DataChange::Any));

    #[test]
    fn bundle_files_touch_the_run() {
        let touch = targets().classify(&event(APPEND, &["/runs/r1/trace.ndjson"]));
        assert_eq!(
            touch,
            Touch {
                run: true,
                ..Touch::default()
            }
        );
    }

    #[test]
    fn transient_and_own_paths_are_ignored() {
        let t = targets();
        for path in [
            "/runs/r1/acpx-write-ab12/record.json",
            "/runs/r1/projections/acpx-write-x",
            "/runs/r1/.reel/x",
        ] {
            assert!(!t.classify(&event(APPEND, &[path])).any(), "{path}");
        }
        let create = EventKind::Create(CreateKind::Folder);
        assert!(!t.classify(&event(create, &["/runs/.reel"])).any());
        assert!(!t.classify(&event(create, &["/runs/.reel-tmp-1"])).any());
        assert!(!t.classify(&event(create, &["/runs/acpx-write-1"])).any());
    }

    #[test]
    fn a_rename_out_of_a_temp_folder_counts_for_its_target() {
        let rename = EventKind::Modify(ModifyKind::Name(RenameMode::Both));
        let touch = targets().classify(&event(
            rename,
            &[
                "/runs/r1/projections/acpx-write-q/record.json",
                "/runs/r1/projections/live.json",
            ],
        ));
        assert!(touch.run && !touch.runs_dir);
    }

    #[test]
    fn reads_are_not_changes() {
        let open = EventKind::Access(AccessKind::Open(notify::event::AccessMode::Read));
        assert!(!targets()
            .classify(&event(open, &["/runs/r1/trace.ndjson"]))
            .any());
    }

    #[test]
    fn the_run_folder_itself_rearms_and_lists() {
        let rename = EventKind::Modify(ModifyKind::Name(RenameMode::To));
        let touch = targets().classify(&event(rename, &["/runs/r1"]));
        assert_eq!(
            touch,
            Touch {
                run: true,
                runs_dir: true,
                rearm: true
            }
        );
        let other = targets().classify(&event(rename, &["/runs/r2"]));
        assert!(other.runs_dir && !other.run && !other.rearm);
        assert!(!targets()
            .classify(&event(APPEND, &["/elsewhere/r1/trace.ndjson"]))
            .any());
    }
}
