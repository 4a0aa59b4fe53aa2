//! Running the real acpx CLI in tests.
//!
//! acpx 0.19.1 is installed from npm into `acpx-0.19.1/` under cargo's
//! `CARGO_TARGET_TMPDIR` (`target/tmp`, kept between runs, so it is
//! installed once; `.ci/run` installs it there before the tests), or used
//! from `$REEL_ACPX_NPM_DIR`. Installs are staged in a sibling folder and
//! renamed into place, so tests in several binaries may race for it: one
//! rename wins, the others find it done. A test that needs acpx fails when
//! it cannot be had (no node, npm or network), unless the tests were built
//! with `REEL_SKIP_ACPX_TESTS` set: then it is ignored, saying so.

#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const ACPX_VERSION: &str = "0.19.1";
/// A bound for npm on a slow network or a loaded machine, not a pace.
const INSTALL_TIMEOUT: Duration = Duration::from_secs(300);

pub fn generator() -> PathBuf {
    Path::new(env!("REEL_SHARED_DIR")).join("acpx-generator")
}

pub fn succeeds(program: &str, arg: &str) -> bool {
    Command::new(program)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Waits for `child` until `timeout`, killing it then.
pub fn wait_timeout(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

/// Where acpx is (to be) installed.
pub fn npm_dir() -> PathBuf {
    std::env::var_os("REEL_ACPX_NPM_DIR")
        .filter(|dir| !dir.is_empty())
        .map_or_else(
            || Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("acpx-{ACPX_VERSION}")),
            PathBuf::from,
        )
}

/// The acpx executable, installed when needed. Fails the test, saying why,
/// when it cannot be had.
pub fn acpx() -> PathBuf {
    static FOUND: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match FOUND.get_or_init(find_or_install) {
        Ok(bin) => bin.clone(),
        Err(why) => panic!(
            "acpx {ACPX_VERSION} cannot be had: {why}\n\
             (the tests that run it need node, npm and the npm registry; build \
             with REEL_SKIP_ACPX_TESTS=1 to ignore them instead)"
        ),
    }
}

fn bin_in(dir: &Path) -> PathBuf {
    dir.join("node_modules/.bin/acpx")
}

fn installed(dir: &Path) -> bool {
    let manifest = fs::read_to_string(dir.join("node_modules/acpx/package.json"));
    let version = manifest
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .is_some_and(|m| m["version"] == ACPX_VERSION);
    version && bin_in(dir).exists()
}

fn find_or_install() -> Result<PathBuf, String> {
    if !generator().is_dir() {
        return Err(format!("{} is absent", generator().display()));
    }
    let dir = npm_dir();
    if !installed(&dir) {
        install(&dir)?;
    }
    refresh_mock_agent(&dir)?;
    Ok(bin_in(&dir))
}

/// `npm install acpx@0.19.1` in a staging folder next to `dir`, renamed to
/// `dir` when complete. A rename that loses to another install is fine.
fn install(dir: &Path) -> Result<(), String> {
    if !succeeds("node", "--version") || !succeeds("npm", "--version") {
        return Err("node or npm is not installed".into());
    }
    let parent = dir.parent().ok_or("the install folder has no parent")?;
    fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    let staging = parent.join(format!(
        ".{}.staging-{}-{}",
        dir.file_name()
            .map_or("acpx".into(), |n| n.to_string_lossy()),
        std::process::id(),
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    ));
    let result = stage(&staging);
    let result = result.and_then(|()| match fs::rename(&staging, dir) {
        Ok(()) => Ok(()),
        Err(_) if installed(dir) => Ok(()), // another test got there first
        Err(e) => Err(format!(
            "cannot move the install to {} ({e}): remove that folder",
            dir.display()
        )),
    });
    let _ = fs::remove_dir_all(&staging);
    result
}

fn stage(staging: &Path) -> Result<(), String> {
    fs::create_dir(staging).map_err(|e| format!("cannot create {}: {e}", staging.display()))?;
    fs::write(staging.join("package.json"), "{\"private\":true}\n")
        .map_err(|e| format!("cannot write package.json: {e}"))?;
    eprintln!(
        "installing acpx@{ACPX_VERSION} from npm (in {})",
        staging.display()
    );
    let log_path = staging.join("npm.log");
    let log = fs::File::create(&log_path).map_err(|e| format!("cannot create npm.log: {e}"))?;
    let log_err = log.try_clone().map_err(|e| e.to_string())?;
    let mut npm = Command::new("npm")
        .args([
            "install",
            "--no-audit",
            "--no-fund",
            &format!("acpx@{ACPX_VERSION}"),
        ])
        .current_dir(staging)
        .stdout(log)
        .stderr(log_err)
        .spawn()
        .map_err(|e| format!("cannot run npm: {e}"))?;
    let status = wait_timeout(&mut npm, INSTALL_TIMEOUT);
    let tail = || {
        let text = fs::read_to_string(&log_path).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    };
    match status {
        Some(status) if status.success() && installed(staging) => Ok(()),
        Some(status) => Err(format!("npm install failed ({status}):\n{}", tail())),
        None => Err(format!(
            "npm install took over {INSTALL_TIMEOUT:?}:\n{}",
            tail()
        )),
    }
}

/// The mock agent imports the ACP SDK, so it must sit next to
/// `node_modules`. Copied on every run (the generator's may have changed)
/// through a rename, so a concurrent reader sees a whole file.
fn refresh_mock_agent(dir: &Path) -> Result<(), String> {
    let temp = dir.join(format!(".mock-agent.mjs.{}", std::process::id()));
    fs::copy(generator().join("mock-agent.mjs"), &temp)
        .and_then(|_| fs::rename(&temp, dir.join("mock-agent.mjs")))
        .map_err(|e| format!("cannot copy the mock agent into {}: {e}", dir.display()))
}

/// A temp HOME with the acpx config pointing at the mock agent, and a flows
/// folder holding `flow` from the generator.
pub fn prepare(acpx_bin: &Path, flow: &str) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let npm_dir = acpx_bin
        .ancestors()
        .nth(3)
        .expect("npm dir above node_modules/.bin/acpx")
        .to_path_buf();
    let temp = tempfile::tempdir().expect("tempdir");
    let home = temp.path().join("home");
    let flows = temp.path().join("flows");
    fs::create_dir_all(home.join(".acpx")).expect("home");
    fs::create_dir_all(&flows).expect("flows");
    let config = fs::read_to_string(generator().join("acpx-config.json")).expect("config");
    // The generator's config names the folder its own script installs into.
    let config = config.replace("/tmp/acpxnpm", &npm_dir.to_string_lossy());
    fs::write(home.join(".acpx/config.json"), config).expect("write config");
    fs::copy(generator().join("flows").join(flow), flows.join(flow)).expect("copy flow");
    (temp, home, flows)
}

/// Starts `acpx flow run <flow>` with HOME at `home`.
pub fn start_flow(acpx_bin: &Path, home: &Path, flows: &Path, flow: &str) -> Child {
    let log = |name: &str| fs::File::create(home.join(name)).expect("log file");
    Command::new(acpx_bin)
        .args(["--approve-all", "--format", "json", "flow", "run", flow])
        .current_dir(flows)
        .env("HOME", home)
        .stdout(log("acpx.out"))
        .stderr(log("acpx.err"))
        .spawn()
        .expect("start acpx")
}

/// A scene for resume tests: a temp HOME whose acpx config runs the
/// recording agent (`recording-agent.mjs`, logging every prompt to
/// `prompt_log`), a flows folder holding `flows` (from the generator, or
/// this crate's `tests/acpx/flows/`), and the acpx package folder.
pub struct Scene {
    pub temp: tempfile::TempDir,
    pub home: PathBuf,
    pub flows: PathBuf,
    pub runs: PathBuf,
    pub acpx_bin: PathBuf,
    pub acpx_package: PathBuf,
    pub prompt_log: PathBuf,
}

pub fn recording_scene(flows: &[&str]) -> Scene {
    let acpx_bin = acpx();
    let npm_dir = acpx_bin
        .ancestors()
        .nth(3)
        .expect("npm dir above node_modules/.bin/acpx")
        .to_path_buf();
    let own = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/acpx");
    let agent = npm_dir.join("recording-agent.mjs");
    // Unique per call: tests of one binary (one pid) install it at once.
    let temp_agent = npm_dir.join(format!(
        ".recording-agent.mjs.{}.{}",
        std::process::id(),
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    ));
    fs::copy(own.join("recording-agent.mjs"), &temp_agent)
        .and_then(|_| fs::rename(&temp_agent, &agent))
        .expect("install the recording agent");
    let temp = tempfile::tempdir().expect("tempdir");
    let home = temp.path().join("home");
    let flows_dir = temp.path().join("flows");
    fs::create_dir_all(home.join(".acpx")).expect("home");
    fs::create_dir_all(&flows_dir).expect("flows");
    let agent_path = agent.to_string_lossy();
    let config = serde_json::json!({
        "defaultAgent": "mock",
        "agents": {
            "mock": {"argv": ["node", agent_path]},
            "mock-reviewer": {"argv": ["node", agent_path, "--role", "reviewer"]},
        }
    });
    fs::write(home.join(".acpx/config.json"), config.to_string()).expect("write config");
    for flow in flows {
        let from = [
            own.join("flows").join(flow),
            generator().join("flows").join(flow),
        ]
        .into_iter()
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("no flow {flow}"));
        fs::copy(from, flows_dir.join(flow)).expect("copy flow");
    }
    Scene {
        runs: home.join(".acpx/flows/runs"),
        prompt_log: temp.path().join("prompts.ndjson"),
        acpx_package: npm_dir.join("node_modules/acpx"),
        acpx_bin,
        home,
        flows: flows_dir,
        temp,
    }
}

impl Scene {
    /// Runs `acpx flow run FLOW` to its end and returns the new run's folder.
    pub fn run_flow(&self, flow: &str, input: &serde_json::Value) -> PathBuf {
        let before: Vec<_> = self.run_dirs();
        let status = Command::new(&self.acpx_bin)
            .args(["--approve-all", "--format", "quiet", "flow", "run", flow])
            .arg("--input-json")
            .arg(input.to_string())
            .current_dir(&self.flows)
            .env("HOME", &self.home)
            .env("MOCK_PROMPT_LOG", &self.prompt_log)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map(|mut child| wait_timeout(&mut child, Duration::from_secs(300)))
            .expect("start acpx");
        assert!(status.is_some(), "acpx flow run {flow} did not finish");
        let mut fresh: Vec<_> = self
            .run_dirs()
            .into_iter()
            .filter(|d| !before.contains(d))
            .collect();
        assert_eq!(fresh.len(), 1, "one new run for {flow}: {fresh:?}");
        fresh.remove(0)
    }

    pub fn run_dirs(&self) -> Vec<PathBuf> {
        let mut dirs: Vec<PathBuf> = fs::read_dir(&self.runs)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| p.join("manifest.json").is_file())
                    .collect()
            })
            .unwrap_or_default();
        dirs.sort();
        dirs
    }

    /// The prompts the agents saw so far: (method, first line of the prompt).
    pub fn prompts(&self) -> Vec<(String, String)> {
        fs::read_to_string(&self.prompt_log)
            .unwrap_or_default()
            .lines()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .map(|v| {
                (
                    v["method"].as_str().unwrap_or("").to_string(),
                    v["firstLine"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect()
    }

    /// A `reel` command with this scene's HOME, engine and prompt log.
    pub fn reel(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_reel"));
        command
            .env("HOME", &self.home)
            .env("REEL_ACPX", &self.acpx_package)
            .env("MOCK_PROMPT_LOG", &self.prompt_log)
            .env_remove("ACPX_FLOW_RUNS_DIR")
            .current_dir(&self.flows);
        command
    }
}
