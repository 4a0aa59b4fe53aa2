//! Help for every argument and examples for every subcommand, checked on
//! clap's own tree (`Cli::command()`), each example parsed by the real
//! parser.

#[path = "cli_help/subcommands.rs"]
mod subcommands;

use clap::{CommandFactory, Parser};
use reel::cli::Cli;
use subcommands::SUBCOMMANDS;

/// Splits an example line the way a shell would, enough for our examples:
/// words, '…' and "…" quoting; stops at a redirection or a pipe, and at two
/// spaces (what follows is a comment on the example).
fn shell_words(line: &str) -> Vec<String> {
    let line = line.trim();
    let line = line.split("  ").next().unwrap_or("");
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote = None;
    let mut in_word = false;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, '>' | '|') => break,
            (None, ' ') => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// What is missing in a command tree: arguments without help, commands
/// without examples, examples that do not parse or do not use their
/// command. `parse` checks an example's words against the real parser.
fn audit(
    cmd: &clap::Command,
    path: &[String],
    parse: &dyn Fn(&[String]) -> Result<(), String>,
    problems: &mut Vec<String>,
) {
    let name = if path.is_empty() {
        "reel".to_string()
    } else {
        format!("reel {}", path.join(" "))
    };
    for arg in cmd.get_arguments() {
        let id = arg.get_id().as_str();
        if id == "help" || id == "version" {
            continue;
        }
        let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
        if help.trim().is_empty() {
            problems.push(format!("{name}: argument {id:?} has no help line"));
        }
    }
    let after = cmd
        .get_after_help()
        .map(|h| h.to_string())
        .unwrap_or_default();
    let examples: Vec<Vec<String>> = after
        .lines()
        .skip_while(|l| !l.starts_with("Examples:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .map(shell_words)
        .collect();
    if examples.is_empty() {
        problems.push(format!("{name}: no examples at the end of its help"));
    }
    let mut uses_itself = path.is_empty();
    for words in &examples {
        if let Err(err) = parse(words) {
            problems.push(format!(
                "{name}: example `{}` does not parse: {err}",
                words.join(" ")
            ));
        }
        uses_itself |= words.len() > path.len() && words[1..=path.len()] == *path;
    }
    if !examples.is_empty() && !uses_itself {
        problems.push(format!("{name}: no example runs `{name}`"));
    }
    for sub in cmd.get_subcommands() {
        if sub.get_name() == "help" {
            continue;
        }
        let mut deeper = path.to_vec();
        deeper.push(sub.get_name().to_string());
        audit(sub, &deeper, parse, problems);
    }
}

fn parse_with_reel(words: &[String]) -> Result<(), String> {
    if words.first().map(String::as_str) != Some("reel") {
        return Err("an example starts with `reel`".to_string());
    }
    Cli::try_parse_from(words)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

#[test]
fn every_argument_has_help_and_every_command_ends_with_examples() {
    let mut cmd = Cli::command();
    cmd.build();
    let mut problems = Vec::new();
    audit(&cmd, &[], &parse_with_reel, &mut problems);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let visible: Vec<&str> = cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
        .map(|s| s.get_name())
        .collect();
    assert_eq!(
        visible, SUBCOMMANDS,
        "the subcommands changed: update SUBCOMMANDS"
    );
}

#[test]
fn the_help_audit_finds_what_is_missing() {
    use clap::{Arg, ArgAction, Command};
    let bad = Command::new("reel")
        .after_help("Examples:\n  reel x")
        .arg(Arg::new("quiet").long("quiet").action(ArgAction::SetTrue))
        .subcommand(
            Command::new("x").arg(
                Arg::new("json")
                    .long("json")
                    .action(ArgAction::SetTrue)
                    .help("JSON"),
            ),
        )
        .subcommand(Command::new("y").after_help("Examples:\n  reel x --json\n  reel y --nope"));
    let parse = |words: &[String]| {
        bad.clone()
            .try_get_matches_from(words)
            .map(|_| ())
            .map_err(|e| e.kind().to_string())
    };
    let mut problems = Vec::new();
    audit(&bad, &[], &parse, &mut problems);
    let text = problems.join("\n");
    for wanted in [
        "reel: argument \"quiet\" has no help line",
        "reel x: no examples",
        "reel y: example `reel y --nope` does not parse",
    ] {
        assert!(text.contains(wanted), "{wanted:?} not reported:\n{text}");
    }
    assert_eq!(problems.len(), 3, "{text}");
    assert_eq!(
        shell_words("  reel a 'b#2' \"c d\"  comment"),
        ["reel", "a", "b#2", "c d"]
    );
    assert_eq!(shell_words("  reel man | man -l -"), ["reel", "man"]);
}
