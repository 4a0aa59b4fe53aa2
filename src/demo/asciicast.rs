//! Recording to asciicast v2 (the asciinema format): a JSON header line,
//! then one `[time, "o", data]` line per frame. Headless recordings render
//! frames with ratatui's `TestBackend`, so they need no terminal and are the
//! same bytes every time for the same tour (times are presentation time).

use std::io::Write;
use std::path::Path;

use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::Terminal;
use serde_json::json;

use super::player::{Hold, TourPlayer};
use crate::tui::app::App;
use crate::tui::message::Msg;
use crate::tui::playback::TICK_MS;

/// How long a command without its own pause stays on screen in a recording.
const STEP_SECONDS: f64 = 0.8;
/// How long a `pause key` stays on screen in a recording.
const KEY_PAUSE_SECONDS: f64 = 3.0;

pub struct Recorder {
    out: Vec<u8>,
    terminal: Terminal<TestBackend>,
    time: f64,
    last_frame: Option<String>,
}

impl Recorder {
    pub fn new(width: u16, height: u16, title: &str) -> Result<Recorder, String> {
        let terminal = Terminal::new(TestBackend::new(width, height)).map_err(|e| e.to_string())?;
        let header = json!({"version": 2, "width": width, "height": height, "title": title, "env": {"TERM": "xterm-256color"}});
        let mut out = crate::sanitize::json::to_line(&header).into_bytes();
        out.push(b'\n');
        Ok(Recorder {
            out,
            terminal,
            time: 0.0,
            last_frame: None,
        })
    }

    /// Draws the app and records the frame if it changed.
    pub fn frame(&mut self, app: &mut App) -> Result<(), String> {
        self.terminal
            .draw(|f| crate::tui::ui::draw(f, app))
            .map_err(|e| e.to_string())?;
        let data = ansi_frame(self.terminal.backend().buffer());
        if self.last_frame.as_deref() != Some(data.as_str()) {
            let line = json!([round(self.time), "o", data]);
            self.out
                .extend_from_slice(crate::sanitize::json::to_line(&line).as_bytes());
            self.out.push(b'\n');
            self.last_frame = Some(data);
        }
        Ok(())
    }

    pub fn set_time(&mut self, seconds: f64) {
        self.time = seconds;
    }

    pub fn advance(&mut self, seconds: f64) {
        self.time += seconds;
    }

    pub fn bytes(&self) -> &[u8] {
        &self.out
    }

    pub fn save(&self, path: &Path) -> Result<(), String> {
        let mut file =
            std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
        file.write_all(&self.out)
            .map_err(|e| format!("{}: {e}", path.display()))
    }
}

fn round(t: f64) -> f64 {
    (t * 1000.0).round() / 1000.0
}

/// A full-screen repaint of a buffer: clear, home, then every row (text
/// only: the recording stays small and stable).
pub fn ansi_frame(buffer: &Buffer) -> String {
    let mut out = String::from("\u{1b}[H\u{1b}[2J");
    let area = buffer.area;
    for y in 0..area.height {
        if y > 0 {
            out.push_str("\r\n");
        }
        let mut row = String::new();
        let mut skip = 0;
        for x in 0..area.width {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let symbol = buffer[(x, y)].symbol();
            skip = unicode_width::UnicodeWidthStr::width(symbol).saturating_sub(1);
            row.push_str(symbol);
        }
        out.push_str(row.trim_end());
    }
    out
}

/// Plays a whole tour headless into a recording.
pub fn record_tour(
    player: &mut TourPlayer,
    app: &mut App,
    recorder: &mut Recorder,
) -> Result<(), String> {
    recorder.frame(app)?;
    while !player.finished() {
        let hold = player.step(app)?;
        recorder.frame(app)?;
        match hold {
            Hold::Next => recorder.advance(STEP_SECONDS),
            Hold::For(duration) => recorder.advance(duration.as_secs_f64()),
            Hold::Key => recorder.advance(KEY_PAUSE_SECONDS),
            Hold::Playing => play_out(app, recorder)?,
        }
    }
    recorder.frame(app)
}

/// Ticks playback until it stops, one frame per tick.
pub fn play_out(app: &mut App, recorder: &mut Recorder) -> Result<(), String> {
    let mut guard = 0;
    while app
        .tick_interval()
        .is_some_and(|t| t.as_millis() as u64 == TICK_MS)
        && guard < 100_000
    {
        let effects = app.update(Msg::Tick);
        crate::tui::workers::settle(app, effects);
        recorder.advance(TICK_MS as f64 / 1000.0);
        recorder.frame(app)?;
        guard += 1;
    }
    Ok(())
}
