//! Opening reel's own small state files (locks, the audit log, op markers)
//! without trusting what is on disk: they may be empty, truncated, garbage,
//! or something planted in their place. A symlink is never followed (a
//! lock must not truncate the file it points to), a FIFO never blocks, and
//! reads are bounded.

use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::path::Path;

/// Adds "do not follow a final symlink" and "do not block on a FIFO".
pub fn harden(options: &mut OpenOptions) -> &mut OpenOptions {
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::OFlags;
        use std::os::unix::fs::OpenOptionsExt;
        // Same-width bit flags; the cast only changes signedness.
        options.custom_flags((OFlags::NOFOLLOW | OFlags::NONBLOCK).bits() as i32);
    }
    options
}

/// An error saying the path holds something other than a regular file.
pub fn not_regular() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, "not a regular file")
}

/// Whether an open error means "something that is not a regular file is
/// in the way" (a symlink, a folder, a socket).
pub fn is_in_the_way(err: &io::Error) -> bool {
    #[cfg(target_os = "linux")]
    {
        use rustix::io::Errno;
        let raw = err.raw_os_error();
        if [Errno::LOOP, Errno::ISDIR, Errno::NXIO]
            .iter()
            .any(|e| raw == Some(e.raw_os_error()))
        {
            return true;
        }
    }
    err.kind() == io::ErrorKind::InvalidData
}

/// Opens an existing regular file for reading; `None` if there is nothing.
pub fn open_regular(path: &Path) -> io::Result<Option<File>> {
    let file = match harden(OpenOptions::new().read(true)).open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    if !file.metadata()?.is_file() {
        return Err(not_regular());
    }
    Ok(Some(file))
}

/// Reads at most `limit` bytes of a regular file; `None` if there is none.
pub fn read_bounded(path: &Path, limit: u64) -> io::Result<Option<Vec<u8>>> {
    let Some(file) = open_regular(path)? else {
        return Ok(None);
    };
    read_from(&file, limit).map(Some)
}

/// Reads at most `limit` bytes from an open file, from where it stands.
pub fn read_from(file: &File, limit: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    file.take(limit).read_to_end(&mut bytes)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symlinks_and_fifos_are_refused_and_reads_bounded() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("f");
        std::fs::write(&file, b"0123456789").expect("write");
        assert_eq!(
            read_bounded(&file, 4).ok().flatten(),
            Some(b"0123".to_vec())
        );
        assert!(matches!(
            read_bounded(&dir.path().join("none"), 4),
            Ok(None)
        ));
        #[cfg(target_os = "linux")]
        {
            let link = dir.path().join("link");
            std::os::unix::fs::symlink(&file, &link).expect("symlink");
            assert!(read_bounded(&link, 4).is_err_and(|e| is_in_the_way(&e)));
            let fifo = dir.path().join("fifo");
            rustix::fs::mkfifoat(rustix::fs::CWD, &fifo, rustix::fs::Mode::RUSR).expect("mkfifo");
            // Would block forever without O_NONBLOCK.
            assert!(read_bounded(&fifo, 4).is_err_and(|e| is_in_the_way(&e)));
            assert!(read_bounded(dir.path(), 4).is_err());
        }
    }
}
