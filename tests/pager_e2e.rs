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

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use portable_pty::{native_pty_system, Child, CommandBuilder, PtySize};

const TIMEOUT: Duration = Duration::from_secs(60);
const POLL: Duration = Duration::from_millis(20);

struct Tui {
    child: Box<dyn Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    screen: Arc<Mutex<vt100::Parser>>,
    _home: tempfile::TempDir,
}

impl Tui {
    fn spawn(run: &Path, env: &[(&str, &str)]) -> Tui {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows: 36,
                cols: 120,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("openpty");
        let home = tempfile::tempdir().expect("tempdir");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_reel"));
        cmd.arg(run);
        cmd.env("TERM", "xterm-256color");
        cmd.env("HOME", home.path());
        cmd.env("XDG_CONFIG_HOME", home.path().join("config"));
        cmd.env_remove("ACPX_FLOW_RUNS_DIR");
        for (key, value) in env {
            cmd.env(key, value);
        }
        let child = pty.slave.spawn_command(cmd).expect("spawn reel");
        drop(pty.slave);
        let screen = Arc::new(Mutex::new(vt100::Parser::new(36, 120, 0)));
        let mut source = pty.master.try_clone_reader().expect("reader");
        let sink = screen.clone();
        thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = source.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().process(&buf[..n]);
            }
        });
        let writer = pty.master.take_writer().expect("writer");
        // The master must outlive the child's use of the pty.
        std::mem::forget(pty.master);
        Tui {
            child,
            writer,
            screen,
            _home: home,
        }
    }

    fn text(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    fn fail(&mut self, why: &str) -> ! {
        let _ = self.child.kill();
        panic!("{why}\n--- screen ---\n{}\n--------------", self.text());
    }

    fn wait(&mut self, what: &str, check: impl Fn(&vt100::Screen) -> bool) {
        let deadline = Instant::now() + TIMEOUT;
        while !check(self.screen.lock().unwrap().screen()) {
            if Instant::now() > deadline {
                self.fail(&format!("timed out waiting for {what}"));
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                self.fail(&format!(
                    "reel exited ({status:?}) while waiting for {what}"
                ));
            }
            thread::sleep(POLL);
        }
    }

    fn wait_text(&mut self, text: &str) {
        let wanted = text.to_string();
        self.wait(&format!("{text:?} on screen"), move |s| {
            s.alternate_screen() && s.contents().contains(&wanted)
        });
    }

    fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).expect("write keys");
        self.writer.flush().expect("flush");
    }

    fn quit(&mut self) {
        self.send("q");
        let deadline = Instant::now() + TIMEOUT;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => {
                    assert!(status.success(), "exit status {status:?}");
                    return;
                }
                Ok(None) if Instant::now() < deadline => thread::sleep(POLL),
                _ => self.fail("reel did not quit"),
            }
        }
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
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
    let mut tui = Tui::spawn(&run, &[("PAGER", pager.as_str())]);
    tui.wait_text("step 1/4");
    tui.send("j");
    tui.wait_text("step 2/4");
    tui.send("2");
    tui.wait_text("run_shell#1 · action · ok");
    // The inspector, its last line (in the stderr part), then the pager.
    tui.send("\tG");
    tui.wait_text("second line");
    tui.send("o");
    wait_file(&mut tui, &paged, &expected);
    tui.wait("the viewer to leave the screen to the pager", |s| {
        !s.alternate_screen()
    });
    tui.send("hello\r");
    wait_file(&mut tui, &typed, "hello");
    // Back in the viewer, which took none of the pager's keys.
    tui.wait_text("run_shell#1 · action · ok");
    tui.wait_text("step 2/4");
    tui.send("1");
    tui.wait_text("this run has no agent sessions");
    tui.quit();
}

#[test]
fn an_interrupt_in_the_pager_does_not_end_the_viewer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = hostile::copy_sample(hostile::SHELL_BASIC, dir.path());
    let paged = dir.path().join("paged");
    // What ^C in the pager does: SIGINT to the whole foreground group.
    let pager = format!("cat > '{}'; kill -INT 0", paged.display());
    let mut tui = Tui::spawn(&run, &[("PAGER", pager.as_str())]);
    tui.wait_text("step 1/4");
    tui.send("j2");
    tui.wait_text("run_shell#1 · action · ok");
    tui.send("o");
    tui.wait("the pager to have been given the output", |_| {
        paged.is_file()
    });
    tui.wait_text("run_shell#1 · action · ok");
    tui.send("1");
    tui.wait_text("this run has no agent sessions");
    tui.quit();
}

#[test]
fn the_events_of_400k_heartbeats_do_not_hold_the_screen_up() {
    let dir = tempfile::tempdir().expect("tempdir");
    let beats = 400_000;
    let run = hostile::heartbeat_run(dir.path(), beats);
    let mut tui = Tui::spawn(&run, &[]);
    tui.wait_text("step 1/4");
    tui.send("j");
    tui.wait_text("step 2/4");
    let asked = Instant::now();
    tui.send("3");
    let title = format!("trace events ({})", reel::humanize::count(beats as u64 + 7));
    tui.wait_text(&title);
    eprintln!(
        "Events tab of {beats} heartbeats: first frame {} ms after the key",
        asked.elapsed().as_millis()
    );
    // The next keys answer: the Attempt tab, then the Events tab again
    // while the first build of it would still be fresh.
    tui.send("2");
    tui.wait_text("run_shell#1 · action · ok");
    tui.send("3k");
    tui.wait_text("step 1/4");
    tui.send("j");
    tui.wait_text(&title);
    tui.quit();
}
