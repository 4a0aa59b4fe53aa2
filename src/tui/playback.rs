//! Playing a run like a video: each step is shown for a presentation time
//! derived from its real duration, agent text is revealed progressively,
//! and playback stops at the end. Time advances in fixed ticks of
//! presentation time, so a playback is the same frames every time.

use crate::model::{Attempt, Run};

/// Presentation time added per tick (the loop ticks this often while playing).
pub const TICK_MS: u64 = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Speed {
    Times(u32),
    /// Follow the recorded timestamps.
    Real,
}

impl Speed {
    const LADDER: [Speed; 5] = [
        Speed::Times(1),
        Speed::Times(2),
        Speed::Times(5),
        Speed::Times(10),
        Speed::Real,
    ];

    /// `1`, `2x`, `5×`, `10`, `real`: only the speeds of the ladder.
    pub fn parse(text: &str) -> Option<Speed> {
        let speed = match text.trim().trim_end_matches(['x', '×']) {
            "real" => Speed::Real,
            n => Speed::Times(n.parse().ok()?),
        };
        Speed::LADDER.contains(&speed).then_some(speed)
    }

    pub fn label(self) -> String {
        match self {
            Speed::Times(n) => format!("{n}×"),
            Speed::Real => "real time".to_string(),
        }
    }

    /// The next speed up (or down) the ladder 1×, 2×, 5×, 10×, real time.
    pub fn step(self, faster: bool) -> Speed {
        let at = Speed::LADDER.iter().position(|s| *s == self).unwrap_or(0);
        let next = if faster {
            (at + 1).min(Speed::LADDER.len() - 1)
        } else {
            at.saturating_sub(1)
        };
        Speed::LADDER[next]
    }
}

/// Where a playback is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Playback {
    pub speed: Speed,
    pub playing: bool,
    /// Presentation time spent on the current step.
    pub elapsed_ms: u64,
}

impl Playback {
    pub fn new(speed: Speed) -> Playback {
        Playback {
            speed,
            playing: true,
            elapsed_ms: 0,
        }
    }

    /// Share of the current step shown so far (for progressive reveal).
    pub fn revealed(&self, run: &Run, step: usize) -> f64 {
        let total = presentation_ms(run, step, self.speed).max(1);
        (self.elapsed_ms as f64 / total as f64).clamp(0.0, 1.0)
    }
}

/// How long step `position` is shown. Real time: the gap to the next
/// step's start. Otherwise the step's duration / 8, clamped per node type
/// (agent turns get longer, as their text is revealed), divided by the speed.
pub fn presentation_ms(run: &Run, position: usize, speed: Speed) -> u64 {
    let Some(attempt) = run.attempts.get(position) else {
        return 0;
    };
    let real = real_ms(run, position, attempt);
    match speed {
        Speed::Real => real.max(TICK_MS),
        Speed::Times(n) => {
            let (low, high) = match run.node_type(attempt) {
                "acp" => (700, 3800),
                "action" => (850, 3000),
                "checkpoint" => (650, 2400),
                _ => (700, 2400),
            };
            ((real / 8).clamp(low, high) / u64::from(n.max(1))).max(TICK_MS)
        }
    }
}

fn real_ms(run: &Run, position: usize, attempt: &Attempt) -> u64 {
    let next_start = run
        .attempts
        .get(position + 1)
        .and_then(|a| a.started_ms(&run.bundle.trace));
    let end = next_start.or(attempt.finished_ms(&run.bundle.trace));
    match (attempt.started_ms(&run.bundle.trace), end) {
        (Some(start), Some(end)) if end > start => (end - start) as u64,
        _ => attempt.duration_ms(&run.bundle.trace).unwrap_or(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speeds_parse_and_climb_the_ladder() {
        assert_eq!(Speed::parse("2"), Some(Speed::Times(2)));
        assert_eq!(Speed::parse("5x"), Some(Speed::Times(5)));
        assert_eq!(Speed::parse("real"), Some(Speed::Real));
        assert_eq!(Speed::parse("0"), None);
        assert_eq!(Speed::parse("3"), None, "not on the ladder");
        assert_eq!(Speed::Times(1).step(true), Speed::Times(2));
        assert_eq!(Speed::Times(10).step(true), Speed::Real);
        assert_eq!(Speed::Real.step(true), Speed::Real);
        assert_eq!(Speed::Times(1).step(false), Speed::Times(1));
    }

    #[test]
    fn presentation_times_follow_the_run() {
        let dir = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/sample-runs/2026-11-23T163116156Z-gen-branching-review-432a4eb8"
        );
        let run = Run::open(std::path::Path::new(dir)).expect("sample");
        // classify#1 took 2.4 s: an agent turn, clamped to at least 0.7 s.
        assert_eq!(presentation_ms(&run, 1, Speed::Times(1)), 700);
        assert_eq!(presentation_ms(&run, 1, Speed::Times(2)), 350);
        // Real time: from classify#1's start to review_loop#1's start.
        let gap = run.attempts[2].started_ms(&run.bundle.trace).unwrap_or(0)
            - run.attempts[1].started_ms(&run.bundle.trace).unwrap_or(0);
        assert_eq!(presentation_ms(&run, 1, Speed::Real), gap as u64);
    }
}
