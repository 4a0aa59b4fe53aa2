//! `reel validate PATH... [--json]`: exit 0 when every bundle is readable
//! (warnings allowed), 1 when any is broken, 2 when a path is unusable.

use std::path::{Path, PathBuf};

use serde_json::json;

use super::format::clean;
use super::{CliError, CliResult, EXIT_FAILURE, EXIT_OK};
use crate::bundle::validate::{validate_bundle, Report};
use crate::bundle::Severity;
use crate::model::discovery::{bundle_names, is_bundle};
use crate::sanitize::json::to_line;

pub fn run(paths: &[PathBuf], json: bool) -> CliResult {
    let mut out = String::new();
    let result = render(&mut out, paths, json);
    super::emit(&out);
    result
}

fn render(out: &mut String, paths: &[PathBuf], json: bool) -> CliResult {
    let bundles = expand(paths)?;
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

/// Bundles stand for themselves; a runs directory stands for every bundle
/// directly inside it.
fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, CliError> {
    let mut bundles = Vec::new();
    for path in paths {
        if !path.exists() {
            return Err(CliError::usage(format!(
                "{}: no such file or directory",
                path.display()
            )));
        }
        if is_bundle(path) {
            bundles.push(path.clone());
            continue;
        }
        if !path.is_dir() {
            return Err(CliError::usage(format!(
                "{}: not a bundle or runs directory",
                path.display()
            )));
        }
        let names = bundle_names(path).map_err(CliError::usage)?;
        if names.is_empty() {
            return Err(CliError::usage(format!(
                "{}: holds no run bundle (no manifest.json here or in its subfolders)",
                path.display()
            )));
        }
        bundles.extend(names.into_iter().map(|name| Path::new(path).join(name)));
    }
    Ok(bundles)
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
