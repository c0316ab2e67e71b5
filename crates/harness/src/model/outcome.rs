//! How a run ended when it did not simply succeed ([`Failure`]), and what a row expects of its
//! runs ([`Expect`]): most rows expect success, but a row that shows a mistake on purpose
//! may expect a deadlock that a watchdog names, lost updates, or requests still unfinished
//! at a deadline. The runner asks [`Expect::judge`] about every run's end, and nothing else
//! decides what a failure means.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why a run did not end with the verified result. In JSON it is its [`Display`] text, the
/// text results files have always held, so older files load and read the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The program could not be started.
    NotStarted { program: String, error: String },
    /// It exited with a non-zero code; `message` is the last line it wrote to stderr.
    Exit { code: i32, message: String },
    /// A signal it did not send itself killed it.
    Signal { signal: i32, message: String },
    /// It ran past the timeout, and its process group was killed.
    TimedOut { after_s: u64 },
    /// The harness was interrupted (Ctrl-C or SIGTERM) while it ran.
    Interrupted,
    /// It exited 0 without printing a JSON report.
    NoReport,
    /// It reported other parameters than it was given (`params` in Rust's debug form).
    OtherParams { example: String, params: String },
    /// Its result does not match the group's reference. `expected_result` is the plain
    /// number the reference stands for, where one is known (not kept in results files).
    WrongResult {
        result: u64,
        checksum: String,
        expected_checksum: String,
        source: String,
        expected_result: Option<u64>,
    },
    /// It reported requests still unfinished at its deadline (`"late": N` in its report).
    Late { late: u64 },
    /// It succeeded where the row expected it to end another way.
    Succeeded { expected: String },
    /// Text from a results file that is none of the above.
    Other(String),
}

impl Failure {
    /// The run got as far as the machine or the timeout allows: it exited 1 naming a limit
    /// (the examples' way of saying "this OS limit stopped me"), or it timed out.
    pub fn reached_a_limit(&self) -> bool {
        matches!(self, Failure::Exit { code: 1, .. } | Failure::TimedOut { .. })
    }

    /// Reads a failure back from its text (a results file). Text that does not come back to
    /// exactly itself is kept as [`Failure::Other`], so a file always reads the same.
    pub fn from_text(text: &str) -> Failure {
        let parsed = parse(text).unwrap_or_else(|| Failure::Other(text.to_string()));
        if parsed.to_string() == text { parsed } else { Failure::Other(text.to_string()) }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::NotStarted { program, error } => {
                write!(f, "could not start {program}: {error}")
            }
            Failure::Exit { code, message } => write!(f, "exit code {code}: {message}"),
            Failure::Signal { signal, message } => {
                write!(f, "killed by signal {signal}: {message}")
            }
            Failure::TimedOut { after_s } => write!(f, "timed out after {after_s} s (killed)"),
            Failure::Interrupted => write!(f, "interrupted"),
            Failure::NoReport => write!(f, "no JSON report on stdout"),
            Failure::OtherParams { example, params } => {
                write!(f, "ran other parameters than asked: {example} {params}")
            }
            Failure::WrongResult { result, checksum, expected_checksum, source, .. } => write!(
                f,
                "wrong result {result} (checksum {checksum}), expected checksum \
                 {expected_checksum} ({source})"
            ),
            Failure::Late { late } => write!(f, "{late} request(s) unfinished at the deadline"),
            Failure::Succeeded { expected } => {
                write!(f, "succeeded, but was expected to end with {expected}")
            }
            Failure::Other(text) => f.write_str(text),
        }
    }
}

/// The inverse of `Display`, for the forms that carry values; None for anything else.
fn parse(text: &str) -> Option<Failure> {
    let number_then = |rest: &str| -> Option<(i32, String)> {
        let (n, message) = rest.split_once(": ")?;
        Some((n.parse().ok()?, message.to_string()))
    };
    if let Some(rest) = text.strip_prefix("exit code ") {
        let (code, message) = number_then(rest)?;
        return Some(Failure::Exit { code, message });
    }
    if let Some(rest) = text.strip_prefix("killed by signal ") {
        let (signal, message) = number_then(rest)?;
        return Some(Failure::Signal { signal, message });
    }
    if let Some(rest) = text.strip_prefix("timed out after ") {
        let after_s = rest.strip_suffix(" s (killed)")?.parse().ok()?;
        return Some(Failure::TimedOut { after_s });
    }
    if let Some(rest) = text.strip_prefix("could not start ") {
        let (program, error) = rest.split_once(": ")?;
        return Some(Failure::NotStarted { program: program.into(), error: error.into() });
    }
    if let Some(rest) = text.strip_prefix("ran other parameters than asked: ") {
        let (example, params) = rest.split_once(' ')?;
        return Some(Failure::OtherParams { example: example.into(), params: params.into() });
    }
    if let Some(rest) = text.strip_prefix("wrong result ") {
        let (result, rest) = rest.split_once(" (checksum ")?;
        let (checksum, rest) = rest.split_once("), expected checksum ")?;
        let (expected_checksum, source) = rest.split_once(" (")?;
        return Some(Failure::WrongResult {
            result: result.parse().ok()?,
            checksum: checksum.into(),
            expected_checksum: expected_checksum.into(),
            source: source.strip_suffix(')')?.into(),
            expected_result: None,
        });
    }
    if let Some(late) = text.strip_suffix(" request(s) unfinished at the deadline") {
        return Some(Failure::Late { late: late.parse().ok()? });
    }
    if let Some(expected) = text.strip_prefix("succeeded, but was expected to end with ") {
        return Some(Failure::Succeeded { expected: expected.into() });
    }
    match text {
        "interrupted" => Some(Failure::Interrupted),
        "no JSON report on stdout" => Some(Failure::NoReport),
        _ => None,
    }
}

impl FromStr for Failure {
    type Err = std::convert::Infallible;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(Failure::from_text(text))
    }
}

impl Serialize for Failure {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Failure {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Failure::from_text(&String::deserialize(deserializer)?))
    }
}

/// What a row's runs are expected to end in. A run that ends otherwise fails its row, and a
/// failed row makes the command exit 1.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Expect {
    /// Exit 0 with the verified result: every approach's right way.
    #[default]
    Success,
    /// Success, or a limit: exit 1 naming an OS limit, or the timeout. A sweep asks how far
    /// each approach gets, so a point it cannot reach is a result, shown as a gap with its
    /// reason (and not run at larger points once it timed out).
    SuccessOrLimit,
    /// Exit 1 with a message that contains this marker, every run: e.g. a watchdog that
    /// detects a deadlock shown on purpose and exits naming it ("deadlock").
    Failure(String),
    /// Success, or a result below the expected total (updates lost to a race shown on
    /// purpose); a result above it is still wrong.
    LostUpdates,
    /// Success, or requests still unfinished at the run's deadline (a `late` count in the
    /// report): an overloaded run is measured, not failed.
    Late,
}

/// What a run's end means for its row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// It ended as the row expects, with its result: it counts, and its figures are shown.
    Counts,
    /// It ended in a limit the row may reach (see [`Expect::SuccessOrLimit`]): the row stops
    /// there and shows the reason, and the command does not fail for it.
    Unreached,
    /// It ended another way: the row fails, and so does the command.
    Fails,
}

impl Expect {
    pub fn is_success(&self) -> bool {
        *self == Expect::Success
    }

    /// What a run that ended with `failure` (None: success) means for a row expecting this.
    pub fn judge(&self, failure: Option<&Failure>) -> Verdict {
        match (self, failure) {
            (Expect::Failure(_), None) => Verdict::Fails,
            (_, None) => Verdict::Counts,
            (Expect::SuccessOrLimit, Some(f)) if f.reached_a_limit() => Verdict::Unreached,
            (Expect::Failure(marker), Some(Failure::Exit { code: 1, message }))
                if message.contains(marker.as_str()) =>
            {
                Verdict::Counts
            }
            (
                Expect::LostUpdates,
                Some(Failure::WrongResult { result, expected_result: Some(total), .. }),
            ) if result < total => Verdict::Counts,
            (Expect::Late, Some(Failure::Late { .. })) => Verdict::Counts,
            _ => Verdict::Fails,
        }
    }

    /// The failure to record for a run that succeeded where this expected otherwise.
    pub fn unmet(&self) -> Option<Failure> {
        match self {
            Expect::Failure(marker) => {
                Some(Failure::Succeeded { expected: format!("exit code 1 naming \"{marker}\"") })
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exit(code: i32, message: &str) -> Failure {
        Failure::Exit { code, message: message.into() }
    }

    #[test]
    fn every_form_reads_back_as_itself() {
        let texts = [
            "exit code 1: std-threads: error: hit the OS thread limit: started 16247 of 100000",
            "exit code 3: ",
            "killed by signal 9: ",
            "timed out after 1 s (killed)",
            "interrupted",
            "no JSON report on stdout",
            "could not start /x/avt-tokio: No such file or directory (os error 2)",
            "ran other parameters than asked: io Params { threads: 2, tasks: Some(3) }",
            "wrong result 4 (checksum 0000000000000001), expected checksum 32644eb44a361a6f \
             (every id once)",
            "3 request(s) unfinished at the deadline",
            "succeeded, but was expected to end with exit code 1 naming \"deadlock\"",
            "something a later version wrote",
        ];
        for text in texts {
            let failure: Failure = serde_json::from_str(&serde_json::to_string(text).unwrap())
                .unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(failure.to_string(), text);
            assert_eq!(
                serde_json::to_string(&failure).unwrap(),
                serde_json::to_string(text).unwrap()
            );
        }
        assert_eq!(Failure::from_text("exit code 1: x"), exit(1, "x"));
        assert_eq!(
            Failure::from_text("timed out after 5 s (killed)"),
            Failure::TimedOut { after_s: 5 }
        );
        assert!(matches!(Failure::from_text("exit code one: x"), Failure::Other(_)));
    }

    #[test]
    fn a_limit_is_exit_1_or_the_timeout() {
        assert!(exit(1, "hit the OS thread limit").reached_a_limit());
        assert!(Failure::TimedOut { after_s: 1 }.reached_a_limit());
        assert!(!exit(3, "").reached_a_limit());
        assert!(!Failure::Signal { signal: 11, message: String::new() }.reached_a_limit());
    }

    #[test]
    fn each_expectation_accepts_its_outcome_and_nothing_else() {
        let wrong = |result, total| Failure::WrongResult {
            result,
            checksum: "a".into(),
            expected_checksum: "b".into(),
            source: "total".into(),
            expected_result: Some(total),
        };
        let deadlock = Expect::Failure("deadlock".into());
        let cases = [
            (Expect::Success, None, Verdict::Counts),
            (Expect::Success, Some(exit(1, "limit")), Verdict::Fails),
            (Expect::SuccessOrLimit, Some(exit(1, "limit")), Verdict::Unreached),
            (Expect::SuccessOrLimit, Some(Failure::TimedOut { after_s: 2 }), Verdict::Unreached),
            (Expect::SuccessOrLimit, Some(exit(101, "panic")), Verdict::Fails),
            (
                deadlock.clone(),
                Some(exit(1, "error: deadlock: no progress for 2000 ms")),
                Verdict::Counts,
            ),
            (deadlock.clone(), Some(exit(1, "error: something else")), Verdict::Fails),
            (deadlock.clone(), Some(exit(2, "deadlock")), Verdict::Fails),
            (deadlock.clone(), None, Verdict::Fails),
            (Expect::LostUpdates, Some(wrong(90, 100)), Verdict::Counts),
            (Expect::LostUpdates, Some(wrong(110, 100)), Verdict::Fails),
            (Expect::LostUpdates, None, Verdict::Counts),
            (Expect::Success, Some(wrong(90, 100)), Verdict::Fails),
            (Expect::Late, Some(Failure::Late { late: 4 }), Verdict::Counts),
            (Expect::Late, Some(exit(1, "late")), Verdict::Fails),
            (Expect::Success, Some(Failure::Late { late: 4 }), Verdict::Fails),
        ];
        for (expect, failure, verdict) in cases {
            assert_eq!(expect.judge(failure.as_ref()), verdict, "{expect:?} on {failure:?}");
        }
        assert!(deadlock.unmet().unwrap().to_string().contains("\"deadlock\""));
        assert_eq!(Expect::Late.unmet(), None);
    }
}
