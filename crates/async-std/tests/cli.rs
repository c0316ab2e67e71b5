//! End-to-end tests of the avt-async-std binary: the checks every example must pass.

const BIN: &str = env!("CARGO_BIN_EXE_avt-async-std");

avt_testkit::every_example!(BIN);
avt_testkit::all_at_once!(BIN);
avt_testkit::loop_checks!(BIN);
avt_testkit::loop_mistakes!(BIN);
avt_testkit::mixed_example!(BIN);
avt_testkit::switch_examples!(BIN);
avt_testkit::cancel_example!(BIN);
avt_testkit::limit_checks!(BIN);
