//! The Events tab: the step's trace events and the JSON-RPC messages of its
//! session slice, each expandable with Enter; long lists show their ends
//! with a count of what lies between, and `o` opens an event (or, on a
//! heading or a marker, the whole list) in `$PAGER`.

use std::collections::HashSet;

use ratatui::text::Line;

use super::{json_tree_lines, Doc};
use crate::bundle::TraceEntry;
use crate::humanize;
use crate::tui::inspect::{EventRow, EventsContent, PagerSource};
use crate::tui::run_view::LineAction;
use crate::tui::theme::Theme;
use crate::tui::ui::text::{clean, truncate};

pub(super) fn doc(
    events: &EventsContent,
    expanded: &HashSet<(bool, u32)>,
    trace_entries: &[TraceEntry],
    cols: usize,
    theme: &Theme,
) -> Doc {
    let mut doc = Doc::new();
    let all_trace = events
        .trace_entries
        .map(|(first, last)| PagerSource::TraceEvents { first, last });
    doc.section(all_trace.clone());
    doc.push(
        Line::styled(
            format!(
                "trace events ({})  Enter expands",
                humanize::count(events.trace_total() as u64)
            ),
            theme.title,
        ),
        None,
    );
    let first_entry = events.trace_entries.map_or(0, |(first, _)| first);
    for (i, row) in events.trace.iter().enumerate() {
        if let Some(hidden) = events.trace_hidden.filter(|h| h.after == i) {
            doc.section(all_trace.clone());
            hidden_marker(&mut doc, hidden.count, theme);
        }
        // The row's trace entry: rows after the gap skip what it hides.
        let skipped = events
            .trace_hidden
            .filter(|h| i >= h.after)
            .map_or(0, |h| h.count);
        let entry = first_entry + i + skipped;
        // The index knows the seq; a mismatch means the content is stale.
        let source = (trace_entries.get(entry).map(|e| e.seq) == Some(row.seq)).then_some(
            PagerSource::TraceEvents {
                first: entry,
                last: entry,
            },
        );
        doc.section(source);
        push_event(&mut doc, row, true, expanded, cols, theme);
    }
    if let (Some(session), Some((first, last))) = (&events.session_id, events.session_range) {
        let all_session = PagerSource::SessionEvents {
            session: session.clone(),
            first,
            last,
        };
        doc.section(Some(all_session.clone()));
        doc.heading(
            &format!(
                "session {} · JSON-RPC ({})",
                clean(session),
                humanize::count(events.session_total() as u64)
            ),
            theme,
        );
        for (i, row) in events.session.iter().enumerate() {
            if let Some(hidden) = events.session_hidden.filter(|h| h.after == i) {
                doc.section(Some(all_session.clone()));
                hidden_marker(&mut doc, hidden.count, theme);
            }
            doc.section(Some(PagerSource::SessionEvents {
                session: session.clone(),
                first: row.seq,
                last: row.seq,
            }));
            push_event(&mut doc, row, false, expanded, cols, theme);
        }
    }
    doc
}

fn hidden_marker(doc: &mut Doc, count: usize, theme: &Theme) {
    doc.marker(
        format!(
            "  … {} more events · o: all in $PAGER",
            humanize::count(count as u64)
        ),
        theme,
    );
}

fn push_event(
    doc: &mut Doc,
    row: &EventRow,
    trace: bool,
    expanded: &HashSet<(bool, u32)>,
    cols: usize,
    theme: &Theme,
) {
    let open = expanded.contains(&(trace, row.seq));
    let arrow = if open { "▾" } else { "▸" };
    let direction = match (trace, row.detail.as_str()) {
        (false, "outbound") => "→ ",
        (false, "inbound") => "← ",
        _ => "",
    };
    let text = format!(
        "{arrow} {:>5} {direction}{}  {}",
        row.seq,
        clean(&row.label),
        if trace {
            clean(&row.detail)
        } else {
            String::new()
        }
    );
    doc.push(
        Line::styled(truncate(&text, cols), theme.text),
        Some(LineAction::Expand(trace, row.seq)),
    );
    if open {
        if row.unloaded {
            doc.marker(
                format!(
                    "  ({}: too large to show here · o opens it in $PAGER)",
                    humanize::bytes(u64::from(row.bytes))
                ),
                theme,
            );
        } else {
            json_tree_lines(doc, &row.body, &HashSet::new(), false, cols, theme);
        }
    }
}
