//! Opening a bundle's files without ever leaving the bundle or hanging.
//!
//! A bundle is a folder someone else wrote. Every file reel reads from it is
//! opened here: the path must stay inside the bundle's root however its
//! components resolve (`..`, absolute or escaping symlinks are refused; on
//! Linux `openat2(RESOLVE_BENEATH)` makes that check race-free), it is
//! opened non-blocking (a FIFO cannot stall `open`), and only a regular file
//! is accepted (a FIFO or a device would block or never end). Files read
//! whole have a size cap, so memory stays bounded whatever the bundle holds.

use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

use super::error::BundleError;

/// The largest JSON file reel reads whole (manifest, flow, projections,
/// session records). acpx's are kilobytes to a few hundred megabytes.
pub const MAX_WHOLE_FILE: u64 = 1 << 30;

/// The largest single NDJSON line reel accepts (an event with a huge
/// payload is still far below this).
pub const MAX_LINE: usize = 256 << 20;

/// Whether `name` can be used as one path component inside the bundle: a
/// session id or an attempt id that becomes a folder or file name.
pub fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && !name.contains(['/', '\\', '\0'])
        && !name.contains(":\\")
}

/// Opens `path`, which must lie under `root`, for reading: a regular file
/// whose every component resolves inside `root`. Returns the file and its
/// metadata (taken from the open file, so it describes what is read).
pub fn open(root: &Path, path: &Path) -> Result<(File, Metadata), BundleError> {
    let relative = relative_inside(root, path)?;
    let file = open_beneath(root, &relative).map_err(|err| match err {
        Refusal::Outside => BundleError::invalid(
            path,
            "leads outside the bundle (through a symlink or \"..\"): not read",
        ),
        Refusal::Special(kind) => not_regular(path, kind),
        Refusal::Io(source) => BundleError::io(path, source),
    })?;
    let metadata = file.metadata().map_err(|e| BundleError::io(path, e))?;
    if !metadata.is_file() {
        return Err(not_regular(path, describe_type(&metadata)));
    }
    Ok((file, metadata))
}

fn not_regular(path: &Path, kind: &str) -> BundleError {
    BundleError::invalid(path, format!("is {kind}: only regular files are read"))
}

/// Reads a whole file of the bundle, refusing one larger than `cap` bytes.
pub fn read(root: &Path, path: &Path, cap: u64) -> Result<Vec<u8>, BundleError> {
    let (file, metadata) = open(root, path)?;
    if metadata.len() > cap {
        return Err(too_large(path, metadata.len(), cap));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
    // `take` bounds the read even if the file grows while it is read.
    file.take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| BundleError::io(path, e))?;
    if bytes.len() as u64 > cap {
        return Err(too_large(path, bytes.len() as u64, cap));
    }
    Ok(bytes)
}

/// The metadata of a file of the bundle when it can be opened as one
/// (`None` when it is absent, outside, or not a regular file).
pub fn regular_metadata(root: &Path, path: &Path) -> Option<Metadata> {
    open(root, path).ok().map(|(_, metadata)| metadata)
}

/// Whether the error says the file is simply not there.
pub fn is_absent(err: &BundleError) -> bool {
    matches!(err, BundleError::Io { source, .. } if source.kind() == io::ErrorKind::NotFound)
}

fn too_large(path: &Path, len: u64, cap: u64) -> BundleError {
    BundleError::invalid(
        path,
        format!(
            "{} MiB is more than the {} MiB reel reads whole",
            len >> 20,
            cap >> 20
        ),
    )
}

fn describe_type(metadata: &Metadata) -> &'static str {
    let kind = metadata.file_type();
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if kind.is_char_device() {
            return "a character device";
        }
        if kind.is_block_device() {
            return "a block device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    if kind.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

/// `path` relative to `root`, lexically, with no component that leaves it.
fn relative_inside(root: &Path, path: &Path) -> Result<PathBuf, BundleError> {
    let outside = || BundleError::invalid(path, "is not inside the bundle: not read");
    let relative = path.strip_prefix(root).map_err(|_| outside())?;
    let mut clean = PathBuf::new();
    for component in relative.components() {
        match component {
            Component::Normal(part) => clean.push(part),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => {
                return Err(outside())
            }
        }
    }
    if clean.as_os_str().is_empty() {
        return Err(BundleError::invalid(
            path,
            "is the bundle folder, not a file",
        ));
    }
    Ok(clean)
}

enum Refusal {
    Outside,
    /// Not a regular file (found before opening it).
    Special(&'static str),
    Io(io::Error),
}

impl From<io::Error> for Refusal {
    fn from(err: io::Error) -> Self {
        Refusal::Io(err)
    }
}

#[cfg(target_os = "linux")]
fn open_beneath(root: &Path, relative: &Path) -> Result<File, Refusal> {
    use rustix::fs::{Mode, OFlags, ResolveFlags};
    let dir = rustix::fs::open(
        root,
        OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(io::Error::from)?;
    let flags = OFlags::RDONLY | OFlags::NONBLOCK | OFlags::CLOEXEC | OFlags::NOCTTY;
    let resolve = ResolveFlags::BENEATH | ResolveFlags::NO_MAGICLINKS;
    match rustix::fs::openat2(&dir, relative, flags, Mode::empty(), resolve) {
        Ok(fd) => Ok(File::from(fd)),
        // EXDEV: a component resolved outside `root`; ELOOP: a magic link.
        Err(rustix::io::Errno::XDEV) | Err(rustix::io::Errno::LOOP) => Err(Refusal::Outside),
        // No openat2 here (old kernel, a seccomp filter): check by path.
        Err(rustix::io::Errno::NOSYS) | Err(rustix::io::Errno::PERM) => {
            open_checked(root, relative)
        }
        Err(err) => Err(Refusal::Io(err.into())),
    }
}

#[cfg(not(target_os = "linux"))]
fn open_beneath(root: &Path, relative: &Path) -> Result<File, Refusal> {
    open_checked(root, relative)
}

/// The portable way: resolve every symlink, check the result is inside the
/// root and is a regular file, then open it. (A swap between the check and
/// the open is possible here; `openat2` closes that window where it exists,
/// and `open` checks the type of what was opened again.)
fn open_checked(root: &Path, relative: &Path) -> Result<File, Refusal> {
    let real_root = root.canonicalize()?;
    let real = root.join(relative).canonicalize()?;
    if !real.starts_with(&real_root) {
        return Err(Refusal::Outside);
    }
    let metadata = std::fs::metadata(&real)?;
    if !metadata.is_file() {
        return Err(Refusal::Special(describe_type(&metadata)));
    }
    Ok(File::open(real)?)
}

#[cfg(test)]
mod tests;
