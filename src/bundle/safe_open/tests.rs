use std::fs;
use std::path::Path;

use super::*;

fn bundle() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("run");
    fs::create_dir(&root).expect("mkdir");
    fs::write(root.join("trace.ndjson"), "{}\n").expect("write");
    fs::write(dir.path().join("secret"), "outside").expect("write");
    (dir, root)
}

fn message(result: Result<(File, Metadata), BundleError>) -> String {
    match result {
        Ok(_) => "opened".to_string(),
        Err(err) => err.to_string(),
    }
}

#[test]
fn a_regular_file_inside_opens() {
    let (_dir, root) = bundle();
    let (_, metadata) = open(&root, &root.join("trace.ndjson")).expect("open");
    assert_eq!(metadata.len(), 3);
    assert_eq!(
        read(&root, &root.join("./trace.ndjson"), 10).expect("read"),
        b"{}\n"
    );
}

#[test]
fn paths_not_under_the_root_are_refused() {
    let (dir, root) = bundle();
    for path in [
        dir.path().join("secret"),
        root.join("../secret"),
        root.join("a/../../secret"),
        root.clone(),
    ] {
        let text = message(open(&root, &path));
        assert!(text.contains("bundle"), "{}: {text}", path.display());
    }
}

#[cfg(unix)]
#[test]
fn symlinks_may_stay_inside_but_never_lead_out() {
    use std::os::unix::fs::symlink;
    let (dir, root) = bundle();
    symlink("trace.ndjson", root.join("alias")).expect("symlink");
    assert!(open(&root, &root.join("alias")).is_ok());
    symlink(dir.path().join("secret"), root.join("absolute")).expect("symlink");
    symlink("../secret", root.join("relative")).expect("symlink");
    fs::create_dir(dir.path().join("elsewhere")).expect("mkdir");
    fs::write(dir.path().join("elsewhere/events.ndjson"), "{}\n").expect("write");
    fs::create_dir(root.join("sessions")).expect("mkdir");
    symlink(dir.path().join("elsewhere"), root.join("sessions/s1")).expect("symlink");
    symlink(&root, root.join("loop")).expect("symlink");
    for name in ["absolute", "relative", "sessions/s1/events.ndjson"] {
        let text = message(open(&root, &root.join(name)));
        assert!(text.contains("outside the bundle"), "{name}: {text}");
    }
    // A symlink to the root itself by absolute path leaves and re-enters:
    // refused too (acpx never writes symlinks).
    assert!(open(&root, &root.join("loop/trace.ndjson")).is_err());
}

#[cfg(target_os = "linux")]
#[test]
fn a_fifo_is_refused_without_blocking() {
    use rustix::fs::{FileType, Mode};
    let (_dir, root) = bundle();
    let fifo = root.join("flow.json");
    rustix::fs::mknodat(
        rustix::fs::CWD,
        &fifo,
        FileType::Fifo,
        Mode::from_raw_mode(0o600),
        0,
    )
    .expect("mkfifo");
    // Nobody writes to the FIFO: a blocking open would never return.
    let text = message(open(&root, &fifo));
    assert!(text.contains("FIFO"), "{text}");
    assert!(read(&root, &fifo, 100).is_err());
}

#[cfg(unix)]
#[test]
fn devices_and_folders_are_refused() {
    // /dev/zero never ends: reading it would spin or fill memory.
    let text = message(open(Path::new("/dev"), Path::new("/dev/zero")));
    assert!(text.contains("character device"), "{text}");
    let (_dir, root) = bundle();
    fs::create_dir(root.join("projections")).expect("mkdir");
    let text = message(open(&root, &root.join("projections")));
    assert!(text.contains("directory"), "{text}");
}

#[test]
fn whole_reads_are_capped() {
    let (_dir, root) = bundle();
    fs::write(root.join("big.json"), vec![b' '; 4096]).expect("write");
    let err = read(&root, &root.join("big.json"), 1024).expect_err("too large");
    assert!(err.to_string().contains("reads whole"), "{err}");
    assert_eq!(
        read(&root, &root.join("big.json"), 4096)
            .expect("fits")
            .len(),
        4096
    );
}

#[test]
fn absent_files_are_told_apart() {
    let (_dir, root) = bundle();
    let err = open(&root, &root.join("projections/live.json")).expect_err("absent");
    assert!(is_absent(&err), "{err}");
    assert!(regular_metadata(&root, &root.join("trace.ndjson")).is_some());
}

#[test]
fn plain_names() {
    for good in ["main-1", "review#2", "a.b", "名前"] {
        assert!(is_plain_name(good), "{good}");
    }
    for bad in [
        "", ".", "..", "../x", "/abs", "a/b", "a\\b", "nul\0", "c:\\x",
    ] {
        assert!(!is_plain_name(bad), "{bad:?}");
    }
}
