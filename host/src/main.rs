//! The `cartbox` binary: the command line, and (with a hidden first argument) the zygote
//! that forks sandboxed runners.

fn main() {
    if std::env::args_os()
        .nth(1)
        .is_some_and(|a| a == cartbox_protocol::zygote::ZYGOTE_ARG)
    {
        cartbox_runner::zygote::main();
    }
    std::process::exit(cartbox_host::cli::main());
}
