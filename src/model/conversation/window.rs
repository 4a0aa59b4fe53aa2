//! Which events of a session are folded: a range, folded whole or at both
//! ends when long, with honest markers for what is left out.

use std::collections::HashMap;

use super::{TranscriptBuilder, TranscriptItem, FOLD_LINE_CAP, FOLD_WINDOW};
use crate::bundle::capped::Capped;
use crate::bundle::session::{Direction, RpcKind, SessionEntry};
use crate::bundle::{BundleError, SessionFiles};
use crate::humanize;

/// Rebuilds the transcript of session events with seq in `first..=last`.
/// A range of more than `2 × FOLD_WINDOW` events is folded at both ends
/// with a marker for what lies between, so a turn of millions of chunks
/// costs as much as one of twenty thousand.
pub fn transcript_from_events(
    session: &SessionFiles,
    first: u32,
    last: u32,
) -> Result<Vec<TranscriptItem>, BundleError> {
    transcript_window(session, first, last, FOLD_WINDOW)
}

/// `transcript_from_events` folding up to `window` events at each end.
pub fn transcript_window(
    session: &SessionFiles,
    first: u32,
    last: u32,
    window: usize,
) -> Result<Vec<TranscriptItem>, BundleError> {
    let index = session.index()?;
    let entries = &index.entries()[index.range(first, last)];
    let mut builder = TranscriptBuilder::default();
    let window = window.max(1);
    if entries.len() <= 2 * window {
        fold(session, entries, &mut builder)?;
        return Ok(builder.finish());
    }
    let (head, rest) = entries.split_at(window);
    let (middle, tail) = rest.split_at(rest.len() - window);
    fold(session, head, &mut builder)?;
    builder.note_cut(middle[0].seq, cut_label(index, middle));
    fold(session, tail, &mut builder)?;
    Ok(builder.finish())
}

fn fold(
    session: &SessionFiles,
    entries: &[SessionEntry],
    builder: &mut TranscriptBuilder,
) -> Result<(), BundleError> {
    session.read_events_capped(entries, FOLD_LINE_CAP, |entry, line| match line {
        Capped::Parsed(line) => {
            if let Some(message) = line.get("message") {
                builder.push(entry.seq, entry_direction(entry), message);
            }
        }
        Capped::TooLarge(len) => builder.note_cut(
            entry.seq,
            format!(
                "event #{} not shown: {} is too large to fold",
                entry.seq,
                humanize::bytes(u64::from(len))
            ),
        ),
    })
}

/// `conversation cut: 9,980,000 events not shown (9,979,990 agent_message_chunk)`.
fn cut_label(index: &crate::bundle::SessionIndex, middle: &[SessionEntry]) -> String {
    let mut kinds: HashMap<Option<crate::bundle::intern::Sym>, u64> = HashMap::new();
    for entry in middle {
        *kinds.entry(entry.update.or(entry.method)).or_default() += 1;
    }
    // The commonest kind; ties go to the first name, so the label is stable.
    let commonest = kinds
        .into_iter()
        .filter_map(|(sym, n)| Some((index.resolve(sym?), n)))
        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(a.0)));
    let detail = commonest
        .map(|(name, n)| format!(" ({} {name})", humanize::count(n)))
        .unwrap_or_default();
    format!(
        "conversation cut: {} events not shown{detail}",
        humanize::count(middle.len() as u64)
    )
}

fn entry_direction(entry: &SessionEntry) -> Direction {
    match (entry.direction, entry.rpc) {
        (Direction::Unknown, RpcKind::Request) => Direction::Outbound,
        (direction, _) => direction,
    }
}
