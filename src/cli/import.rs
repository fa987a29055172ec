//! `sim import`: the flags handed to [`crate::import`], the model printed or written (whole or
//! not at all), the warnings and the resources outside the model told on stderr.

use super::args::ImportArgs;
use super::common::{print_stdout, Failure};
use crate::config::ConfigError;
use crate::fsio::single;
use crate::import::error::shown;
use crate::import::{import_as, ImportOptions};

/// The signature line of a written model, as a TOML comment.
const TOML_COMMENT: single::Comment = single::Comment {
    open: "# ",
    close: "",
};

pub(super) fn run_import(args: ImportArgs) -> Result<(), Failure> {
    let opts = ImportOptions {
        rate: args.unstated.rate,
        record_size: args.unstated.record_size,
        function_duration: args.unstated.function_duration,
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
        if args.sources.iter().any(|s| s == out) {
            return Err(Failure::Usage(format!(
                "--out {}: is one of the sources; write the model to another file",
                out.display()
            )));
        }
        // A model sim import wrote signs itself on its last line: anything else at the path
        // (a file of the user's, an imported model they edited, a link) is refused.
        single::check(out).map_err(|e| Failure::Usage(e.to_string()))?;
    }
    let imported =
        import_as(&args.sources, &opts, args.out.as_deref()).map_err(ConfigError::from)?;
    for w in &imported.warnings {
        eprintln!("warning: {}", shown(w));
    }
    if !imported.outside.is_empty() {
        eprintln!("outside the model ({}):", imported.outside.len());
        for x in &imported.outside {
            eprintln!("  {}", shown(x));
        }
    }
    match &args.out {
        Some(out) => {
            let text = single::signed(&imported.model_toml, TOML_COMMENT);
            single::write_all(&[(out.as_path(), text)])
                .map_err(|e| Failure::Usage(e.to_string()))?;
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
