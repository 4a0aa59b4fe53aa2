//! Entering and leaving the terminal's full-screen mode. The guard restores
//! the terminal on drop, and the panic hook restores it before the panic
//! message prints, so a crash never leaves a broken terminal behind.

use std::io::{self, Stdout};

use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::execute;
use crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen,
};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;

pub type Term = Terminal<CrosstermBackend<Stdout>>;

pub struct TerminalGuard {
    pub terminal: Term,
}

impl TerminalGuard {
    pub fn enter() -> io::Result<TerminalGuard> {
        install_panic_hook();
        enable_raw_mode()?;
        let mut stdout = io::stdout();
        if let Err(err) = execute!(stdout, EnterAlternateScreen, EnableMouseCapture) {
            restore();
            return Err(err);
        }
        let terminal = Terminal::new(CrosstermBackend::new(stdout)).inspect_err(|_| restore())?;
        Ok(TerminalGuard { terminal })
    }
}

impl TerminalGuard {
    /// Gives the terminal to a child program (a pager): raw mode, mouse
    /// capture and the alternate screen are left; `resume` takes it back.
    pub fn suspend(&mut self) {
        restore();
    }

    /// Takes the terminal back after `suspend`; the next draw repaints the
    /// whole screen. (Not `Terminal::clear`: it asks the terminal where the
    /// cursor is, and a terminal that does not answer would stall us.)
    pub fn resume(&mut self) -> io::Result<()> {
        enable_raw_mode()?;
        execute!(
            io::stdout(),
            EnterAlternateScreen,
            EnableMouseCapture,
            Clear(ClearType::All)
        )?;
        // A blank frame makes ratatui's idea of the screen match the
        // cleared one, so the next frame is drawn in full.
        self.terminal
            .draw(|frame| frame.render_widget(ratatui::widgets::Clear, frame.area()))?;
        Ok(())
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
        let _ = self.terminal.show_cursor();
    }
}

/// Leaves raw mode, the alternate screen and mouse capture (idempotent).
pub fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(
        io::stdout(),
        DisableMouseCapture,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
}

fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
}
