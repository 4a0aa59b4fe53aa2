//! Everything a key can ask for. One enum drives the keymap, the help
//! overlay and the status-bar hints, so they can never disagree.

/// A user intent, independent of the key that produced it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    NextStep,
    PrevStep,
    NextEvent,
    PrevEvent,
    FirstStep,
    LastStep,
    PageDown,
    PageUp,
    FocusNext,
    FocusPrev,
    TabSession,
    TabAttempt,
    TabEvents,
    Activate,
    Search,
    NextHit,
    PrevHit,
    NextFailure,
    PrevFailure,
    ToggleGraphView,
    FitGraph,
    FollowCursor,
    PanLeft,
    PanRight,
    PanUp,
    PanDown,
    NextSession,
    OpenPager,
    OpenEditor,
    CopyAttemptId,
    CopyRunId,
    PlayPause,
    Faster,
    Slower,
    Fork,
    Rewind,
    Undo,
    Mark,
    Diff,
    Lineage,
    Continue,
    StopContinue,
    SortRuns,
    FilterStatus,
    Help,
    Back,
    Quit,
}

impl Action {
    /// Every action, in the order the help overlay lists them.
    pub const ALL: [Action; 47] = [
        Action::NextStep,
        Action::PrevStep,
        Action::NextEvent,
        Action::PrevEvent,
        Action::FirstStep,
        Action::LastStep,
        Action::PageDown,
        Action::PageUp,
        Action::FocusNext,
        Action::FocusPrev,
        Action::TabSession,
        Action::TabAttempt,
        Action::TabEvents,
        Action::Activate,
        Action::Search,
        Action::NextHit,
        Action::PrevHit,
        Action::NextFailure,
        Action::PrevFailure,
        Action::ToggleGraphView,
        Action::FitGraph,
        Action::FollowCursor,
        Action::PanLeft,
        Action::PanRight,
        Action::PanUp,
        Action::PanDown,
        Action::NextSession,
        Action::OpenPager,
        Action::OpenEditor,
        Action::CopyAttemptId,
        Action::CopyRunId,
        Action::PlayPause,
        Action::Faster,
        Action::Slower,
        Action::Fork,
        Action::Rewind,
        Action::Undo,
        Action::Mark,
        Action::Diff,
        Action::Lineage,
        Action::Continue,
        Action::StopContinue,
        Action::SortRuns,
        Action::FilterStatus,
        Action::Help,
        Action::Back,
        Action::Quit,
    ];

    /// The name used in the keys file.
    pub fn config_name(self) -> &'static str {
        match self {
            Action::NextStep => "next_step",
            Action::PrevStep => "prev_step",
            Action::NextEvent => "next_event",
            Action::PrevEvent => "prev_event",
            Action::FirstStep => "first_step",
            Action::LastStep => "last_step",
            Action::PageDown => "page_down",
            Action::PageUp => "page_up",
            Action::FocusNext => "focus_next",
            Action::FocusPrev => "focus_prev",
            Action::TabSession => "tab_session",
            Action::TabAttempt => "tab_attempt",
            Action::TabEvents => "tab_events",
            Action::Activate => "activate",
            Action::Search => "search",
            Action::NextHit => "next_hit",
            Action::PrevHit => "prev_hit",
            Action::NextFailure => "next_failure",
            Action::PrevFailure => "prev_failure",
            Action::ToggleGraphView => "toggle_graph_view",
            Action::FitGraph => "fit_graph",
            Action::FollowCursor => "follow_cursor",
            Action::PanLeft => "pan_left",
            Action::PanRight => "pan_right",
            Action::PanUp => "pan_up",
            Action::PanDown => "pan_down",
            Action::NextSession => "next_session",
            Action::OpenPager => "open_pager",
            Action::OpenEditor => "open_editor",
            Action::CopyAttemptId => "copy_attempt_id",
            Action::CopyRunId => "copy_run_id",
            Action::PlayPause => "play_pause",
            Action::Faster => "faster",
            Action::Slower => "slower",
            Action::Fork => "fork",
            Action::Rewind => "rewind",
            Action::Undo => "undo",
            Action::Mark => "mark",
            Action::Diff => "diff",
            Action::Lineage => "lineage",
            Action::Continue => "continue",
            Action::StopContinue => "stop",
            Action::SortRuns => "sort_runs",
            Action::FilterStatus => "filter_status",
            Action::Help => "help",
            Action::Back => "back",
            Action::Quit => "quit",
        }
    }

    /// Actions that only the run browser has: the run view leaves them
    /// unbound.
    pub fn only_in_browser(self) -> bool {
        matches!(self, Action::SortRuns | Action::FilterStatus)
    }

    pub fn from_config_name(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.config_name() == name)
    }

    /// What the action does in `mode`, for the help overlay: in the browser
    /// the same keys move between runs, not steps.
    pub fn description_in(self, mode: crate::tui::keymap::Mode) -> &'static str {
        if mode == crate::tui::keymap::Mode::Browser {
            if let Some(text) = self.in_browser() {
                return text.0;
            }
        }
        self.description()
    }

    /// The short form of [`Action::description_in`].
    pub fn short_in(self, mode: crate::tui::keymap::Mode) -> &'static str {
        if mode == crate::tui::keymap::Mode::Browser {
            if let Some(text) = self.in_browser() {
                return text.1;
            }
        }
        self.short()
    }

    /// The status-bar label in `mode`.
    pub fn hint_in(self, mode: crate::tui::keymap::Mode) -> &'static str {
        if mode == crate::tui::keymap::Mode::Browser {
            if let Some(text) = self.in_browser() {
                return text.2;
            }
        }
        self.hint()
    }

    /// (description, short, hint) of the actions that mean something else
    /// in the run browser.
    fn in_browser(self) -> Option<(&'static str, &'static str, &'static str)> {
        Some(match self {
            Action::NextStep => ("next run in the list", "next run", "move"),
            Action::PrevStep => ("previous run in the list", "previous run", "move"),
            Action::FirstStep => ("first (newest) run", "first run", "first"),
            Action::LastStep => ("last (oldest) run", "last run", "last"),
            Action::PageDown => ("a page of runs down", "page down", "page"),
            Action::PageUp => ("a page of runs up", "page up", "page"),
            Action::Activate => ("open the selected run", "open run", "open"),
            Action::Search => (
                "filter the runs: type words, Enter keeps, Esc clears",
                "filter runs",
                "filter",
            ),
            Action::Back => ("quit", "quit", "quit"),
            _ => return None,
        })
    }

    /// What the action does, for the help overlay.
    pub fn description(self) -> &'static str {
        match self {
            Action::NextStep => "next step (or next item in the focused list)",
            Action::PrevStep => "previous step",
            Action::NextEvent => "next trace event",
            Action::PrevEvent => "previous trace event",
            Action::FirstStep => "first step",
            Action::LastStep => "last step",
            Action::PageDown => "page down",
            Action::PageUp => "page up",
            Action::FocusNext => "focus the next pane",
            Action::FocusPrev => "focus the previous pane",
            Action::TabSession => "inspector: session conversation",
            Action::TabAttempt => "inspector: attempt output, prompt, command",
            Action::TabEvents => "inspector: trace events and raw JSON-RPC",
            Action::Activate => "open / expand / fold",
            Action::Search => "search outputs, conversations and events",
            Action::NextHit => {
                "move the cursor to the next search hit (in the inspector: the next match shown)"
            }
            Action::PrevHit => {
                "move the cursor to the previous search hit (in the inspector: the previous match)"
            }
            Action::NextFailure => "next step that failed, timed out or was cancelled",
            Action::PrevFailure => "previous step that failed, timed out or was cancelled",
            Action::ToggleGraphView => "graph: map view / rail view",
            Action::FitGraph => "graph: fit the whole flow",
            Action::FollowCursor => "graph: follow the cursor",
            Action::PanLeft => "graph: pan left",
            Action::PanRight => "graph: pan right",
            Action::PanUp => "graph: pan up",
            Action::PanDown => "graph: pan down",
            Action::NextSession => "inspector: next session",
            Action::OpenPager => "inspector: open the whole of what is selected in $PAGER",
            Action::OpenEditor => "inspector: open a copy of what is selected in $VISUAL / $EDITOR",
            Action::CopyAttemptId => "copy the attempt id at the cursor to the clipboard",
            Action::CopyRunId => "copy the run id to the clipboard",
            Action::PlayPause => "play / pause the run like a video",
            Action::Faster => "play faster (1×, 2×, 5×, 10×, real time)",
            Action::Slower => "play slower",
            Action::Fork => "fork a new run at the cursor (preview first)",
            Action::Rewind => "rewind this run to the cursor (asks first)",
            Action::Undo => "undo the last rewind or continuation (asks first)",
            Action::Mark => "mark this frame for diff",
            Action::Diff => "diff the cursor against the mark (or the parent)",
            Action::Lineage => "lineage: forks and backups of this run",
            Action::Continue => "continue a waiting run through acpx (preview first)",
            Action::StopContinue => "stop the running continuation (asks first)",
            Action::SortRuns => "browser: sort by start, status, duration or title",
            Action::FilterStatus => {
                "browser: show all runs, or only running, failed, waiting or completed ones"
            }
            Action::Help => "this help",
            Action::Back => "back / close / quit",
            Action::Quit => "quit",
        }
    }

    /// A description short enough for the two-column help on small screens.
    pub fn short(self) -> &'static str {
        match self {
            Action::NextStep => "next step",
            Action::PrevStep => "previous step",
            Action::NextEvent => "next event",
            Action::PrevEvent => "previous event",
            Action::FirstStep => "first step",
            Action::LastStep => "last step",
            Action::FocusNext => "next pane",
            Action::FocusPrev => "previous pane",
            Action::TabSession => "session tab",
            Action::TabAttempt => "attempt tab",
            Action::TabEvents => "events tab",
            Action::Activate => "open / fold",
            Action::Search => "search",
            Action::PrevHit => "previous hit",
            Action::NextFailure => "next failure",
            Action::PrevFailure => "previous failure",
            Action::ToggleGraphView => "map / rail",
            Action::FitGraph => "fit graph",
            Action::FollowCursor => "follow cursor",
            Action::Back => "back / quit",
            Action::PageDown => "page down",
            Action::PageUp => "page up",
            Action::PanLeft => "pan left",
            Action::PanRight => "pan right",
            Action::PanUp => "pan up",
            Action::PanDown => "pan down",
            Action::NextSession => "next session",
            Action::OpenPager => "open in pager",
            Action::OpenEditor => "open in editor",
            Action::CopyAttemptId => "copy attempt id",
            Action::CopyRunId => "copy run id",
            Action::PlayPause => "play / pause",
            Action::Faster => "faster",
            Action::Slower => "slower",
            Action::Fork => "fork here",
            Action::Rewind => "rewind here",
            Action::Undo => "undo",
            Action::Mark => "mark frame",
            Action::Diff => "diff vs mark",
            Action::Lineage => "lineage",
            Action::Continue => "continue run",
            Action::StopContinue => "stop continuing",
            Action::NextHit => "next hit",
            Action::SortRuns => "sort runs",
            Action::FilterStatus => "status filter",
            Action::Help => "help",
            Action::Quit => "quit",
        }
    }

    /// A short label for the status-bar hints.
    pub fn hint(self) -> &'static str {
        match self {
            Action::NextStep | Action::PrevStep => "step",
            Action::NextEvent | Action::PrevEvent => "event",
            Action::Search => "search",
            Action::SortRuns => "sort",
            Action::FilterStatus => "status",
            Action::Help => "help",
            Action::Activate => "open",
            Action::FocusNext => "pane",
            Action::ToggleGraphView => "view",
            Action::FitGraph => "fit",
            Action::NextSession => "session",
            Action::OpenPager => "pager",
            Action::OpenEditor => "editor",
            Action::CopyAttemptId | Action::CopyRunId => "copy",
            Action::Back => "back",
            Action::NextHit => "next hit",
            Action::PrevHit => "previous hit",
            Action::NextFailure | Action::PrevFailure => "failure",
            Action::FirstStep => "first",
            Action::LastStep => "last",
            Action::FocusPrev => "pane back",
            Action::TabSession => "session",
            Action::TabAttempt => "attempt",
            Action::TabEvents => "events",
            Action::FollowCursor => "follow",
            Action::PageDown | Action::PageUp => "page",
            Action::PanLeft | Action::PanRight | Action::PanUp | Action::PanDown => "pan",
            Action::PlayPause => "play",
            Action::Faster => "faster",
            Action::Slower => "slower",
            Action::Fork => "fork",
            Action::Rewind => "rewind",
            Action::Undo => "undo",
            Action::Mark => "mark",
            Action::Diff => "diff",
            Action::Lineage => "lineage",
            Action::Continue => "continue",
            Action::StopContinue => "stop",
            Action::Quit => "quit",
        }
    }
}

#[cfg(test)]
mod hint_tests {
    use super::Action;

    #[test]
    fn hints_are_words_not_config_names() {
        for action in Action::ALL {
            let hint = action.hint();
            assert!(
                !hint.contains('_') && !hint.is_empty(),
                "{action:?} shows {hint:?} in the status bar"
            );
        }
    }
}
