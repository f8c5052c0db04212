//! `cartbox check`: every cart in folders played headless, J at a time; one line per cart
//! and a summary, exit 0 only if every cart played (or ended itself). Over `carts/`,
//! TIC-80's demo folder, and a folder of broken, hanging and hostile carts: exact results.

use std::collections::BTreeMap;
use std::path::Path;

use crate::common::*;
use crate::hostile_files::hostile;

/// `cartbox check ARGS --json`: the exit code and each cart's result, by path.
fn check(args: &[&str]) -> (Option<i32>, BTreeMap<String, (String, String)>, String) {
    let out = std::process::Command::new(bin())
        .arg("check")
        .args(args)
        .arg("--json")
        .current_dir(root())
        .output()
        .expect("run cartbox check");
    let (stdout, stderr) = text(&out);
    let field = |line: &str, key: &str| -> String {
        let at = line
            .find(&format!("\"{key}\": \""))
            .map(|i| i + key.len() + 5);
        at.map(|i| line[i..].split('"').next().unwrap_or("").to_owned())
            .unwrap_or_default()
    };
    let results = stdout
        .lines()
        .filter(|l| l.trim_start().starts_with("{\"cart\""))
        .map(|l| (field(l, "cart"), (field(l, "result"), field(l, "language"))))
        .collect();
    (out.status.code(), results, stdout + &stderr)
}

#[test]
fn the_example_carts_all_play() {
    let (code, results, out) = check(&["carts", "--frames", "30"]);
    assert_eq!(code, Some(0), "{out}");
    let want = [
        ("carts/fennelmark.fnl", "fennel"),
        ("carts/hello.lua", "lua"),
        ("carts/hello.png", "lua"),
        ("carts/hello.tic", "lua"),
        ("carts/hello.wasmp", "wasm"),
    ];
    let got: Vec<(&str, &str, &str)> = results
        .iter()
        .map(|(k, (r, l))| (k.as_str(), r.as_str(), l.as_str()))
        .collect();
    assert_eq!(
        got,
        want.iter()
            .map(|(c, l)| (*c, "played", *l))
            .collect::<Vec<_>>(),
        "{out}"
    );
    assert!(
        out.contains("\"summary\": {\"carts\": 5, \"played\": 5"),
        "{out}"
    );
}

#[test]
fn tic80s_demo_folder_plays_its_carts_and_refuses_the_rest() {
    let demos = root().join("../shared/tic80-demos");
    if !demos.exists() {
        eprintln!("skipped: {} is not here", demos.display());
        return;
    }
    let demos = demos.canonicalize().unwrap();
    let (code, results, out) = check(&[demos.to_str().unwrap(), "--frames", "30", "--jobs", "2"]);
    // Refused carts (screenshots, languages Cartbox does not play): exit 1.
    assert_eq!(code, Some(1), "{out}");
    for (cart, (result, language)) in &results {
        let rel = Path::new(cart).strip_prefix(&demos).unwrap();
        let folder = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_str()
            .unwrap();
        let ext = rel.extension().unwrap().to_str().unwrap();
        let want = match (folder, ext) {
            ("carts", "lua") => ("played", "lua"),
            ("wasm", _) => ("played", "wasm"),
            ("languages", "js") => ("played", "js"),
            ("languages", "fnl") => ("played", "fennel"),
            ("languages", "moon") => ("played", "moon"),
            ("languages", _) => ("refused", ext),
            // TIC-80's frames: pictures, not carts.
            ("frames", "png") => ("refused", "?"),
            other => panic!("unexpected {other:?}: {out}"),
        };
        assert_eq!((result.as_str(), language.as_str()), want, "{cart}: {out}");
    }
    // 13 carts, 2 wasm (a project and a bare module), 19 in languages, 24 frames.
    assert_eq!(results.len(), 13 + 2 + 19 + 24, "{out}");
    assert!(
        !results.keys().any(|k| k.ends_with("wasmdemo.wasm")),
        "part of its project"
    );
}

#[test]
fn broken_hanging_and_hostile_carts_each_get_their_line() {
    let dir = scratch("check-hostile");
    // Our own broken and hanging carts, with known results.
    let known = [
        ("runtime_error.lua", "error"),
        ("syntax_error.lua", "error"),
        ("malformed.lua", "refused"),
        ("loop_tic.lua", "stopped"),
        ("pattern.lua", "killed"),
        ("escape.lua", "exited"),
        ("window.lua", "played"),
    ];
    for (name, _) in known {
        std::fs::copy(root().join(test_cart(name)), dir.join(name)).unwrap();
    }
    // The hostile files of issue 12 (symlinks into /proc and /dev, a FIFO, decompression
    // bombs, terminal escapes in names...) in a folder of their own.
    let hostile_dir = dir.join("hostile");
    std::fs::create_dir(&hostile_dir).unwrap();
    let mut made = 0;
    for case in hostile::cases() {
        let path = hostile_dir.join(case.file);
        if !path.exists() && (case.make)(&path).is_ok() {
            made += 1;
        }
    }
    let (code, results, out) = check(&[dir.to_str().unwrap(), "--frames", "10", "--jobs", "2"]);
    assert_eq!(code, Some(1), "{out}");
    for (name, want) in known {
        let key = dir.join(name).display().to_string();
        assert_eq!(
            results.get(&key).map(|r| r.0.as_str()),
            Some(want),
            "{name}: {out}"
        );
    }
    // Every hostile file is listed once, and none is taken for a good cart by accident of
    // a crash: each is refused, an error, or played (the ones that are valid carts).
    let hostile: Vec<_> = results
        .iter()
        .filter(|(k, _)| k.contains("/hostile/"))
        .collect();
    assert!(
        hostile.len() >= made - 2,
        "{} of {made}: {out}",
        hostile.len()
    );
    for (cart, (result, _)) in &hostile {
        assert!(
            ["refused", "error", "played", "killed"].contains(&result.as_str()),
            "{cart}: {result}"
        );
    }
    // The FIFO and the endless device are refused without reading them.
    for name in ["x.lua", "z.tic"] {
        let key = hostile_dir.join(name).display().to_string();
        assert_eq!(
            results.get(&key).map(|r| r.0.as_str()),
            Some("refused"),
            "{name}: {out}"
        );
    }
    // The table escapes what it prints: the file named with terminal escapes shows no
    // control byte.
    let table = std::process::Command::new(bin())
        .args([
            "check",
            dir.to_str().unwrap(),
            "--frames",
            "1",
            "--jobs",
            "2",
        ])
        .output()
        .unwrap();
    let (stdout, _) = text(&table);
    assert!(
        !stdout.bytes().any(|b| b < 0x20 && b != b'\n'),
        "a control byte in the table"
    );
    assert!(stdout.contains("carts: "), "{stdout}");
}
