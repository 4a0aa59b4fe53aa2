//! Finding the engine a resume runs on: a Node.js binary and an acpx
//! package folder, from the flags, the environment or `PATH`, with the acpx
//! version checked against the range the driver was written for. Nothing
//! here runs the flow; a failure says what was looked for and how to point
//! reel at the right place.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The acpx versions the driver was written and tested against.
pub const SUPPORTED_ACPX: &str = ">=0.19.1 <0.20";
const MIN_ACPX: (u64, u64, u64) = (0, 19, 1);
const BELOW_ACPX: (u64, u64, u64) = (0, 20, 0);

/// `$REEL_ACPX`: an acpx package folder or the `acpx` binary.
pub const ACPX_ENV: &str = "REEL_ACPX";
/// `$REEL_NODE`: the node binary.
pub const NODE_ENV: &str = "REEL_NODE";

/// Where the user told reel to look (flags win over the environment).
#[derive(Debug, Clone, Default)]
pub struct EngineHints {
    pub acpx: Option<PathBuf>,
    pub node: Option<PathBuf>,
}

/// A usable engine: node and the acpx package it will load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Engine {
    pub node: PathBuf,
    pub node_version: String,
    pub acpx_dir: PathBuf,
    pub acpx_version: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EngineError {
    #[error("no Node.js found (looked at {looked}); install Node.js 20 or later, or point reel at it with --node PATH or ${NODE_ENV}")]
    NoNode { looked: String },
    #[error("{node} does not run ({why}); point reel at a working Node.js with --node PATH or ${NODE_ENV}")]
    BrokenNode { node: String, why: String },
    #[error("no acpx found (looked at {looked}); install it (`npm install -g acpx@0.19`), or point reel at it with --acpx DIR (the acpx package folder or the acpx binary) or ${ACPX_ENV}")]
    NoAcpx { looked: String },
    #[error("{dir}: acpx {version} is not supported (reel resumes with acpx {SUPPORTED_ACPX}); point reel at a supported acpx with --acpx DIR or ${ACPX_ENV}")]
    Unsupported { dir: String, version: String },
    #[error("acpx {version} at {dir} lacks what reel's driver needs: {missing}; reel resumes with acpx {SUPPORTED_ACPX}")]
    Incompatible {
        dir: String,
        version: String,
        missing: String,
    },
}

/// Finds node and acpx. `env` reads an environment variable (injected so
/// tests need not change the process environment).
pub fn locate(
    hints: &EngineHints,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Engine, EngineError> {
    let path_var = env("PATH").unwrap_or_default();
    let node = find_node(hints, env, &path_var)?;
    let node_version = node_version(&node)?;
    let (acpx_dir, acpx_version) = find_acpx(hints, env, &path_var)?;
    if !supported(&acpx_version) {
        return Err(EngineError::Unsupported {
            dir: acpx_dir.display().to_string(),
            version: acpx_version,
        });
    }
    Ok(Engine {
        node,
        node_version,
        acpx_dir,
        acpx_version,
    })
}

fn find_node(
    hints: &EngineHints,
    env: &dyn Fn(&str) -> Option<String>,
    path_var: &str,
) -> Result<PathBuf, EngineError> {
    if let Some(node) = hints
        .node
        .clone()
        .or_else(|| env(NODE_ENV).map(PathBuf::from))
    {
        return if node.is_file() {
            Ok(node)
        } else {
            Err(EngineError::NoNode {
                looked: node.display().to_string(),
            })
        };
    }
    on_path("node", path_var).ok_or_else(|| EngineError::NoNode {
        looked: format!(
            "--node, ${NODE_ENV}, node on PATH ({})",
            shown_path(path_var)
        ),
    })
}

fn find_acpx(
    hints: &EngineHints,
    env: &dyn Fn(&str) -> Option<String>,
    path_var: &str,
) -> Result<(PathBuf, String), EngineError> {
    let given = hints
        .acpx
        .clone()
        .or_else(|| env(ACPX_ENV).map(PathBuf::from));
    let (start, looked) = match given {
        Some(path) => {
            let looked = path.display().to_string();
            (Some(path), looked)
        }
        None => (
            on_path("acpx", path_var),
            format!(
                "--acpx, ${ACPX_ENV}, acpx on PATH ({})",
                shown_path(path_var)
            ),
        ),
    };
    start
        .and_then(|path| package_of(&path))
        .ok_or(EngineError::NoAcpx { looked })
}

/// The acpx package folder for a path that is the folder itself, the
/// `acpx` binary (usually a symlink to `dist/cli.js`), or a file inside.
pub fn package_of(path: &Path) -> Option<(PathBuf, String)> {
    let real = path.canonicalize().ok()?;
    let mut dir = if real.is_dir() {
        Some(real.as_path())
    } else {
        real.parent()
    };
    while let Some(candidate) = dir {
        if let Some(version) = acpx_version_at(candidate) {
            return Some((candidate.to_path_buf(), version));
        }
        dir = candidate.parent();
    }
    None
}

/// The version of the acpx package in `dir`, if it is one.
fn acpx_version_at(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join("package.json")).ok()?;
    let manifest: serde_json::Value = serde_json::from_str(&text).ok()?;
    if manifest.get("name")?.as_str()? != "acpx" {
        return None;
    }
    Some(manifest.get("version")?.as_str()?.to_string())
}

/// Whether an acpx version is in `SUPPORTED_ACPX` (pre-releases are not).
pub fn supported(version: &str) -> bool {
    let mut parts = version.trim().split('.');
    let mut next = || parts.next()?.parse::<u64>().ok();
    match (next(), next(), next()) {
        (Some(major), Some(minor), Some(patch)) => {
            let v = (major, minor, patch);
            v >= MIN_ACPX && v < BELOW_ACPX
        }
        _ => false,
    }
}

fn on_path(program: &str, path_var: &str) -> Option<PathBuf> {
    std::env::split_paths(path_var)
        .map(|dir| dir.join(program))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        path.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        path.is_file()
    }
}

fn shown_path(path_var: &str) -> String {
    if path_var.is_empty() {
        "PATH is empty".to_string()
    } else {
        format!("PATH={path_var}")
    }
}

/// `node --version`, bounded: a node that hangs is a broken node.
fn node_version(node: &Path) -> Result<String, EngineError> {
    let broken = |why: String| EngineError::BrokenNode {
        node: node.display().to_string(),
        why,
    };
    let mut child = spawn_retrying_busy(
        Command::new(node)
            .arg("--version")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null()),
    )
    .map_err(|e| broken(e.to_string()))?;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => break,
            Ok(Some(status)) => return Err(broken(format!("`--version` exited with {status}"))),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(broken("`--version` did not answer within 30 s".into()));
            }
            Err(e) => return Err(broken(e.to_string())),
        }
    }
    let mut out = String::new();
    if let Some(mut stdout) = child.stdout.take() {
        use std::io::Read;
        let _ = stdout.read_to_string(&mut out);
    }
    let version = out.trim().to_string();
    if version.starts_with('v') {
        Ok(version)
    } else {
        Err(broken(format!("`--version` printed {version:?}")))
    }
}

/// Spawns `command`, trying again a few times while the executable is
/// "busy" (ETXTBSY: another thread's fork still holds it open for writing
/// for an instant after it was written, as when a script was just made).
pub fn spawn_retrying_busy(command: &mut Command) -> std::io::Result<std::process::Child> {
    const ETXTBSY: i32 = 26;
    let mut tries = 0;
    loop {
        match command.spawn() {
            Err(err) if err.raw_os_error() == Some(ETXTBSY) && tries < 50 => {
                tries += 1;
                std::thread::sleep(Duration::from_millis(10));
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests;
