//! Every way the viewer ends hands the terminal back: signals (TERM, HUP,
//! INT and QUIT sent with kill(1), not typed), a second signal while the
//! viewer is stuck, a panic on the UI thread or in a worker, a failed draw,
//! the pty closing; and ctrl-z / SIGTSTP leave the alternate screen and
//! `fg` (SIGCONT) comes back to it. The real binary in a pty; faults are
//! injected with `REEL_FAULT` (src/tui/fault.rs).

#![cfg(unix)]

mod pty;

use pty::{assert_restored, last_leave, status_bar, Tui, BRANCHING_REVIEW};

/// The viewer on the branching review, its first step on screen.
fn viewer(env: &[(&str, &str)]) -> Tui {
    let mut tui = Tui::spawn(&[BRANCHING_REVIEW], 120, 36, env);
    tui.wait_for("step 1/9 in the status bar", |s| {
        status_bar(s).contains("step 1/9 load_input#1")
    });
    assert!(tui.raw_mode(), "raw mode while running");
    tui
}

/// What the child printed after it last left the alternate screen.
fn after_restore(tui: &Tui) -> String {
    let bytes = tui.bytes();
    let leave = last_leave(&bytes).expect("left the alternate screen");
    String::from_utf8_lossy(&bytes[leave..]).into_owned()
}

/// `kill -NAME` ends the viewer through its normal shutdown: exit status
/// 128 + the signal's number, the terminal restored.
fn ends_on_signal(name: &str, number: u32) {
    let mut tui = viewer(&[]);
    tui.signal(name);
    let status = tui.wait_exit();
    assert_eq!(
        (status.exit_code(), status.signal()),
        (128 + number, None),
        "SIG{name}: {status:?}"
    );
    assert_restored(&tui);
}

#[test]
fn sigterm_restores_the_terminal() {
    ends_on_signal("TERM", 15);
}

#[test]
fn sighup_restores_the_terminal() {
    ends_on_signal("HUP", 1);
}

#[test]
fn sigint_as_a_signal_restores_the_terminal() {
    ends_on_signal("INT", 2);
}

#[test]
fn sigquit_restores_the_terminal() {
    ends_on_signal("QUIT", 3);
}

/// The UI thread never answers (injected hang after the first draw): the
/// first SIGTERM is queued for it in vain, a second one ends the process
/// from the signal thread, still restoring the terminal. Signals of one
/// kind can merge while pending, so SIGTERM is resent until the exit.
#[test]
fn a_second_signal_ends_a_stuck_viewer() {
    let mut tui = Tui::spawn(&[BRANCHING_REVIEW], 120, 36, &[("REEL_FAULT", "ui-hang")]);
    // It hangs after its first frame; ratatui hides the cursor last, so a
    // hidden cursor means that frame is all written.
    tui.wait_for("the first frame", |s| {
        s.alternate_screen() && s.hide_cursor()
    });
    let mut sent = 0u32;
    let status = tui.wait_exit_with(|tui| {
        // Pace: one signal every 10 polls (~200 ms).
        if sent % 10 == 0 {
            tui.signal("TERM");
        }
        sent += 1;
    });
    assert!(sent >= 2, "at least two signals were needed");
    assert_eq!((status.exit_code(), status.signal()), (143, None));
    tui.drain();
    assert_restored(&tui);
}

/// A panic on the UI thread: the terminal is restored before the panic
/// message prints (the message comes after leaving the alternate screen).
#[test]
fn a_panic_on_the_ui_thread_restores_the_terminal_first() {
    let mut tui = Tui::spawn(&[BRANCHING_REVIEW], 120, 36, &[("REEL_FAULT", "ui-panic")]);
    let status = tui.wait_exit();
    assert_eq!(status.exit_code(), 101, "a panic: {status:?}");
    assert_restored(&tui);
    let tail = after_restore(&tui);
    assert!(
        tail.contains("panicked") && tail.contains("injected fault: ui-panic"),
        "the panic message after the restore: {tail:?}"
    );
}

/// A panic in a worker thread reaches the UI loop: the viewer ends with
/// status 1 instead of waiting forever for the worker's answer, the
/// terminal is restored, and the panic and the error print after that.
#[test]
fn a_panic_in_a_worker_ends_the_viewer_with_the_terminal_restored() {
    let mut tui = Tui::spawn(
        &[BRANCHING_REVIEW],
        120,
        36,
        &[("REEL_FAULT", "worker-panic")],
    );
    let status = tui.wait_exit();
    assert_eq!((status.exit_code(), status.signal()), (1, None));
    assert_restored(&tui);
    let tail = after_restore(&tui);
    assert!(
        tail.contains("injected fault: worker-panic"),
        "the panic message after the restore: {tail:?}"
    );
    assert!(
        tail.contains("reel: internal error"),
        "the error after the restore: {tail:?}"
    );
}

/// An I/O error while drawing ends the viewer with the error, the
/// terminal restored.
#[test]
fn a_draw_error_ends_the_viewer_with_the_terminal_restored() {
    // The first frame is drawn; the next (the run, once loaded) fails.
    let mut tui = Tui::spawn(
        &[BRANCHING_REVIEW],
        120,
        36,
        &[("REEL_FAULT", "draw-error")],
    );
    let status = tui.wait_exit();
    assert_eq!((status.exit_code(), status.signal()), (1, None));
    assert_restored(&tui);
    let tail = after_restore(&tui);
    assert!(
        tail.contains("reel: ") && tail.contains("injected fault: draw-error"),
        "the error after the restore: {tail:?}"
    );
}

/// The terminal goes away (its window closed: the pty master closes). The
/// viewer gets SIGHUP and reads fail; it must end (status 129), not spin
/// or hang.
#[test]
fn closing_the_pty_ends_the_viewer() {
    let mut tui = viewer(&[]);
    tui.hang_up("j");
    let status = tui.wait_exit_with(|_| {});
    assert_eq!(
        (status.exit_code(), status.signal()),
        (129, None),
        "{status:?}"
    );
}

/// Suspending hands the terminal back (main screen, cooked mode, mouse
/// off, cursor shown) and stops the process; SIGCONT (what `fg` sends)
/// takes the terminal again and redraws. `suspend` sends the key or the
/// signal that asks for the suspension.
#[cfg(target_os = "linux")]
fn suspend_and_resume(suspend: impl Fn(&mut Tui)) {
    let mut tui = viewer(&[]);
    tui.send("j");
    tui.wait_for("step 2/9", |s| status_bar(s).contains("step 2/9"));
    suspend(&mut tui);
    tui.wait_until("the process to stop", |t| t.process_state() == Some('T'));
    // Stopped, it writes nothing more: what it wrote before must show
    // (the reader may still be catching up).
    tui.wait_for("main screen, cursor shown, mouse off", |s| {
        !s.alternate_screen()
            && !s.hide_cursor()
            && s.mouse_protocol_mode() == vt100::MouseProtocolMode::None
    });
    assert!(tui.cooked_mode(), "cooked mode while suspended");
    tui.signal("CONT");
    tui.wait_for("the viewer to come back", |s| {
        s.alternate_screen() && status_bar(s).contains("step 2/9")
    });
    // Repainted whole, not just the cells that changed: the pane titles
    // come again after re-entering the alternate screen.
    tui.wait_until("a full repaint after the resume", |t| {
        let bytes = t.bytes();
        pty::rfind(&bytes, b"\x1b[?1049h")
            .is_some_and(|enter| pty::rfind(&bytes[enter..], b"Timeline").is_some())
    });
    assert!(tui.raw_mode(), "raw mode again");
    {
        let out = tui.output.lock().unwrap();
        let mode = out.parser.screen().mouse_protocol_mode();
        drop(out);
        assert_ne!(mode, vt100::MouseProtocolMode::None, "mouse capture again");
    }
    // Still working after the resume.
    tui.send("j");
    tui.wait_for("step 3/9", |s| status_bar(s).contains("step 3/9"));
    tui.send("q");
    let status = tui.wait_exit();
    assert!(status.success(), "{status:?}");
    assert_restored(&tui);
}

#[cfg(target_os = "linux")]
#[test]
fn ctrl_z_suspends_and_fg_resumes() {
    suspend_and_resume(|tui| tui.send("\x1a"));
}

#[cfg(target_os = "linux")]
#[test]
fn sigtstp_suspends_and_sigcont_resumes() {
    suspend_and_resume(|tui| tui.signal("TSTP"));
}
