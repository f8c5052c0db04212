//! The C example (`examples/c/play.c`) compiled with the system C compiler against
//! `include/cartbox.h` and libcartbox, and run: its PNG has the pixels `cartbox run
//! --headless` makes of the same cart.

mod common;

use std::path::Path;
use std::process::Command;

#[test]
fn the_c_example_plays_a_cart_as_cartbox_run_does() {
    let target = common::build_products();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let dir = std::env::temp_dir().join(format!("cartbox-c-example-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let exe = dir.join("play");
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let built = Command::new(&cc)
        .args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-O1"])
        .arg(root.join("examples/c/play.c"))
        .arg("-I")
        .arg(root.join("embed/include"))
        .arg("-L")
        .arg(&target)
        .args(["-lcartbox", "-o"])
        .arg(&exe)
        .output()
        .unwrap_or_else(|e| panic!("{cc}: {e} (a C compiler is needed)"));
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let cart = root.join("carts/hello.lua");
    let from_c = dir.join("c.png");
    // The runner is found beside the library (target/<profile>/cartbox); nothing tells it.
    let played = Command::new(&exe)
        .arg(&cart)
        .arg("60")
        .arg(&from_c)
        .env("LD_LIBRARY_PATH", &target)
        .env_remove("CARTBOX_RUNNER")
        .env("PATH", "/usr/bin:/bin")
        .output()
        .unwrap();
    assert!(
        played.status.success(),
        "{}",
        String::from_utf8_lossy(&played.stderr)
    );
    let headless = dir.join("headless.png");
    let ran = Command::new(target.join("cartbox"))
        .args([
            "run",
            cart.to_str().unwrap(),
            "--headless",
            "--frames",
            "60",
        ])
        .args(["--border", "--screenshot", headless.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        ran.status.success(),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    let (c, h) = (common::rgb(&from_c), common::rgb(&headless));
    assert_eq!((c.0, c.1), (256, 144));
    assert!(
        c == h,
        "the C example's frame differs from the headless one"
    );
    // A cart that stops: exit 1 and the reason with its file and line.
    let broken = root.join("tests/carts/runtime_error.lua");
    let out = Command::new(&exe)
        .arg(&broken)
        .arg("5")
        .arg(dir.join("broken.png"))
        .env("LD_LIBRARY_PATH", &target)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("kind 2") && err.contains("line 5"), "{err}");
    assert!(err.contains("attempt to index a nil value"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
