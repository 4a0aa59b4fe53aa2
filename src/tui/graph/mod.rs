//! The flow graph pane: layout (pure, no terminal types) and its widget.
