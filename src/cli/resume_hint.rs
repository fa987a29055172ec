//! What an interrupted sweep tells its user to type: `sim sweep --resume` with every flag that
//! decides which runs the sweep makes (and how they are shown), as typed, so that the command
//! finishes the same sweep rather than a different one that discards the kept runs.

use super::args::{SweepArgs, SweepSets};
use super::common::shell_word;

/// `sim sweep --resume EXPERIMENT [flags]` for the sweep `args` started.
pub(super) fn command(args: &SweepArgs) -> String {
    let path = |p: &std::path::Path| shell_word(&p.display().to_string());
    let mut words = format!("sim sweep --resume {}", path(&args.experiment));
    if let Some(out) = &args.out {
        words += &format!(" --out {}", path(out));
    }
    if let Some(n) = args.replicates {
        words += &format!(" --replicates {n}");
    }
    if let Some(prices) = &args.prices {
        words += &format!(" --prices {}", path(prices));
    }
    match args.assumptions {
        Some(SweepSets::Count(n)) => words += &format!(" --assumptions {n}"),
        Some(SweepSets::Auto) => words += " --assumptions auto",
        None => {}
    }
    if let Some(n) = args.max_assumptions {
        words += &format!(" --max-assumptions {n}");
    }
    if let Some(e) = args.sensitivity {
        words += &format!(" --sensitivity {}", e.name());
    }
    if let Some(n) = args.set_replicates {
        words += &format!(" --set-replicates {n}");
    }
    words += &super::precision::flags_typed(args);
    if let Some(columns) = &args.columns {
        let names: Vec<&str> = columns.iter().map(|m| m.name()).collect();
        words += &format!(" --columns {}", names.join(","));
    }
    if args.json {
        words += " --json";
    }
    words
}

#[cfg(test)]
mod tests {
    use super::super::{Cli, Command};
    use clap::Parser;

    fn hint(args: &[&str]) -> String {
        let cli = Cli::try_parse_from(["sim", "sweep"].iter().chain(args)).unwrap();
        match cli.command {
            Command::Sweep(a) => super::command(&a),
            _ => unreachable!("a sweep"),
        }
    }

    #[test]
    fn the_hint_repeats_every_flag_that_decides_the_runs() {
        let h = hint(&[
            "e.toml",
            "--out",
            "my dir",
            "--assumptions",
            "8",
            "--set-replicates",
            "2",
        ]);
        assert_eq!(
            h,
            "sim sweep --resume e.toml --out 'my dir' --assumptions 8 --set-replicates 2"
        );
        assert_eq!(hint(&["e.toml"]), "sim sweep --resume e.toml");
    }
}
