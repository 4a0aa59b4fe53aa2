//! `reel validate [PATH|RUN...] [--json]`: exit 0 when every bundle is
//! readable (warnings allowed), 1 when any is broken or a folder holds
//! none, 2 when a path does not exist (see `errors` for the wording).
//! Without a path: the runs directory in use.

use std::path::{Path, PathBuf};

use serde_json::json;

use super::errors::{from_resolve, needed, Origin, RunsDir};
use super::format::clean;
use super::{CliError, CliResult, EXIT_FAILURE, EXIT_OK};
use crate::bundle::validate::{validate_bundle, Report};
use crate::bundle::Severity;
use crate::model::discovery::{find_bundles, SEARCH_DEPTH, SEARCH_FOLDERS};
use crate::sanitize::json::to_line;

pub fn run(paths: &[String], runs: Option<&RunsDir>, json: bool) -> CliResult {
    let mut out = String::new();
    let result = render(&mut out, paths, runs, json);
    super::emit(&out);
    result
}

fn render(out: &mut String, paths: &[String], runs: Option<&RunsDir>, json: bool) -> CliResult {
    let bundles = expand(paths, runs)?;
    let reports: Vec<Report> = bundles.iter().map(|dir| validate_bundle(dir)).collect();
    let broken = reports.iter().filter(|r| r.is_broken()).count();
    if json {
        let list: Vec<_> = reports
            .iter()
            .map(|r| json!({"path": r.path, "ok": !r.is_broken(), "problems": r.problems}))
            .collect();
        outln!(
            out,
            "{}",
            to_line(&json!({"bundles": list, "broken": broken}))
        );
    } else {
        print_human(out, &reports, broken);
    }
    Ok(if broken > 0 { EXIT_FAILURE } else { EXIT_OK })
}

/// A folder stands for every bundle in or below it (itself, when it is
/// one); anything else is a RUN as every command takes it: a bundle path,
/// or a runId or unique suffix in the runs directory.
fn expand(paths: &[String], runs: Option<&RunsDir>) -> Result<Vec<PathBuf>, CliError> {
    if paths.is_empty() {
        let dir = needed(runs)?;
        return search(&dir.path, dir.origin);
    }
    let mut bundles = Vec::new();
    for spec in paths {
        let path = Path::new(spec);
        if path.is_dir() {
            bundles.extend(search(path, Origin::Given)?);
        } else {
            bundles.push(super::resolve_dir(spec, runs)?);
        }
    }
    Ok(bundles)
}

/// The bundles in or below `dir`: none is an error (nothing was checked).
fn search(dir: &Path, origin: Origin) -> Result<Vec<PathBuf>, CliError> {
    let found = find_bundles(dir).map_err(|err| from_resolve(err, origin))?;
    for skipped in &found.unreadable {
        super::say(format_args!(
            "{}: cannot read this folder; bundles in it are not checked",
            skipped.display()
        ));
    }
    if found.truncated {
        super::say(format_args!(
            "{}: stopped searching after {SEARCH_FOLDERS} folders; name a folder nearer the bundles",
            dir.display()
        ));
    }
    if found.bundles.is_empty() {
        return Err(CliError::failure(format!(
            "{}: holds no run bundle (no manifest.json in it or in its subfolders, {SEARCH_DEPTH} levels down)",
            dir.display()
        )));
    }
    Ok(found.bundles)
}

fn print_human(out: &mut String, reports: &[Report], broken: usize) {
    let mut warnings = 0;
    for report in reports {
        let verdict = if report.is_broken() { "BROKEN" } else { "ok" };
        outln!(out, "{verdict:>6}  {}", super::format::path(&report.path));
        for problem in &report.problems {
            warnings += usize::from(problem.severity == Severity::Warning);
            outln!(out, "        {}", clean(&problem.to_string(), 400));
        }
    }
    outln!(
        out,
        "{} bundle(s) checked: {} broken, {} warning(s)",
        reports.len(),
        broken,
        warnings
    );
}
