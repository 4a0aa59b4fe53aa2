//! The cut's large files are synced on a thread of their own, so the disk
//! writes one file back while the cut computes the next; [`Syncer::wait`]
//! (before the manifest is written) returns once every one is durable, or
//! with the first failure, naming its file.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Sender};
use std::thread::JoinHandle;

use crate::timetravel::{Result, TimeTravelError};

#[derive(Debug, Default)]
pub(crate) struct Syncer {
    queue: Option<Sender<(File, PathBuf)>>,
    worker: Option<JoinHandle<Result<()>>>,
}

impl Syncer {
    /// Syncs `file` (written at `path`) soon; at once, here, when no thread
    /// can be had.
    pub fn sync_later(&mut self, file: File, path: &Path) -> Result<()> {
        if self.queue.is_none() && self.worker.is_none() {
            self.start();
        }
        let job = (file, path.to_path_buf());
        let job = match &self.queue {
            Some(queue) => match queue.send(job) {
                Ok(()) => return Ok(()),
                // The worker stopped at a failure: `wait` reports it.
                Err(unsent) => unsent.0,
            },
            None => job,
        };
        job.0.sync_all().map_err(|e| TimeTravelError::io(&job.1, e))
    }

    fn start(&mut self) {
        let (queue, jobs) = channel::<(File, PathBuf)>();
        let worker = std::thread::Builder::new()
            .name("reel-cut-sync".into())
            .spawn(move || {
                for (file, path) in jobs {
                    file.sync_all().map_err(|e| TimeTravelError::io(&path, e))?;
                }
                Ok(())
            });
        if let Ok(worker) = worker {
            self.queue = Some(queue);
            self.worker = Some(worker);
        }
    }

    /// Waits until every file handed over is synced.
    pub fn wait(&mut self) -> Result<()> {
        self.queue = None;
        match self.worker.take().map(JoinHandle::join) {
            None => Ok(()),
            Some(Ok(synced)) => synced,
            Some(Err(_)) => Err(TimeTravelError::Invalid(
                "the thread syncing the cut's files failed".into(),
            )),
        }
    }
}

impl Drop for Syncer {
    /// The thread never outlives the cut that started it.
    fn drop(&mut self) {
        let _ = self.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_is_synced_and_a_failure_names_its_file() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let mut syncer = Syncer::default();
        for name in ["a", "b"] {
            let path = tmp.path().join(name);
            let file = File::create(&path).expect("create");
            syncer.sync_later(file, &path).expect("queued");
        }
        syncer.wait().expect("synced");
        // A read-only descriptor of a folder cannot be synced on every
        // system; a closed pipe's can never be.
        #[cfg(target_os = "linux")]
        {
            let (reader, _writer) = std::io::pipe().expect("pipe");
            let file = File::from(std::os::fd::OwnedFd::from(reader));
            let named = tmp.path().join("pipe");
            let mut syncer = Syncer::default();
            let result = syncer.sync_later(file, &named).and_then(|()| syncer.wait());
            let err = result.expect_err("a pipe cannot be synced");
            assert!(err.to_string().contains("pipe"), "{err}");
        }
    }
}
