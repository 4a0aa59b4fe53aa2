//! Finding runs: the runs directory, resolving a `RUN` argument (a bundle
//! path, a runId or a unique suffix of one) and listing the runs in a folder.

use std::fs;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::bundle::{folder_name, read_json_as, BundleError, Manifest, TRANSIENT_WRITE_PREFIX};

mod search;
pub use search::{find_bundles, BundleSearch, SEARCH_DEPTH, SEARCH_FOLDERS};

/// The environment variable the acpx viewer honours for the runs folder.
pub const RUNS_DIR_ENV: &str = "ACPX_FLOW_RUNS_DIR";

/// `$ACPX_FLOW_RUNS_DIR`, else `~/.acpx/flows/runs` (acpx's own default).
pub fn default_runs_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(RUNS_DIR_ENV).filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    let home = std::env::var_os("HOME").or_else(|| std::env::var_os("USERPROFILE"))?;
    Some(PathBuf::from(home).join(".acpx").join("flows").join("runs"))
}

/// Whether `dir` holds a `manifest.json` of any kind: one that is not a
/// readable regular file inside the folder is still a bundle, and opening
/// it says precisely what is wrong.
pub fn is_bundle(dir: &Path) -> bool {
    std::fs::symlink_metadata(dir.join("manifest.json")).is_ok()
}

/// Folder names in a runs directory that are never runs: acpx's transient
/// `acpx-write-*` folders and every hidden name — reel's state `.reel/`,
/// its unpublished forks `.reel-tmp-*`, anything else hidden. acpx run ids
/// never start with a dot.
pub fn is_reserved_name(name: &str) -> bool {
    name.starts_with('.') || name.starts_with(TRANSIENT_WRITE_PREFIX)
}

/// Whether a folder is a staging folder of reel's (an unfinished fork's
/// `.reel-tmp-*`, or a rewind's `.reel/staging/<op>`): never a run, even
/// when named by its path.
pub fn is_staging(dir: &Path) -> bool {
    let Ok(absolute) = std::path::absolute(dir) else {
        return false;
    };
    let name = |p: Option<&Path>| {
        p.and_then(Path::file_name)
            .map(|n| n.to_string_lossy().into_owned())
    };
    let own = name(Some(&absolute));
    let parent = absolute.parent();
    own.is_some_and(|n| n.starts_with(crate::timetravel::fork::TEMP_PREFIX))
        || (name(parent).as_deref() == Some("staging")
            && name(parent.and_then(Path::parent)).as_deref()
                == Some(crate::timetravel::layout::STATE_DIR))
}

/// Whether `dir` is a run acpx has created but not yet started writing:
/// its manifest is there, its trace holds no complete event yet (acpx
/// writes the manifest first). Opening it is a matter of a moment.
pub fn not_started(dir: &Path) -> bool {
    use std::io::Read;
    if !is_bundle(dir) {
        return false;
    }
    let trace = dir.join("trace.ndjson");
    let Ok(metadata) = std::fs::symlink_metadata(&trace) else {
        return true;
    };
    if !metadata.is_file() || metadata.len() > 1 << 20 {
        return false;
    }
    let mut bytes = Vec::new();
    std::fs::File::open(&trace)
        .and_then(|f| f.take(1 << 20).read_to_end(&mut bytes))
        .is_ok_and(|_| !bytes.contains(&b'\n'))
}

/// Why a `RUN` argument or a runs directory could not be used. The wording
/// is the CLI's vocabulary for each kind of problem (see `cli::errors`).
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    #[error("{0}: not a run bundle (no manifest.json in this folder)")]
    NotABundle(String),
    #[error("{0}: not a run bundle (a file; a bundle is the folder holding manifest.json)")]
    NotABundleFile(String),
    #[error("{0}: a staging folder of an unfinished reel operation, not a run (the next reel command on its runs folder removes it)")]
    Staging(String),
    #[error("no run matches {spec:?} in {}", dir.display())]
    NotFound { spec: String, dir: PathBuf },
    #[error("{spec:?} matches {} runs in {}: {}", matches.len(), dir.display(), matches.join(", "))]
    Ambiguous {
        spec: String,
        dir: PathBuf,
        matches: Vec<String>,
    },
    #[error("{0}: no such file or directory")]
    NoSuchPath(String),
    #[error("no run {spec:?}: {}: no such runs directory", dir.display())]
    NoRunsDirAt { spec: String, dir: PathBuf },
    #[error("{}: no such runs directory", .0.display())]
    MissingRunsDir(PathBuf),
    #[error("{}: not a runs directory (a file)", .0.display())]
    NotARunsDir(PathBuf),
    #[error("no runs directory: set {RUNS_DIR_ENV} or pass --runs-dir, or give a bundle path")]
    NoRunsDir,
    #[error("{}: cannot read the runs directory: {source}", dir.display())]
    Io {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Resolves `spec` to a bundle folder: an existing path, else a runId or a
/// unique suffix of one in `runs_dir`. Whatever exists on disk under that
/// name is taken as the path it is (a file too: it is not a bundle).
pub fn resolve_run(spec: &str, runs_dir: Option<&Path>) -> Result<PathBuf, ResolveError> {
    let as_path = Path::new(spec);
    if as_path.is_dir() {
        if is_staging(as_path) {
            return Err(ResolveError::Staging(spec.to_string()));
        }
        return if is_bundle(as_path) {
            Ok(as_path.to_path_buf())
        } else {
            Err(ResolveError::NotABundle(spec.to_string()))
        };
    }
    if !spec.is_empty() && fs::symlink_metadata(as_path).is_ok() {
        return Err(ResolveError::NotABundleFile(spec.to_string()));
    }
    // Something written as a path is a path: do not look it up as a runId.
    if spec.contains(std::path::MAIN_SEPARATOR) || spec.contains('/') || spec.starts_with('.') {
        return Err(ResolveError::NoSuchPath(spec.to_string()));
    }
    let dir = runs_dir.ok_or(ResolveError::NoRunsDir)?;
    let names = bundle_names(dir).map_err(|err| match err {
        ResolveError::MissingRunsDir(dir) => ResolveError::NoRunsDirAt {
            spec: spec.to_string(),
            dir,
        },
        other => other,
    })?;
    if let Some(exact) = names.iter().find(|n| n.as_str() == spec) {
        return Ok(dir.join(exact));
    }
    let matches: Vec<String> = names
        .into_iter()
        .filter(|n| !spec.is_empty() && n.ends_with(spec))
        .collect();
    match matches.len() {
        1 => Ok(dir.join(&matches[0])),
        0 => Err(ResolveError::NotFound {
            spec: spec.to_string(),
            dir: dir.to_path_buf(),
        }),
        _ => Err(ResolveError::Ambiguous {
            spec: spec.to_string(),
            dir: dir.to_path_buf(),
            matches,
        }),
    }
}

/// A runs directory that can be listed: a missing one, a file in its place
/// and an unreadable one are told apart.
fn read_runs_dir(dir: &Path) -> Result<fs::ReadDir, ResolveError> {
    fs::read_dir(dir).map_err(|source| match fs::metadata(dir) {
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            ResolveError::MissingRunsDir(dir.to_path_buf())
        }
        Ok(meta) if !meta.is_dir() => ResolveError::NotARunsDir(dir.to_path_buf()),
        _ => ResolveError::Io {
            dir: dir.to_path_buf(),
            source,
        },
    })
}

/// Names of the bundle folders directly inside `dir` (sorted; reserved
/// names — see [`is_reserved_name`] — and non-bundles skipped). A symlink
/// to a bundle folder is listed: it is where the user keeps that run.
pub fn bundle_names(dir: &Path) -> Result<Vec<String>, ResolveError> {
    let mut names: Vec<String> = read_runs_dir(dir)?
        .filter_map(Result::ok)
        .filter(|e| !is_reserved_name(&e.file_name().to_string_lossy()))
        .filter(|e| is_bundle(&e.path()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    Ok(names)
}

/// One row of the run list, read from the manifest alone (cheap).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunSummary {
    pub run_id: String,
    pub title: String,
    pub flow_name: String,
    pub status: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    /// Where a fork branched off (`None` for a run acpx started).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lineage: Option<crate::bundle::manifest::ManifestLineage>,
    #[serde(skip)]
    pub path: PathBuf,
}

impl RunSummary {
    /// What a person calls the run in a list: a fork by its label, or as
    /// the fork of its parent at a step (its title is its parent's).
    pub fn display_title(&self) -> String {
        let Some(lineage) = &self.lineage else {
            return self.title.clone();
        };
        let parent = lineage
            .parent_run_id
            .as_deref()
            .and_then(|id| id.rsplit('-').next())
            .unwrap_or("?");
        let at = lineage.attempt_id.as_deref().unwrap_or("?");
        match lineage.label.as_deref().filter(|l| !l.trim().is_empty()) {
            Some(label) => format!("⑂ {label} (fork of {parent} at {at})"),
            None => format!("⑂ fork of {parent} at {at}: {}", self.title),
        }
    }

    /// When the run began as a run of its own: a fork's creation, else
    /// its start.
    pub fn began_at(&self) -> Option<&str> {
        self.lineage
            .as_ref()
            .and_then(|l| l.created_at.as_deref())
            .or(self.started_at.as_deref())
    }
}

/// Manifests of every bundle in `dir`, newest first (startedAt, then runId,
/// both descending). Unreadable bundles come back as errors, not panics. A
/// runs directory that does not exist (yet) holds no runs; the CLI, which
/// must say so, checks with [`bundle_names`] first.
pub fn list_runs(dir: &Path) -> Result<Vec<Result<RunSummary, BundleError>>, ResolveError> {
    let names = match bundle_names(dir) {
        Err(ResolveError::MissingRunsDir(_)) => Vec::new(),
        other => other?,
    };
    let mut rows: Vec<Result<RunSummary, BundleError>> = names
        .into_iter()
        .map(|name| summarize(&dir.join(name)))
        .collect();
    rows.sort_by(|a, b| match (a, b) {
        (Ok(a), Ok(b)) => (&b.started_at, &b.run_id).cmp(&(&a.started_at, &a.run_id)),
        (Ok(_), Err(_)) => std::cmp::Ordering::Less,
        (Err(_), Ok(_)) => std::cmp::Ordering::Greater,
        (Err(a), Err(b)) => a.path().cmp(b.path()),
    });
    Ok(rows)
}

fn summarize(dir: &Path) -> Result<RunSummary, BundleError> {
    let manifest: Manifest = read_json_as(dir, &dir.join("manifest.json"))?;
    let flow_name = manifest.flow_name.clone().unwrap_or_default();
    Ok(RunSummary {
        run_id: manifest.run_id.clone().unwrap_or_else(|| folder_name(dir)),
        title: manifest
            .run_title
            .clone()
            .filter(|t| !t.trim().is_empty())
            .unwrap_or_else(|| flow_name.clone()),
        flow_name,
        status: manifest
            .status
            .clone()
            .unwrap_or_else(|| "unknown".to_string()),
        started_at: manifest.started_at.clone(),
        finished_at: manifest.finished_at.clone(),
        lineage: manifest.lineage.clone(),
        path: dir.to_path_buf(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runs_dir() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        for (name, started) in [
            (
                "2026-01-01T000000000Z-a-11111111",
                "2026-01-01T00:00:00.000Z",
            ),
            (
                "2026-01-02T000000000Z-b-22222222",
                "2026-01-02T00:00:00.000Z",
            ),
            (
                "2026-01-03T000000000Z-b-33331111",
                "2026-01-03T00:00:00.000Z",
            ),
        ] {
            let run = dir.path().join(name);
            fs::create_dir(&run).expect("mkdir");
            let manifest = format!(
                r#"{{"runId":"{name}","flowName":"f","startedAt":"{started}","status":"completed"}}"#
            );
            fs::write(run.join("manifest.json"), manifest).expect("write");
        }
        fs::create_dir(dir.path().join("acpx-write-x")).expect("mkdir");
        fs::create_dir(dir.path().join("not-a-run")).expect("mkdir");
        dir
    }

    #[test]
    fn resolves_ids_and_unique_suffixes() {
        let dir = runs_dir();
        let resolve = |spec: &str| resolve_run(spec, Some(dir.path()));
        assert_eq!(
            resolve("22222222").ok(),
            Some(dir.path().join("2026-01-02T000000000Z-b-22222222"))
        );
        assert!(matches!(
            resolve("1111"),
            Err(ResolveError::Ambiguous { .. })
        ));
        assert!(matches!(resolve("zzz"), Err(ResolveError::NotFound { .. })));
        assert!(matches!(
            resolve("./gone/run"),
            Err(ResolveError::NoSuchPath(_))
        ));
        let not_bundle = dir.path().join("not-a-run");
        assert!(matches!(
            resolve(&not_bundle.to_string_lossy()),
            Err(ResolveError::NotABundle(_))
        ));
    }

    #[test]
    fn lists_newest_first() {
        let dir = runs_dir();
        let rows = list_runs(dir.path()).expect("list");
        let ids: Vec<_> = rows
            .iter()
            .filter_map(|r| r.as_ref().ok())
            .map(|r| r.run_id.as_str())
            .collect();
        assert_eq!(
            ids,
            [
                "2026-01-03T000000000Z-b-33331111",
                "2026-01-02T000000000Z-b-22222222",
                "2026-01-01T000000000Z-a-11111111"
            ]
        );
    }
}
