//! The C ABI used wrongly, through the same functions a C program calls: wrong and
//! destroyed handles, null pointers, wrong sizes, a runner executable that does not exist
//! or is not Cartbox's. Each is a status and a message, never a crash. And used rightly,
//! without waiting: a hung cart never holds the caller.

mod common;

use std::ffi::{CStr, CString, c_char};
use std::time::{Duration, Instant};

use cartbox::capi::*;

fn options(runner: &CStr) -> CartboxOptions {
    let mut o = std::mem::MaybeUninit::<CartboxOptions>::uninit();
    // SAFETY: a writable CartboxOptions; init fills all of it.
    unsafe { cartbox_options_init(o.as_mut_ptr()) };
    // SAFETY: filled above.
    let mut o = unsafe { o.assume_init() };
    o.runner = runner.as_ptr();
    o
}

fn last_error(h: CartboxHandle) -> String {
    let mut buf = [0 as c_char; 512];
    // SAFETY: 512 writable bytes.
    unsafe { cartbox_last_error(h, buf.as_mut_ptr(), buf.len()) };
    // SAFETY: cartbox_last_error NUL-terminates.
    unsafe { CStr::from_ptr(buf.as_ptr()) }
        .to_string_lossy()
        .into_owned()
}

fn runner() -> CString {
    CString::new(common::build_products().join("cartbox").to_str().unwrap()).unwrap()
}

fn create(o: &CartboxOptions) -> Result<CartboxHandle, (i32, String)> {
    let mut h = 0;
    // SAFETY: valid options and a writable handle.
    match unsafe { cartbox_create(o, &mut h) } {
        CARTBOX_OK => Ok(h),
        status => Err((status, last_error(0))),
    }
}

fn cart(path: &str) -> CString {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap();
    CString::new(root.join(path).to_str().unwrap()).unwrap()
}

#[test]
fn a_runner_that_is_missing_or_not_ours_is_a_clear_error() {
    let (status, message) = create(&options(c"/nonexistent/cartbox")).unwrap_err();
    assert_eq!(status, CARTBOX_ERR_RUNNER);
    assert!(message.contains("/nonexistent/cartbox"), "{message}");
    // A program that starts but is not Cartbox's runner.
    let started = Instant::now();
    let (status, message) = create(&options(c"/bin/cat")).unwrap_err();
    assert_eq!(status, CARTBOX_ERR_RUNNER, "{message}");
    assert!(message.contains("/bin/cat"), "{message}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    // Options of another size (another version of the header), or out of range.
    let runner = runner();
    let mut o = options(&runner);
    o.size -= 4;
    assert_eq!(create(&o).unwrap_err().0, CARTBOX_ERR_ARGUMENT);
    let mut o = options(&runner);
    o.memory_mb = 0;
    let (status, message) = create(&o).unwrap_err();
    assert_eq!(status, CARTBOX_ERR_ARGUMENT);
    assert!(message.contains("memory"), "{message}");
}

#[test]
fn wrong_handles_null_pointers_and_sizes_are_errors() {
    let runner = runner();
    let h = create(&options(&runner)).expect("a console");
    let mut pixels = vec![0u32; CARTBOX_FRAME_PIXELS as usize];
    // SAFETY: (all calls below) pointers are valid for the sizes passed, or null on
    // purpose; the functions check them.
    unsafe {
        // No cart yet.
        assert_eq!(
            cartbox_frame(h, std::ptr::null(), 0),
            CARTBOX_ERR_NOT_RUNNING
        );
        assert_eq!(
            cartbox_load_file(h, std::ptr::null(), 0),
            CARTBOX_ERR_ARGUMENT
        );
        let missing = cart("tests/carts/no-such-cart.lua");
        assert_eq!(
            cartbox_load_file(h, missing.as_ptr(), 0),
            CARTBOX_ERR_CART_FILE
        );
        assert!(
            last_error(h).contains("no-such-cart.lua"),
            "{}",
            last_error(h)
        );
        let hello = cart("carts/hello.lua");
        assert_eq!(cartbox_load_file(h, hello.as_ptr(), 0), CARTBOX_OK);
        assert_eq!(cartbox_frame(h, std::ptr::null(), 0), CARTBOX_OK);
        // Wrong sizes.
        assert_eq!(
            cartbox_pixels(h, pixels.as_mut_ptr(), pixels.len() - 1),
            CARTBOX_ERR_ARGUMENT
        );
        assert!(last_error(h).contains("36864"), "{}", last_error(h));
        assert_eq!(
            cartbox_pixels(h, std::ptr::null_mut(), 36864),
            CARTBOX_ERR_ARGUMENT
        );
        assert_eq!(
            cartbox_pixels(h, pixels.as_mut_ptr(), pixels.len()),
            CARTBOX_OK
        );
        assert!(pixels.iter().any(|p| *p != 0));
        let mut sound = vec![0i16; 735 * 2];
        assert_eq!(
            cartbox_sound(h, sound.as_mut_ptr(), 735),
            CARTBOX_ERR_ARGUMENT
        );
        assert_eq!(
            cartbox_sound(h, sound.as_mut_ptr(), sound.len()),
            CARTBOX_OK
        );
        let mut pmem = [0u8; 1024];
        assert_eq!(
            cartbox_pmem(h, pmem.as_mut_ptr(), 1000),
            CARTBOX_ERR_ARGUMENT
        );
        assert_eq!(cartbox_pmem(h, pmem.as_mut_ptr(), 1024), CARTBOX_OK);
        assert_eq!(
            cartbox_stop_reason(h, std::ptr::null_mut()),
            CARTBOX_ERR_ARGUMENT
        );
        let mut stop = std::mem::zeroed::<CartboxStop>();
        assert_eq!(cartbox_stop_reason(h, &mut stop), CARTBOX_OK);
        assert_eq!(stop.kind, CARTBOX_STOP_NONE);
        // Text that is not UTF-8.
        let bad = [0xffu8 as c_char, 0];
        assert_eq!(cartbox_load_file(h, bad.as_ptr(), 0), CARTBOX_ERR_ARGUMENT);
        // Destroyed: every call after is a handle error, and so is a second destroy.
        assert_eq!(cartbox_destroy(h), CARTBOX_OK);
        assert_eq!(cartbox_frame(h, std::ptr::null(), 0), CARTBOX_ERR_HANDLE);
        assert_eq!(
            cartbox_pixels(h, pixels.as_mut_ptr(), pixels.len()),
            CARTBOX_ERR_HANDLE
        );
        assert_eq!(cartbox_destroy(h), CARTBOX_ERR_HANDLE);
        assert!(
            last_error(h).contains("not a console's handle"),
            "{}",
            last_error(h)
        );
        // Never made.
        assert_eq!(cartbox_restart(u64::MAX, 0), CARTBOX_ERR_HANDLE);
    }
}

#[test]
fn without_waiting_a_hung_cart_never_holds_the_caller_and_says_why_it_stopped() {
    let runner = runner();
    let mut o = options(&runner);
    o.budget_ms = 200;
    o.grace_ms = 200;
    let h = create(&o).expect("a console");
    let hung = cart("tests/carts/pattern.lua");
    // SAFETY: (all calls below) valid pointers.
    unsafe {
        assert_eq!(cartbox_load_file(h, hung.as_ptr(), 0), CARTBOX_OK);
        let mut slowest = Duration::ZERO;
        let mut late = 0;
        let started = Instant::now();
        let status = loop {
            let call = Instant::now();
            let status = cartbox_frame(h, std::ptr::null(), CARTBOX_NO_WAIT);
            slowest = slowest.max(call.elapsed());
            match status {
                CARTBOX_LATE => late += 1,
                CARTBOX_OK => {}
                other => break other,
            }
            assert!(started.elapsed() < Duration::from_secs(10), "never stopped");
            std::thread::sleep(Duration::from_millis(16));
        };
        assert_eq!(status, CARTBOX_STOPPED);
        assert!(late > 5, "{late} late frames");
        assert!(
            slowest < Duration::from_millis(50),
            "a call took {slowest:?}"
        );
        let mut stop = std::mem::zeroed::<CartboxStop>();
        assert_eq!(cartbox_stop_reason(h, &mut stop), CARTBOX_OK);
        assert_eq!(stop.kind, CARTBOX_STOP_NOT_RESPONDING);
        let message = CStr::from_ptr(stop.message.as_ptr()).to_string_lossy();
        assert!(message.contains("not responding"), "{message}");
        let file = CStr::from_ptr(stop.file.as_ptr()).to_string_lossy();
        assert!(file.ends_with("pattern.lua"), "{file}");
        // A restart runs it again (and it hangs again: stopped again).
        assert_eq!(cartbox_restart(h, 0), CARTBOX_OK);
        assert_eq!(cartbox_frame(h, std::ptr::null(), 0), CARTBOX_STOPPED);
        assert_eq!(cartbox_destroy(h), CARTBOX_OK);
    }
}

#[test]
fn a_frames_sound_is_tic80s_synthesis_made_when_asked_for() {
    let runner = runner();
    let mut o = options(&runner);
    o.clock = CARTBOX_CLOCK_FRAMES;
    let h = create(&o).expect("a console");
    let waves = cart("tests/carts/sound/waves.lua");
    let mut sound = vec![0i16; 735 * 2];
    let mut got = Vec::new();
    // SAFETY: (all calls below) valid pointers and sizes.
    unsafe {
        assert_eq!(cartbox_load_file(h, waves.as_ptr(), 0), CARTBOX_OK);
        for _ in 0..40 {
            assert_eq!(cartbox_frame(h, std::ptr::null(), 0), CARTBOX_OK);
            assert_eq!(
                cartbox_sound(h, sound.as_mut_ptr(), sound.len()),
                CARTBOX_OK
            );
            got.extend_from_slice(&sound);
        }
        assert_eq!(cartbox_destroy(h), CARTBOX_OK);
    }
    // The WAV TIC-80 itself rendered for this cart (tests/carts/sound/README.md): its
    // samples after the RIFF header's "data" chunk, 16-bit stereo.
    let wav = std::fs::read(cart("tests/carts/sound/waves.wav").to_str().unwrap()).unwrap();
    let at = wav
        .windows(4)
        .position(|w| w == b"data")
        .expect("a data chunk")
        + 8;
    let tic80: Vec<i16> = wav[at..]
        .chunks_exact(2)
        .take(got.len())
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect();
    assert!(got.iter().any(|s| s.unsigned_abs() > 1000), "no tone heard");
    assert!(got == tic80, "the samples differ from TIC-80's");
}
