use std::io::Write;

use super::*;

fn file_with(bytes: &[u8]) -> (tempfile::NamedTempFile, File) {
    let mut tmp = tempfile::NamedTempFile::new().expect("temp file");
    tmp.write_all(bytes).expect("write");
    tmp.flush().expect("flush");
    let file = File::open(tmp.path()).expect("open");
    (tmp, file)
}

fn never() -> bool {
    false
}

fn numbered(lines: usize) -> String {
    (1..=lines).map(|i| format!("line {i}\n")).collect()
}

const SMALL: WindowSize = WindowSize {
    bytes: 1000,
    lines: 10,
};

#[test]
fn a_short_text_is_whole() {
    let text = numbered(20);
    let (_tmp, file) = file_with(text.as_bytes());
    let window = text_window(&file, text.len() as u64, SMALL, &never).expect("window");
    assert_eq!(window.whole(), Some(text.as_str()));
    assert_eq!(window.hidden_lines, Some(0));
}

#[test]
fn many_short_lines_keep_ten_at_each_end() {
    let text = numbered(50);
    let (_tmp, file) = file_with(text.as_bytes());
    let window = text_window(&file, text.len() as u64, SMALL, &never).expect("window");
    assert_eq!(window.head, numbered(10));
    let tail: String = (41..=50).map(|i| format!("line {i}\n")).collect();
    assert_eq!(window.tail, tail);
    assert_eq!(window.hidden_lines, Some(30));
    assert_eq!(
        window.hidden_bytes as usize,
        text.len() - window.head.len() - window.tail.len()
    );
}

#[test]
fn a_large_file_shows_its_ends_and_counts_the_middle() {
    let text = numbered(100_000);
    let (_tmp, file) = file_with(text.as_bytes());
    let window = text_window(&file, text.len() as u64, SMALL, &never).expect("window");
    assert_eq!(window.head, numbered(10));
    assert!(window.tail.ends_with("line 100000\n"), "{}", window.tail);
    let tail_lines = window.tail.lines().count();
    assert!(tail_lines <= 10 && tail_lines > 0);
    assert_eq!(
        window.hidden_lines,
        Some(100_000 - 10 - tail_lines as u64),
        "every line is shown or counted"
    );
    assert_eq!(
        window.head.len() as u64 + window.hidden_bytes + window.tail.len() as u64,
        text.len() as u64
    );
    assert!(window.whole().is_none());
}

#[test]
fn one_huge_line_is_cut_at_character_boundaries() {
    // "é" is two bytes: a cut at 1000 bytes would split one.
    let text = format!("a{}", "é".repeat(5000));
    let (_tmp, file) = file_with(text.as_bytes());
    let window = text_window(&file, text.len() as u64, SMALL, &never).expect("window");
    assert!(!window.head.contains('\u{fffd}') && !window.tail.contains('\u{fffd}'));
    assert!(window.head.len() <= 1000 && window.head.len() >= 990);
    assert_eq!(window.hidden_lines, Some(0));
    assert_eq!(
        window.head.len() as u64 + window.hidden_bytes + window.tail.len() as u64,
        text.len() as u64
    );
}

#[test]
fn counting_can_be_cancelled() {
    let text = numbered(400_000);
    let (_tmp, file) = file_with(text.as_bytes());
    let window = text_window(&file, text.len() as u64, SMALL, &|| true).expect("window");
    assert_eq!(window.hidden_lines, None);
    assert_eq!(window.head, numbered(10));
}

#[test]
fn search_finds_matches_across_chunk_boundaries_ignoring_case() {
    let mut bytes = vec![b'x'; 3 * CHUNK];
    // Straddles the first chunk boundary.
    bytes[CHUNK - 3..CHUNK + 4].copy_from_slice(b"NeEdLe!");
    bytes[2 * CHUNK + 10..2 * CHUNK + 16].copy_from_slice(b"needle");
    let (_tmp, file) = file_with(&bytes);
    let mut found = Vec::new();
    let complete = find_ci(&file, 0, bytes.len() as u64, b"needle", &never, |at| {
        found.push(at);
        Some(at + 1)
    })
    .expect("search");
    assert!(complete);
    assert_eq!(found, [CHUNK as u64 - 3, 2 * CHUNK as u64 + 10]);
    // Resuming past a match skips what lies before the resume point.
    let mut first = Vec::new();
    find_ci(&file, 0, bytes.len() as u64, b"needle", &never, |at| {
        first.push(at);
        Some(bytes.len() as u64)
    })
    .expect("search");
    assert_eq!(first, [CHUNK as u64 - 3]);
    let mut none = 0;
    find_ci(&file, 0, bytes.len() as u64, b"absent", &never, |_| {
        none += 1;
        None
    })
    .expect("search");
    assert_eq!(none, 0);
}
