//! The real `reel` binary in a pseudo-terminal (portable-pty), its output
//! fed into a terminal emulator (vt100): spawn, wait on the screen, send
//! keys and signals, wait for the exit, check the terminal was handed back.
//! Every wait has a deadline; on a timeout the child is killed and the
//! screen printed, so a hang fails the test instead of blocking CI.
//! The one harness of every pseudo-terminal test.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use portable_pty::{native_pty_system, Child, CommandBuilder, MasterPty, PtySize};

pub const BRANCHING_REVIEW: &str =
    "sample-runs/2026-11-23T163116156Z-gen-branching-review-432a4eb8";
/// Bounds that turn a hang into a failure; generous for a loaded machine.
pub const TIMEOUT: Duration = Duration::from_secs(120);
const POLL: Duration = Duration::from_millis(20);

/// What the reader thread collected: the emulated screen, every byte, and
/// the status bar after each frame (for states too short-lived to be sure
/// to catch on screen).
pub struct Output {
    pub parser: vt100::Parser,
    pub bytes: Vec<u8>,
    pub status_bars: Vec<String>,
}

/// ratatui ends every frame by hiding the cursor (no frame here places it).
const FRAME_END: &[u8] = b"\x1b[?25l";

impl Output {
    fn feed(&mut self, bytes: &[u8]) {
        self.bytes.extend_from_slice(bytes);
        let mut rest = bytes;
        while !rest.is_empty() {
            let end = rest
                .windows(FRAME_END.len())
                .position(|w| w == FRAME_END)
                .map_or(rest.len(), |i| i + FRAME_END.len());
            self.parser.process(&rest[..end]);
            rest = &rest[end..];
            let bar = status_bar(self.parser.screen());
            if self.status_bars.last() != Some(&bar) {
                self.status_bars.push(bar);
            }
        }
    }
}

pub struct Tui {
    child: Box<dyn Child + Send + Sync>,
    master: Option<Box<dyn MasterPty + Send>>,
    writer: Option<Box<dyn Write + Send>>,
    pub output: Arc<Mutex<Output>>,
    reader: Option<JoinHandle<()>>,
    /// Asks the reader to stop after its next read (see `hang_up`).
    stop_reading: Arc<AtomicBool>,
    _home: tempfile::TempDir,
}

impl Tui {
    pub fn spawn(args: &[&str], cols: u16, rows: u16, env: &[(&str, &str)]) -> Tui {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("openpty");
        let home = tempfile::tempdir().expect("tempdir");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_reel"));
        cmd.args(args);
        cmd.cwd(env!("CARGO_MANIFEST_DIR"));
        cmd.env("TERM", "xterm-256color");
        cmd.env("HOME", home.path());
        cmd.env("XDG_CONFIG_HOME", home.path().join("config"));
        // The index cache of this run only, never the user's; it keeps
        // snapshots of every file, so the viewer is tested with them.
        cmd.env("XDG_CACHE_HOME", home.path().join("cache"));
        cmd.env("REEL_INDEX_CACHE_MIN_BYTES", "0");
        cmd.env_remove("ACPX_FLOW_RUNS_DIR");
        cmd.env_remove("NO_COLOR");
        cmd.env_remove("REEL_FAULT");
        for (key, value) in env {
            cmd.env(key, value);
        }
        let child = pty.slave.spawn_command(cmd).expect("spawn reel");
        // Only the child holds the slave now, so reads end when it exits.
        drop(pty.slave);
        let output = Arc::new(Mutex::new(Output {
            parser: vt100::Parser::new(rows, cols, 0),
            bytes: Vec::new(),
            status_bars: Vec::new(),
        }));
        let mut source = pty.master.try_clone_reader().expect("reader");
        let sink = output.clone();
        let stop_reading = Arc::new(AtomicBool::new(false));
        let stop = stop_reading.clone();
        let reader = thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match source.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        // A failed assertion elsewhere may have poisoned it.
                        let mut out = sink.lock().unwrap_or_else(|e| e.into_inner());
                        out.feed(&buf[..n]);
                    }
                }
                if stop.load(Ordering::SeqCst) {
                    break;
                }
            }
        });
        let writer = pty.master.take_writer().expect("writer");
        Tui {
            child,
            master: Some(pty.master),
            writer: Some(writer),
            output,
            reader: Some(reader),
            stop_reading,
            _home: home,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.process_id().expect("the child's pid")
    }

    pub fn screen_text(&self) -> String {
        self.output.lock().unwrap().parser.screen().contents()
    }

    pub fn fail(&mut self, why: &str) -> ! {
        let _ = self.child.kill();
        let screen = self.screen_text();
        panic!("{why}\n--- screen ---\n{screen}\n--------------");
    }

    /// Polls the screen until `check` holds (or fails after the timeout).
    pub fn wait_for(&mut self, what: &str, check: impl Fn(&vt100::Screen) -> bool) {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if check(self.output.lock().unwrap().parser.screen()) {
                return;
            }
            if Instant::now() > deadline {
                self.fail(&format!("timed out waiting for {what}"));
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                self.drain();
                if check(self.output.lock().unwrap().parser.screen()) {
                    return;
                }
                self.fail(&format!(
                    "reel exited ({status:?}) while waiting for {what}"
                ));
            }
            thread::sleep(POLL);
        }
    }

    /// Waits until `text` is on the screen.
    pub fn wait_text(&mut self, text: &str) {
        let wanted = text.to_string();
        self.wait_for(&format!("{text:?} on screen"), move |s| {
            s.contents().contains(&wanted)
        });
    }

    /// Polls anything (termios, process state) until it holds.
    pub fn wait_until(&mut self, what: &str, check: impl Fn(&Tui) -> bool) {
        let deadline = Instant::now() + TIMEOUT;
        while !check(self) {
            if Instant::now() > deadline {
                self.fail(&format!("timed out waiting for {what}"));
            }
            thread::sleep(POLL);
        }
    }

    pub fn send(&mut self, keys: &str) {
        let writer = self.writer.as_mut().expect("the pty is open");
        writer.write_all(keys.as_bytes()).expect("write keys");
        writer.flush().expect("flush");
    }

    /// Sends a signal (`TERM`, `HUP`, …) to the child with kill(1).
    pub fn signal(&mut self, name: &str) {
        let status = std::process::Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.pid().to_string())
            .status()
            .expect("run kill(1)");
        assert!(status.success(), "kill -{name} failed: {status:?}");
    }

    /// Polls for the child's exit; `tick` runs between polls (e.g. to
    /// resend a signal). Does not wait for the pty to drain.
    pub fn wait_exit_with(&mut self, mut tick: impl FnMut(&mut Tui)) -> portable_pty::ExitStatus {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => return status,
                Ok(None) if Instant::now() < deadline => {
                    tick(self);
                    thread::sleep(POLL);
                }
                _ => self.fail("reel did not exit within the timeout"),
            }
        }
    }

    /// Waits for the child to exit and for its last bytes to be read.
    pub fn wait_exit(&mut self) -> portable_pty::ExitStatus {
        let status = self.wait_exit_with(|_| {});
        self.drain();
        status
    }

    /// Waits until every byte the child wrote has been read.
    pub fn drain(&mut self) {
        let Some(reader) = self.reader.take() else {
            return;
        };
        let deadline = Instant::now() + TIMEOUT;
        while !reader.is_finished() {
            if Instant::now() > deadline {
                self.fail("the pty was not drained after exit");
            }
            thread::sleep(POLL);
        }
        reader.join().expect("reader thread");
    }

    /// Closes the master side, as a terminal window being closed does: the
    /// reader is made to stop (by a key that causes a redraw, so its read
    /// returns), then every handle on the master is dropped.
    pub fn hang_up(&mut self, redraw_key: &str) {
        self.stop_reading.store(true, Ordering::SeqCst);
        self.send(redraw_key);
        self.drain();
        self.writer = None;
        self.master = None;
    }

    /// Whether the pty is in raw mode (no canonical input, no echo).
    pub fn raw_mode(&self) -> bool {
        let master = self.master.as_ref().expect("the pty is open");
        let termios = master.get_termios().expect("termios of the pty");
        // `LocalFlags(ECHOKE | ECHOE | ECHOK | ECHOCTL)`: whole names only.
        let flags = format!("{:?}", termios.local_flags);
        let set: Vec<&str> = flags
            .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .collect();
        !set.contains(&"ICANON") && !set.contains(&"ECHO")
    }

    /// Canonical mode and echo both on: the shell's usual terminal.
    pub fn cooked_mode(&self) -> bool {
        let master = self.master.as_ref().expect("the pty is open");
        let termios = master.get_termios().expect("termios of the pty");
        let flags = format!("{:?}", termios.local_flags);
        let set: Vec<&str> = flags
            .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .collect();
        set.contains(&"ICANON") && set.contains(&"ECHO")
    }

    pub fn bytes(&self) -> Vec<u8> {
        self.output.lock().unwrap().bytes.clone()
    }

    /// The one-letter state of the child in /proc (`T` when stopped).
    #[cfg(target_os = "linux")]
    pub fn process_state(&self) -> Option<char> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid())).ok()?;
        // `pid (comm) S …`: the state follows the last parenthesis.
        let rest = &stat[stat.rfind(')')? + 1..];
        rest.trim_start().chars().next()
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

pub fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

/// The status bar (the last row).
pub fn status_bar(screen: &vt100::Screen) -> String {
    let (rows, cols) = screen.size();
    screen.contents_between(rows - 1, 0, rows - 1, cols)
}

/// Byte offset of the last "leave the alternate screen" in the output.
pub fn last_leave(bytes: &[u8]) -> Option<usize> {
    rfind(bytes, b"\x1b[?1049l")
}

/// `q` quits with status 0 and the terminal is handed back as it was.
pub fn quit_and_check_restored(tui: &mut Tui) {
    tui.send("q");
    let status = tui.wait_exit();
    assert!(status.success(), "exit status {status:?}");
    assert_restored(tui);
}

/// After the child exited: the terminal is handed back as it was — main
/// screen, cursor shown, mouse reporting off, canonical mode with echo.
pub fn assert_restored(tui: &Tui) {
    let bytes = tui.bytes();
    let enter = rfind(&bytes, b"\x1b[?1049h").expect("entered the alternate screen");
    let leave = last_leave(&bytes).expect("left the alternate screen");
    assert!(leave > enter, "the alternate screen is left after entering");
    let mouse_on = rfind(&bytes, b"\x1b[?1000h").expect("enabled mouse capture");
    let mouse_off = [&b"\x1b[?1000l"[..], b"\x1b[?1003l", b"\x1b[?1006l"]
        .iter()
        .filter_map(|seq| rfind(&bytes, seq))
        .max()
        .expect("disabled mouse capture");
    assert!(mouse_off > mouse_on, "mouse capture is left on");
    let show = rfind(&bytes, b"\x1b[?25h").expect("showed the cursor");
    if let Some(hide) = rfind(&bytes, b"\x1b[?25l") {
        assert!(show > hide, "the cursor is left hidden");
    }
    let out = tui.output.lock().unwrap();
    let screen = out.parser.screen();
    assert!(!screen.alternate_screen(), "still on the alternate screen");
    assert!(!screen.hide_cursor(), "the cursor is hidden");
    assert_eq!(screen.mouse_protocol_mode(), vt100::MouseProtocolMode::None);
    drop(out);
    assert!(tui.cooked_mode(), "canonical mode and echo are not back");
}
