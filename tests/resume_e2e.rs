//! `reel resume` and `reel fork --resume` with the real acpx 0.19.1 and the
//! generator's mock agent (behind a recording proxy that logs every prompt
//! an agent is sent). Each test runs a flow with acpx, forks or stops it,
//! continues it through reel, and checks the result from the raw files:
//! it validates, every old byte is still there, kept attempts were not run
//! again (the agents saw only the later prompts), attempt numbers go on,
//! and undo restores the waiting run byte for byte. Refusals write nothing.
//!
//! Needs `../shared` (the generator's flows and mock agent) and node, npm
//! and acpx (installed under `target/tmp` by `acpx/mod.rs`).

mod acpx;
mod common;
mod resume;

/// A test that runs the real acpx: ignored without `../shared`, or when
/// the tests were built with `REEL_SKIP_ACPX_TESTS` (saying why).
macro_rules! acpx_test {
    ($name:ident, $case:path) => {
        #[test]
        #[cfg_attr(
            not(reel_shared),
            ignore = "needs ../shared (absent when this was built)"
        )]
        #[cfg_attr(
            all(reel_shared, reel_skip_acpx),
            ignore = "REEL_SKIP_ACPX_TESTS was set when this was built: runs the real acpx"
        )]
        fn $name() {
            $case();
        }
    };
}

acpx_test!(
    a_fork_in_the_middle_runs_to_completion_and_undo_restores_it,
    resume::cases::fork_in_the_middle
);
acpx_test!(
    an_input_patch_reaches_the_nodes_that_read_the_input,
    resume::cases::input_patch
);
acpx_test!(a_shell_node_runs_again, resume::cases::shell_again);
acpx_test!(
    a_run_waiting_at_a_checkpoint_goes_on,
    resume::cases::checkpoint
);
acpx_test!(
    fork_resume_reruns_from_a_step_in_one_command,
    resume::cases::fork_and_resume
);
acpx_test!(refusals_write_nothing, resume::refusals::all);
acpx_test!(
    an_interrupt_leaves_a_valid_failed_run_that_undo_restores,
    resume::cases::interrupt
);
acpx_test!(
    a_killed_reel_stops_its_driver_and_recovery_accounts_for_it,
    resume::cases::killed_reel
);
