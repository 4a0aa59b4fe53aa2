//! Playback: ticks of presentation time move the cursor step by step,
//! agent text is revealed progressively, playback stops at the end, the
//! same ticks give the same frames, and the real binary plays by itself.

mod support;

use crossterm::event::KeyCode;
use reel::tui::message::Msg;
use reel::tui::playback::{presentation_ms, Speed, TICK_MS};
use support::*;

fn ticks(app: &mut reel::tui::app::App, n: usize) {
    for _ in 0..n {
        send(app, Msg::Tick);
    }
}

#[test]
fn ticks_advance_steps_by_their_presentation_time_and_stop_at_the_end() {
    let mut app = run_app(branching_review());
    press(&mut app, KeyCode::Char(' '));
    assert!(view(&app).playing());
    let run = view(&app).run.clone();
    // Step 1 is shown for exactly its presentation time, then step 2.
    let first = presentation_ms(&run, 0, Speed::Times(1));
    let before = first.div_ceil(TICK_MS) as usize - 1;
    ticks(&mut app, before);
    assert_eq!(view(&app).current_attempt(), Some(0));
    ticks(&mut app, 1);
    assert_eq!(view(&app).current_attempt(), Some(1));
    // Through to the end, where playback stops by itself.
    let total: u64 = (0..run.attempts.len())
        .map(|i| presentation_ms(&run, i, Speed::Times(1)).div_ceil(TICK_MS))
        .sum();
    ticks(&mut app, total as usize + 5);
    assert_eq!(view(&app).current_attempt(), Some(run.attempts.len() - 1));
    assert!(!view(&app).playing(), "playback stops at the end");
    // Space at the end starts over from the first step.
    press(&mut app, KeyCode::Char(' '));
    assert_eq!(view(&app).current_attempt(), Some(0));
}

#[test]
fn speed_keys_climb_the_ladder_and_shorten_steps() {
    let mut app = run_app(branching_review());
    press(&mut app, KeyCode::Char(' '));
    keys(&mut app, "++");
    assert_eq!(view(&app).playback.map(|p| p.speed), Some(Speed::Times(5)));
    let run = view(&app).run.clone();
    let at_5x = presentation_ms(&run, 0, Speed::Times(5)).div_ceil(TICK_MS) as usize;
    ticks(&mut app, at_5x);
    assert_eq!(view(&app).current_attempt(), Some(1));
    keys(&mut app, "-");
    assert_eq!(view(&app).playback.map(|p| p.speed), Some(Speed::Times(2)));
}

#[test]
fn agent_text_is_revealed_progressively_and_frames_repeat() {
    let play_to = |n: usize| {
        let mut app = run_app(branching_review());
        keys(&mut app, "j"); // classify#1, an agent turn
        press(&mut app, KeyCode::Char(' '));
        ticks(&mut app, n);
        screen(&mut app, 160, 48)
    };
    let early = play_to(2);
    let later = play_to(10);
    // classify#1's reply is cut early on and whole later.
    assert!(early.contains("step 2/9 classify#1"), "{early}");
    let reply = |frame: &str| -> String {
        let lines: Vec<&str> = frame.lines().collect();
        let at = lines
            .iter()
            .position(|l| l.contains("◂ agent"))
            .expect("an agent item");
        let line = lines[at + 1];
        let start = line.find('▌').expect("slice marker");
        line[start..].trim_end_matches(['│', ' ']).to_string()
    };
    assert!(
        reply(&early).len() < reply(&later).len(),
        "{}\nvs\n{}",
        reply(&early),
        reply(&later)
    );
    assert_eq!(play_to(7), play_to(7), "the same ticks give the same frame");
    insta::assert_snapshot!("playback_early@160x48", early);
    insta::assert_snapshot!("playback_later@160x48", later);
}
