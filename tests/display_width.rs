//! Columns line up by display width, not code points, and grapheme
//! clusters are never split: the CLI tables (checked on a virtual terminal,
//! vt100, which places every character by its own width table) and the
//! TUI's buffer, on the acp-rich bundle whose ids mix CJK, Arabic and emoji.

mod common;
mod support;

use std::path::PathBuf;

use common::{reel, reel_json};
use unicode_segmentation::UnicodeSegmentation;

fn rich() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/acp-rich/rich-content")
}

/// The mixed-script attempt id of the fixture and the cells it takes,
/// counted by hand: 翻 訳 (2 each), `_`, five Arabic letters (1 each), `_`,
/// 🚀 (2), `#1`.
const MIXED_ID: &str = "翻訳_ترجمة_🚀#1";
const MIXED_ID_CELLS: u16 = 2 + 2 + 1 + 5 + 1 + 2 + 2;

/// A row as the terminal placed it: `(column, character)` for every cell
/// but the second halves of wide characters.
type Row = Vec<(usize, String)>;

/// `text` on a virtual terminal, row by row.
fn on_terminal(text: &str) -> Vec<Row> {
    let rows = text.lines().count() as u16 + 1;
    let mut parser = vt100::Parser::new(rows, 400, 0);
    parser.process(text.replace('\n', "\r\n").as_bytes());
    let screen = parser.screen();
    (0..rows)
        .map(|r| {
            (0..400u16)
                .filter_map(|c| {
                    let cell = screen.cell(r, c)?;
                    (!cell.is_wide_continuation())
                        .then(|| (c as usize, cell.contents().to_string()))
                })
                .collect()
        })
        .collect()
}

fn row_text(row: &Row) -> String {
    row.iter()
        .map(|(_, s)| if s.is_empty() { " " } else { s.as_str() })
        .collect()
}

/// `(first column, column after the last)` of `word` standing alone (blank
/// or row edge on both sides) at or after column `from`.
fn span_of(row: &Row, word: &str, from: usize) -> Option<(usize, usize)> {
    let letters: Vec<String> = word.chars().map(String::from).collect();
    let blank = |i: usize| row.get(i).is_none_or(|(_, s)| s.is_empty() || s == " ");
    (0..row.len().saturating_sub(letters.len())).find_map(|i| {
        let matches = row[i].0 >= from
            && row[i..i + letters.len()]
                .iter()
                .zip(&letters)
                .all(|((_, cell), letter)| cell == letter)
            && blank(i + letters.len())
            && (i == 0 || blank(i - 1));
        matches.then(|| (row[i].0, row[i + letters.len()].0))
    })
}

fn column_of(row: &Row, word: &str, from: usize) -> Option<usize> {
    span_of(row, word, from).map(|(start, _)| start)
}

#[test]
fn show_aligns_its_columns_by_display_width() {
    let out = reel(["show".as_ref(), rich().as_os_str()]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    let doc = reel_json(["show".as_ref(), rich().as_os_str(), "--json".as_ref()]);
    let attempts = doc["attempts"].as_array().expect("attempts");
    assert!(attempts.iter().any(|a| a["attemptId"] == MIXED_ID));
    let screen = on_terminal(&out.stdout);
    let mut type_columns = Vec::new();
    let mut outcome_columns = Vec::new();
    for attempt in attempts {
        let id = attempt["attemptId"].as_str().expect("id");
        let row = screen
            .iter()
            .find(|row| {
                let text = row_text(row);
                text.contains(id) && !text.starts_with("nodes")
            })
            .unwrap_or_else(|| panic!("a row for {id}"));
        let id_at = column_of(row, id, 0).unwrap_or_else(|| panic!("{id} in its row"));
        let node_type = attempt["nodeType"].as_str().expect("type");
        let type_at = column_of(row, node_type, id_at + 1).expect("type column");
        let outcome = attempt["outcome"].as_str().expect("outcome");
        outcome_columns.push(column_of(row, outcome, type_at + 1).expect("outcome column"));
        type_columns.push(type_at);
        if id == MIXED_ID {
            // The id's cells on the terminal are the hand count.
            let (start, end) = span_of(row, id, 0).expect("the mixed id");
            assert_eq!(end - start, MIXED_ID_CELLS as usize);
        }
    }
    assert!(
        type_columns.windows(2).all(|w| w[0] == w[1]),
        "{type_columns:?}\n{}",
        out.stdout
    );
    assert!(
        outcome_columns.windows(2).all(|w| w[0] == w[1]),
        "{outcome_columns:?}"
    );
}

#[test]
fn state_aligns_node_states_by_display_width() {
    let out = reel([
        "state".as_ref(),
        rich().as_os_str(),
        "--at".as_ref(),
        "9".as_ref(),
    ]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    let screen = on_terminal(&out.stdout);
    let columns: Vec<usize> = screen
        .iter()
        .filter_map(|row| {
            let text = row_text(row);
            ["done", "failed"]
                .iter()
                .find(|state| text.contains(&format!("  {state}  ")))
                .and_then(|state| column_of(row, state, 2))
        })
        .collect();
    assert_eq!(columns.len(), 9, "{}", out.stdout);
    assert!(
        columns.windows(2).all(|w| w[0] == w[1]),
        "{columns:?}\n{}",
        out.stdout
    );
}

/// Every row of the timeline has its type column at the same x, and the
/// mixed id takes its hand-counted cells; no drawn cell anywhere holds a
/// lone regional indicator or a broken ZWJ sequence (a split cluster).
#[test]
fn timeline_columns_and_clusters_in_the_buffer() {
    let mut app = support::run_app(rich());
    for (w, h) in [(80u16, 24u16), (160, 48)] {
        for step in 0..9 {
            support::view_mut(&mut app).go_to_step(step);
            support::render(&mut app, w, h);
            let buffer = support::render(&mut app, w, h);
            for y in 0..h {
                for x in 0..w {
                    let symbol = buffer[(x, y)].symbol();
                    let indicators = symbol
                        .chars()
                        .filter(|c| ('\u{1F1E6}'..='\u{1F1FF}').contains(c))
                        .count();
                    assert!(
                        indicators % 2 == 0,
                        "half a flag at {x},{y} ({w}x{h}, step {step})"
                    );
                    assert!(
                        !symbol.ends_with('\u{200D}'),
                        "a cut ZWJ sequence at {x},{y} ({w}x{h}, step {step})"
                    );
                }
            }
            if w < 160 {
                continue;
            }
            let lines = support::buffer_lines(&buffer);
            let rows: Vec<u16> = (0..h)
                .filter(|&y| lines[y as usize].contains(" acp ") && lines[y as usize].contains('#'))
                .collect();
            assert_eq!(rows.len(), 8, "{}", lines.join("\n"));
            let type_x: Vec<u16> = rows
                .iter()
                .map(|&y| {
                    (0..w - 4)
                        .find(|&x| support::row_text(&buffer, y, x, x + 5) == " acp ")
                        .expect("type column")
                })
                .collect();
            assert!(type_x.windows(2).all(|p| p[0] == p[1]), "{type_x:?}");
            let mixed = rows
                .iter()
                .find(|&&y| lines[y as usize].contains(MIXED_ID))
                .expect("the mixed row");
            let start = (0..w)
                .find(|&x| buffer[(x, *mixed)].symbol() == "翻")
                .expect("id start");
            let end = (start..w)
                .find(|&x| buffer[(x, *mixed)].symbol() == "1")
                .expect("id end");
            assert_eq!(end + 1 - start, MIXED_ID_CELLS);
        }
    }
    // The cluster count of the id is what the terminal shows: no cluster
    // was merged or split on its way to the screen.
    assert_eq!(MIXED_ID.graphemes(true).count(), 12);
}
