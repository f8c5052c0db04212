//! The sandbox, proven on real runners: the real lockdown applied by the real zygote's
//! children, each forbidden operation attempted after it.

mod common;

use cartbox_host::sandbox_check::{self, Runtime};
use cartbox_protocol::zygote::{ExitStatus, Probe};
use common::*;

/// Tests here count the process's descriptors, or open some for a while: they must not
/// overlap.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

#[test]
fn every_forbidden_operation_kills_the_runner_with_sigsys() {
    let _serial = serial();
    let mut console = console(1000, 1000);
    for runtime in Runtime::ALL {
        for probe in Probe::ALL {
            let r = sandbox_check::run_probe(console.zygote(), runtime, probe);
            assert!(
                r.ready.is_some(),
                "{runtime:?} {probe:?}: the runner never reported its lockdown"
            );
            assert_eq!(
                r.status,
                Some(ExitStatus::Signal(libc::SIGSYS)),
                "{runtime:?} {probe:?} ({}) was not blocked",
                probe.name()
            );
            // The runner named the call its filter denied before it died.
            let expected = match probe {
                Probe::Open => "openat",
                Probe::Socket => "socket",
                Probe::Execve => "execve",
                Probe::Fork => "clone",
                Probe::Clone3 => "clone3",
                Probe::Ptrace => "ptrace",
                Probe::KillParent => "kill",
                Probe::PrlimitParent => "prlimit64",
                Probe::IoUring => "io_uring_setup",
                Probe::MapWriteExec => "mmap",
                Probe::ProtectWriteExec => "mprotect",
            };
            assert_eq!(
                r.syscall.and_then(cartbox_protocol::syscalls::name),
                Some(expected),
                "{runtime:?} {probe:?}"
            );
        }
    }
}

fn status_field(status: &str, field: &str) -> String {
    status
        .lines()
        .find_map(|l| l.strip_prefix(field).map(|v| v.trim().to_owned()))
        .unwrap_or_else(|| panic!("no {field} in status"))
}

#[test]
fn a_running_runner_is_locked_down() {
    let _serial = serial();
    let wasm = {
        let mut cart = cartbox_host::Cart::load(&root().join("carts/hello.wat")).unwrap();
        cart.name = "carts/hello.wat".into();
        cart
    };
    for cart in [load("input.lua"), wasm] {
        let name = cart.name.clone();
        let mut console = console(1000, 1000);
        console.load(cart).expect("cart loads");
        console.frame(&Default::default()).expect("a frame runs");
        let pid = console.runner_pid().expect("a runner");
        check_lockdown(&console, pid);
        // No memory is writable and executable at once, JIT or not.
        let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap();
        for line in maps.lines() {
            let perms = line.split_whitespace().nth(1).unwrap_or("");
            assert!(
                !(perms.contains('w') && perms.contains('x')),
                "{name}: a writable and executable mapping: {line}"
            );
        }
        if name.ends_with(".wat") {
            // The compiled cart is there, read and execute only.
            assert!(
                maps.lines()
                    .any(|l| l.contains(" r-xp ") && !l.contains('/')),
                "{name}: no anonymous executable mapping for the compiled code\n{maps}"
            );
        }
    }
}

fn check_lockdown(console: &cartbox_host::Console, pid: i32) {
    let tasks: Vec<_> = std::fs::read_dir(format!("/proc/{pid}/task"))
        .unwrap()
        .flatten()
        .collect();
    assert!(!tasks.is_empty());
    for task in tasks {
        let status = std::fs::read_to_string(task.path().join("status")).unwrap();
        assert_eq!(
            status_field(&status, "Seccomp:"),
            "2",
            "task {:?}",
            task.file_name()
        );
        assert_eq!(
            status_field(&status, "NoNewPrivs:"),
            "1",
            "task {:?}",
            task.file_name()
        );
    }
    // No display library is mapped in a runner (a static constructor once loaded libX11
    // and its dependencies into every process of the binary).
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap();
    for lib in ["libX11", "libxcb", "libXau", "libwayland"] {
        assert!(
            !maps.contains(lib),
            "{lib} is mapped in the runner:\n{maps}"
        );
    }
    // Only the channel is open.
    let fds: Vec<String> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(fds, vec!["3"]);
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let limit = |name: &str| {
        limits
            .lines()
            .find(|l| l.starts_with(name))
            .map(|l| l.split_whitespace().rev().nth(2).unwrap_or("").to_owned())
    };
    assert_eq!(limit("Max open files").as_deref(), Some("4"));
    assert_eq!(limit("Max file size").as_deref(), Some("0"));
    assert_eq!(limit("Max core file size").as_deref(), Some("0"));
    // The sandbox report says what Landlock gave.
    let ready = console.sandbox().expect("a runner");
    let abi = std::fs::read_to_string("/sys/kernel/security/lsm")
        .map(|l| l.contains("landlock"))
        .ok();
    if abi == Some(true) {
        assert!(ready.landlock_abi >= 1);
    }
}

#[test]
fn nothing_is_left_behind() {
    let _serial = serial();
    let fds_before = open_fds();
    let (zygote, runners) = {
        let mut console = console(100, 200);
        let zygote = console.zygote().pid();
        let mut runners = Vec::new();
        console.load(load("input.lua")).unwrap();
        for _ in 0..3 {
            console.frame(&Default::default()).unwrap();
            runners.push(console.runner_pid().unwrap());
            console.restart().unwrap();
        }
        runners.push(console.runner_pid().unwrap());
        // A runner killed at its hard deadline.
        console.load(load("pattern.lua")).unwrap();
        runners.push(console.runner_pid().unwrap());
        assert!(console.frame(&Default::default()).is_err());
        (zygote, runners)
    };
    for pid in runners.iter().chain([&zygote]) {
        assert!(!process_exists(*pid), "process {pid} outlived its console");
    }
    assert_eq!(open_fds(), fds_before, "descriptors leaked");
}

#[test]
fn sandbox_check_command_reports_every_probe_blocked() {
    // Its pipes to the child are descriptors of this process while it runs.
    let _serial = serial();
    let out = cartbox(&["sandbox-check"]);
    let (stdout, err) = text(&out);
    assert_eq!(out.status.code(), Some(0), "stdout: {stdout} stderr: {err}");
    assert_eq!(
        stdout
            .lines()
            .filter(|l| l.contains("blocked (SIGSYS: "))
            .count(),
        Probe::ALL.len() * Runtime::ALL.len(),
        "{stdout}"
    );
    assert!(stdout.contains("the sandbox works"));
}

#[test]
fn a_runner_that_cannot_go_on_says_why() {
    // A frame before any cart: the runner cannot serve it, tells the host why and exits
    // with its setup code, which the host names.
    use cartbox_host::runner::{Deadline, RunnerProcess, RunnerStop, describe_exit};
    use cartbox_protocol::message::EXIT_SETUP;
    use cartbox_protocol::zygote::{RunnerLimits, RunnerProgram};
    let _serial = serial();
    let mut console = console(1000, 1000);
    let zygote = console.zygote();
    let mut runner = RunnerProcess::spawn(
        zygote,
        RunnerProgram::Lua,
        RunnerLimits::default(),
        std::time::Duration::from_secs(5),
    )
    .expect("a runner starts");
    let deadline = Deadline {
        budget: std::time::Duration::from_secs(1),
        grace: std::time::Duration::from_secs(1),
    };
    match runner.frame(zygote, None, 0.0, false, deadline, &mut |_| {}) {
        Err(RunnerStop::Failed(why)) => assert_eq!(why, "expected a cart to load"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        describe_exit(Some(ExitStatus::Code(EXIT_SETUP)), None),
        "could not set itself up (exit code 70)"
    );
    // The signal both sides use for soft stops is the one the runner handles.
    assert_eq!(cartbox_protocol::message::SOFT_STOP_SIGNAL, libc::SIGUSR1);
}
