//! Running the embedded Node driver (`driver.mjs`): the request goes in as
//! a file (stdin stays acpx's), NDJSON messages come out on stdout (see the top of driver.mjs for
//! the contract), stderr is kept for error reports. The driver dies with
//! reel (the kernel sends it SIGINT if reel goes away, which acpx turns into
//! a `failed` / "Interrupted" run), and a cancel sends it SIGINT too.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::engine::Engine;

/// The driver's source, written to a temporary file for each run.
pub const DRIVER_SOURCE: &str = include_str!("driver.mjs");

/// The driver's exit codes (driver.mjs, "Exit codes").
pub mod exit {
    pub const OK: i32 = 0;
    pub const BAD_REQUEST: i32 = 2;
    pub const PROBE_FAILED: i32 = 3;
    pub const REFUSED: i32 = 4;
    pub const FAILED_AFTER_WRITING: i32 = 5;
    pub const INTERRUPTED: i32 = 130;
}

/// What the driver is asked to do.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Request {
    pub mode: &'static str,
    pub acpx_dir: PathBuf,
    pub run_dir: PathBuf,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow_path: Option<PathBuf>,
    pub permission_mode: Option<&'static str>,
    pub sessions: &'static str,
    pub input_patch: Option<Value>,
    pub force: bool,
}

/// The driver's first message: everything it checked before writing.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Probe {
    pub ok: bool,
    pub acpx_version: Option<String>,
    pub node: Option<String>,
    pub missing: Vec<String>,
    pub refused: Vec<String>,
    pub warnings: Vec<String>,
    pub next: Option<String>,
    pub sessions: Vec<SessionCheck>,
    pub acpx_args: Vec<String>,
    pub cwd_from: Option<String>,
}

/// A recorded persistent session: the prompts this bundle sent on it
/// against the user messages acpx's global record holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SessionCheck {
    pub bundle_id: String,
    pub handle: Option<String>,
    pub acpx_record_id: Option<String>,
    pub bundle_prompts: usize,
    /// `None`: acpx's record of the session is gone.
    pub record_prompts: Option<usize>,
    pub diverged: bool,
}

/// The driver's last message after a resume.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Done {
    pub status: Option<String>,
    pub attempts: Vec<String>,
    pub written: bool,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Message {
    Probe(Probe),
    Resumed {
        next: Option<String>,
        seq: Option<u64>,
    },
    Done(Done),
}

/// How a driver run ended.
#[derive(Debug)]
pub struct Finished {
    pub code: Option<i32>,
    pub probe: Option<Probe>,
    pub resumed_at: Option<(Option<String>, Option<u64>)>,
    pub done: Option<Done>,
    /// The last lines the driver (and acpx inside it) wrote to stderr.
    pub stderr_tail: Vec<String>,
}

/// Asks a running driver to stop (the way acpx handles SIGINT).
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    pub fn request(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn requested(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    /// The flag itself, for a signal handler to set.
    pub fn flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.0)
    }
}

/// Runs the driver to its end, calling `on_message` for each message as it
/// arrives (progress for the caller) and sending SIGINT once `cancel` is
/// requested.
pub fn run(
    engine: &Engine,
    request: &Request,
    cancel: &Cancel,
    on_message: &mut dyn FnMut(&Message),
) -> std::io::Result<Finished> {
    let script = TempFile::write("mjs", DRIVER_SOURCE.as_bytes())?;
    let body = serde_json::to_vec(request).map_err(std::io::Error::other)?;
    let request_file = TempFile::write("json", &body)?;
    // stderr goes to a file, not a pipe: if reel dies, the driver must
    // still be able to write while it ends the run (a closed pipe there
    // stops acpx's interrupt handling half-way).
    let stderr_file = TempFile::write("log", b"")?;
    let stderr = std::fs::OpenOptions::new()
        .append(true)
        .open(&stderr_file.path)?;
    let mut command = Command::new(&engine.node);
    command
        .arg(&script.path)
        .arg(&request_file.path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(stderr);
    // Where acpx runs when the bundle does not say (no kept ACP or shell
    // step records a cwd): beside the flow file, as `acpx flow run` is.
    if let Some(dir) = request
        .flow_path
        .as_deref()
        .and_then(std::path::Path::parent)
    {
        command.current_dir(dir);
    }
    die_with_parent(&mut command);
    let mut child = super::engine::spawn_retrying_busy(&mut command)?;
    let stopper = watch_cancel(&child, cancel);
    let mut finished = Finished {
        code: None,
        probe: None,
        resumed_at: None,
        done: None,
        stderr_tail: Vec::new(),
    };
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let Ok(message) = serde_json::from_str::<Message>(&line) else {
                continue;
            };
            on_message(&message);
            match message {
                Message::Probe(probe) => finished.probe = Some(probe),
                Message::Resumed { next, seq } => finished.resumed_at = Some((next, seq)),
                Message::Done(done) => finished.done = Some(done),
            }
        }
    }
    let status = child.wait()?;
    stopper.finish();
    finished.code = exit_code(status);
    finished.stderr_tail = tail_of(&stderr_file.path);
    Ok(finished)
}

fn exit_code(status: ExitStatus) -> Option<i32> {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return Some(128 + signal);
        }
    }
    status.code()
}

/// The last 40 lines of the driver's stderr (read from its end, bounded).
fn tail_of(path: &std::path::Path) -> Vec<String> {
    use std::io::{Seek, SeekFrom};
    const MAX: u64 = 64 << 10;
    let Ok(mut file) = std::fs::File::open(path) else {
        return Vec::new();
    };
    let len = file.metadata().map_or(0, |m| m.len());
    let _ = file.seek(SeekFrom::Start(len.saturating_sub(MAX)));
    let mut text = String::new();
    let _ = file.take(MAX).read_to_string(&mut text);
    let lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines[lines.len().saturating_sub(40)..].to_vec()
}

/// A thread that sends SIGINT to the driver once a cancel is requested.
struct Stopper {
    done: Arc<AtomicBool>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Stopper {
    fn finish(mut self) {
        self.done.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn watch_cancel(child: &Child, cancel: &Cancel) -> Stopper {
    let done = Arc::new(AtomicBool::new(false));
    let pid = child.id();
    let cancel = cancel.clone();
    let finished = Arc::clone(&done);
    let thread = thread::spawn(move || {
        // Polled: a cancel is a person pressing a key, 50 ms is instant.
        while !finished.load(Ordering::SeqCst) {
            if cancel.requested() {
                interrupt(pid);
                return;
            }
            thread::sleep(Duration::from_millis(50));
        }
    });
    Stopper {
        done,
        thread: Some(thread),
    }
}

fn interrupt(pid: u32) {
    #[cfg(target_os = "linux")]
    if let Some(pid) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    {
        let _ = rustix::process::kill_process(pid, rustix::process::Signal::INT);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = pid;
}

/// The kernel sends the driver SIGINT when reel exits, however it exits.
fn die_with_parent(command: &mut Command) {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: between fork and exec only the async-signal-safe prctl
        // system call runs; nothing allocates or takes a lock.
        unsafe {
            command.pre_exec(|| {
                rustix::process::set_parent_process_death_signal(Some(rustix::process::Signal::INT))
                    .map_err(std::io::Error::from)
            });
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = command;
}

/// A private temporary file (the driver, its request), removed on drop.
struct TempFile {
    path: PathBuf,
}

impl TempFile {
    fn write(extension: &str, bytes: &[u8]) -> std::io::Result<TempFile> {
        let path = std::env::temp_dir().join(format!(
            "reel-driver-{}-{}.{extension}",
            std::process::id(),
            crate::timetravel::runid::random_hex8()
        ));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&path)?;
        file.write_all(bytes)?;
        Ok(TempFile { path })
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}
