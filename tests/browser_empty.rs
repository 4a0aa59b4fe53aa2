//! The browser with no runs to show: it says where it looked and how to
//! start, and `reel` with no argument never opens other runs in their
//! place (it used to open the `sample-runs/` of the checkout it was built
//! from, so forks and rewinds wrote into the source tree).

mod pty;
mod support;

use support::{browser_app, screen};

const START: &str = "Start one with `acpx flow run FLOW.ts`,";
const SAMPLES: &str = "or look at the samples: `reel sample-runs`";

#[test]
fn an_empty_or_missing_runs_directory_explains_itself() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).expect("mkdir");
    for dir in [empty, tmp.path().join("not-there-yet")] {
        let mut app = browser_app(dir.clone());
        let text = screen(&mut app, 120, 24);
        let wanted = format!("No runs in {}", dir.display());
        for line in [wanted.as_str(), START, SAMPLES] {
            assert!(text.contains(line), "{line:?} not on screen:\n{text}");
        }
        // A folder named on the command line: no "looked at".
        assert!(!text.contains("looked at"), "{text}");
        assert!(!text.contains("cannot read"), "{text}");
    }
}

/// `reel` with no argument, no `$ACPX_FLOW_RUNS_DIR` and no runs under
/// HOME, started in the repository root (where `sample-runs/` is): the
/// empty browser on `~/.acpx/flows/runs`, not the samples.
#[cfg(unix)]
#[test]
fn reel_without_runs_opens_the_empty_browser_not_the_samples() {
    let mut tui = pty::Tui::spawn(&[], 120, 30, &[]);
    tui.wait_for("the empty browser", |s| {
        let text = s.contents();
        text.contains("No runs in") && text.contains(SAMPLES)
    });
    let text = tui.screen_text();
    assert!(
        text.contains(".acpx/flows/runs")
            && text.contains("(looked at $ACPX_FLOW_RUNS_DIR, ~/.acpx/flows/runs)"),
        "{text}"
    );
    assert!(text.contains(START), "{text}");
    // None of the sample runs is listed.
    for sample in ["Review: fix flaky login test", "gen-acp-echo", "432a4eb8"] {
        assert!(!text.contains(sample), "{sample:?} listed:\n{text}");
    }
    tui.send("q");
    let status = tui.wait_exit();
    assert!(status.success(), "{status:?}");
    pty::assert_restored(&tui);
}
