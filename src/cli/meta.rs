//! About reel itself: `reel completions SHELL`, `reel man`, `reel keys`.

use std::fmt::Write as _;

use clap::CommandFactory;
use serde_json::json;

use super::output::emit_raw;
use super::{emit, say, Cli, CliError, CliResult, EXIT_OK};
use crate::tui::keymap::{user_keys_path, Keymap, Mode};

/// A completion script for `shell`, on stdout.
pub fn completions(shell: clap_complete::Shell) -> CliResult {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "reel", &mut script);
    emit_raw(&script);
    Ok(EXIT_OK)
}

/// A manual page, roff on stdout: reel(1) — the options and the list of
/// commands — or reel-COMMAND(1) with that command's options and examples.
pub fn man(command: Option<&str>) -> CliResult {
    let mut root = Cli::command();
    // Built, the subcommands carry their full names (`reel-fork`, `reel fork`).
    root.build();
    let page = match command {
        None => root,
        Some(name) => root
            .get_subcommands()
            .find(|sub| sub.get_name() == name && !sub.is_hide_set())
            .map(|sub| {
                sub.clone()
                    .version(super::VERSION)
                    .disable_version_flag(true)
            })
            .ok_or_else(|| {
                let names: Vec<&str> = root
                    .get_subcommands()
                    .filter(|sub| !sub.is_hide_set() && sub.get_name() != "help")
                    .map(|sub| sub.get_name())
                    .collect();
                CliError::usage(format!(
                    "no command {name:?}: give one of {}",
                    names.join(", ")
                ))
            })?,
    };
    let mut out = Vec::new();
    clap_mangen::Man::new(page)
        .render(&mut out)
        .map_err(|err| CliError::failure(format!("cannot render the man page: {err}")))?;
    emit_raw(&out);
    Ok(EXIT_OK)
}

/// The key bindings in effect: the defaults with the user's keys file
/// applied (a broken file is reported on stderr, and the defaults shown —
/// as the viewer does).
pub fn keys(json: bool) -> CliResult {
    let (keymap, problem) = Keymap::load();
    let path = user_keys_path();
    let file = match (&path, &problem) {
        (_, Some(problem)) => format!("ignored: {problem}"),
        (Some(path), None) if path.is_file() => format!("{} (applied)", path.display()),
        (Some(path), None) => format!("{} (none there: the defaults)", path.display()),
        (None, None) => "none (no HOME or XDG_CONFIG_HOME): the defaults".to_string(),
    };
    if let Some(problem) = &problem {
        say(format_args!("keys file ignored: {problem}"));
    }
    let defaults = Keymap::defaults();
    let mut out = String::new();
    if json {
        let modes: serde_json::Map<String, serde_json::Value> = [Mode::Run, Mode::Browser]
            .into_iter()
            .map(|mode| (mode.name().to_string(), keymap.to_json(mode, &defaults)))
            .collect();
        let doc = json!({
            "file": path,
            "applied": problem.is_none() && path.as_ref().is_some_and(|p| p.is_file()),
            "error": problem,
            "modes": modes,
        });
        let _ = writeln!(out, "{}", crate::sanitize::json::to_line(&doc));
    } else {
        let _ = writeln!(out, "keys file: {file}");
        out.push_str(&keymap.render_table(&defaults));
    }
    emit(&out);
    Ok(EXIT_OK)
}
