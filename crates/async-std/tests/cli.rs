//! End-to-end tests of the avt-async-std binary: the checks every example must pass.

use avt_testkit as kit;

const BIN: &str = env!("CARGO_BIN_EXE_avt-async-std");

#[test]
fn cpu_counts_primes() {
    kit::cpu_counts_primes(BIN);
}

#[test]
fn io_is_concurrent() {
    kit::io_is_concurrent(BIN);
}

#[test]
fn io_prints_the_article_lines() {
    kit::io_prints_the_article_lines(BIN);
}

#[test]
fn tcp_is_concurrent() {
    kit::tcp_is_concurrent(BIN);
}

#[test]
fn tcp_server_down_is_an_error() {
    kit::tcp_server_down_is_an_error(BIN);
}

#[test]
fn tcp_server_killed_is_an_error() {
    kit::tcp_server_killed_is_an_error(BIN);
}

#[test]
fn tcp_open_file_limit_is_named() {
    kit::tcp_open_file_limit_is_named(BIN);
}

#[test]
fn bad_input_is_a_usage_error() {
    kit::bad_input_is_a_usage_error(BIN);
}

#[test]
fn json_parses() {
    kit::json_parses(BIN);
}
