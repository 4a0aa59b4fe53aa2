//! The real binary in a pseudo-terminal: `e` hands a copy of the selected
//! part to `$EDITOR` (sanitized, in a private file removed afterwards) and
//! takes the terminal back; `y` and `Y` put the attempt id and the run id
//! on the clipboard through OSC 52, base64-encoded.

#![cfg(unix)]

mod pty;

use std::path::Path;

use pty::Tui;

const SAMPLE: &str = "sample-runs/2026-11-23T162933442Z-gen-shell-basic-7986c8cd";

fn sample() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(SAMPLE)
        .to_string_lossy()
        .into_owned()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn e_opens_a_copy_in_the_editor_and_the_file_goes_after() {
    let dir = tempfile::tempdir().expect("tempdir");
    let copied = dir.path().join("copied");
    let named = dir.path().join("named");
    // The editor records the file it was given, and that file's content.
    let editor = format!(
        "sh -c 'printf %s \"$1\" > \"{}\"; cat \"$1\" > \"{}\"' editor",
        named.display(),
        copied.display()
    );
    let run = sample();
    let mut tui = Tui::spawn(&[&run], 120, 36, &[("EDITOR", &editor), ("VISUAL", "")]);
    tui.wait_for("the run", |s| s.contents().contains("step 1/4"));
    tui.send("j2");
    // The Attempt tab's content (the command's stdout) is drawn: its parts
    // can be opened.
    tui.wait_for("the Attempt tab", |s| s.contents().contains("HELLO"));
    tui.send("e");
    tui.wait_until("the editor to run", |_| copied.exists() && named.exists());
    tui.wait_for("the viewer back", |s| s.contents().contains("run_shell#1"));
    let text = std::fs::read_to_string(&copied).expect("copied");
    assert!(!text.is_empty(), "the editor got the selected part");
    let given = std::fs::read_to_string(&named).expect("named");
    tui.wait_until("the copy to be removed", |_| !Path::new(&given).exists());
    tui.send("q");
    tui.wait_exit();
}

#[test]
fn y_and_shift_y_copy_ids_through_osc_52() {
    let run = sample();
    let mut tui = Tui::spawn(&[&run], 120, 36, &[]);
    tui.wait_for("the run", |s| s.contents().contains("step 1/4"));
    tui.send("y");
    tui.wait_for("the copy notice", |s| {
        s.contents().contains("copied attempt id")
    });
    tui.send("Y");
    tui.wait_for("the run id notice", |s| {
        s.contents().contains("copied run id")
    });
    let bytes = tui.bytes();
    // base64 of "prepare#1" and of the run id, computed here.
    let b64 = |s: &str| {
        let out = std::process::Command::new("base64")
            .arg("-w0")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                use std::io::Write;
                child.stdin.take().expect("stdin").write_all(s.as_bytes())?;
                child.wait_with_output()
            })
            .expect("base64(1)");
        String::from_utf8(out.stdout).expect("ascii")
    };
    let attempt = format!("\u{1b}]52;c;{}\u{7}", b64("prepare#1"));
    let run_id = format!(
        "\u{1b}]52;c;{}\u{7}",
        b64("2026-11-23T162933442Z-gen-shell-basic-7986c8cd")
    );
    assert!(
        contains(&bytes, attempt.as_bytes()),
        "OSC 52 with the attempt id"
    );
    assert!(
        contains(&bytes, run_id.as_bytes()),
        "OSC 52 with the run id"
    );
    tui.send("q");
    tui.wait_exit();
}

/// `config.toml` beside `keys.toml` sets how a run opens; a broken one is
/// reported and the defaults are used.
#[test]
fn the_config_file_sets_the_opening_view_and_a_broken_one_says_so() {
    let config = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(config.path().join("reel")).expect("mkdir");
    std::fs::write(
        config.path().join("reel/config.toml"),
        "theme = \"light\"\n[view]\ngraph = \"rail\"\ntab = \"events\"\n",
    )
    .expect("write");
    let dir = config.path().to_string_lossy().into_owned();
    let run = sample();
    let mut tui = Tui::spawn(&[&run], 120, 36, &[("XDG_CONFIG_HOME", &dir)]);
    tui.wait_for("the rail view on the Events tab", |s| {
        let text = s.contents();
        text.contains("Graph · rail") && text.contains("trace events (")
    });
    tui.send("q");
    tui.wait_exit();
    std::fs::write(config.path().join("reel/config.toml"), "theme = \"neon\"\n").expect("write");
    let mut tui = Tui::spawn(&[&run], 120, 36, &[("XDG_CONFIG_HOME", &dir)]);
    tui.wait_for("the problem on screen", |s| {
        s.contents().contains("config file ignored")
    });
    tui.send("q");
    tui.wait_exit();
}
