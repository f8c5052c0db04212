//! The host against deliberately misbehaving runners.
//!
//! This test binary doubles as a zygote: given `__cartbox-zygote` it runs the real zygote
//! machinery (`cartbox_runner::zygote::main_with`), but each child it forks runs a rogue
//! instead of the real runner, chosen by `CARTBOX_ROGUE`. Every case asserts how the host
//! ends the runner, what it reports, and that it never waits past its deadline.

use std::io::{Read, Write};
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use cartbox_host::zygote::ZygoteCommand;
use cartbox_host::{Cart, Console, ConsoleConfig, Input, Stop};
use cartbox_protocol::cart::{CURSOR_SPRITES, CartInfo, Language};
use cartbox_protocol::framing;
use cartbox_protocol::message::{
    CartFault, FaultKind, RUNNER_MESSAGE_LIMIT, RunnerMessage, RunnerReady, TEXT_LIMIT,
};
use cartbox_protocol::zygote::{ExitStatus, SpawnRequest, ZYGOTE_ARG};
use libtest_mimic::{Arguments, Failed, Trial};

const MODE_ENV: &str = "CARTBOX_ROGUE";
const BUDGET_MS: u64 = 150;
const GRACE_MS: u64 = 250;

fn frame(msg: &RunnerMessage) -> Vec<u8> {
    let mut out = Vec::new();
    framing::encode::<_, RUNNER_MESSAGE_LIMIT>(msg, &mut out).expect("encodes");
    out
}

fn ready() -> Vec<u8> {
    frame(&RunnerMessage::Ready(RunnerReady {
        landlock_abi: 0,
        landlock_full: false,
    }))
}

/// A plausible description of a Lua cart.
fn info() -> CartInfo {
    CartInfo {
        language: Language::Lua,
        title: None,
        menu: Vec::new(),
        pmem_key: Some([7; 16]),
        cursor_sprites: vec![0; CURSOR_SPRITES * 32],
        cursor_palette: vec![0; 48],
        has_cover: false,
        script: "lua".into(),
    }
}

fn parsed(info: CartInfo) -> Vec<u8> {
    frame(&RunnerMessage::Parsed {
        seq: 1,
        info: Box::new(info),
    })
}

/// Sends `bytes` with `count` descriptors attached (copies of stdin), as `SCM_RIGHTS`.
fn send_with_fds(s: &UnixStream, bytes: &[u8], count: usize) {
    use nix::sys::socket::{ControlMessage, MsgFlags, sendmsg};
    use std::os::fd::AsRawFd;
    let fds = vec![0; count];
    let iov = [std::io::IoSlice::new(bytes)];
    let _ = sendmsg::<()>(
        s.as_raw_fd(),
        &iov,
        &[ControlMessage::ScmRights(&fds)],
        MsgFlags::empty(),
        None,
    );
}

/// The number of descriptors this process has open.
fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count())
}

/// Reads one request from the host (length prefix and payload), discarding it.
fn read_request(s: &mut UnixStream) {
    let mut len = [0u8; 4];
    if s.read_exact(&mut len).is_err() {
        return;
    }
    let mut payload = vec![0u8; u32::from_le_bytes(len) as usize];
    let _ = s.read_exact(&mut payload);
}

fn stall() -> ! {
    loop {
        std::thread::sleep(Duration::from_secs(60));
    }
}

/// The rogue runners.
fn rogue(channel: OwnedFd, shm: OwnedFd, _req: &SpawnRequest, _zygote: i32) -> ! {
    let mode = std::env::var(MODE_ENV).unwrap_or_default();
    if mode == "forbidden-syscall" {
        forbidden_syscall(channel, shm);
    }
    if mode == "scribble" || mode == "resize" || mode == "pass-fds" {
        well_behaved_but(channel, shm, &mode);
    }
    // Like a real runner stuck in C code: the soft stop does not end it.
    // SAFETY: ignoring a signal in a single-threaded forked child.
    unsafe { libc::signal(libc::SIGUSR1, libc::SIG_IGN) };
    let mut s = UnixStream::from(channel);
    let mut send = |bytes: &[u8]| {
        let _ = s.write_all(bytes);
    };
    match mode.as_str() {
        "silent" => stall(),
        "unsolicited" => {
            send(&ready());
            send(&frame(&RunnerMessage::FrameDone {
                seq: 1,
                exit: false,
            }));
            stall()
        }
        _ => {}
    }
    send(&ready());
    let mut s = UnixStream::from(OwnedFd::from(s));
    read_request(&mut s);
    let mut send = |bytes: &[u8]| {
        let _ = s.write_all(bytes);
    };
    match mode.as_str() {
        "oversized" => {
            send(&u32::MAX.to_le_bytes());
            stall()
        }
        "just-over-limit" => {
            send(&((RUNNER_MESSAGE_LIMIT + 1) as u32).to_le_bytes());
            send(&vec![0u8; RUNNER_MESSAGE_LIMIT + 1]);
            stall()
        }
        "invalid-tag" => {
            send(&[1, 0, 0, 0, 0xee]);
            stall()
        }
        "trailing" => {
            let mut f = parsed(info());
            f[0] += 1;
            f.push(0);
            send(&f);
            stall()
        }
        "flood" => loop {
            send(&frame(&RunnerMessage::Trace {
                text: "x".into(),
                color: 1,
            }));
        },
        "half-then-exit" => {
            send(&100u32.to_le_bytes());
            send(&[0u8; 10]);
            // SAFETY: leaving the forked child at once.
            unsafe { libc::_exit(0) }
        }
        "half-then-stall" => {
            send(&100u32.to_le_bytes());
            send(&[0u8; 10]);
            stall()
        }
        "wrong-seq" => {
            send(&frame(&RunnerMessage::Loaded { seq: 999 }));
            stall()
        }
        "loaded-before-parsed" => {
            send(&frame(&RunnerMessage::Loaded { seq: 1 }));
            stall()
        }
        "past-limits" => {
            // Each claim over its limit in turn would do; a title of 4 KiB here.
            let mut claim = info();
            claim.title = Some("T".repeat(4096));
            send(&parsed(claim));
            stall()
        }
        "short-sprites" => {
            let mut claim = info();
            claim.cursor_sprites.truncate(31);
            send(&parsed(claim));
            stall()
        }
        "absurd-fault" => {
            // The longest text a message may hold: terminal escapes, line breaks, a bell.
            let nasty = "\u{1b}]0;pwned\u{7}\u{1b}[2J\r\n\u{9b}31m"
                .repeat(TEXT_LIMIT / 16)
                .chars()
                .take(TEXT_LIMIT / 2)
                .collect::<String>();
            send(&frame(&RunnerMessage::Fault(CartFault {
                kind: FaultKind::BadCart,
                message: nasty.clone(),
                traceback: nasty.clone(),
                callback: nasty,
                line: Some(u32::MAX),
            })));
            stall()
        }
        "second-ready" => {
            send(&ready());
            stall()
        }
        "exit-code" => {
            // SAFETY: leaving the forked child at once.
            unsafe { libc::_exit(3) }
        }
        "segfault" => {
            // SAFETY: deliberately dying of SIGSEGV, as a crashing runner would (Rust's own
            // handler for stack overflows is put aside first).
            unsafe {
                libc::signal(libc::SIGSEGV, libc::SIG_DFL);
                libc::raise(libc::SIGSEGV);
            }
            stall()
        }
        "stall-after-load" => {
            let _ = s.write_all(&parsed(info()));
            read_request(&mut s);
            let _ = s.write_all(&frame(&RunnerMessage::Loaded { seq: 1 }));
            read_request(&mut s);
            stall()
        }
        "stall-after-parse" => {
            let _ = s.write_all(&parsed(info()));
            read_request(&mut s);
            stall()
        }
        other => panic!("unknown rogue mode {other}"),
    }
}

/// A runner compromised after its real lockdown: it tries to open a file.
fn forbidden_syscall(channel: OwnedFd, shm: OwnedFd) -> ! {
    use cartbox_runner::{lock_down, seccomp::Profile, shm::SharedMemory};
    let mem = SharedMemory::map(&shm).expect("map");
    drop(shm);
    let (channel, _) =
        lock_down(channel, &mem, &Default::default(), Profile::Lua).expect("lockdown");
    // Plain read and write, as the real runner's channel does (a socket's send is sendto).
    let mut s = std::fs::File::from(channel);
    let _ = s.write_all(&ready());
    let mut len = [0u8; 4];
    let _ = s.read_exact(&mut len);
    let mut payload = vec![0u8; u32::from_le_bytes(len) as usize];
    let _ = s.read_exact(&mut payload);
    // SAFETY: a plain system call the filter denies; the process dies in it.
    unsafe { libc::openat(libc::AT_FDCWD, c"/etc/passwd".as_ptr(), libc::O_RDONLY) };
    // SAFETY: only reached if the sandbox let the call through.
    unsafe { libc::_exit(99) }
}

/// Answers every request as a real runner would, but: "scribble" keeps writing random
/// bytes over the whole shared memory from a second thread, also while the host copies
/// frames and RAM out; "resize" first tries to shrink and grow the sealed memfd (and
/// exits with code 42 if either works).
fn well_behaved_but(channel: OwnedFd, shm: OwnedFd, mode: &str) -> ! {
    use cartbox_protocol::message::{HOST_MESSAGE_LIMIT, HostMessage};
    use cartbox_protocol::shm::SHM_SIZE;
    if mode == "resize" {
        for len in [0, 1 << 30] {
            // SAFETY: ftruncate on a descriptor we own; it must fail (the memfd is sealed).
            if unsafe { libc::ftruncate(std::os::fd::AsRawFd::as_raw_fd(&shm), len) } == 0 {
                // SAFETY: leaving the forked child at once.
                unsafe { libc::_exit(42) }
            }
        }
    }
    if mode == "scribble" {
        // SAFETY: a fresh shared mapping of the memfd we were given, SHM_SIZE bytes.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                SHM_SIZE,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                std::os::fd::AsRawFd::as_raw_fd(&shm),
                0,
            )
        } as usize;
        std::thread::spawn(move || {
            let mut x = 0x9e37_79b9_7f4a_7c15u64;
            loop {
                for i in (0..SHM_SIZE).step_by(8) {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    // SAFETY: inside the mapping; volatile, as the host may be reading.
                    unsafe { ((base + i) as *mut u64).write_volatile(x) };
                }
            }
        });
    }
    let mut s = UnixStream::from(channel);
    let _ = s.write_all(&ready());
    loop {
        let mut len = [0u8; 4];
        if s.read_exact(&mut len).is_err() {
            stall()
        }
        let mut payload = vec![0u8; u32::from_le_bytes(len) as usize];
        if s.read_exact(&mut payload).is_err() {
            stall()
        }
        let reply = match framing::decode::<HostMessage, HOST_MESSAGE_LIMIT>(&payload) {
            Ok(HostMessage::Load(l)) => {
                let reply = frame(&RunnerMessage::Parsed {
                    seq: l.seq,
                    info: Box::new(info()),
                });
                if mode == "pass-fds" {
                    // Descriptors riding along with a message: the host must take none.
                    send_with_fds(&s, &reply, 32);
                    continue;
                }
                let _ = s.write_all(&reply);
                continue;
            }
            Ok(HostMessage::Start { seq }) => RunnerMessage::Loaded { seq },
            Ok(HostMessage::Export(e)) => RunnerMessage::Exported { seq: e.seq },
            Ok(HostMessage::Frame(f)) => RunnerMessage::FrameDone {
                seq: f.seq,
                exit: false,
            },
            Ok(HostMessage::Menu { seq, .. }) => RunnerMessage::MenuDone { seq },
            Err(_) => stall(),
        };
        let _ = s.write_all(&frame(&reply));
    }
}

/// What the host must conclude about a rogue.
enum Want {
    Misbehaved(&'static str),
    NotResponding,
    Crashed(ExitStatus),
    /// Killed by the sandbox, naming the call (in the description).
    Denied(&'static str),
    /// Served as if nothing were wrong: 50 frames with pixels and pmem read back, and
    /// no descriptor of the host's left open by it.
    Runs,
    /// A fault whose texts are as long and as hostile as a message allows: reported in
    /// a bounded number of lines and bytes, with nothing a terminal would act on.
    CleanReport,
    HostError(&'static str),
}

const CASES: &[(&str, Want)] = &[
    ("silent", Want::NotResponding),
    (
        "unsolicited",
        Want::Misbehaved("unexpected FrameDone while serving request 1"),
    ),
    (
        "oversized",
        Want::Misbehaved("message of 4294967295 bytes announced, the limit is 65536"),
    ),
    (
        "just-over-limit",
        Want::Misbehaved("message of 65537 bytes announced, the limit is 65536"),
    ),
    ("invalid-tag", Want::Misbehaved("malformed message")),
    (
        "trailing",
        Want::Misbehaved("malformed message: 1 trailing bytes"),
    ),
    (
        "flood",
        Want::Misbehaved("flooded the host with 10001 messages"),
    ),
    (
        "half-then-exit",
        Want::Misbehaved("connection closed in the middle of a message"),
    ),
    ("half-then-stall", Want::NotResponding),
    (
        "wrong-seq",
        Want::Misbehaved("unexpected Loaded while serving request 1"),
    ),
    (
        "second-ready",
        Want::Misbehaved("unexpected Ready while serving request 1"),
    ),
    ("exit-code", Want::Crashed(ExitStatus::Code(3))),
    ("segfault", Want::Crashed(ExitStatus::Signal(libc::SIGSEGV))),
    ("stall-after-load", Want::NotResponding),
    ("stall-after-parse", Want::NotResponding),
    (
        "loaded-before-parsed",
        Want::Misbehaved("unexpected Loaded while serving request 1"),
    ),
    (
        "past-limits",
        Want::Misbehaved("described its cart past the limits"),
    ),
    (
        "short-sprites",
        Want::Misbehaved("described its cart past the limits"),
    ),
    ("absurd-fault", Want::CleanReport),
    ("pass-fds", Want::Runs),
    ("forbidden-syscall", Want::Denied("`openat` (257)")),
    ("scribble", Want::Runs),
    ("resize", Want::Runs),
    ("no-such-zygote", Want::HostError("cannot start the zygote")),
];

fn run_case(mode: &str, want: &Want) -> Result<(), Failed> {
    let mut command = ZygoteCommand::binary(std::env::current_exe().map_err(|e| e.to_string())?);
    command.env.push((MODE_ENV.into(), mode.into()));
    if mode == "no-such-zygote" {
        command.program = "/nonexistent/cartbox".into();
    }
    // The runs that must go on also save persistent memory, copied from shared memory the
    // rogue scribbles on.
    let pmem_dir = matches!(want, Want::Runs)
        .then(|| std::env::temp_dir().join(format!("cartbox-rogue-{}-{mode}", std::process::id())));
    let config = ConsoleConfig {
        pmem_dir: pmem_dir.clone(),
        budget: Duration::from_millis(BUDGET_MS),
        grace: Duration::from_millis(GRACE_MS),
        virtual_time: true,
        zygote: Some(command),
        ..ConsoleConfig::default()
    };
    let mut console = match Console::new(config) {
        Ok(c) => c,
        Err(e) => {
            return match want {
                Want::HostError(msg) if e.to_string().contains(msg) => Ok(()),
                _ => Err(format!("console did not start: {e}").into()),
            };
        }
    };
    if matches!(want, Want::Runs) {
        // Garbage in the shared memory is only garbage pixels and values: every frame,
        // screenshot and pmem read completes.
        let fds_before = open_fds();
        console
            .load(Cart::from_code("rogue.lua", "function TIC() end"))
            .map_err(|e| format!("{e:?}"))?;
        for _ in 0..50 {
            console
                .frame(&Input::default())
                .map_err(|e| format!("{e:?}"))?;
            console.screenshot(true).ok_or("no screenshot")?;
        }
        // The runner's own descriptors (channel, pidfd, memory) and no more.
        let fds_after = open_fds();
        if fds_after > fds_before + 4 {
            return Err(format!("the host holds {fds_before} then {fds_after} descriptors").into());
        }
        drop(console);
        if let Some(dir) = pmem_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
        return Ok(());
    }
    let started = Instant::now();
    let result = console
        .load(Cart::from_code("rogue.lua", "function TIC() end"))
        .and_then(|()| console.frame(&Input::default()).map(|_| ()));
    let elapsed = started.elapsed();
    let limit = Duration::from_millis(BUDGET_MS + GRACE_MS) * 2 + Duration::from_secs(5);
    if elapsed > limit {
        return Err(format!("the host waited {elapsed:?}").into());
    }
    let stop = result.err().ok_or("the rogue was not stopped")?;
    match (want, &stop) {
        (Want::Misbehaved(msg), Stop::Misbehaved(got)) if got.contains(msg) => {}
        (Want::NotResponding, Stop::NotResponding { .. }) => {}
        (
            Want::Crashed(status),
            Stop::Crashed {
                status: Some(got), ..
            },
        ) if got == status => {}
        (
            Want::Denied(call),
            Stop::Crashed {
                status: Some(ExitStatus::Signal(libc::SIGSYS)),
                ..
            },
        ) if stop.describe("rogue.lua").contains(call) => {}
        (Want::CleanReport, Stop::Cart(_)) => {
            let report = cartbox_host::frontend::stop_report("rogue.lua", &stop);
            let bytes: usize = report.iter().map(String::len).sum();
            let clean = report
                .iter()
                .all(|l| !l.chars().any(|c| c.is_control() || c == '\u{9b}'));
            if !clean || report.len() > 40 || bytes > 16 << 10 {
                return Err(format!(
                    "{} lines, {bytes} bytes, clean: {clean}: {:?}",
                    report.len(),
                    report.first()
                )
                .into());
            }
            return Ok(());
        }
        _ => return Err(format!("wrong outcome: {stop:?}").into()),
    }
    // The host is fine: the description is one clean line.
    let line = stop.describe("rogue.lua");
    if line.contains('\n') || line.is_empty() {
        return Err(format!("bad description {line:?}").into());
    }
    Ok(())
}

fn main() {
    if std::env::args_os().nth(1).is_some_and(|a| a == ZYGOTE_ARG) {
        cartbox_runner::zygote::main_with(rogue);
    }
    let args = Arguments::from_args();
    let trials = CASES
        .iter()
        .map(|(mode, want)| Trial::test(*mode, move || run_case(mode, want)))
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
