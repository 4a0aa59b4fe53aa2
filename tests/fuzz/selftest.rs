//! The harness itself must catch what it is for: a panicking case, a
//! broken property and a hanging case are reported by name and seed, with
//! their input saved.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

use super::harness::{failures_root, run_cases, seed_of, Target, Verdict};

fn target(name: &'static str) -> Target {
    Target {
        name,
        default_cases: 0,
        weight: 1,
        expect_both: false,
    }
}

/// The message `run_cases` panics with, if it does.
fn failure_of(run: impl FnOnce()) -> Option<String> {
    let panic = catch_unwind(AssertUnwindSafe(run)).err()?;
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
}

fn check_report(message: &str, name: &str, case: u64, what: &str) {
    let seed = format!("{:#018x}", seed_of(name, case));
    for part in [
        name,
        &format!("case {case}"),
        &seed,
        what,
        &format!("REEL_FUZZ_CASE={case} "),
    ] {
        assert!(message.contains(part), "{part:?} missing from:\n{message}");
    }
    let saved = failures_root().join(format!("{name}-case{case}-{:016x}", seed_of(name, case)));
    let input = std::fs::read(saved.join("0-input.txt")).expect("the input is saved");
    assert_eq!(input, format!("input of case {case}").into_bytes());
}

pub fn panics_and_violations() {
    let name = "selftest_failures";
    let message = failure_of(|| {
        run_cases(target(name), 0..6, Duration::from_secs(600), |ctx| {
            ctx.record(
                "input.txt",
                format!("input of case {}", ctx.case).as_bytes(),
            );
            match ctx.case {
                2 => panic!("boom in case two"),
                4 => Err("the property is false".to_string()),
                _ => Ok(Verdict::Neutral),
            }
        })
    })
    .expect("failing cases must fail the test");
    check_report(&message, name, 2, "panicked: boom in case two");
    check_report(
        &message,
        name,
        4,
        "property violated: the property is false",
    );
    assert!(message.contains("2 failing case(s)"), "{message}");
}

pub fn hangs() {
    let name = "selftest_hang";
    let message = failure_of(|| {
        // Only the hanging case runs, so the report can only name it.
        run_cases(target(name), 1..2, Duration::from_secs(2), |ctx| {
            ctx.record(
                "input.txt",
                format!("input of case {}", ctx.case).as_bytes(),
            );
            if ctx.case == 1 {
                // Hangs for good; the worker is abandoned with the test.
                loop {
                    std::thread::park();
                }
            }
            Ok(Verdict::Neutral)
        })
    })
    .expect("a hanging case must fail the test");
    check_report(&message, name, 1, "hang: no result within");
}
