//! A tour running in the live TUI: when to run the next commands (a key,
//! a timed pause, the end of a playback) and the tour keys n / p / q.

use std::time::{Duration, Instant};

use crossterm::event::{Event, KeyCode, KeyEventKind};

use super::app::App;
use super::message::Msg;
use crate::demo::player::{Hold, TourPlayer};

pub struct TourState {
    player: TourPlayer,
    hold: Hold,
    /// When a timed pause ends.
    due: Option<Instant>,
    /// Stops reached so far (for `p`).
    stops: usize,
}

impl TourState {
    pub fn new(player: TourPlayer) -> TourState {
        TourState {
            player,
            hold: Hold::Next,
            due: None,
            stops: 0,
        }
    }

    /// Runs commands to the next stop.
    pub fn advance(&mut self, app: &mut App) {
        match self.player.run_to_stop(app) {
            Ok(hold) => {
                self.hold = hold;
                self.stops += 1;
                self.due = match hold {
                    Hold::For(duration) => Some(Instant::now() + duration),
                    _ => None,
                };
                if self.player.finished() && hold != Hold::Playing {
                    app.notice = Some("end of the tour: q leaves".to_string());
                }
            }
            Err(err) => {
                self.hold = Hold::Key;
                self.due = None;
                app.notice = Some(format!("tour stopped: {err}"));
            }
        }
    }

    /// Time left in a timed pause.
    pub fn until_due(&self) -> Option<Duration> {
        self.due
            .map(|due| due.saturating_duration_since(Instant::now()))
    }

    /// Goes on when a timed pause has ended or a playback has stopped.
    pub fn maybe_advance(&mut self, app: &mut App) -> bool {
        let due = self.due.is_some_and(|d| Instant::now() >= d);
        let played = self.hold == Hold::Playing && app.tick_interval().is_none();
        if (due || played) && !self.player.finished() {
            self.advance(app);
            return true;
        }
        false
    }

    /// Tour keys; returns true when the key was the tour's.
    pub fn key(&mut self, msg: &Msg, app: &mut App) -> bool {
        let Msg::Input(Event::Key(key)) = msg else {
            return false;
        };
        if key.kind == KeyEventKind::Release
            || app.dialog.is_some() && key.code != KeyCode::Char('n')
        {
            return false;
        }
        match key.code {
            KeyCode::Char('n') => {
                app.dialog = None;
                if !self.player.finished() {
                    self.advance(app);
                }
                true
            }
            KeyCode::Char('p') => {
                // Replay from the start up to the stop before this one.
                let target = self.stops.saturating_sub(1).max(1);
                let tour = self.player.tour.clone();
                self.player = TourPlayer::new(tour);
                self.stops = 0;
                app.dialog = None;
                // Back from the end, the end is no longer news.
                app.notice = None;
                while self.stops < target && !self.player.finished() {
                    self.advance(app);
                }
                true
            }
            _ => false,
        }
    }
}
