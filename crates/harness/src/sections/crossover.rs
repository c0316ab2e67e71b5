//! The crossover of the work sweep (`load --vary work`), as a pure function over its points:
//! for one runtime, where counting inline starts to cost the other tasks (its wake p99 over
//! the offloaded way's by more than 1 ms, and 10 ms), and below what CPU per request handing
//! the count off costs the requests more p99 than it saves.

/// One way's figures at one point, µs; None where it has none (it failed, or, for the
/// request p99, some requests were late: then that way lost, whatever the p99 of the rest).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Figures {
    pub p99_us: Option<f64>,
    pub wake_p99_us: Option<f64>,
    /// Requests were unfinished at the deadline.
    pub late: bool,
}

/// A runtime's two ways at one CPU per request (µs, as measured).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pair {
    pub cpu_us: f64,
    pub offloaded: Figures,
    pub inline: Figures,
}

/// Where the inline way's wake p99 first exceeds the offloaded way's by more than a margin.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Exceeds {
    /// The point: CPU per request, inline's and the offloaded way's wake p99, µs.
    pub at: (f64, f64, f64),
    /// The point before it (CPU per request, inline's excess over the offloaded way's), if any.
    pub before: Option<(f64, f64)>,
}

/// Below what CPU per request offloading costs more request p99 than it saves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pays {
    /// It saves at every point from `at` on, and did not at `before`: (CPU per request,
    /// offloaded p99, inline p99), µs; a late way's p99 is infinite.
    From { at: (f64, f64, f64), before: (f64, f64, f64) },
    /// It saves at every point measured, the cheapest one included.
    Everywhere { at: (f64, f64, f64) },
    /// It does not save at the dearest point measured.
    Never { at: (f64, f64, f64) },
}

/// One runtime's crossover.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Crossover {
    /// Over 1 ms and over 10 ms; None where inline never exceeded it.
    pub wake: [Option<Exceeds>; 2],
    /// None where no point had both ways' request figures.
    pub pays: Option<Pays>,
}

/// The margins of [`Crossover::wake`], µs.
pub const MARGINS_US: [f64; 2] = [1_000.0, 10_000.0];

/// The crossover of `pairs` (in any order; they are taken by CPU per request).
pub fn crossover(pairs: &[Pair]) -> Crossover {
    let mut pairs = pairs.to_vec();
    pairs.sort_by(|a, b| a.cpu_us.total_cmp(&b.cpu_us));
    // Wake: the points where both ways have a wake p99.
    let wakes: Vec<(f64, f64, f64)> = pairs
        .iter()
        .filter_map(|p| Some((p.cpu_us, p.inline.wake_p99_us?, p.offloaded.wake_p99_us?)))
        .collect();
    let wake = MARGINS_US.map(|margin| {
        let i = wakes.iter().position(|&(_, inline, off)| inline - off > margin)?;
        let before = i.checked_sub(1).map(|j| (wakes[j].0, wakes[j].1 - wakes[j].2));
        Some(Exceeds { at: wakes[i], before })
    });
    // Requests: a late way's p99 counts as infinite (it did not serve them all).
    let p99 = |f: &Figures| if f.late { Some(f64::INFINITY) } else { f.p99_us };
    let requests: Vec<(f64, f64, f64)> = pairs
        .iter()
        .filter_map(|p| Some((p.cpu_us, p99(&p.offloaded)?, p99(&p.inline)?)))
        .collect();
    let saves = |&(_, off, inline): &(f64, f64, f64)| off < inline;
    let pays = requests.last().map(|&last| {
        if !saves(&last) {
            return Pays::Never { at: last };
        }
        // The first point of the run of saving points that reaches the dearest one.
        let from = requests.iter().rposition(|p| !saves(p)).map_or(0, |i| i + 1);
        match from {
            0 => Pays::Everywhere { at: requests[0] },
            i => Pays::From { at: requests[i], before: requests[i - 1] },
        }
    });
    Crossover { wake, pays }
}

/// A CPU per request as a reader says it: "50 µs", "2.3 ms".
pub fn cpu(us: f64) -> String {
    match us {
        us if us < 1_000.0 => format!("{us:.0} µs"),
        us if us < 10_000.0 => format!("{:.1} ms", us / 1e3),
        us => format!("{:.0} ms", us / 1e3),
    }
}

/// A latency in ms: "0.42 ms", "12.3 ms", "late" for an infinite one.
pub fn ms(us: f64) -> String {
    match us / 1e3 {
        ms if ms.is_infinite() => "late".into(),
        ms if ms < 1.0 => format!("{ms:.2} ms"),
        ms if ms < 100.0 => format!("{ms:.1} ms"),
        ms => format!("{ms:.0} ms"),
    }
}

/// The crossover said in a sentence, for `runtime` whose offloaded way is `off`: e.g.
/// "tokio: cpu-inline's wake p99 exceeds spawn_blocking's by more than 1 ms from 1.0 ms of
/// CPU a request (…), …".
pub fn sentence(runtime: &str, off: &str, c: &Crossover) -> String {
    let wake = |i: usize| match &c.wake[i] {
        None => format!("never by more than {} at the points measured", ms(MARGINS_US[i])),
        Some(e) => {
            let (at, inline, offloaded) = e.at;
            let before = e.before.map_or(String::new(), |(b, excess)| {
                let more = if excess < 0.0 { "less" } else { "more" };
                format!("; at {} it was {} {more}", cpu(b), ms(excess.abs()))
            });
            format!(
                "by more than {} from {} a request ({} against {}{before})",
                ms(MARGINS_US[i]),
                cpu(at),
                ms(inline),
                ms(offloaded)
            )
        }
    };
    let figures =
        |(at, o, i): (f64, f64, f64)| format!("at {}: {} against {}", cpu(at), ms(o), ms(i));
    let pays = match c.pays {
        None => "no point has both ways' request p99".to_string(),
        Some(Pays::Everywhere { at }) => format!(
            "offloading saves request p99 at every point measured ({} offloaded against {} \
             inline at the cheapest, {})",
            ms(at.1),
            ms(at.2),
            cpu(at.0)
        ),
        Some(Pays::Never { at }) => format!(
            "offloading costs more request p99 than it saves at every CPU per request up to the \
             dearest measured ({}, offloaded against inline)",
            figures(at)
        ),
        Some(Pays::From { at, before }) => format!(
            "offloading costs more request p99 than it saves below {} ({}, offloaded against \
             inline; {})",
            cpu(at.0),
            figures(before),
            figures(at)
        ),
    };
    format!("{runtime}: inline's wake p99 exceeds {off}'s {}, and {}; {pays}.", wake(0), wake(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(cpu_us: f64, off: (f64, f64), inline: (f64, f64), late: bool) -> Pair {
        Pair {
            cpu_us,
            offloaded: Figures { p99_us: Some(off.0), wake_p99_us: Some(off.1), late: false },
            inline: Figures { p99_us: Some(inline.0), wake_p99_us: Some(inline.1), late },
        }
    }

    #[test]
    fn the_crossover_is_where_inline_first_exceeds_and_where_offloading_starts_to_pay() {
        // (request p99, wake p99) offloaded, then inline, µs.
        let pairs = [
            pair(2_000.0, (60_000.0, 300.0), (61_000.0, 2_500.0), false),
            pair(50.0, (50_900.0, 80.0), (50_400.0, 90.0), false),
            pair(500.0, (52_000.0, 150.0), (51_800.0, 900.0), false),
            pair(200.0, (51_000.0, 100.0), (51_200.0, 400.0), false),
            pair(20_000.0, (150_000.0, 400.0), (0.0, 30_000.0), true),
        ];
        let c = crossover(&pairs);
        let one = c.wake[0].unwrap();
        assert_eq!(one.at, (2_000.0, 2_500.0, 300.0));
        assert_eq!(one.before, Some((500.0, 750.0)));
        let ten = c.wake[1].unwrap();
        assert_eq!((ten.at.0, ten.before.map(|b| b.0)), (20_000.0, Some(2_000.0)));
        // It saves at 200 µs, not at 500 µs, then at every dearer point: from 2 ms.
        assert_eq!(
            c.pays,
            Some(Pays::From {
                at: (2_000.0, 60_000.0, 61_000.0),
                before: (500.0, 52_000.0, 51_800.0)
            })
        );
        let said = sentence("tokio", "spawn_blocking", &c);
        assert!(said.contains("by more than 1.0 ms from 2.0 ms a request"), "{said}");
        assert!(said.contains("below 2.0 ms"), "{said}");
    }

    #[test]
    fn a_runtime_where_inline_never_exceeds_or_offloading_always_pays_says_so() {
        let flat = [pair(50.0, (100.0, 50.0), (200.0, 60.0), false)];
        let c = crossover(&flat);
        assert_eq!(c.wake, [None, None]);
        assert_eq!(c.pays, Some(Pays::Everywhere { at: (50.0, 100.0, 200.0) }));
        let costly = [pair(50.0, (300.0, 50.0), (200.0, 60.0), false)];
        assert!(matches!(crossover(&costly).pays, Some(Pays::Never { .. })));
        let none = Pair { cpu_us: 1.0, offloaded: Figures::default(), inline: Figures::default() };
        assert_eq!(crossover(&[none]), Crossover { wake: [None, None], pays: None });
        assert!(sentence("smol", "unblock", &crossover(&flat)).contains("never by more than"));
    }

    #[test]
    fn figures_read_in_their_units() {
        assert_eq!(
            (cpu(50.0), cpu(2_300.0), cpu(20_000.0)),
            ("50 µs".into(), "2.3 ms".into(), "20 ms".into())
        );
        assert_eq!(
            (ms(420.0), ms(12_345.0), ms(f64::INFINITY)),
            ("0.42 ms".into(), "12.3 ms".into(), "late".into())
        );
    }
}
