//! Typed errors of the bundle layer. Every error names the file, and the line
//! when the file is line-oriented or JSON.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("{}: cannot read: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{}:{line}: {message}", path.display())]
    Syntax {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
}

impl BundleError {
    pub fn io(path: &Path, source: io::Error) -> Self {
        BundleError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    pub fn invalid(path: &Path, message: impl Into<String>) -> Self {
        BundleError::Invalid {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }

    pub fn syntax(path: &Path, line: usize, message: impl Into<String>) -> Self {
        BundleError::Syntax {
            path: path.to_path_buf(),
            line,
            message: message.into(),
        }
    }

    /// A JSON document that failed to parse: keeps serde's line, drops its
    /// "at line N column M" suffix so the message reads `file:line: ...`.
    pub fn json(path: &Path, err: &serde_json::Error) -> Self {
        Self::syntax(path, err.line().max(1), json_message(err))
    }

    /// The file this error is about.
    pub fn path(&self) -> &Path {
        match self {
            BundleError::Io { path, .. }
            | BundleError::Syntax { path, .. }
            | BundleError::Invalid { path, .. } => path,
        }
    }

    /// The line this error points at, when known.
    pub fn line(&self) -> Option<usize> {
        match self {
            BundleError::Syntax { line, .. } => Some(*line),
            _ => None,
        }
    }
}

/// serde_json's message without the position suffix, with the column kept.
pub fn json_message(err: &serde_json::Error) -> String {
    let full = err.to_string();
    let text = match full.rfind(" at line ") {
        Some(cut) => &full[..cut],
        None => full.as_str(),
    };
    if err.column() > 0 {
        format!("invalid JSON: {text} (column {})", err.column())
    } else {
        format!("invalid JSON: {text}")
    }
}

/// How serious a finding of `validate` (or of a tolerant load) is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// One finding about a bundle, located by file and (when known) line.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Problem {
    pub severity: Severity,
    pub file: PathBuf,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    pub message: String,
}

impl Problem {
    pub fn warning(file: &Path, line: Option<usize>, message: impl Into<String>) -> Self {
        Problem {
            severity: Severity::Warning,
            file: file.to_path_buf(),
            line,
            message: message.into(),
        }
    }

    pub fn error(file: &Path, line: Option<usize>, message: impl Into<String>) -> Self {
        Problem {
            severity: Severity::Error,
            file: file.to_path_buf(),
            line,
            message: message.into(),
        }
    }

    pub fn from_error(err: &BundleError) -> Self {
        let message = match err {
            BundleError::Io { source, .. } => format!("cannot read: {source}"),
            BundleError::Syntax { message, .. } | BundleError::Invalid { message, .. } => {
                message.clone()
            }
        };
        Problem {
            severity: Severity::Error,
            file: err.path().to_path_buf(),
            line: err.line(),
            message,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        match self.line {
            Some(line) => write!(
                f,
                "{}:{line}: {label}: {}",
                self.file.display(),
                self.message
            ),
            None => write!(f, "{}: {label}: {}", self.file.display(), self.message),
        }
    }
}
