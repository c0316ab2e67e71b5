//! End-to-end tests of the avt-rayon binary: the checks every example must pass, and the
//! ⌈N/T⌉ waits of fetching on a CPU pool.

use avt_testkit as kit;

const BIN: &str = env!("CARGO_BIN_EXE_avt-rayon");

avt_testkit::every_example!(BIN);
avt_testkit::mixed_example!(BIN);

/// rayon runs only T fetches at a time: N fetches take ceil(N/T) delays, as its doc says.
#[test]
fn io_takes_ceil_n_over_t_delays() {
    for (tasks, threads) in [(8_usize, 2_usize), (8, 8), (3, 2)] {
        let (n, t) = (tasks.to_string(), threads.to_string());
        let r = kit::report(BIN, &["io", "--tasks", &n, "--delay-ms", "200", "--threads", &t]);
        assert_eq!(r.result, tasks as u64);
        let rounds = tasks.div_ceil(threads) as f64;
        // At least ceil(N/T) rounds of 200 ms, and clearly fewer than one more round.
        let ms = r.elapsed_ms;
        assert!(ms >= rounds * 200.0, "{tasks} on {threads}: {ms} ms < {rounds} rounds");
        assert!(ms < (rounds + 0.75) * 200.0, "{tasks} on {threads}: {ms} ms > {rounds} rounds");
    }
}

/// Over tcp too, rayon holds only T requests at a time: ceil(N/T) rounds of the delay.
#[test]
fn tcp_takes_ceil_n_over_t_delays() {
    let server = avt_delay_server::Background::start().unwrap();
    let addr = server.addr.to_string();
    let args = ["io", "--source", "tcp", "--server", &addr, "--tasks", "8", "--threads", "2"];
    let r = kit::report(BIN, &[&args[..], &["--delay-ms", "200"]].concat());
    assert_eq!((r.result, r.params.source.as_deref()), (8, Some("tcp")));
    assert!(r.elapsed_ms >= 800.0 && r.elapsed_ms < 950.0, "8 on 2 threads: {} ms", r.elapsed_ms);
}
avt_testkit::loop_checks!(BIN);
avt_testkit::switch_examples!(BIN);
avt_testkit::cancel_cannot_stop!(BIN);
avt_testkit::limit_checks!(BIN);
