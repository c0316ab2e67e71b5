//! The delay server as a child of the harness, for `--source tcp`: started before the io
//! rows, stopped after them, also when a run fails or the harness is interrupted.
#![allow(unsafe_code)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// A running `avt-delay-server`; dropping it stops the server.
pub struct DelayServer {
    child: Child,
    pub addr: SocketAddr,
}

impl DelayServer {
    /// The server's binary, in the binaries' folder.
    pub const BINARY: &str = "avt-delay-server";

    /// Starts `bin_dir/avt-delay-server --port 0` and reads the address it bound.
    pub fn start(bin_dir: &Path) -> Result<DelayServer> {
        let program = bin_dir.join(Self::BINARY);
        let mut command = Command::new(&program);
        command.args(["--port", "0"]).stdin(Stdio::null()).stdout(Stdio::piped());
        // SAFETY: prctl is async-signal-safe. It makes the kernel send SIGTERM to the
        // server if the harness dies without stopping it (even by SIGKILL): no orphan.
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
                Ok(())
            });
        }
        let mut child =
            command.spawn().with_context(|| format!("cannot start {}", program.display()))?;
        let stdout = child.stdout.take().context("the delay server has no stdout")?;
        let mut server = DelayServer { child, addr: SocketAddr::from(([127, 0, 0, 1], 0)) };
        // Its first line is its address; a server that says nothing in 10 s is stopped.
        let (sender, line) = mpsc::channel();
        std::thread::spawn(move || {
            let mut first = String::new();
            let _ = BufReader::new(stdout).read_line(&mut first);
            let _ = sender.send(first);
        });
        let first = line.recv_timeout(Duration::from_secs(10)).unwrap_or_default();
        server.addr = match first.trim().parse() {
            Ok(addr) => addr,
            Err(_) => bail!("the delay server did not print its address (got {first:?})"),
        };
        note!("delay server listening on {}", server.addr);
        Ok(server)
    }
}

impl DelayServer {
    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

/// CPU time (user + system) process `pid` has used so far, in ms, from /proc/PID/stat
/// (utime and stime, fields 14 and 15, in clock ticks); None where it cannot be read.
/// Read before and after a run, it is what the delay server spent serving that run.
pub fn cpu_ms(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces: count after it.
    let fields: Vec<&str> = stat.get(stat.rfind(')')? + 2..)?.split_whitespace().collect();
    let (utime, stime): (u64, u64) = (fields.get(11)?.parse().ok()?, fields.get(12)?.parse().ok()?);
    // SAFETY: sysconf only reads a system setting.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    (ticks > 0).then(|| (utime + stime) as f64 * 1e3 / ticks as f64)
}

impl Drop for DelayServer {
    /// SIGTERM (it finishes cleanly), then SIGKILL after 5 s.
    fn drop(&mut self) {
        let pid = self.child.id() as libc::pid_t;
        // SAFETY: kill has no memory effects; the child is ours and not yet reaped.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn own_cpu_time_is_read_from_proc() {
        let before = super::cpu_ms(std::process::id()).expect("own /proc stat");
        let mut x = 0u64;
        for i in 0..50_000_000u64 {
            x = x.wrapping_mul(31).wrapping_add(i);
        }
        std::hint::black_box(x);
        let after = super::cpu_ms(std::process::id()).unwrap();
        assert!(after >= before, "{before} → {after}");
        assert_eq!(super::cpu_ms(u32::MAX), None);
    }
}
