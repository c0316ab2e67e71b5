//! The facts that make a result reproducible: machine, toolchain, crate versions, commit,
//! date.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// The crates whose versions a result records.
const CRATES: [&str; 5] = ["tokio", "async-std", "smol", "rayon", "hyper"];

/// Where and with what a result was measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Environment {
    pub date: String,
    pub cpu_model: String,
    pub logical_cpus: usize,
    pub memory_gib: f64,
    pub os: String,
    pub kernel: String,
    pub rustc: String,
    /// The cargo profile the example binaries were built with.
    pub profile: String,
    /// Versions from Cargo.lock.
    pub crates: BTreeMap<String, String>,
    pub git_commit: String,
    pub git_dirty: bool,
    /// The Python that ran the article's originals, if one was found.
    pub python: Option<String>,
}

impl Environment {
    /// Reads it all; what cannot be read is "unknown".
    pub fn read(root: &Path, profile: &str, python: Option<String>) -> Environment {
        let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let field = |text: &str, key: &str| {
            text.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_once([':', '=']))
                .map(|(_, v)| v.trim().trim_matches('"').to_string())
        };
        let mem_kib = field(&fs::read_to_string("/proc/meminfo").unwrap_or_default(), "MemTotal")
            .and_then(|v| v.trim_end_matches("kB").trim().parse::<f64>().ok());
        let git = |args: &[&str]| run(Command::new("git").arg("-C").arg(root).args(args));
        Environment {
            date: utc_now(),
            cpu_model: field(&cpuinfo, "model name").unwrap_or_else(unknown),
            logical_cpus: crate::model::plan::default_threads(),
            memory_gib: mem_kib.map_or(0.0, |k| (k / 1024.0 / 1024.0 * 10.0).round() / 10.0),
            os: field(&fs::read_to_string("/etc/os-release").unwrap_or_default(), "PRETTY_NAME")
                .unwrap_or_else(|| std::env::consts::OS.into()),
            kernel: fs::read_to_string("/proc/sys/kernel/osrelease")
                .map_or_else(|_| unknown(), |k| k.trim().into()),
            rustc:
                run(Command::new(std::env::var("RUSTC").as_deref().unwrap_or("rustc")).arg("-V"))
                    .unwrap_or_else(unknown),
            profile: profile.into(),
            crates: locked_versions(
                &fs::read_to_string(root.join("Cargo.lock")).unwrap_or_default(),
            ),
            // Binaries run away from their checkout (scripts/run-16-cores.sh) are told it.
            git_commit: std::env::var("AVT_GIT_COMMIT")
                .ok()
                .filter(|c| !c.is_empty())
                .or_else(|| git(&["rev-parse", "--short=12", "HEAD"]))
                .unwrap_or_else(unknown),
            git_dirty: git(&["status", "--porcelain", "--untracked-files=no"])
                .is_some_and(|s| !s.is_empty()),
            python,
        }
    }

    /// The machine and toolchain in one line.
    pub fn machine(&self) -> String {
        let rustc = self.rustc.split(" (").next().unwrap_or(&self.rustc);
        let python = self.python.as_deref().map(|p| format!(" · {p}")).unwrap_or_default();
        format!(
            "{}, {} logical CPUs, {} GiB · {} · {rustc}{python}",
            self.cpu_model, self.logical_cpus, self.memory_gib, self.os
        )
    }
}

fn unknown() -> String {
    "unknown".into()
}

fn run(command: &mut Command) -> Option<String> {
    let out = command.output().ok().filter(|o| o.status.success())?;
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The versions of [`CRATES`] in a Cargo.lock.
fn locked_versions(lock: &str) -> BTreeMap<String, String> {
    let mut versions = BTreeMap::new();
    let mut name = None;
    for line in lock.lines() {
        if let Some(n) = line.strip_prefix("name = ") {
            name = Some(n.trim_matches('"'));
        } else if let (Some(v), Some(n)) = (line.strip_prefix("version = "), name.take())
            && CRATES.contains(&n)
        {
            versions.insert(n.to_string(), v.trim_matches('"').to_string());
        }
    }
    versions
}

/// Now, in UTC, as `2026-11-26 09:12 UTC`.
pub fn utc_now() -> String {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02} UTC", secs % 86_400 / 3600, secs % 3600 / 60)
}

/// Days since 1970-01-01 to (year, month, day): Howard Hinnant's `civil_from_days`.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(20_783), (2026, 11, 26));
    }

    #[test]
    fn versions_come_from_the_lock_file() {
        let lock = "[[package]]\nname = \"tokio\"\nversion = \"1.54.1\"\n\n\
                    [[package]]\nname = \"libc\"\nversion = \"0.2.1\"\n";
        let v = locked_versions(lock);
        assert_eq!(v.get("tokio").map(String::as_str), Some("1.54.1"));
        assert!(!v.contains_key("libc"));
    }
}
