//! Why a run failed, and where: the run's error from its terminal event
//! (else the live projection), the projection's status line, and the steps
//! that did not succeed.

use serde_json::Value;

use super::{Attempt, Run};
use crate::bundle::{Bundle, Outcome};

/// Error texts longer than this are cut: they come from the bundle and
/// are shown on one line.
const MAX_ERROR_CHARS: usize = 2_000;

/// Why and where a failed (or timed-out) run ended.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunFailure {
    /// The run's error (`run_failed` `payload.error`, else the live
    /// projection's `error`): `Interrupted`, `Timed out after 2500ms`.
    pub error: Option<String>,
    /// The projection's `statusDetail` when it says more than the error
    /// (`Failed in long_agent: Interrupted`).
    pub detail: Option<String>,
    /// Position of the step that failed the run: the last attempt that did
    /// not succeed (an interrupted one included).
    pub step: Option<usize>,
}

/// Whether an attempt ended without success: failed, timed out, or cut
/// short by an interrupt.
pub fn is_failure(attempt: &Attempt) -> bool {
    matches!(
        attempt.outcome,
        Outcome::Failed | Outcome::TimedOut | Outcome::Cancelled
    )
}

impl RunFailure {
    /// `None` unless the run's status is a failure.
    pub(super) fn of(bundle: &Bundle, attempts: &[Attempt], status: &str) -> Option<RunFailure> {
        if !matches!(status, "failed" | "timed_out") {
            return None;
        }
        let live = |key: &str| {
            bundle
                .live
                .as_ref()
                .and_then(|l| l.get(key))
                .and_then(Value::as_str)
                .filter(|s| !s.trim().is_empty())
                .map(cut)
        };
        let error = terminal_error(bundle).or_else(|| live("error"));
        let detail = live("statusDetail").filter(|d| Some(d) != error.as_ref());
        Some(RunFailure {
            error,
            detail,
            step: attempts.iter().rposition(is_failure),
        })
    }

    /// One line: `Interrupted (Failed in long_agent: Interrupted)`.
    pub fn summary(&self) -> Option<String> {
        match (&self.error, &self.detail) {
            (Some(error), Some(detail)) => Some(format!("{error} ({detail})")),
            (Some(text), None) | (None, Some(text)) => Some(text.clone()),
            (None, None) => None,
        }
    }
}

/// `payload.error` of the `run_failed` event, read from the trace.
fn terminal_error(bundle: &Bundle) -> Option<String> {
    let entries = bundle.trace.entries();
    let last_end = entries.iter().rev().find(|e| e.kind.ends_run())?;
    let event = bundle.read_event(last_end).ok()?;
    event
        .pointer("/payload/error")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .map(cut)
}

fn cut(text: &str) -> String {
    match text.char_indices().nth(MAX_ERROR_CHARS) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

impl Run {
    /// Positions of the steps that did not succeed, in trace order.
    pub fn failure_steps(&self) -> impl DoubleEndedIterator<Item = usize> + '_ {
        self.attempts
            .iter()
            .enumerate()
            .filter(|(_, a)| is_failure(a))
            .map(|(i, _)| i)
    }

    /// The first failed step after `from` (`None`: from before the first).
    pub fn next_failure(&self, from: Option<usize>) -> Option<usize> {
        self.failure_steps().find(|&i| from.is_none_or(|f| i > f))
    }

    /// The last failed step before `from`.
    pub fn prev_failure(&self, from: usize) -> Option<usize> {
        self.failure_steps().rev().find(|&i| i < from)
    }
}
