//! `mwtrace pack DIR -o SNAPSHOT`: a directory in the bundle layout becomes a bundle. The
//! directory's manifest.json is the template; files are found by walking db/, kube/ and logs/.

use std::fs::{self, File};
use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::ExitStatus;
use crate::cli::PackArgs;
use mwtrace_bundle::{BundlePath, BundleWriter, Manifest};

pub fn run(args: PackArgs) -> Result<ExitStatus> {
    let template_path = args.dir.join("manifest.json");
    let text = fs::read(&template_path).with_context(|| {
        format!(
            "{}: cannot read the manifest template",
            template_path.display()
        )
    })?;
    let template: Manifest = serde_json::from_slice(&text)
        .with_context(|| format!("{}: invalid manifest", template_path.display()))?;
    if !template.is_supported() {
        bail!(
            "{}: format must be mwtrace-bundle version 1",
            template_path.display()
        );
    }
    let output = args.out.path().map_err(anyhow::Error::msg)?;
    let mut writer = BundleWriter::create(&output, template)
        .with_context(|| format!("{}: cannot create", output.display()))?;
    let mut files = Vec::new();
    for section in ["db", "kube", "logs"] {
        collect_files(&args.dir, &args.dir.join(section), &mut files)?;
    }
    files.sort();
    for relative in files {
        let path = BundlePath::parse(&relative)
            .map_err(|reason| anyhow::anyhow!("{}: {relative}: {reason}", args.dir.display()))?
            .with_context(|| format!("{relative}: not a file path"))?;
        let local = args.dir.join(&relative);
        let file =
            File::open(&local).with_context(|| format!("{}: cannot read", local.display()))?;
        writer
            .add_file(path, file)
            .with_context(|| format!("{}: cannot add", local.display()))?;
    }
    let manifest = writer
        .finish()
        .with_context(|| format!("{}: cannot write", output.display()))?;
    eprintln!(
        "wrote {} ({} files)",
        output.display(),
        manifest.files.len()
    );
    Ok(ExitStatus::Success)
}

fn collect_files(root: &Path, dir: &Path, out: &mut Vec<String>) -> Result<()> {
    if !dir.exists() {
        return Ok(());
    }
    for entry in fs::read_dir(dir).with_context(|| format!("{}: cannot list", dir.display()))? {
        let entry = entry?;
        let path = entry.path();
        let kind = entry.file_type()?;
        if kind.is_dir() {
            collect_files(root, &path, out)?;
        } else if kind.is_file() {
            let relative = path.strip_prefix(root).expect("under root");
            out.push(relative.to_string_lossy().replace('\\', "/"));
        } else {
            bail!(
                "{}: not a regular file (links are not packed)",
                path.display()
            );
        }
    }
    Ok(())
}
