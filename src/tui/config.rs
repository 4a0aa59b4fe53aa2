//! `config.toml` beside `keys.toml` (`~/.config/reel/`, or under
//! `$XDG_CONFIG_HOME`): the theme and how a run opens. Every field is
//! optional; a broken file is reported and the defaults are used.
//!
//! ```toml
//! theme = "dark"        # dark (default) | light | plain
//! [view]
//! graph = "auto"        # auto (map when it fits the width) | map | rail | fit
//! tab = "session"       # session | attempt | events
//! ```

use std::path::{Path, PathBuf};

use super::inspect::InspectorTab;
use super::run_view::GraphMode;
use super::theme::Theme;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ThemeName {
    #[default]
    Dark,
    Light,
    Plain,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub theme: ThemeName,
    pub graph: GraphMode,
    pub tab: InspectorTab,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            theme: ThemeName::Dark,
            graph: GraphMode::Auto,
            tab: InspectorTab::Session,
        }
    }
}

/// reel's folder of user settings: `$XDG_CONFIG_HOME/reel`, else
/// `~/.config/reel`.
pub fn config_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".config")))?;
    Some(base.join("reel"))
}

impl Config {
    /// The user's settings (the defaults when there is no file), and what
    /// was wrong with the file if anything was.
    pub fn load() -> (Config, Option<String>) {
        let Some(path) = config_dir()
            .map(|d| d.join("config.toml"))
            .filter(|p| p.is_file())
        else {
            return (Config::default(), None);
        };
        match std::fs::read_to_string(&path)
            .map_err(|e| e.to_string())
            .and_then(|text| Config::parse(&text))
        {
            Ok(config) => (config, None),
            Err(err) => (
                Config::default(),
                Some(format!("config file ignored: {}: {err}", path.display())),
            ),
        }
    }

    pub fn parse(text: &str) -> Result<Config, String> {
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| e.message().to_string())?;
        let mut config = Config::default();
        for (key, value) in &table {
            match key.as_str() {
                "theme" => {
                    config.theme = match value.as_str() {
                        Some("dark") => ThemeName::Dark,
                        Some("light") => ThemeName::Light,
                        Some("plain") => ThemeName::Plain,
                        _ => return Err("theme: give dark, light or plain".into()),
                    }
                }
                "view" => {
                    let view = value.as_table().ok_or("[view] must be a table")?;
                    for (key, value) in view {
                        match (key.as_str(), value.as_str()) {
                            ("graph", Some(mode)) => {
                                config.graph = match mode {
                                    "auto" => GraphMode::Auto,
                                    "map" => GraphMode::Map,
                                    "rail" => GraphMode::Rail,
                                    "fit" => GraphMode::Fit,
                                    _ => {
                                        return Err("view.graph: give auto, map, rail or fit".into())
                                    }
                                }
                            }
                            ("tab", Some(tab)) => {
                                config.tab = match tab {
                                    "session" => InspectorTab::Session,
                                    "attempt" => InspectorTab::Attempt,
                                    "events" => InspectorTab::Events,
                                    _ => {
                                        return Err(
                                            "view.tab: give session, attempt or events".into()
                                        )
                                    }
                                }
                            }
                            _ => return Err(format!("unknown setting view.{key}")),
                        }
                    }
                }
                other => return Err(format!("unknown setting {other:?}")),
            }
        }
        Ok(config)
    }

    /// The theme to draw with: `NO_COLOR` always means no colour.
    pub fn theme(&self) -> Theme {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        match (no_color, self.theme) {
            (true, _) | (_, ThemeName::Plain) => Theme::plain(),
            (false, ThemeName::Light) => Theme::light(),
            (false, ThemeName::Dark) => Theme::colored(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_parse_and_mistakes_say_what_is_allowed() {
        let config =
            Config::parse("theme = \"light\"\n[view]\ngraph = \"rail\"\ntab = \"events\"\n")
                .expect("parses");
        assert_eq!(config.theme, ThemeName::Light);
        assert_eq!(config.graph, GraphMode::Rail);
        assert_eq!(config.tab, InspectorTab::Events);
        assert_eq!(Config::parse("").expect("empty"), Config::default());
        for (text, says) in [
            ("theme = \"neon\"", "dark, light or plain"),
            ("[view]\ngraph = \"3d\"", "auto, map, rail or fit"),
            ("[view]\ntab = 1", "unknown setting view.tab"),
            ("colour = true", "unknown setting"),
            ("theme = ", ""),
        ] {
            let err = Config::parse(text).expect_err(text);
            assert!(err.contains(says), "{text}: {err}");
        }
    }
}
