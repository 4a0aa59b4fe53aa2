//! Running the real acpx CLI in tests: found in `/tmp/acpxnpm` (or
//! `$REEL_ACPX_NPM_DIR`), installed there from npm when missing. Tests that
//! need it print why and pass when it cannot be had (no node, no network).

#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

const ACPX_VERSION: &str = "0.19.1";
const INSTALL_TIMEOUT: Duration = Duration::from_secs(120);

pub fn generator() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/acpx-generator")
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

/// The acpx executable, installing the package when needed; `Err` says why
/// the test cannot run here.
pub fn acpx() -> Result<PathBuf, String> {
    if !generator().is_dir() {
        return Err(format!("{} is absent", generator().display()));
    }
    if !succeeds("node", "--version") || !succeeds("npm", "--version") {
        return Err("node or npm is not installed".into());
    }
    let npm_dir = std::env::var_os("REEL_ACPX_NPM_DIR")
        .map_or_else(|| PathBuf::from("/tmp/acpxnpm"), PathBuf::from);
    let bin = npm_dir.join("node_modules/.bin/acpx");
    let installed = fs::read_to_string(npm_dir.join("node_modules/acpx/package.json"))
        .is_ok_and(|p| p.contains(&format!("\"version\": \"{ACPX_VERSION}\"")));
    if !(installed && bin.exists()) {
        fs::create_dir_all(&npm_dir).map_err(|e| format!("cannot create {npm_dir:?}: {e}"))?;
        if !npm_dir.join("package.json").exists() {
            fs::write(npm_dir.join("package.json"), "{\"private\":true}\n")
                .map_err(|e| format!("cannot write package.json: {e}"))?;
        }
        eprintln!("installing acpx@{ACPX_VERSION} into {}", npm_dir.display());
        let mut npm = Command::new("npm")
            .args([
                "install",
                "--no-audit",
                "--no-fund",
                &format!("acpx@{ACPX_VERSION}"),
            ])
            .current_dir(&npm_dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot run npm: {e}"))?;
        match wait_timeout(&mut npm, INSTALL_TIMEOUT) {
            Some(status) if status.success() && bin.exists() => {}
            Some(status) => return Err(format!("npm install failed ({status}): no network?")),
            None => return Err(format!("npm install took over {INSTALL_TIMEOUT:?}")),
        }
    }
    // The mock agent imports the ACP SDK, so it must sit next to node_modules.
    let agent = npm_dir.join("mock-agent.mjs");
    if !agent.exists() {
        fs::copy(generator().join("mock-agent.mjs"), &agent)
            .map_err(|e| format!("cannot copy the mock agent: {e}"))?;
    }
    Ok(bin)
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
