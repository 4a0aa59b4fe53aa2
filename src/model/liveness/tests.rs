use super::*;

const NOW: i64 = 1_800_000_000_000;
const WINDOW: i64 = 30_000;

fn signs(written: Option<i64>, modified: Option<i64>, seen: Option<i64>) -> LifeSigns {
    LifeSigns {
        written_ms: written,
        modified_ms: modified,
        seen_ms: seen,
        window_ms: WINDOW,
    }
}

#[test]
fn a_run_that_is_not_running_is_settled_whatever_its_signs() {
    let fresh = signs(Some(NOW), Some(NOW), Some(NOW));
    assert_eq!(fresh.judge(false, NOW), Liveness::Settled);
}

#[test]
fn files_written_now_make_a_run_live_whatever_its_writer_clock_says() {
    let day = 86_400_000;
    // The writer's clock is a day behind, the file system says 2 s ago.
    let behind = signs(Some(NOW - day), Some(NOW - 2_000), None);
    assert_eq!(behind.judge(true, NOW), Liveness::Live { age_ms: 2_000 });
    // Only this reader saw it grow, 5 s ago (mtimes unreadable).
    let seen = signs(Some(NOW - day), None, Some(NOW - 5_000));
    assert_eq!(seen.judge(true, NOW), Liveness::Live { age_ms: 5_000 });
}

#[test]
fn silence_longer_than_the_window_is_stale_with_its_length() {
    let old = signs(Some(NOW - 90_000), Some(NOW - 60_000), None);
    assert_eq!(
        old.judge(true, NOW),
        Liveness::Stale {
            silent_ms: Some(60_000)
        }
    );
    // Exactly at the window's edge it is still live.
    let edge = signs(None, Some(NOW - WINDOW), None);
    assert!(edge.judge(true, NOW).is_live());
    assert_eq!(
        signs(None, None, None).judge(true, NOW),
        Liveness::Stale { silent_ms: None }
    );
}

#[test]
fn a_writer_clock_far_ahead_is_no_sign_of_life() {
    let hour = 3_600_000;
    // Stamped an hour in the future, files untouched for ten minutes:
    // the stamp would keep a dead run live for an hour.
    let ahead = signs(Some(NOW + hour), Some(NOW - 10 * 60_000), None);
    assert_eq!(
        ahead.judge(true, NOW),
        Liveness::Stale {
            silent_ms: Some(10 * 60_000)
        }
    );
    // A few seconds ahead is an ordinary skew: live.
    let skewed = signs(Some(NOW + 3_000), None, None);
    assert_eq!(skewed.judge(true, NOW), Liveness::Live { age_ms: 0 });
}

#[test]
fn stale_at_is_the_newest_believable_sign_plus_the_window() {
    let s = signs(Some(NOW - 10_000), Some(NOW - 4_000), Some(NOW - 7_000));
    assert_eq!(s.stale_at(NOW), NOW - 4_000 + WINDOW);
    assert_eq!(signs(None, None, None).stale_at(NOW), NOW);
}

#[test]
fn the_state_word_is_stale_only_for_a_stale_liveness() {
    let word = |liveness| state_word("running".to_string(), liveness);
    assert_eq!(word(Liveness::Stale { silent_ms: None }), "stale");
    assert_eq!(word(Liveness::Live { age_ms: 1 }), "running");
    assert_eq!(state_word("failed".into(), Liveness::Settled), "failed");
}
