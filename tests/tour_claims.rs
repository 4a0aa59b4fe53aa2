//! The shipped tours say what is on the screen: every caption stays up
//! for a pause before the next one replaces it, and what a caption names —
//! an attempt (`review_loop#2`), a tab ("the Attempt tab"), nodes it calls
//! unvisited or dim — holds on the screen it is shown over, at every stop.

use std::path::{Path, PathBuf};

use reel::demo::player::{Hold, TourPlayer};
use reel::demo::tour::{self, TourStep};
use reel::model::NodeStatus;
use reel::tui::app::{App, Screen};
use reel::tui::inspect::InspectorTab;
use reel::tui::keymap::Keymap;
use reel::tui::theme::Theme;

fn tours() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/tours");
    let mut tours: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("assets/tours")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "tour"))
        .collect();
    tours.sort();
    assert!(tours.len() >= 2);
    tours
}

/// Words like `node#2` in a text.
fn attempt_ids(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '#'))
        .filter(|w| {
            w.split_once('#')
                .is_some_and(|(node, n)| !node.is_empty() && n.parse::<u32>().is_ok())
        })
        .map(str::to_string)
        .collect()
}

/// The tab a text names ("the Attempt tab", "The Session tab shows").
fn named_tab(text: &str) -> Option<InspectorTab> {
    let lower = text.to_lowercase();
    [
        ("session tab", InspectorTab::Session),
        ("attempt tab", InspectorTab::Attempt),
        ("events tab", InspectorTab::Events),
    ]
    .into_iter()
    .find(|(words, _)| lower.contains(words))
    .map(|(_, tab)| tab)
}

/// Node ids a caption lists in parentheses after "never reached",
/// "unvisited" or "dim".
fn unvisited_claims(text: &str) -> Vec<String> {
    let lower = text.to_lowercase();
    if !(lower.contains("never reached") || lower.contains("unvisited") || lower.contains("dim")) {
        return Vec::new();
    }
    let Some(open) = text.find('(') else {
        return Vec::new();
    };
    let close = text[open..].find(')').map_or(text.len(), |c| open + c);
    text[open + 1..close]
        .split(',')
        .map(|w| w.trim().to_string())
        .filter(|w| !w.is_empty())
        .collect()
}

fn check_stop(app: &App, tour: &str, line: usize, problems: &mut Vec<String>) {
    let Some((title, text)) = &app.caption else {
        return;
    };
    let Screen::Run(view) = &app.screen else {
        problems.push(format!("{tour}:{line}: caption {title:?} over no run"));
        return;
    };
    let both = format!("{title} {text}");
    let ids = attempt_ids(&both);
    let current = view
        .current_attempt()
        .map(|i| view.run.attempt_id(&view.run.attempts[i]).to_string());
    if !ids.is_empty() && !current.as_ref().is_some_and(|c| ids.contains(c)) {
        problems.push(format!(
            "{tour}:{line}: caption {title:?} names {ids:?} but the cursor is on {current:?}"
        ));
    }
    if let Some(tab) = named_tab(&both) {
        if view.tab != tab {
            problems.push(format!(
                "{tour}:{line}: caption {title:?} names the {tab:?} tab but {:?} is shown",
                view.tab
            ));
        }
    }
    // The nodes a caption names (whole words), those it calls unvisited
    // aside: the cursor is on one of them.
    let flow = &view.run.bundle.flow;
    let claimed_unvisited = unvisited_claims(text);
    let words: Vec<&str> = both
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .collect();
    let named: Vec<&str> = flow
        .nodes
        .iter()
        .map(|n| n.id.as_str())
        .filter(|id| words.contains(id) && !claimed_unvisited.iter().any(|u| u == id))
        .collect();
    let node = view
        .current_attempt()
        .map(|i| view.run.node_id(&view.run.attempts[i]).to_string());
    if !named.is_empty() && !node.as_ref().is_some_and(|n| named.contains(&n.as_str())) {
        problems.push(format!(
            "{tour}:{line}: caption {title:?} names {named:?} but the cursor is on {node:?} of {}",
            view.run.run_id()
        ));
    }
    // Frames come in flow order. The nodes it calls unvisited are exactly
    // the unvisited ones.
    let frames = view.run.node_frames_at(view.cursor);
    if !claimed_unvisited.is_empty() {
        let mut unvisited: Vec<&str> = flow
            .nodes
            .iter()
            .zip(&frames)
            .filter(|(_, f)| f.status == NodeStatus::NotVisited)
            .map(|(n, _)| n.id.as_str())
            .collect();
        let mut claimed: Vec<&str> = claimed_unvisited.iter().map(String::as_str).collect();
        unvisited.sort_unstable();
        claimed.sort_unstable();
        if unvisited != claimed {
            problems.push(format!(
                "{tour}:{line}: caption {title:?} calls {claimed:?} unvisited, the screen shows {unvisited:?}"
            ));
        }
    }
    for node in &claimed_unvisited {
        let status = view
            .run
            .bundle
            .flow
            .nodes
            .iter()
            .zip(&frames)
            .find(|(n, _)| n.id == *node)
            .map(|(_, f)| f.status);
        if status != Some(NodeStatus::NotVisited) {
            problems.push(format!(
                "{tour}:{line}: caption {title:?} calls {node} unvisited but it is {status:?}"
            ));
        }
    }
}

#[test]
fn every_caption_is_read_before_the_next_and_its_claims_hold() {
    let mut problems = Vec::new();
    let mut stops = 0;
    for path in tours() {
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let tour = tour::load(&path).expect("the tour parses");
        // A caption replaced with no pause between was never seen.
        let mut unread: Option<usize> = None;
        for line in &tour.steps {
            match &line.step {
                TourStep::Caption { .. } => {
                    if let Some(at) = unread {
                        problems.push(format!(
                            "{name}:{at}: caption replaced at line {} before a pause",
                            line.line
                        ));
                    }
                    unread = Some(line.line);
                }
                TourStep::Pause(_) => unread = None,
                _ => {}
            }
        }
        let mut app = App::new(
            Screen::Loading {
                path: PathBuf::new(),
                done: 0,
                total: 0,
            },
            Keymap::defaults(),
            Theme::plain(),
        );
        let mut player = TourPlayer::new(tour.clone());
        let mut guard = 0;
        while !player.finished() && guard < 1000 {
            guard += 1;
            let line = tour.steps.get(player.next).map_or(0, |l| l.line);
            match player.step(&mut app).expect("the tour step runs") {
                Hold::Next => {}
                _ => {
                    stops += 1;
                    check_stop(&app, &name, line, &mut problems);
                }
            }
        }
    }
    assert!(stops >= 10, "the tours stop at {stops} places");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// At the end, the tour says so; `p` from there goes back one stop and the
/// "end of the tour" note goes with it.
#[test]
fn going_back_from_the_end_drops_the_end_note() {
    use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
    use reel::tui::message::Msg;
    use reel::tui::tour::TourState;
    let path = tours().into_iter().next().expect("a tour");
    let tour = tour::load(&path).expect("parses");
    let mut app = App::new(
        Screen::Loading {
            path: PathBuf::new(),
            done: 0,
            total: 0,
        },
        Keymap::defaults(),
        Theme::plain(),
    );
    let mut state = TourState::new(TourPlayer::new(tour));
    let key = |c| {
        Msg::Input(Event::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::NONE,
        )))
    };
    state.advance(&mut app);
    for _ in 0..200 {
        if app
            .notice
            .as_deref()
            .is_some_and(|n| n.contains("end of the tour"))
        {
            break;
        }
        state.key(&key('n'), &mut app);
    }
    assert!(app
        .notice
        .as_deref()
        .is_some_and(|n| n.contains("end of the tour")));
    state.key(&key('p'), &mut app);
    assert!(
        !app.notice
            .as_deref()
            .is_some_and(|n| n.contains("end of the tour")),
        "{:?}",
        app.notice
    );
}
