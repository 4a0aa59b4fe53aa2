//! The real binary in a pseudo-terminal (portable-pty + vt100): `o` hands
//! the terminal to `$PAGER` with the whole artifact (sanitized) and takes
//! it back after, keys typed meanwhile go to the pager and not to reel, an
//! interrupt sent to the pager's process group leaves the viewer running;
//! and the Events tab of a step with 400k heartbeats does not hold the
//! screen up. Every wait has a deadline; on a timeout the child is killed
//! and the screen printed. Nothing is asserted on elapsed time (the time
//! to the first Events frame is printed for the record).

#![cfg(unix)]

mod hostile;

mod pty;

use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use pty::{Tui, TIMEOUT};

const POLL: Duration = Duration::from_millis(20);

/// reel on `run` in a 120×36 pseudo-terminal.
fn spawn(run: &Path, env: &[(&str, &str)]) -> Tui {
    let run = run.to_string_lossy().into_owned();
    Tui::spawn(&[&run], 120, 36, env)
}

/// Waits for `text` on reel's own screen (the alternate one), not on what
/// the pager left on the main screen.
fn wait_view(tui: &mut Tui, text: &str) {
    let wanted = text.to_string();
    tui.wait_for(&format!("{text:?} on reel's screen"), move |s| {
        s.alternate_screen() && s.contents().contains(&wanted)
    });
}

/// `q` quits with status 0.
fn quit(tui: &mut Tui) {
    tui.send("q");
    let status = tui.wait_exit();
    assert!(status.success(), "exit status {status:?}");
}

/// Waits until `path` holds `expected` (it is written as the pager reads).
fn wait_file(tui: &mut Tui, path: &Path, expected: &str) {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        if std::fs::read_to_string(path).is_ok_and(|text| text == expected) {
            return;
        }
        if Instant::now() > deadline {
            let got = std::fs::read_to_string(path).unwrap_or_default();
            tui.fail(&format!(
                "{} never held {expected:?} (it holds {got:?})",
                path.display()
            ));
        }
        thread::sleep(POLL);
    }
}

#[test]
fn o_opens_the_artifact_in_the_pager_and_the_viewer_comes_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = hostile::copy_sample(hostile::SHELL_BASIC, dir.path());
    let stderr = hostile::outcome_artifact(&run, "run_shell#1", "stderrArtifact");
    let raw = "warn \u{1b}[31mred\u{1b}[0m done\nsecond line\n";
    std::fs::write(run.join(&stderr), raw).expect("write stderr");
    let expected = raw.replace('\u{1b}', "\u{241b}");
    let (paged, typed) = (dir.path().join("paged"), dir.path().join("typed"));
    // The pager copies what it is given, then reads a line from the
    // terminal, as an interactive pager would.
    let pager = format!(
        "cat > '{}'; read line < /dev/tty; printf '%s' \"$line\" > '{}'",
        paged.display(),
        typed.display()
    );
    let mut tui = spawn(&run, &[("PAGER", pager.as_str())]);
    wait_view(&mut tui, "step 1/4");
    tui.send("j");
    wait_view(&mut tui, "step 2/4");
    tui.send("2");
    wait_view(&mut tui, "run_shell#1 · action · ok");
    // The inspector, its last line (in the stderr part), then the pager.
    tui.send("\tG");
    wait_view(&mut tui, "second line");
    tui.send("o");
    wait_file(&mut tui, &paged, &expected);
    tui.wait_for("the viewer to leave the screen to the pager", |s| {
        !s.alternate_screen()
    });
    tui.send("hello\r");
    wait_file(&mut tui, &typed, "hello");
    // Back in the viewer, which took none of the pager's keys.
    wait_view(&mut tui, "run_shell#1 · action · ok");
    wait_view(&mut tui, "step 2/4");
    tui.send("1");
    wait_view(&mut tui, "this run has no agent sessions");
    quit(&mut tui);
}

#[test]
fn an_interrupt_in_the_pager_does_not_end_the_viewer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = hostile::copy_sample(hostile::SHELL_BASIC, dir.path());
    let paged = dir.path().join("paged");
    // What ^C in the pager does: SIGINT to the whole foreground group.
    let pager = format!("cat > '{}'; kill -INT 0", paged.display());
    let mut tui = spawn(&run, &[("PAGER", pager.as_str())]);
    wait_view(&mut tui, "step 1/4");
    tui.send("j2");
    wait_view(&mut tui, "run_shell#1 · action · ok");
    tui.send("o");
    tui.wait_for("the pager to have been given the output", |_| {
        paged.is_file()
    });
    wait_view(&mut tui, "run_shell#1 · action · ok");
    tui.send("1");
    wait_view(&mut tui, "this run has no agent sessions");
    quit(&mut tui);
}

#[test]
fn the_events_of_400k_heartbeats_do_not_hold_the_screen_up() {
    let dir = tempfile::tempdir().expect("tempdir");
    let beats = 400_000;
    let run = hostile::heartbeat_run(dir.path(), beats);
    let mut tui = spawn(&run, &[]);
    wait_view(&mut tui, "step 1/4");
    tui.send("j");
    wait_view(&mut tui, "step 2/4");
    let asked = Instant::now();
    tui.send("3");
    let title = format!("trace events ({})", reel::humanize::count(beats as u64 + 7));
    wait_view(&mut tui, &title);
    eprintln!(
        "Events tab of {beats} heartbeats: first frame {} ms after the key",
        asked.elapsed().as_millis()
    );
    // The next keys answer: the Attempt tab, then the Events tab again
    // while the first build of it would still be fresh.
    tui.send("2");
    wait_view(&mut tui, "run_shell#1 · action · ok");
    tui.send("3k");
    wait_view(&mut tui, "step 1/4");
    tui.send("j");
    wait_view(&mut tui, &title);
    quit(&mut tui);
}
