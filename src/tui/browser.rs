//! The run browser: every run of a folder, newest first, filtered as you
//! type. Attempt counts arrive from a worker after the list shows.

use std::path::PathBuf;

use super::action::Action;
use crate::model::discovery::RunSummary;

#[derive(Debug, Clone)]
pub struct BrowserRow {
    pub summary: RunSummary,
    pub attempts: Option<usize>,
    /// The trace's word on the status, once counted (a manifest can lag).
    pub status: String,
    /// Its writer's signs of life, once counted: a run that says running
    /// reads as `stale` once they are old (see [`BrowserRow::state`]).
    pub life: Option<crate::model::liveness::LifeSigns>,
    /// Why the run failed, once counted.
    pub error: Option<String>,
}

#[derive(Debug)]
pub struct BrowserState {
    pub dir: PathBuf,
    pub rows: Vec<BrowserRow>,
    pub loading: bool,
    pub error: Option<String>,
    pub filter: String,
    pub filtering: bool,
    /// Position in `visible()`.
    pub selected: usize,
    pub offset: usize,
    /// Whether `dir` is the default runs directory (not one named), for
    /// the empty screen to say where it looked.
    pub is_default_dir: bool,
    pub sort: RunSort,
    pub status_filter: StatusFilter,
    /// The clock the rows were last drawn at: filters and sorts act on the
    /// states shown (a run turns stale as time passes).
    pub now_ms: i64,
}

/// The browser's order (`s` cycles it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RunSort {
    /// Newest first (forks by when they were made).
    #[default]
    Newest,
    /// Running, then waiting, failed, completed; newest first within.
    Status,
    /// Longest first; runs still going last.
    Duration,
    Title,
}

impl RunSort {
    pub fn next(self) -> RunSort {
        match self {
            RunSort::Newest => RunSort::Status,
            RunSort::Status => RunSort::Duration,
            RunSort::Duration => RunSort::Title,
            RunSort::Title => RunSort::Newest,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RunSort::Newest => "newest first",
            RunSort::Status => "by status",
            RunSort::Duration => "longest first",
            RunSort::Title => "by title",
        }
    }
}

/// Which runs the browser shows by status (`f` cycles it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatusFilter {
    #[default]
    All,
    Running,
    /// Failed, timed out, cancelled, or stale (its writer died).
    Failed,
    Waiting,
    Completed,
}

impl StatusFilter {
    pub fn next(self) -> StatusFilter {
        match self {
            StatusFilter::All => StatusFilter::Running,
            StatusFilter::Running => StatusFilter::Failed,
            StatusFilter::Failed => StatusFilter::Waiting,
            StatusFilter::Waiting => StatusFilter::Completed,
            StatusFilter::Completed => StatusFilter::All,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            StatusFilter::All => "all",
            StatusFilter::Running => "running",
            StatusFilter::Failed => "failed",
            StatusFilter::Waiting => "waiting",
            StatusFilter::Completed => "completed",
        }
    }

    fn admits(self, status: &str) -> bool {
        match self {
            StatusFilter::All => true,
            StatusFilter::Running => status == "running",
            StatusFilter::Failed => {
                matches!(status, "failed" | "timed_out" | "cancelled" | "stale")
            }
            StatusFilter::Waiting => status == "waiting",
            StatusFilter::Completed => status == "completed",
        }
    }
}

impl BrowserRow {
    /// The state shown at `now`: the status, or `stale`.
    pub fn state(&self, now: i64) -> String {
        match self.life {
            Some(life) => crate::model::liveness::state_word(
                self.status.clone(),
                life.judge(self.status == "running", now),
            ),
            None => self.status.clone(),
        }
    }

    /// How long the run took (`None` while it has not finished).
    pub fn duration_ms(&self) -> Option<i64> {
        use crate::bundle::timestamp::parse_iso_millis;
        let started = parse_iso_millis(self.summary.began_at()?)?;
        let finished = parse_iso_millis(self.summary.finished_at.as_deref()?)?;
        Some((finished - started).max(0))
    }
}

impl BrowserState {
    pub fn new(dir: PathBuf) -> BrowserState {
        BrowserState {
            rows: Vec::new(),
            loading: true,
            error: None,
            filter: String::new(),
            filtering: false,
            selected: 0,
            offset: 0,
            is_default_dir: crate::model::discovery::default_runs_dir().as_deref()
                == Some(dir.as_path()),
            dir,
            sort: RunSort::default(),
            status_filter: StatusFilter::default(),
            now_ms: crate::bundle::timestamp::now_ms(),
        }
    }

    /// What the browser says when it has no run to show: where it looked
    /// and how to get runs there (a missing runs directory lists as empty).
    pub fn empty_message(&self) -> Vec<String> {
        let mut lines = vec![format!("No runs in {}", self.dir.display())];
        if self.is_default_dir {
            lines.push(format!(
                "(looked at ${}, ~/.acpx/flows/runs)",
                crate::model::discovery::RUNS_DIR_ENV
            ));
        }
        lines.push(String::new());
        lines.push("Start one with `acpx flow run FLOW.ts`,".to_string());
        lines.push("or look at the samples: `reel sample-runs`".to_string());
        lines
    }

    /// Rows matching the status filter and the text filter (every word,
    /// case-insensitive, anywhere in title, runId, flow name, state or
    /// error), in
    /// the chosen order.
    pub fn visible(&self) -> Vec<usize> {
        let words: Vec<String> = self
            .filter
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
        let mut rows = self
            .rows
            .iter()
            .enumerate()
            .filter(|(_, row)| {
                let state = row.state(self.now_ms);
                let haystack = format!(
                    "{} {} {} {} {}",
                    row.summary.title,
                    row.summary.run_id,
                    row.summary.flow_name,
                    state,
                    row.error.as_deref().unwrap_or("")
                )
                .to_lowercase();
                self.status_filter.admits(&state)
                    && words.iter().all(|w| haystack.contains(w.as_str()))
            })
            .map(|(i, _)| i)
            .collect::<Vec<_>>();
        // Stable: rows equal in the chosen order keep the newest-first list.
        rows.sort_by(|a, b| self.order(&self.rows[*a], &self.rows[*b]));
        rows
    }

    fn order(&self, a: &BrowserRow, b: &BrowserRow) -> std::cmp::Ordering {
        let newest = || b.summary.began_at().cmp(&a.summary.began_at());
        let rank = |row: &BrowserRow| match row.state(self.now_ms).as_str() {
            "running" => 0,
            "waiting" => 1,
            "failed" | "timed_out" | "cancelled" | "stale" => 2,
            "completed" => 3,
            _ => 4,
        };
        match self.sort {
            // The list comes newest first already: keep that order.
            RunSort::Newest => std::cmp::Ordering::Equal,
            RunSort::Status => rank(a).cmp(&rank(b)).then_with(newest),
            RunSort::Duration => match (a.duration_ms(), b.duration_ms()) {
                (Some(x), Some(y)) => y.cmp(&x),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => newest(),
            },
            RunSort::Title => a
                .summary
                .display_title()
                .to_lowercase()
                .cmp(&b.summary.display_title().to_lowercase()),
        }
    }

    pub fn selected_row(&self) -> Option<&BrowserRow> {
        self.visible().get(self.selected).map(|&i| &self.rows[i])
    }

    pub fn set_rows(&mut self, rows: Vec<RunSummary>) {
        self.rows = rows
            .into_iter()
            .map(|summary| BrowserRow {
                status: summary.status.clone(),
                summary,
                attempts: None,
                life: None,
                error: None,
            })
            .collect();
        self.loading = false;
        self.clamp();
    }

    fn clamp(&mut self) {
        let count = self.visible().len();
        self.selected = self.selected.min(count.saturating_sub(1));
    }

    pub fn apply(&mut self, action: Action, page: usize) -> bool {
        let count = self.visible().len();
        let last = count.saturating_sub(1);
        match action {
            Action::NextStep => self.selected = (self.selected + 1).min(last),
            Action::PrevStep => self.selected = self.selected.saturating_sub(1),
            Action::PageDown => self.selected = (self.selected + page).min(last),
            Action::PageUp => self.selected = self.selected.saturating_sub(page),
            Action::FirstStep => self.selected = 0,
            Action::LastStep => self.selected = last,
            Action::Search => self.filtering = true,
            Action::SortRuns => self.sort = self.sort.next(),
            Action::FilterStatus => {
                self.status_filter = self.status_filter.next();
                self.clamp();
            }
            _ => return false,
        }
        true
    }

    /// Typing into the filter prompt. Returns true while the prompt is open.
    pub fn edit_filter(&mut self, key: &crossterm::event::KeyEvent) -> bool {
        use crossterm::event::KeyCode;
        match key.code {
            KeyCode::Esc => {
                self.filter.clear();
                self.filtering = false;
            }
            KeyCode::Enter => self.filtering = false,
            KeyCode::Backspace => {
                self.filter.pop();
            }
            KeyCode::Char(c)
                if !key
                    .modifiers
                    .contains(crossterm::event::KeyModifiers::CONTROL) =>
            {
                self.filter.push(c)
            }
            KeyCode::Down => return self.apply(Action::NextStep, 1),
            KeyCode::Up => return self.apply(Action::PrevStep, 1),
            _ => {}
        }
        self.selected = 0;
        self.clamp();
        true
    }
}
