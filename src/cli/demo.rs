//! `reel demo TOUR` and the recording options of `reel play`: tours in the
//! viewer, or headless into an asciicast v2 file (for CI and docs).

use std::path::{Path, PathBuf};

use super::{CliError, CliResult, EXIT_OK};
use crate::demo::asciicast::{play_out, record_tour, Recorder};
use crate::demo::player::TourPlayer;
use crate::demo::tour;
use crate::model::discovery::resolve_run;
use crate::model::Run;
use crate::tui::app::{App, Screen};
use crate::tui::keymap::Keymap;
use crate::tui::message::Effect;
use crate::tui::playback::{Playback, Speed};
use crate::tui::theme::Theme;
use crate::tui::workers::settle;

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// A `.tour` file (see assets/tours/).
    #[arg(value_name = "TOUR")]
    tour: PathBuf,
    /// Write an asciicast v2 recording (playable with asciinema).
    #[arg(long, value_name = "OUT.cast")]
    record: Option<PathBuf>,
    /// Render without a terminal (requires --record).
    #[arg(long)]
    headless: bool,
    /// Screen size for headless rendering.
    #[arg(long, default_value = "120x36", value_name = "WxH")]
    size: String,
}

pub fn parse_size(text: &str) -> Result<(u16, u16), CliError> {
    let (w, h) = text.split_once(['x', 'X']).ok_or_else(|| {
        CliError::usage(format!(
            "--size {text:?}: write it as WIDTHxHEIGHT, e.g. 120x36"
        ))
    })?;
    let parse = |v: &str| {
        v.trim()
            .parse::<u16>()
            .ok()
            .filter(|n| (20..=1000).contains(n))
    };
    match (parse(w), parse(h)) {
        (Some(w), Some(h)) => Ok((w, h)),
        _ => Err(CliError::usage(format!(
            "--size {text:?}: width and height from 20 to 1000"
        ))),
    }
}

fn headless_app() -> App {
    App::new(
        Screen::Loading {
            path: PathBuf::new(),
            done: 0,
            total: 0,
        },
        Keymap::defaults(),
        Theme::plain(),
    )
}

pub fn demo(args: &DemoArgs) -> CliResult {
    super::errors::input_file(&args.tour)?;
    if let Some(out) = &args.record {
        super::errors::output_file(out, "--record")?;
    }
    let tour = tour::load(&args.tour).map_err(CliError::failure)?;
    let title = format!("reel tour {}", args.tour.display());
    if args.headless {
        let out = args
            .record
            .as_deref()
            .ok_or_else(|| CliError::usage("--headless needs --record OUT.cast"))?;
        let (width, height) = parse_size(&args.size)?;
        let mut app = headless_app();
        let mut player = TourPlayer::new(tour);
        let mut recorder = Recorder::new(width, height, &title).map_err(CliError::failure)?;
        record_tour(&mut player, &mut app, &mut recorder)
            .map_err(|e| CliError::failure(format!("{}: {e}", args.tour.display())))?;
        recorder.save(out).map_err(CliError::failure)?;
        super::say(format_args!(
            "recorded {} to {}",
            args.tour.display(),
            out.display()
        ));
        return Ok(EXIT_OK);
    }
    if !crate::tui::terminal::available() {
        // What would fail with a terminal too is said first.
        check_opens(&tour, &args.tour)?;
        return Err(needs_terminal("demo"));
    }
    crate::tui::run_tour(TourPlayer::new(tour), args.record.as_deref(), &title)
        .map(crate::tui::Ended::exit_code)
        .map_err(CliError::failure)
}

/// `reel play RUN` in the viewer. Without a terminal, a run that cannot
/// open says why (the error `show` gives), any other that a terminal is
/// needed.
pub fn play(run_dir: &Path, speed: Speed, record: Option<&Path>) -> CliResult {
    if !crate::tui::terminal::available() {
        Run::open(run_dir).map_err(CliError::failure)?;
        return Err(needs_terminal("play"));
    }
    crate::tui::run_recorded(
        crate::tui::Start::Play(run_dir.to_path_buf(), speed),
        record,
    )
    .map(crate::tui::Ended::exit_code)
    .map_err(CliError::failure)
}

/// The usage error of a viewer command run without a terminal.
fn needs_terminal(command: &str) -> CliError {
    CliError::usage(format!(
        "`reel {command}` needs a terminal (stdin and stdout); \
         without one, record it with --headless --record OUT.cast"
    ))
}

/// Every run a tour opens, opened: the first that cannot be, as the
/// player reports it (`TOUR: line N: …`).
fn check_opens(tour: &tour::Tour, path: &Path) -> Result<(), CliError> {
    for line in &tour.steps {
        if let tour::TourStep::Open(spec) = &line.step {
            let opened = resolve_run(spec, None)
                .map_err(|e| e.to_string())
                .and_then(|dir| Run::open(&dir).map_err(|e| e.to_string()));
            if let Err(err) = opened {
                return Err(CliError::failure(format!(
                    "{}: line {}: {err}",
                    path.display(),
                    line.line
                )));
            }
        }
    }
    Ok(())
}

/// `reel play RUN --record OUT --headless`: the whole playback, recorded.
pub fn play_headless(run_dir: &Path, speed: Speed, out: &Path, size: &str) -> CliResult {
    let (width, height) = parse_size(size)?;
    let mut app = headless_app();
    app.screen = Screen::Loading {
        path: run_dir.to_path_buf(),
        done: 0,
        total: 0,
    };
    settle(&mut app, vec![Effect::LoadRun(run_dir.to_path_buf())]);
    match &mut app.screen {
        Screen::Run(view) => {
            view.apply(crate::tui::action::Action::FirstStep, 1);
            view.playback = Some(Playback::new(speed));
        }
        // The loader's error, as `show` gives it (`trace.ndjson:3: …`).
        Screen::Failed { message, .. } => return Err(CliError::failure(message.as_str())),
        _ => {
            return Err(CliError::failure(format!(
                "{}: cannot open this run",
                run_dir.display()
            )))
        }
    }
    let mut recorder = Recorder::new(width, height, &format!("reel play {}", run_dir.display()))
        .map_err(CliError::failure)?;
    recorder.frame(&mut app).map_err(CliError::failure)?;
    play_out(&mut app, &mut recorder).map_err(CliError::failure)?;
    recorder.save(out).map_err(CliError::failure)?;
    Ok(EXIT_OK)
}
