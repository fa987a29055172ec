//! `sim`: see the library crate for everything; this only hands over to the command line.

fn main() -> std::process::ExitCode {
    sim::cli::main()
}
