//! The tour parser: every command, the lexical rules, and errors naming
//! file and line.

use super::*;

fn steps(text: &str) -> Vec<TourStep> {
    parse(text, "t.tour")
        .unwrap()
        .steps
        .into_iter()
        .map(|l| l.step)
        .collect()
}

#[test]
fn full_example_parses() {
    let text = r#"
# A short look at the review loop.
open ../../sample-runs/2026-11-23T163116156Z-gen-branching-review-432a4eb8
caption "Review rounds" "The reviewer loops until it is satisfied.\nTwo rounds here."

focus timeline
step review_loop#1      # the first round
mark
step 5
diff                    # what changed between the rounds
pause 2s
node run_checks
first
last
focus graph
focus inspector
tab attempt
tab session
tab events
search finding 2a
fork "retry the checks"
fork
play 2x
play real
pause 500ms
pause key
"#;
    let tour = parse(text, "example.tour").unwrap();
    assert_eq!(tour.path, None);
    use TourStep as S;
    let expected = vec![
        (
            3,
            S::Open("../../sample-runs/2026-11-23T163116156Z-gen-branching-review-432a4eb8".into()),
        ),
        (
            4,
            S::Caption {
                title: "Review rounds".into(),
                text: "The reviewer loops until it is satisfied.\nTwo rounds here.".into(),
            },
        ),
        (6, S::Focus(Pane::Timeline)),
        (7, S::Step("review_loop#1".into())),
        (8, S::Mark),
        (9, S::Step("5".into())),
        (10, S::Diff),
        (11, S::Pause(Pause::For(Duration::from_secs(2)))),
        (12, S::Node("run_checks".into())),
        (13, S::First),
        (14, S::Last),
        (15, S::Focus(Pane::Graph)),
        (16, S::Focus(Pane::Inspector)),
        (17, S::Tab(Tab::Attempt)),
        (18, S::Tab(Tab::Session)),
        (19, S::Tab(Tab::Events)),
        (20, S::Search("finding 2a".into())),
        (21, S::Fork(Some("retry the checks".into()))),
        (22, S::Fork(None)),
        (23, S::Play(Speed::Times(2))),
        (24, S::Play(Speed::Real)),
        (25, S::Pause(Pause::For(Duration::from_millis(500)))),
        (26, S::Pause(Pause::Key)),
    ];
    let expected: Vec<TourLine> = expected
        .into_iter()
        .map(|(line, step)| TourLine { line, step })
        .collect();
    assert_eq!(tour.steps, expected);
}

#[test]
fn errors_name_the_line_and_the_problem() {
    let open = "open run\n";
    // (tour text, line of the error, part of the message)
    let table: &[(&str, usize, &str)] = &[
        ("open run\nfrobnicate\n", 2, "unknown command `frobnicate`"),
        ("open run\n\n# c\nOpen x\n", 4, "unknown command `Open`"),
        ("open\n", 1, "`open` is missing its argument"),
        ("open a b\n", 1, "`open` has an extra argument `b`"),
        ("open \"\"\n", 1, "`open` is empty"),
        (
            "step 1\n",
            1,
            "`step` needs a run: put an `open` line before it",
        ),
        (
            "caption \"a\" \"b\"\npause 1s\nlast\n",
            3,
            "`last` needs a run",
        ),
        ("# only a comment\nfocus graph\n", 2, "`focus` needs a run"),
        (
            "open run\ncaption \"only a title\"\n",
            2,
            "`caption` is missing an argument",
        ),
        ("open run\ncaption\n", 2, "`caption` is missing arguments"),
        (
            "open run\ncaption \"a\" \"b\" \"c\"\n",
            2,
            "extra argument `c`",
        ),
        (
            "open run\ncaption \"\" \"b\"\n",
            2,
            "`caption title` is empty",
        ),
        ("open run\ncaption \"a \"b\"\n", 2, "unterminated quote"),
        ("open run\ncaption \"a\" \"b\n", 2, "unterminated quote"),
        (
            "open run\ncaption \"a\\q\" \"b\"\n",
            2,
            "unknown escape `\\q`",
        ),
        (
            "open run\ncaption \"a\"\"b\"\n",
            2,
            "a space must follow the closing quote",
        ),
        (
            "open run\nfork ab\"c\"\n",
            2,
            "unexpected quote in `ab\"c\"`",
        ),
        ("open run\nfork \"\"\n", 2, "empty fork label"),
        (
            "open run\nfork a b\n",
            2,
            "`fork` has an extra argument `b`",
        ),
        ("open run\nstep\n", 2, "`step` is missing its argument"),
        ("open run\nstep 0\n", 2, "step numbers start at 1"),
        ("open run\nstep a b\n", 2, "extra argument `b`"),
        ("open run\nnode\n", 2, "`node` is missing its argument"),
        (
            "open run\nfirst now\n",
            2,
            "`first` has an extra argument `now`",
        ),
        ("open run\nlast 3\n", 2, "`last` has an extra argument `3`"),
        ("open run\nmark x\n", 2, "`mark` has an extra argument `x`"),
        ("open run\ndiff x\n", 2, "`diff` has an extra argument `x`"),
        ("open run\nfocus\n", 2, "`focus` is missing its argument"),
        (
            "open run\nfocus graf\n",
            2,
            "bad pane `graf`: use graph, timeline or inspector",
        ),
        (
            "open run\ntab inputs\n",
            2,
            "bad tab `inputs`: use session, attempt or events",
        ),
        ("open run\ntab\n", 2, "`tab` is missing its argument"),
        ("open run\nsearch\n", 2, "`search` is missing its query"),
        (
            "open run\nsearch   # nothing\n",
            2,
            "`search` is missing its query",
        ),
        (
            "open run\nsearch \"a\" b\n",
            2,
            "`search` has an extra argument `b`",
        ),
        ("open run\npause\n", 2, "`pause` is missing its argument"),
        ("open run\npause 2\n", 2, "bad duration `2`"),
        ("open run\npause 2h\n", 2, "bad duration `2h`"),
        ("open run\npause s\n", 2, "bad duration `s`"),
        ("open run\npause .5s\n", 2, "bad duration `.5s`"),
        ("open run\npause 1.2.3s\n", 2, "bad duration `1.2.3s`"),
        ("open run\npause 1e99999s\n", 2, "bad duration `1e99999s`"),
        ("open run\npause 2s 3s\n", 2, "extra argument `3s`"),
        ("open run\nplay\n", 2, "`play` is missing its argument"),
        (
            "open run\nplay 3x\n",
            2,
            "bad speed `3x`: use 1x, 2x, 5x, 10x or real",
        ),
        ("open run\nplay fast\n", 2, "bad speed `fast`"),
        ("open run\nplay 0x\n", 2, "bad speed `0x`"),
        ("open run\nlast#x\n", 2, "unknown command `last#x`"),
        (
            "open run\n\"open\" x\n",
            2,
            "expected a command, found a quoted string",
        ),
    ];
    for (text, line, message) in table {
        let error = parse(text, "bad.tour").expect_err(text);
        assert_eq!(error.file, "bad.tour", "{text:?}");
        assert_eq!(error.line, *line, "{text:?} → {error}");
        assert!(
            error.message.contains(message),
            "{text:?}: `{}` should contain `{message}`",
            error.message
        );
    }
    let error = parse(&format!("{open}play 4x\n"), "dir/x.tour").unwrap_err();
    assert_eq!(
        error.to_string(),
        "dir/x.tour:2: bad speed `4x`: use 1x, 2x, 5x, 10x or real"
    );
}

#[test]
fn quoted_arguments_unescape() {
    let got = steps(
        "open \"runs/with space\"\n\
         caption \"say \\\"hi\\\"\" \"a\\nb\\tc\\\\d # not a comment\"\n\
         caption\t\"#1\"\t\"\"\n\
         fork \"a # b\"\n\
         search \"#hash and \\\" quote\"\n",
    );
    assert_eq!(
        got,
        vec![
            TourStep::Open("runs/with space".into()),
            TourStep::Caption {
                title: "say \"hi\"".into(),
                text: "a\nb\tc\\d # not a comment".into(),
            },
            TourStep::Caption {
                title: "#1".into(),
                text: String::new(),
            },
            TourStep::Fork(Some("a # b".into())),
            TourStep::Search("#hash and \" quote".into()),
        ]
    );
}

#[test]
fn comments_after_commands() {
    let got = steps(
        "  # indented comment\n\
         open run-abc   # a suffix\n\
         step review_loop#2 # comment\n\
         node run_checks\t# tab before the comment\n",
    );
    assert_eq!(
        got,
        vec![
            TourStep::Open("run-abc".into()),
            TourStep::Step("review_loop#2".into()),
            TourStep::Node("run_checks".into()),
        ]
    );
}

#[test]
fn search_takes_the_rest_of_the_line() {
    let got =
        steps("open r\nsearch finding 2a   # comment\nsearch  a\tb  c \nsearch say \"hi\" there\n");
    assert_eq!(
        got[1..],
        [
            TourStep::Search("finding 2a".into()),
            TourStep::Search("a\tb  c".into()),
            TourStep::Search("say \"hi\" there".into()),
        ]
    );
}

#[test]
fn durations_and_speeds() {
    let got = steps(
        "pause 1.5s\npause 0ms\npause 250ms\npause 10s\nopen r\nplay 1x\nplay 5x\nplay 10×\n",
    );
    assert_eq!(
        got,
        vec![
            TourStep::Pause(Pause::For(Duration::from_millis(1500))),
            TourStep::Pause(Pause::For(Duration::ZERO)),
            TourStep::Pause(Pause::For(Duration::from_millis(250))),
            TourStep::Pause(Pause::For(Duration::from_secs(10))),
            TourStep::Open("r".into()),
            TourStep::Play(Speed::Times(1)),
            TourStep::Play(Speed::Times(5)),
            TourStep::Play(Speed::Times(10)),
        ]
    );
}

#[test]
fn empty_and_crlf_tours() {
    assert_eq!(parse("", "e.tour").unwrap(), Tour::default());
    assert_eq!(parse("# nothing\n\n   \n", "e.tour").unwrap().steps, vec![]);
    let tour = parse("\u{feff}open r\r\nlast\r\n", "crlf.tour").unwrap();
    assert_eq!(
        tour.steps,
        vec![
            TourLine {
                line: 1,
                step: TourStep::Open("r".into())
            },
            TourLine {
                line: 2,
                step: TourStep::Last
            },
        ]
    );
}

#[test]
fn load_resolves_relative_paths_and_reports_io_errors() {
    let dir = tempfile::tempdir().unwrap();
    let tours = dir.path().join("tours");
    let runs = dir.path().join("runs");
    std::fs::create_dir_all(&tours).unwrap();
    std::fs::create_dir_all(runs.join("run-1")).unwrap();
    let absolute = runs.join("run-1").display().to_string();
    let file = tours.join("a.tour");
    std::fs::write(
        &file,
        format!(
            "open ../runs/run-1\nopen 432a4eb8\nopen {absolute}\nlast\nopen \"../runs/missing\"\n"
        ),
    )
    .unwrap();
    let tour = load(&file).unwrap();
    assert_eq!(tour.path.as_deref(), Some(file.as_path()));
    let opens: Vec<&TourStep> = tour.steps.iter().map(|l| &l.step).collect();
    assert_eq!(
        opens,
        [
            &TourStep::Open(tours.join("../runs/run-1").display().to_string()),
            &TourStep::Open("432a4eb8".into()),
            &TourStep::Open(absolute),
            &TourStep::Last,
            &TourStep::Open("../runs/missing".into()),
        ]
    );
    assert!(Path::new(match &tour.steps[0].step {
        TourStep::Open(p) => p,
        _ => unreachable!(),
    })
    .is_dir());

    let missing = tours.join("nope.tour");
    let error = load(&missing).unwrap_err();
    assert_eq!(error.line, 0);
    assert_eq!(error.file, missing.display().to_string());
    assert!(
        error.message.starts_with("cannot read the tour: "),
        "{error}"
    );

    std::fs::write(&file, "open r\n\nplay 7x\n").unwrap();
    let error = load(&file).unwrap_err();
    assert_eq!(error.file, file.display().to_string());
    assert_eq!(error.line, 3);
}

const BRANCHING: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/assets/tours/branching-review.tour"
));
const FAILURES: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/assets/tours/failures.tour"
));

#[test]
fn shipped_tours_parse() {
    let branching = parse(BRANCHING, "branching-review.tour").unwrap();
    assert!(branching.steps.len() >= 12, "{}", branching.steps.len());
    let failures = parse(FAILURES, "failures.tour").unwrap();
    let opens = failures
        .steps
        .iter()
        .filter(|l| matches!(l.step, TourStep::Open(_)))
        .count();
    assert_eq!(opens, 3);
}

/// Every run the shipped tours open exists, and every `step` and `node`
/// names an attempt or node of the run opened before it.
#[test]
fn shipped_tours_point_at_real_runs() {
    for name in ["branching-review.tour", "failures.tour"] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("assets/tours")
            .join(name);
        let tour = load(&path).unwrap();
        let mut run = None;
        for TourLine { line, step } in &tour.steps {
            match step {
                TourStep::Open(target) => {
                    let dir = Path::new(target);
                    assert!(dir.is_dir(), "{name}:{line}: {target} is not a folder");
                    run = Some(crate::model::Run::open(dir).unwrap());
                }
                TourStep::Step(spec) => {
                    let run = run.as_ref().unwrap();
                    assert!(
                        run.find_attempt(spec).is_some(),
                        "{name}:{line}: no attempt {spec}"
                    );
                }
                TourStep::Node(node) => {
                    let run = run.as_ref().unwrap();
                    assert!(
                        run.attempts.iter().any(|a| run.node_id(a) == node),
                        "{name}:{line}: node {node} never ran"
                    );
                }
                _ => {}
            }
        }
    }
}
