//! `sim import`: the flags handed to [`crate::import`], the model printed or written (whole or
//! not at all), the warnings and the resources outside the model told on stderr.

use super::args::ImportArgs;
use super::common::{output_failure, print_stdout, Failure};
use crate::config::ConfigError;
use crate::import::{import_as, ImportOptions};

pub(super) fn run_import(args: ImportArgs) -> Result<(), Failure> {
    let opts = ImportOptions {
        rate: args.rate,
        record_size: args.record_size,
        function_duration: args.function_duration,
        name: args.name,
        traffic: args.traffic.zip(args.traffic_queries),
    };
    if let Some(out) = &args.out {
        if out.is_dir() {
            return Err(Failure::Usage(format!(
                "--out {}: is a directory, expected the model file to write",
                out.display()
            )));
        }
        if out.exists() && !written_by_import(out) {
            return Err(Failure::Usage(format!(
                "--out {}: exists and is not a model sim import wrote; sim never changes a file it did \
                 not write: choose another path, or remove it",
                out.display()
            )));
        }
        if args.sources.iter().any(|s| s == out) {
            return Err(Failure::Usage(format!(
                "--out {}: is one of the sources; write the model to another file",
                out.display()
            )));
        }
    }
    let imported =
        import_as(&args.sources, &opts, args.out.as_deref()).map_err(ConfigError::from)?;
    for w in &imported.warnings {
        eprintln!("warning: {w}");
    }
    if !imported.outside.is_empty() {
        eprintln!("outside the model ({}):", imported.outside.len());
        for x in &imported.outside {
            eprintln!("  {x}");
        }
    }
    match &args.out {
        Some(out) => {
            crate::fsio::write(out, imported.model_toml.as_bytes()).map_err(output_failure)?;
            eprintln!(
                "wrote {} ({} warnings): run it with `sim run {}`",
                out.display(),
                imported.warnings.len(),
                out.display()
            );
            Ok(())
        }
        None => print_stdout(&imported.model_toml),
    }
}

/// Whether `path` is a model an earlier `sim import` wrote (its first line says so), which a new
/// import may replace.
fn written_by_import(path: &std::path::Path) -> bool {
    use std::io::Read;
    let first = crate::import::write::FIRST_LINE.as_bytes();
    let mut start = vec![0u8; first.len()];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut start))
        .is_ok_and(|()| start == first)
}
