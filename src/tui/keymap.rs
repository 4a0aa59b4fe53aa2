//! Keys → actions, per mode. The defaults live in `assets/keys.toml`; a
//! user file in the config directory overrides them action by action. The
//! same table feeds the help overlay and the status-bar hints.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::Action;

pub const DEFAULT_KEYS: &str = include_str!("../../assets/keys.toml");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    Run,
    Browser,
}

impl Mode {
    fn table(self) -> &'static str {
        match self {
            Mode::Run => "run",
            Mode::Browser => "browser",
        }
    }

    /// The mode's table name in the keys file (`run`, `browser`).
    pub fn name(self) -> &'static str {
        self.table()
    }
}

/// A key with its modifiers, normalized so that `J` matches however the
/// terminal reports shift.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyChord {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

impl KeyChord {
    pub fn from_event(event: &KeyEvent) -> KeyChord {
        let mut modifiers =
            event.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        if matches!(event.code, KeyCode::Char(_) | KeyCode::BackTab) {
            modifiers.remove(KeyModifiers::SHIFT);
        }
        KeyChord {
            code: event.code,
            modifiers,
        }
    }

    /// Parses `j`, `J`, `?`, `Down`, `ctrl-d`, `shift-Up`, `BackTab` ….
    pub fn parse(text: &str) -> Result<KeyChord, String> {
        let mut modifiers = KeyModifiers::NONE;
        let mut rest = text;
        loop {
            let lower = rest.to_ascii_lowercase();
            let (prefix, flag) = if lower.starts_with("ctrl-") {
                ("ctrl-", KeyModifiers::CONTROL)
            } else if lower.starts_with("alt-") {
                ("alt-", KeyModifiers::ALT)
            } else if lower.starts_with("shift-") && rest.len() > 6 {
                ("shift-", KeyModifiers::SHIFT)
            } else {
                break;
            };
            modifiers |= flag;
            rest = &rest[prefix.len()..];
        }
        let code = match rest.to_ascii_lowercase().as_str() {
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "pageup" => KeyCode::PageUp,
            "pagedown" => KeyCode::PageDown,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "enter" => KeyCode::Enter,
            "esc" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "space" => KeyCode::Char(' '),
            "backspace" => KeyCode::Backspace,
            _ => {
                let mut chars = rest.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => KeyCode::Char(c),
                    _ => return Err(format!("unknown key {text:?}")),
                }
            }
        };
        if matches!(code, KeyCode::Char(_) | KeyCode::BackTab) {
            modifiers.remove(KeyModifiers::SHIFT);
        }
        Ok(KeyChord { code, modifiers })
    }
}

impl fmt::Display for KeyChord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            write!(f, "ctrl-")?;
        }
        if self.modifiers.contains(KeyModifiers::ALT) {
            write!(f, "alt-")?;
        }
        if self.modifiers.contains(KeyModifiers::SHIFT) {
            write!(f, "shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => write!(f, "Space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Up => write!(f, "↑"),
            KeyCode::Down => write!(f, "↓"),
            KeyCode::Left => write!(f, "←"),
            KeyCode::Right => write!(f, "→"),
            KeyCode::BackTab => write!(f, "S-Tab"),
            other => write!(f, "{other}"),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Keymap {
    lookup: HashMap<(Mode, KeyChord), Action>,
    /// Bindings per mode in `Action::ALL` order, for help and hints.
    listing: HashMap<Mode, Vec<(Action, Vec<KeyChord>)>>,
}

impl Keymap {
    /// The built-in defaults.
    pub fn defaults() -> Keymap {
        Keymap::from_toml(DEFAULT_KEYS).unwrap_or_default()
    }

    /// Defaults overridden by the user's keys file, if any. A broken file is
    /// reported (the caller shows the message) and the defaults are used.
    pub fn load() -> (Keymap, Option<String>) {
        let defaults = Keymap::defaults();
        let Some(path) = user_keys_path().filter(|p| p.is_file()) else {
            return (defaults, None);
        };
        match std::fs::read_to_string(&path)
            .map_err(|e| e.to_string())
            .and_then(|text| defaults.clone().with_overrides(&text))
        {
            Ok(keymap) => (keymap, None),
            Err(err) => (defaults, Some(format!("{}: {err}", path.display()))),
        }
    }

    pub fn from_toml(text: &str) -> Result<Keymap, String> {
        Keymap::default().with_overrides(text)
    }

    /// Replaces the bindings of every action the TOML text names.
    pub fn with_overrides(mut self, text: &str) -> Result<Keymap, String> {
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| e.message().to_string())?;
        for mode in [Mode::Run, Mode::Browser] {
            let Some(section) = table.get(mode.table()) else {
                continue;
            };
            let section = section
                .as_table()
                .ok_or_else(|| format!("[{}] must be a table", mode.table()))?;
            // A key the file binds to two actions of one mode is a mistake
            // to report, not a coin to toss.
            let mut claimed: HashMap<KeyChord, Action> = HashMap::new();
            for (name, value) in section {
                let action = Action::from_config_name(name)
                    .ok_or_else(|| format!("unknown action {name:?} in [{}]", mode.table()))?;
                let keys = match value {
                    toml::Value::String(key) => vec![KeyChord::parse(key)?],
                    toml::Value::Array(items) => items
                        .iter()
                        .map(|item| {
                            item.as_str()
                                .ok_or("keys must be strings".to_string())
                                .and_then(KeyChord::parse)
                        })
                        .collect::<Result<_, _>>()?,
                    _ => return Err(format!("{name}: give a key or a list of keys")),
                };
                for key in &keys {
                    if let Some(other) = claimed.insert(*key, action).filter(|o| *o != action) {
                        return Err(format!(
                            "{key} is bound to both {} and {} in [{}]",
                            other.config_name(),
                            action.config_name(),
                            mode.table()
                        ));
                    }
                }
                self.bind(mode, action, keys);
            }
        }
        Ok(self)
    }

    /// Binds `keys` to `action` in `mode`; a key another action had is
    /// taken from it (in the lookup and in the help listing alike).
    fn bind(&mut self, mode: Mode, action: Action, keys: Vec<KeyChord>) {
        self.lookup
            .retain(|(m, _), a| !(*m == mode && *a == action));
        for key in &keys {
            self.lookup.insert((mode, *key), action);
        }
        let listing = self.listing.entry(mode).or_default();
        listing.retain(|(a, _)| *a != action);
        for (_, others) in listing.iter_mut() {
            others.retain(|k| !keys.contains(k));
        }
        listing.retain(|(_, keys)| !keys.is_empty());
        listing.push((action, keys));
        listing.sort_by_key(|(a, _)| Action::ALL.iter().position(|x| x == a));
    }

    pub fn action(&self, mode: Mode, event: &KeyEvent) -> Option<Action> {
        self.lookup
            .get(&(mode, KeyChord::from_event(event)))
            .copied()
    }

    /// `(action, keys)` for every bound action of a mode, in help order.
    pub fn bindings(&self, mode: Mode) -> &[(Action, Vec<KeyChord>)] {
        self.listing.get(&mode).map_or(&[], Vec::as_slice)
    }

    /// The first key of an action, for hints (`j/k step`).
    pub fn key_for(&self, mode: Mode, action: Action) -> Option<KeyChord> {
        self.bindings(mode)
            .iter()
            .find(|(a, _)| *a == action)
            .and_then(|(_, keys)| keys.first().copied())
    }
}

/// The keymap as text, for `reel keys`: per mode, every action with its
/// keys and what it does; `*` marks what differs from `defaults`.
impl Keymap {
    pub fn render_table(&self, defaults: &Keymap) -> String {
        let mut out = String::new();
        let mut any_changed = false;
        for mode in [Mode::Run, Mode::Browser] {
            out.push_str(&format!("\n[{}]\n", mode.table()));
            for (action, keys) in self.bindings(mode) {
                let changed = defaults_differ(defaults, mode, *action, keys);
                any_changed |= changed;
                let keys = match keys.as_slice() {
                    [] => "(unbound)".to_string(),
                    keys => keys
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(" "),
                };
                let line = format!(
                    "{} {:<18} {:<18} {}",
                    if changed { "*" } else { " " },
                    action.config_name(),
                    keys,
                    action.description_in(mode)
                );
                out.push_str(line.trim_end());
                out.push('\n');
            }
        }
        if any_changed {
            out.push_str("\n* set by the keys file\n");
        }
        out
    }

    /// One mode's bindings as JSON: `[{action, keys, description, changed}]`.
    pub fn to_json(&self, mode: Mode, defaults: &Keymap) -> serde_json::Value {
        self.bindings(mode)
            .iter()
            .map(|(action, keys)| {
                serde_json::json!({
                    "action": action.config_name(),
                    "keys": keys.iter().map(ToString::to_string).collect::<Vec<_>>(),
                    "description": action.description_in(mode),
                    "changed": defaults_differ(defaults, mode, *action, keys),
                })
            })
            .collect()
    }
}

fn defaults_differ(defaults: &Keymap, mode: Mode, action: Action, keys: &[KeyChord]) -> bool {
    defaults
        .bindings(mode)
        .iter()
        .find(|(a, _)| *a == action)
        .is_none_or(|(_, default)| default.as_slice() != keys)
}

/// `$XDG_CONFIG_HOME/reel/keys.toml`, else `~/.config/reel/keys.toml`.
pub fn user_keys_path() -> Option<PathBuf> {
    Some(super::config::config_dir()?.join("keys.toml"))
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_key_bound_twice_in_the_file_is_an_error() {
        let err = Keymap::defaults()
            .with_overrides("[run]\nquit = \"x\"\nstop = \"x\"\n")
            .expect_err("a conflict");
        assert!(err.contains("x is bound to both"), "{err}");
    }

    #[test]
    fn a_rebound_key_leaves_its_old_action() {
        let keymap = Keymap::defaults()
            .with_overrides("[run]\nquit = \"j\"\n")
            .expect("rebinding");
        let next: Vec<String> = keymap
            .bindings(Mode::Run)
            .iter()
            .find(|(a, _)| *a == Action::NextStep)
            .map(|(_, keys)| keys.iter().map(ToString::to_string).collect())
            .expect("next step keeps a key");
        assert!(
            !next.iter().any(|k| k == "j"),
            "the help no longer lists j: {next:?}"
        );
    }

    use super::*;

    fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn defaults_bind_vim_and_arrow_keys() {
        let keymap = Keymap::defaults();
        let run = |code, m| keymap.action(Mode::Run, &key(code, m));
        assert_eq!(
            run(KeyCode::Char('j'), KeyModifiers::NONE),
            Some(Action::NextStep)
        );
        assert_eq!(
            run(KeyCode::Down, KeyModifiers::NONE),
            Some(Action::NextStep)
        );
        // Terminals report `J` with or without SHIFT: both must work.
        assert_eq!(
            run(KeyCode::Char('J'), KeyModifiers::SHIFT),
            Some(Action::NextEvent)
        );
        assert_eq!(
            run(KeyCode::Char('J'), KeyModifiers::NONE),
            Some(Action::NextEvent)
        );
        assert_eq!(
            run(KeyCode::BackTab, KeyModifiers::SHIFT),
            Some(Action::FocusPrev)
        );
        assert_eq!(
            run(KeyCode::Char('c'), KeyModifiers::CONTROL),
            Some(Action::Quit)
        );
        assert_eq!(run(KeyCode::Char('w'), KeyModifiers::NONE), None);
        // Every action has at least one default key in the view it belongs
        // to, and the browser's own actions mean nothing in the run view.
        for action in Action::ALL {
            let mode = if action.only_in_browser() {
                Mode::Browser
            } else {
                Mode::Run
            };
            assert!(
                keymap.key_for(mode, action).is_some(),
                "{action:?} unbound in {mode:?}"
            );
            if action.only_in_browser() {
                assert!(keymap.key_for(Mode::Run, action).is_none(), "{action:?}");
            }
        }
    }

    /// No default key is bound to two actions of one mode (the later
    /// binding would silently win): `c` follows the cursor, `C` continues.
    #[test]
    fn default_keys_do_not_clash() {
        let keymap = Keymap::defaults();
        for mode in [Mode::Run, Mode::Browser] {
            let mut seen: HashMap<KeyChord, Action> = HashMap::new();
            for (action, keys) in keymap.bindings(mode) {
                for key in keys {
                    if let Some(other) = seen.insert(*key, *action) {
                        panic!("{key} is bound to {other:?} and {action:?} in {mode:?}");
                    }
                }
            }
        }
        let run = |code| keymap.action(Mode::Run, &key(code, KeyModifiers::NONE));
        assert_eq!(run(KeyCode::Char('c')), Some(Action::FollowCursor));
        assert_eq!(run(KeyCode::Char('C')), Some(Action::Continue));
        assert_eq!(run(KeyCode::Char('x')), Some(Action::StopContinue));
    }

    #[test]
    fn user_overrides_replace_an_action_keys() {
        let keymap = Keymap::defaults()
            .with_overrides("[run]\nnext_step = [\"ctrl-n\", \"w\"]\n")
            .expect("valid");
        let run = |code, m| keymap.action(Mode::Run, &key(code, m));
        assert_eq!(
            run(KeyCode::Char('n'), KeyModifiers::CONTROL),
            Some(Action::NextStep)
        );
        assert_eq!(
            run(KeyCode::Char('w'), KeyModifiers::NONE),
            Some(Action::NextStep)
        );
        assert_eq!(run(KeyCode::Char('j'), KeyModifiers::NONE), None);
        assert_eq!(
            run(KeyCode::Char('k'), KeyModifiers::NONE),
            Some(Action::PrevStep)
        );
    }

    #[test]
    fn bad_files_are_explained() {
        for (text, expected) in [
            ("[run]\nfly = \"f\"", "unknown action"),
            ("[run]\nnext_step = \"NoSuchKey\"", "unknown key"),
            ("[run\n", ""),
        ] {
            let err = Keymap::defaults().with_overrides(text).expect_err(text);
            assert!(err.contains(expected), "{err}");
        }
    }
}
