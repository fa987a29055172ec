//! `sim import`: a runnable, commented model from what a team already has — CloudFormation
//! and SAM templates (JSON or YAML, `cdk synth` output included), Terraform's `terraform show
//! -json` of a plan or a state, and the AWS CLI's JSON outputs — several files at once, joined by
//! ARNs and names.
//!
//! Each file is read into a located tree ([`doc`], by [`json`] or [`yaml`]), recognised, and read
//! into the parts of an architecture ([`arch`]) by its reader ([`cfn`], [`terraform`],
//! [`awscli`]); [`join`] puts the parts together and [`write`] writes the model, which is loaded
//! once more, as `sim run` would, before it is handed back.

pub(crate) mod arch;
pub(crate) mod awscli;
pub(crate) mod cfn;
pub(crate) mod doc;
pub(crate) mod error;
pub(crate) mod esm;
pub(crate) mod join;
pub(crate) mod json;
pub(crate) mod opts;
pub(crate) mod props;
pub(crate) mod terraform;
pub(crate) mod traffic;
pub(crate) mod write;
pub(crate) mod yaml;

pub use error::{ImportError, Place};
pub use opts::ImportOptions;
use std::path::{Path, PathBuf};

/// What an import gives.
#[derive(Clone, Debug)]
pub struct Imported {
    /// The model file's text, ready for `sim run`.
    pub model_toml: String,
    /// The model's name.
    pub name: String,
    /// What the user should know: placeholders, properties not modelled, values not resolved.
    pub warnings: Vec<String>,
    /// Resources read from the files that the model has no place for, each with why.
    pub outside: Vec<String>,
}

/// Imports `sources` into one model. `out` (the file the model will be written to, if any)
/// only names the model when `opts.name` does not.
pub fn import(sources: &[PathBuf], opts: &ImportOptions) -> Result<Imported, ImportError> {
    import_as(sources, opts, None)
}

/// As [`import`], naming the model after `out` unless `opts.name` does.
pub fn import_as(
    sources: &[PathBuf],
    opts: &ImportOptions,
    out: Option<&Path>,
) -> Result<Imported, ImportError> {
    let mut texts = Vec::with_capacity(sources.len());
    for path in sources {
        let text = crate::input::read_text(
            path,
            doc::MAX_BYTES,
            "a template, a Terraform plan or a CLI output",
        )
        .map_err(|m| ImportError::whole(path, m.to_string()))?;
        texts.push((path.clone(), text));
    }
    import_texts(&texts, opts, out)
}

/// As [`import_as`], on the files' texts (each named by its path).
pub fn import_texts(
    sources: &[(PathBuf, String)],
    opts: &ImportOptions,
    out: Option<&Path>,
) -> Result<Imported, ImportError> {
    let given = opts::parse(opts)?;
    if sources.is_empty() {
        return Err(ImportError::flag(
            "SOURCE",
            "expected at least one file to import",
        ));
    }
    let mut arch = arch::Arch::default();
    let mut shown = Vec::new();
    for (path, text) in sources {
        let name = path.display().to_string();
        read_source(path, text, &name, &mut arch)?;
        let parts =
            arch.streams.len() + arch.efo.len() + arch.mappings.len() + arch.functions.len();
        if parts > arch::MAX_PARTS {
            return Err(ImportError::whole(
                path,
                format!(
                    "more than {} streams, stream consumers, mappings and functions in these files: more than one model can hold",
                    arch::MAX_PARTS
                ),
            ));
        }
        shown.push(name);
    }
    let joined = join::join(arch);
    if let Some(e) = joined.refused {
        return Err(e);
    }
    if joined.streams.is_empty() {
        return Err(ImportError::whole(
            &sources[0].0,
            "no Kinesis stream, DynamoDB table stream or mapping reading one in these files: nothing to model",
        ));
    }
    check_scopes(&given, &joined)?;
    let export = match &opts.traffic {
        Some((result, queries)) => Some(traffic::read(result, queries)?),
        None => None,
    };
    let model_dir = out.and_then(Path::parent).unwrap_or(Path::new(""));
    let name = model_name(opts, out, &sources[0].0);
    let (model_toml, mut placeholder_warnings) =
        write::model(&joined, &given, export.as_ref(), model_dir, &name, &shown);
    let mut warnings = joined.warnings.clone();
    warnings.append(&mut placeholder_warnings);
    let check = Path::new(out.map_or(Path::new("imported.toml"), |p| p));
    let loaded =
        crate::config::ModelFile::from_text(check, model_toml.clone()).and_then(|f| f.resolve(&[]));
    if let Err(e) = loaded {
        return Err(ImportError::whole(
            &sources[0].0,
            format!("the imported model does not load: {}: {}", e.key, e.message),
        ));
    }
    Ok(Imported {
        model_toml,
        name,
        warnings,
        outside: joined.outside,
    })
}

/// Reads one source (the text of the file at `path`) into `arch`.
fn read_source(
    path: &Path,
    text: &str,
    shown: &str,
    arch: &mut arch::Arch,
) -> Result<(), ImportError> {
    if text.len() as u64 > doc::MAX_BYTES {
        return Err(ImportError::whole(
            path,
            format!(
                "larger than {} MiB, the most sim imports from one file",
                doc::MAX_BYTES >> 20
            ),
        ));
    }
    let first = text.trim_start().chars().next();
    let root = if matches!(first, Some('{') | Some('[')) {
        json::parse(text)
            .map_err(|(at, m)| ImportError::at(path, at, "", format!("not valid JSON: {m}")))?
    } else {
        yaml::parse(text).map_err(|(at, m)| ImportError::at(path, at, "", m))?
    };
    if !root.is_map() {
        return Err(ImportError::at(
            path,
            root.at,
            "",
            format!("expected a map at the top (a template, a Terraform plan or state, or an AWS CLI output), found {}", root.kind()),
        ));
    }
    if cfn::is_template(&root) {
        cfn::read(path, shown, &root, arch)
    } else if terraform::is_terraform(&root) {
        terraform::read(path, shown, &root, arch)
    } else if awscli::is_cli_output(&root) {
        awscli::read(path, shown, &root, arch)
    } else {
        Err(ImportError::at(
            path,
            root.at,
            "",
            "not a format sim import reads: expected a CloudFormation or SAM template (`Resources`), \
             `terraform show -json` output (`format_version` with `planned_values` or `values`), or the JSON \
             of an AWS CLI describe/list command (`StreamDescriptionSummary`, `Consumers`, `EventSourceMappings`, \
             `FunctionName`, `Table`, ...)",
        ))
    }
}

/// A flag given for a name must name a stream or function of the architecture.
fn check_scopes(given: &opts::Given, j: &join::Joined) -> Result<(), ImportError> {
    let streams: Vec<&str> = j.streams.iter().map(|s| s.label.as_str()).collect();
    let mut functions: Vec<&str> = j.readers.iter().map(|r| r.label.as_str()).collect();
    functions.extend(
        j.readers
            .iter()
            .filter_map(|r| r.function.as_ref())
            .map(|f| f.label.as_str()),
    );
    for (list, names, what) in [
        (&given.rate, &streams, "stream"),
        (&given.record_size, &streams, "stream"),
        (&given.duration, &functions, "function"),
    ] {
        for s in list.iter() {
            if let Some(n) = &s.name {
                if !names.contains(&n.as_str()) {
                    return Err(ImportError::flag(
                        &s.typed,
                        format!(
                            "no {what} `{}` in the imported architecture; {what}s: {}",
                            crate::input::clip(n),
                            names.join(", ")
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

fn model_name(opts: &ImportOptions, out: Option<&Path>, first: &Path) -> String {
    let stem = |p: &Path| p.file_stem().map(|s| s.to_string_lossy().into_owned());
    let raw = opts
        .name
        .clone()
        .or_else(|| out.and_then(stem))
        .or_else(|| stem(first))
        .unwrap_or_else(|| "imported".into());
    join::sanitize(&raw)
}
