//! The state of the run screen and how actions change it. The screen is a
//! function of (run, cursor); the cursor is a trace seq, never a row index.

mod failures;

use std::collections::HashSet;
use std::sync::Arc;

use super::action::Action;
use super::graph::{map_layout, rail_layout, GraphLayout};
use super::inspect::{InspectContent, InspectRequest, InspectorTab, PagerSource};
use super::message::Effect;
use super::playback::{presentation_ms, Playback, Speed, TICK_MS};
use crate::model::Run;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Graph,
    Timeline,
    Inspector,
}

impl Pane {
    const ORDER: [Pane; 3] = [Pane::Graph, Pane::Timeline, Pane::Inspector];

    fn cycle(self, forward: bool) -> Pane {
        let i = Pane::ORDER.iter().position(|p| *p == self).unwrap_or(0);
        let n = Pane::ORDER.len();
        Pane::ORDER[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }]
    }

    pub fn title(self) -> &'static str {
        match self {
            Pane::Graph => "Graph",
            Pane::Timeline => "Timeline",
            Pane::Inspector => "Inspector",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphMode {
    /// Map when the flow fits the pane's width, rail otherwise.
    Auto,
    Map,
    Rail,
    /// Whichever shows the most of the flow at once (`z`).
    Fit,
}

/// What Enter does on an inspector line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineAction {
    Fold(String),
    Expand(bool, u32),
}

/// Both layouts of the flow, computed once per run (the cursor only
/// changes the overlay).
#[derive(Debug)]
pub struct GraphLayouts {
    pub map: GraphLayout,
    pub rail: GraphLayout,
}

#[derive(Debug, Default)]
pub struct SearchState {
    /// The query being typed (`/` opened the prompt).
    pub input: Option<String>,
    pub query: String,
    pub hits: Vec<u32>,
    pub running: bool,
    pub error: Option<String>,
}

#[derive(Debug)]
pub struct RunView {
    pub run: Arc<Run>,
    pub cursor: u32,
    pub focus: Pane,
    pub tab: InspectorTab,
    /// The timeline shows the trace events of the current step.
    pub event_level: bool,
    /// First visible timeline row (kept by the renderer, which knows heights).
    pub timeline_offset: usize,
    /// The selected inspector line and the first visible one.
    pub inspector_line: usize,
    pub inspector_offset: usize,
    /// The user moved in the inspector: stop placing the selection at the
    /// step's conversation slice.
    pub inspector_pinned: bool,
    /// What Enter does on each inspector line (filled by the renderer).
    pub line_actions: Vec<Option<LineAction>>,
    /// Inspector lines showing a search match (filled by the renderer).
    pub hit_lines: Vec<usize>,
    /// `n`/`N` left the step: select the first (true) or last match of
    /// the next content drawn.
    pub seek_hit: Option<bool>,
    /// What `o` opens from each part of the inspector: `(first line,
    /// source)` in line order (filled by the renderer).
    pub pager_sections: Vec<(usize, Option<PagerSource>)>,
    /// Something to open in `$PAGER`, asked for with `o`; the event loop
    /// takes it (it has the terminal).
    pub pager: Option<PagerSource>,
    /// What opens `pager`: the pager, or an editor on a copy.
    pub viewer: super::pager::Viewer,
    /// Trace (true) / session (false) event seqs expanded in the Events tab.
    pub expanded: HashSet<(bool, u32)>,
    /// JSON pointers folded in the Attempt tab's output tree.
    pub folded: HashSet<String>,
    /// A session picked with the switcher (else the step's own).
    pub session: Option<String>,
    pub inspected: Option<(InspectRequest, InspectContent)>,
    pub graph: GraphLayouts,
    pub graph_mode: GraphMode,
    /// The layout the last draw showed (`Map` or `Rail`), which `v` turns.
    pub graph_shown: GraphMode,
    pub graph_follow: bool,
    pub graph_scroll: (u16, u16),
    pub search: SearchState,
    /// A one-line message for the status bar (errors, notices).
    pub notice: Option<String>,
    /// A step marked with `m`, to diff against.
    pub mark: Option<usize>,
    /// Playing the run like a video (Space).
    pub playback: Option<Playback>,
    /// The run is being written right now (status running, recent sign of
    /// life): follow mode and the LIVE hint apply.
    pub live: bool,
    /// Flow nodes a fork at the cursor would run again (while the fork
    /// dialog is open), or that a continuation can run (the continue
    /// dialog): drawn as an overlay on the graph.
    pub rerun_nodes: Vec<usize>,
    /// The viewer is continuing this run: it counts as live (followed,
    /// `● LIVE`) whatever its heartbeats say.
    pub resuming: bool,
    /// Where the view opened: a run that comes back to life while the
    /// cursor is still there goes to its head and follows it.
    pub opened_at: u32,
    /// `(bytes indexed, trace size)` while the run is shown before its
    /// trace is fully indexed: steps, search and `G` cover what is indexed.
    pub indexing: Option<(u64, u64)>,
}

impl RunView {
    pub fn new(run: Arc<Run>) -> RunView {
        let live = run.liveness(crate::bundle::timestamp::now_ms()).is_live();
        // A run still being written opens at its head, following it; a
        // failed one at the step that failed it; any other at step 1.
        let failing = run.failure.as_ref().and_then(|f| f.step);
        let cursor = match failing.or(Some(0)).and_then(|i| run.attempts.get(i)) {
            Some(opening) if !live => opening.seq_end(&run.bundle.trace),
            _ => run.last_seq(),
        };
        let graph = GraphLayouts {
            map: map_layout(&run.bundle.flow),
            rail: rail_layout(&run.bundle.flow),
        };
        RunView {
            graph,
            run,
            cursor,
            focus: Pane::Timeline,
            tab: InspectorTab::Session,
            event_level: false,
            timeline_offset: 0,
            inspector_line: 0,
            inspector_offset: 0,
            inspector_pinned: false,
            line_actions: Vec::new(),
            hit_lines: Vec::new(),
            seek_hit: None,
            pager_sections: Vec::new(),
            pager: None,
            viewer: super::pager::Viewer::Pager,
            expanded: HashSet::new(),
            folded: HashSet::new(),
            session: None,
            inspected: None,
            graph_mode: GraphMode::Auto,
            graph_shown: GraphMode::Map,
            graph_follow: true,
            graph_scroll: (0, 0),
            search: SearchState::default(),
            notice: None,
            mark: None,
            rerun_nodes: Vec::new(),
            playback: None,
            live,
            resuming: false,
            opened_at: cursor,
            indexing: None,
        }
    }

    /// The newest event of the run: where follow mode keeps the cursor.
    pub fn head(&self) -> u32 {
        self.run.last_seq()
    }

    /// The cursor is at the newest event (live runs follow it there).
    pub fn following(&self) -> bool {
        self.cursor >= self.head()
    }

    /// Whether playback is running (ticks needed).
    pub fn playing(&self) -> bool {
        self.playback.is_some_and(|p| p.playing)
    }

    /// Starts, pauses or resumes playback; from the end it starts over.
    pub fn toggle_play(&mut self) {
        let last = self.run.attempts.len().saturating_sub(1);
        match &mut self.playback {
            Some(playback) => playback.playing = !playback.playing,
            None => self.playback = Some(Playback::new(Speed::Times(1))),
        }
        let at_end = self.current_attempt().is_none_or(|i| i >= last);
        if self.playing() && at_end {
            self.step_to(0);
            if let Some(playback) = &mut self.playback {
                playback.elapsed_ms = 0;
            }
        }
    }

    /// One tick of presentation time: reveal more, or move to the next
    /// step; playback stops by itself after the last step.
    pub fn tick_playback(&mut self) {
        let Some(mut playback) = self.playback.filter(|p| p.playing) else {
            return;
        };
        let step = self.current_attempt().unwrap_or(0);
        playback.elapsed_ms += TICK_MS;
        if playback.elapsed_ms >= presentation_ms(&self.run, step, playback.speed) {
            if step + 1 < self.run.attempts.len() {
                self.step_to(step + 1);
                playback.elapsed_ms = 0;
            } else {
                playback.playing = false;
            }
        }
        self.playback = Some(playback);
    }

    /// Share of the current step's agent text to show (None: all of it).
    pub fn reveal(&self) -> Option<f64> {
        let playback = self.playback.filter(|p| p.playing)?;
        Some(playback.revealed(&self.run, self.current_attempt()?))
    }

    /// Re-evaluates liveness (the writer may have died since the last change).
    pub fn check_live(&mut self) {
        self.live = self.resuming
            || self
                .run
                .liveness(crate::bundle::timestamp::now_ms())
                .is_live();
    }

    /// Takes a newer state of the same run (live tail). A cursor at the head
    /// moves with it; one the user moved back stays pinned where it was.
    /// A run that opened as not live and is written again is followed from
    /// where it opened.
    pub fn replace_run(&mut self, run: Arc<Run>) {
        let was_live = self.live;
        let untouched = self.cursor == self.opened_at;
        let follow = self.following();
        self.run = run;
        self.check_live();
        // The shown content may have grown even for the same step.
        self.inspected = None;
        if follow || (!was_live && self.live && untouched) {
            let head = self.head();
            self.set_cursor(head);
        }
    }

    /// The step under the cursor, if the cursor is past the first start.
    pub fn current_attempt(&self) -> Option<usize> {
        self.run.attempt_at(self.cursor)
    }

    pub fn request(&self) -> Option<InspectRequest> {
        Some(InspectRequest {
            attempt: self.current_attempt()?,
            tab: self.tab,
            session: self.session.clone(),
        })
    }

    /// Asks for inspector content unless what is shown already matches.
    pub fn inspect_effect(&self) -> Option<Effect> {
        let request = self.request()?;
        if self
            .inspected
            .as_ref()
            .is_some_and(|(shown, _)| *shown == request)
        {
            return None;
        }
        Some(Effect::Inspect {
            run: self.run.clone(),
            request,
        })
    }

    pub fn set_cursor(&mut self, seq: u32) {
        if seq != self.cursor {
            let before = self.current_attempt();
            self.cursor = seq;
            if self.current_attempt() != before {
                self.reset_inspector();
                self.expanded.clear();
                self.folded.clear();
            }
        }
    }

    /// Moves the cursor to the end of step `position` (tours, scripts).
    pub fn go_to_step(&mut self, position: usize) {
        self.step_to(position);
    }

    fn step_to(&mut self, position: usize) {
        if let Some(attempt) = self.run.attempts.get(position) {
            self.set_cursor(attempt.seq_end(&self.run.bundle.trace));
        }
    }

    fn step(&mut self, delta: isize) {
        let count = self.run.attempts.len();
        if count == 0 {
            return;
        }
        let target = match self.current_attempt() {
            None => 0,
            // On the run's closing events (a live run that just ended), `k`
            // is a step back, as from the last step's end.
            Some(i)
                if delta < 0
                    && i + 1 == count
                    && self.cursor > self.run.attempts[i].seq_end(&self.run.bundle.trace) =>
            {
                i.saturating_sub(1)
            }
            // Between steps (after J/K), `k` first returns to the step's end.
            Some(i)
                if delta < 0
                    && self.cursor > self.run.attempts[i].seq_end(&self.run.bundle.trace) =>
            {
                i
            }
            Some(i) => i.saturating_add_signed(delta).min(count - 1),
        };
        self.step_to(target);
    }

    fn event(&mut self, forward: bool) {
        let entries = self.run.bundle.trace.entries();
        let at = self.run.bundle.trace.entry_at_or_before(self.cursor);
        let next = match (at, forward) {
            (None, true) => Some(0),
            (None, false) => None,
            (Some(i), true) => Some((i + 1).min(entries.len().saturating_sub(1))),
            (Some(i), false) => i.checked_sub(1),
        };
        if let Some(entry) = next.and_then(|i| entries.get(i)) {
            self.set_cursor(entry.seq);
        }
    }

    pub fn jump_hit(&mut self, forward: bool) {
        if self.focus == Pane::Inspector && self.next_hit_line(forward) {
            return;
        }
        let hits = &self.search.hits;
        if hits.is_empty() {
            self.notice = Some(if self.search.query.is_empty() {
                "no search yet: press / to search".to_string()
            } else {
                format!("no hits for {:?}", self.search.query)
            });
            return;
        }
        let target = if forward {
            hits.iter().find(|&&h| h > self.cursor).or(hits.first())
        } else {
            hits.iter()
                .rev()
                .find(|&&h| h < self.cursor)
                .or(hits.last())
        };
        if let Some(&seq) = target {
            if self.focus == Pane::Inspector {
                self.seek_hit = Some(forward);
            }
            let index = hits.iter().position(|&h| h == seq).unwrap_or(0);
            self.notice = Some(format!(
                "hit {}/{} for {:?}",
                index + 1,
                hits.len(),
                self.search.query
            ));
            self.set_cursor(seq);
        }
    }

    /// Selects the next (or previous) inspector line with a match, if
    /// there is one in this step's content.
    fn next_hit_line(&mut self, forward: bool) -> bool {
        let here = self.inspector_line;
        let next = if forward {
            self.hit_lines.iter().find(|&&l| l > here)
        } else {
            self.hit_lines.iter().rev().find(|&&l| l < here)
        };
        let Some(&line) = next else {
            return false;
        };
        let index = self.hit_lines.iter().position(|&l| l == line).unwrap_or(0);
        self.inspector_line = line;
        self.inspector_pinned = true;
        self.notice = Some(format!(
            "match {}/{} in this step for {:?}",
            index + 1,
            self.hit_lines.len(),
            self.search.query
        ));
        true
    }

    fn next_session(&mut self) {
        let sessions = &self.run.bundle.sessions;
        if sessions.is_empty() {
            return;
        }
        let current = match (&self.session, &self.inspected) {
            (Some(chosen), _) => Some(chosen.clone()),
            (None, Some((_, InspectContent::Session(content)))) => Some(content.session_id.clone()),
            _ => None,
        };
        let index = current
            .and_then(|id| sessions.iter().position(|s| s.id == id))
            .map_or(0, |i| (i + 1) % sessions.len());
        self.session = Some(sessions[index].id.clone());
        self.tab = InspectorTab::Session;
        self.reset_inspector();
    }

    fn reset_inspector(&mut self) {
        self.inspector_line = 0;
        self.inspector_offset = 0;
        self.inspector_pinned = false;
    }

    fn move_inspector(&mut self, delta: isize) {
        self.inspector_pinned = true;
        let last = self.line_actions.len().saturating_sub(1);
        self.inspector_line = self.inspector_line.saturating_add_signed(delta).min(last);
    }

    /// Applies a key action. Returns false for actions it does not handle.
    pub fn apply(&mut self, action: Action, page: usize) -> bool {
        self.notice = None;
        match (action, self.focus) {
            (Action::NextStep, Pane::Inspector) => self.move_inspector(1),
            (Action::PrevStep, Pane::Inspector) => self.move_inspector(-1),
            (Action::PageDown, Pane::Inspector) => self.move_inspector(page as isize),
            (Action::PageUp, Pane::Inspector) => self.move_inspector(-(page as isize)),
            (Action::FirstStep, Pane::Inspector) => self.move_inspector(isize::MIN / 2),
            (Action::LastStep, Pane::Inspector) => self.move_inspector(isize::MAX / 2),
            (Action::NextStep, _) => self.step(1),
            (Action::PrevStep, _) => self.step(-1),
            (Action::PageDown, _) => self.step(page as isize),
            (Action::PageUp, _) => self.step(-(page as isize)),
            (Action::FirstStep, _) => self.step_to(0),
            (Action::LastStep, _) => self.step_to(self.run.attempts.len().saturating_sub(1)),
            (Action::NextEvent, _) => self.event(true),
            (Action::PrevEvent, _) => self.event(false),
            (Action::FocusNext, _) => self.focus = self.focus.cycle(true),
            (Action::FocusPrev, _) => self.focus = self.focus.cycle(false),
            (Action::TabSession, _) => self.set_tab(InspectorTab::Session),
            (Action::TabAttempt, _) => self.set_tab(InspectorTab::Attempt),
            (Action::TabEvents, _) => self.set_tab(InspectorTab::Events),
            (Action::Activate, Pane::Timeline) => self.event_level = !self.event_level,
            (Action::Activate, Pane::Graph) => self.graph_follow = true,
            (Action::Activate, Pane::Inspector) => self.toggle_expanded(),
            (Action::NextHit, _) => self.jump_hit(true),
            (Action::PrevHit, _) => self.jump_hit(false),
            (Action::NextFailure, _) => self.jump_failure(true),
            (Action::PrevFailure, _) => self.jump_failure(false),
            (Action::ToggleGraphView, _) => {
                // From what is on screen, whatever chose it.
                self.graph_mode = match self.graph_shown {
                    GraphMode::Map => GraphMode::Rail,
                    _ => GraphMode::Map,
                };
                self.graph_scroll = (0, 0);
            }
            (Action::FitGraph, _) => {
                // The layout that shows the most of the flow at once; the
                // view keeps following the cursor in it.
                self.graph_mode = GraphMode::Fit;
                self.graph_scroll = (0, 0);
                self.graph_follow = true;
            }
            (Action::PanUp, _) => {
                self.graph_follow = false;
                self.graph_scroll.1 = self.graph_scroll.1.saturating_sub(4);
            }
            (Action::PanDown, _) => {
                self.graph_follow = false;
                self.graph_scroll.1 = self.graph_scroll.1.saturating_add(4);
            }
            (Action::FollowCursor, _) => self.graph_follow = !self.graph_follow,
            (Action::PanLeft, _) => {
                self.graph_follow = false;
                self.graph_scroll.0 = self.graph_scroll.0.saturating_sub(8);
            }
            (Action::PanRight, _) => {
                self.graph_follow = false;
                self.graph_scroll.0 = self.graph_scroll.0.saturating_add(8);
            }
            (Action::NextSession, _) => self.next_session(),
            (Action::OpenPager, _) => self.ask_pager(super::pager::Viewer::Pager),
            (Action::OpenEditor, _) => self.ask_pager(super::pager::Viewer::Editor),
            (Action::PlayPause, _) => self.toggle_play(),
            (Action::Faster | Action::Slower, _) => {
                let playback = self.playback.get_or_insert(Playback {
                    playing: false,
                    ..Playback::new(Speed::Times(1))
                });
                playback.speed = playback.speed.step(action == Action::Faster);
                self.notice = Some(format!("speed {}", playback.speed.label()));
            }
            _ => return false,
        }
        true
    }

    /// `o`: the whole of the inspector part under the selection (else the
    /// first part that has a whole) goes to the pager.
    fn ask_pager(&mut self, viewer: super::pager::Viewer) {
        self.viewer = viewer;
        let line = self.inspector_line;
        let at = self
            .pager_sections
            .partition_point(|(start, _)| *start <= line);
        let under = at
            .checked_sub(1)
            .and_then(|i| self.pager_sections[i].1.clone());
        let first = || self.pager_sections.iter().find_map(|(_, s)| s.clone());
        match under.or_else(first) {
            Some(source) => self.pager = Some(source),
            None => {
                let loaded = self
                    .inspected
                    .as_ref()
                    .is_some_and(|(asked, _)| Some(asked) == self.request().as_ref());
                self.notice = Some(if loaded {
                    format!("nothing here to open in the {}", viewer.name())
                } else {
                    "the inspector is still reading this step: try again in a moment".to_string()
                });
            }
        }
    }

    fn set_tab(&mut self, tab: InspectorTab) {
        if self.tab != tab {
            self.tab = tab;
            self.reset_inspector();
        }
    }

    /// Enter on an inspector line: fold/unfold a JSON node (Attempt tab) or
    /// expand/collapse an event's JSON (Events tab).
    fn toggle_expanded(&mut self) {
        self.inspector_pinned = true;
        match self
            .line_actions
            .get(self.inspector_line)
            .cloned()
            .flatten()
        {
            Some(LineAction::Fold(path)) => toggle(&mut self.folded, path),
            Some(LineAction::Expand(trace, seq)) => toggle(&mut self.expanded, (trace, seq)),
            None => {}
        }
    }
}

fn toggle<T: std::hash::Hash + Eq>(set: &mut HashSet<T>, value: T) {
    if !set.remove(&value) {
        set.insert(value);
    }
}
