//! The subcommands, for the tests that check each is documented.

/// Every subcommand a user can type, written out (not read from the code):
/// a new one must be added here, with its completion and man entry.
pub const SUBCOMMANDS: [&str; 18] = [
    "list",
    "show",
    "state",
    "validate",
    "play",
    "demo",
    "fork",
    "diff",
    "tree",
    "rewind",
    "resume",
    "undo",
    "audit",
    "backups",
    "gc",
    "completions",
    "man",
    "keys",
];
