//! Locks that must never stay stuck (issue 9, item 7): a lock file nobody
//! holds — empty, garbage, a negative or dead pid, a live pid that is not
//! the holder — is taken over; two takers never both win; a "busy" message
//! names the holder; something planted at the lock path is never followed;
//! a read-only runs folder says read-only, not busy.

use std::ffi::OsStr;
use std::fs;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};

use reel::timetravel::layout::StateDirs;
use reel::timetravel::lock::{Purpose, RunLock};
use reel::timetravel::TimeTravelError;

use super::common::{self, reel_in};
use super::{attempts, runs_dir, tree, RUN_ID};

fn lock_path(runs: &Path) -> std::path::PathBuf {
    runs.join(".reel/locks").join(format!("{RUN_ID}.lock"))
}

fn plant_lock(runs: &Path, bytes: &[u8]) {
    let path = lock_path(runs);
    fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    fs::write(path, bytes).expect("write lock");
}

/// The stale lock contents a killed or foreign process can leave.
fn stale_contents() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("empty (killed before the owner was written)", Vec::new()),
        ("garbage", b"not a pid\n".to_vec()),
        ("negative pid", b"-5\n".to_vec()),
        ("dead pid", b"999999999\n".to_vec()),
        ("pid 1: alive, never the holder", b"1\n".to_vec()),
        (
            "this test's pid: alive, not holding (pid reuse)",
            format!(r#"{{"pid":{},"op":"rewind"}}"#, std::process::id()).into_bytes(),
        ),
        ("truncated JSON", br#"{"pid":12"#.to_vec()),
        ("binary", vec![0xff, 0x00, 0xfe, b'\n']),
    ]
}

#[test]
fn a_lock_nobody_holds_is_taken_over_whatever_it_says() {
    for (what, bytes) in stale_contents() {
        let (tmp, run) = runs_dir();
        let before = tree(&run);
        plant_lock(tmp.path(), &bytes);
        let out = reel_in(tmp.path(), &[], ["rewind", RUN_ID, "--to", "2", "--yes"]);
        assert_eq!(out.code, Some(0), "{what}: {}", out.describe());
        assert_eq!(attempts(&run).len(), 2, "{what}");
        assert!(!lock_path(tmp.path()).exists(), "{what}: lock released");
        let undo = reel_in(tmp.path(), &[], ["undo", RUN_ID, "--yes"]);
        assert_eq!(undo.code, Some(0), "{what}: {}", undo.describe());
        assert_eq!(tree(&run), before, "{what}");
    }
}

#[test]
fn busy_names_the_holder() {
    let (tmp, run) = runs_dir();
    let before = tree(&run);
    let _held =
        RunLock::acquire(&StateDirs::new(tmp.path()), RUN_ID, Purpose::Rewind).expect("lock");
    let pid = std::process::id();
    for args in [
        vec!["rewind", RUN_ID, "--to", "2", "--yes"],
        vec!["undo", RUN_ID, "--yes"],
    ] {
        let out = reel_in(tmp.path(), &[], &args);
        assert_eq!(out.code, Some(4), "{}", out.describe());
        let wanted =
            format!("busy: run {RUN_ID} is being rewound by pid {pid} (reel rewind, since ");
        assert!(out.stderr.contains(&wanted), "{}", out.describe());
        // `since HH:MM:SS UTC)`
        let since = out.stderr.split("since ").nth(1).unwrap_or("");
        let clock: Vec<&str> = since.get(..8).unwrap_or("").split(':').collect();
        assert!(
            clock.len() == 3
                && clock
                    .iter()
                    .all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit())),
            "{}",
            out.describe()
        );
    }
    assert_eq!(tree(&run), before);
}

/// Many threads race for one lock over every kind of stale file, and then
/// keep taking and releasing it: never two holders at once.
#[test]
fn two_takers_never_both_win() {
    const THREADS: usize = 8;
    let tmp = tempfile::tempdir().expect("tempdir");
    let dirs = StateDirs::new(tmp.path());
    for (what, bytes) in stale_contents() {
        plant_lock(tmp.path(), &bytes);
        let start = Arc::new(Barrier::new(THREADS));
        let tried = Arc::new(Barrier::new(THREADS));
        let winners = Arc::new(AtomicUsize::new(0));
        std::thread::scope(|scope| {
            for _ in 0..THREADS {
                let (start, tried, winners, dirs) = (&start, &tried, &winners, &dirs);
                scope.spawn(move || {
                    start.wait();
                    let got = RunLock::acquire(dirs, RUN_ID, Purpose::Recovery);
                    if got.is_ok() {
                        winners.fetch_add(1, Ordering::SeqCst);
                    } else {
                        assert!(matches!(got, Err(TimeTravelError::Busy { .. })), "{got:?}");
                    }
                    tried.wait(); // every attempt is made while the winner holds
                    drop(got);
                });
            }
        });
        assert_eq!(winners.load(Ordering::SeqCst), 1, "{what}");
    }
    let inside = AtomicUsize::new(0);
    let overlaps = AtomicUsize::new(0);
    let taken = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..THREADS {
            scope.spawn(|| {
                for _ in 0..300 {
                    if let Ok(lock) = RunLock::acquire(&dirs, RUN_ID, Purpose::Rewind) {
                        if inside.fetch_add(1, Ordering::SeqCst) != 0 {
                            overlaps.fetch_add(1, Ordering::SeqCst);
                        }
                        taken.fetch_add(1, Ordering::SeqCst);
                        std::thread::yield_now();
                        inside.fetch_sub(1, Ordering::SeqCst);
                        drop(lock);
                    }
                }
            });
        }
    });
    assert_eq!(overlaps.load(Ordering::SeqCst), 0, "two holders at once");
    assert!(taken.load(Ordering::SeqCst) > 0);
}

#[cfg(unix)]
#[test]
fn something_planted_at_the_lock_path_is_never_followed() {
    let outside = tempfile::tempdir().expect("tempdir");
    let victim = outside.path().join("victim");
    fs::write(&victim, b"keep me\n").expect("write");
    type Plant = Box<dyn Fn(&Path)>;
    let victim_for_link = victim.clone();
    let plants: Vec<(&str, Plant)> = vec![
        (
            "a symlink to a file elsewhere",
            Box::new(move |p: &Path| {
                std::os::unix::fs::symlink(&victim_for_link, p).expect("symlink")
            }),
        ),
        (
            "a folder",
            Box::new(|p: &Path| fs::create_dir(p).expect("mkdir")),
        ),
        (
            "a FIFO (reading it would block forever)",
            Box::new(|p: &Path| {
                let status = std::process::Command::new("mkfifo").arg(p).status();
                assert!(status.is_ok_and(|s| s.success()), "mkfifo");
            }),
        ),
    ];
    for (what, plant) in plants {
        let (tmp, run) = runs_dir();
        let path = lock_path(tmp.path());
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        plant(&path);
        let out = reel_in(tmp.path(), &[], ["rewind", RUN_ID, "--to", "2", "--yes"]);
        assert_eq!(out.code, Some(0), "{what}: {}", out.describe());
        assert_eq!(attempts(&run).len(), 2, "{what}");
        assert_eq!(fs::read(&victim).expect("victim"), b"keep me\n", "{what}");
        let aside = fs::read_dir(path.parent().expect("parent"))
            .expect("ls")
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().contains(".lock.broken-"))
            .count();
        assert_eq!(aside, 1, "{what}: set aside, not deleted");
    }
}

#[cfg(unix)]
#[test]
fn a_read_only_runs_folder_with_a_stale_lock_says_read_only() {
    use common::readonly::ReadOnly;
    for also_locks in [false, true] {
        let (tmp, run) = runs_dir();
        let before = tree(&run);
        plant_lock(tmp.path(), b"");
        let audit = tmp.path().join(".reel/audit.ndjson");
        let guards: Option<Vec<ReadOnly>> = if also_locks {
            [tmp.path().join(".reel/locks"), tmp.path().to_path_buf()]
                .iter()
                .map(|d| ReadOnly::new(d))
                .collect()
        } else {
            ReadOnly::new(tmp.path()).map(|g| vec![g])
        };
        let Some(guards) = guards else {
            println!("skipped: neither chmod 0555 nor chattr +i stops this user writing");
            return;
        };
        let envs: [(&str, &OsStr); 0] = [];
        let rewind = reel_in(tmp.path(), &envs, ["rewind", RUN_ID, "--to", "2", "--yes"]);
        let undo = reel_in(tmp.path(), &envs, ["undo", RUN_ID, "--yes"]);
        let list = reel_in(tmp.path(), &envs, ["list", "."]);
        drop(guards);
        for out in [&rewind, &undo] {
            assert_eq!(out.code, Some(1), "{}", out.describe());
            assert!(out.stderr.contains("read-only"), "{}", out.describe());
            assert!(!out.stderr.contains("busy"), "{}", out.describe());
        }
        assert_eq!(list.code, Some(0), "list still reads: {}", list.describe());
        assert!(list.stdout.contains("432a4eb8"), "{}", list.describe());
        assert_eq!(tree(&run), before);
        assert!(!audit.exists(), "nothing was audited: nothing was started");
    }
}
