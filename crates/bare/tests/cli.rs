//! End-to-end tests of the bare programs: the io checks every example passes, so the
//! harness can run them as rows.

const BINS: [&str; 3] = [
    env!("CARGO_BIN_EXE_avt-bare-tokio"),
    env!("CARGO_BIN_EXE_avt-bare-async-std"),
    env!("CARGO_BIN_EXE_avt-bare-smol"),
];

#[test]
fn io_is_concurrent_and_verified() {
    for bin in BINS {
        avt_testkit::io_is_concurrent(bin);
    }
}

#[test]
fn json_parses() {
    for bin in BINS {
        avt_testkit::json_parses(bin);
    }
}

#[test]
fn bad_input_is_a_usage_error() {
    for bin in BINS {
        avt_testkit::bad_input_is_a_usage_error(bin);
    }
}

#[test]
fn version_names_the_binary() {
    for bin in BINS {
        avt_testkit::version_names_the_binary(bin);
    }
}

#[test]
fn the_harness_flags_are_accepted_and_the_shape_is_reported() {
    let args = ["io", "--tasks", "1000", "--delay-ms", "50", "--threads", "2", "--no-ticker"];
    for bin in BINS {
        let r = avt_testkit::report(bin, &args);
        assert_eq!((r.result, r.params.tasks, r.params.threads), (1000, Some(1000), 2));
        assert_eq!(r.checksum, format!("{:016x}", avt_common::io_checksum(1000)));
        assert!(r.approach.starts_with("bare-"), "{}", r.approach);
    }
    let tokio = BINS[0];
    let vec = avt_testkit::report(tokio, &[&args[..], &["--variant", "vec"]].concat());
    assert_eq!((vec.result, vec.params.variant.as_deref()), (1000, Some("vec")));
    let set = avt_testkit::report(tokio, &args);
    assert_eq!(set.params.variant.as_deref(), Some("join-set"));
}

#[test]
fn other_examples_and_tcp_are_refused() {
    for bin in BINS {
        let out = avt_testkit::run(bin, &["cpu", "--limit", "100"]);
        assert_eq!(out.status.code(), Some(1), "{bin}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("io example only"));
    }
}
