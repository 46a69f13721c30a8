//! A package as the writers see it, whatever the format: metadata,
//! relations, files and maintainer scripts. The package kinds (DKMS,
//! prebuilt modules, probe; any later helper package) describe themselves
//! with this, and `deb` and `rpm_package` write it.

use std::fmt;

use crate::Problem;

/// The package formats pkgtool writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum Format {
    Deb,
    Rpm,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Deb => "deb",
            Format::Rpm => "rpm",
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arch {
    /// Architecture-independent (deb `all`, rpm `noarch`).
    Independent,
    /// The build machine's architecture.
    Native,
}

impl Arch {
    pub fn deb(self) -> &'static str {
        match self {
            Arch::Independent => "all",
            Arch::Native => match std::env::consts::ARCH {
                "x86_64" => "amd64",
                "aarch64" => "arm64",
                "x86" => "i386",
                "powerpc64" => "ppc64el",
                other => other,
            },
        }
    }

    pub fn rpm(self) -> &'static str {
        match self {
            Arch::Independent => "noarch",
            Arch::Native => std::env::consts::ARCH,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Lt,
    Gt,
    Ge,
}

/// One entry of a relation field: a name, optionally versioned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    pub name: String,
    pub version: Option<(Op, String)>,
}

impl Relation {
    pub fn any(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            version: None,
        }
    }

    pub fn versioned(name: impl Into<String>, op: Op, version: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            version: Some((op, version.into())),
        }
    }

    /// rpm syntax: `name op version`.
    pub fn rpm(&self) -> String {
        match &self.version {
            None => self.name.clone(),
            Some((op, v)) => {
                let op = match op {
                    Op::Eq => "=",
                    Op::Lt => "<",
                    Op::Gt => ">",
                    Op::Ge => ">=",
                };
                format!("{} {op} {v}", self.name)
            }
        }
    }

    /// Debian syntax: `name (op version)`.
    pub fn deb(&self) -> String {
        match &self.version {
            None => self.name.clone(),
            Some((op, v)) => {
                let op = match op {
                    Op::Eq => "=",
                    Op::Lt => "<<",
                    Op::Gt => ">>",
                    Op::Ge => ">=",
                };
                format!("{} ({op} {v})", self.name)
            }
        }
    }
}

/// The relation fields, named as Debian names them; rpm writes `replaces`
/// as Obsoletes and `depends` as Requires.
#[derive(Debug, Clone, Default)]
pub struct Relations {
    pub depends: Vec<Relation>,
    pub recommends: Vec<Relation>,
    pub provides: Vec<Relation>,
    pub conflicts: Vec<Relation>,
    pub replaces: Vec<Relation>,
    /// rpm only: what the %post and %postun scriptlets run.
    pub script_requires: Vec<String>,
}

/// A regular file, owned by root:root.
#[derive(Debug, Clone)]
pub struct File {
    /// Absolute path in the installed system.
    pub path: String,
    pub mode: u32,
    pub data: Vec<u8>,
}

impl File {
    pub fn new(path: impl Into<String>, mode: u32, data: impl Into<Vec<u8>>) -> Self {
        Self {
            path: path.into(),
            mode,
            data: data.into(),
        }
    }
}

/// Maintainer script slots; rpm runs them as %post, %preun and %postun.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Script {
    Postinst,
    Prerm,
    Postrm,
}

impl Script {
    pub fn deb_name(self) -> &'static str {
        match self {
            Script::Postinst => "postinst",
            Script::Prerm => "prerm",
            Script::Postrm => "postrm",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Package {
    pub name: String,
    /// Upstream version, X.Y.Z.
    pub version: String,
    pub arch: Arch,
    /// One line, without a final full stop.
    pub summary: String,
    /// Paragraphs of plain text lines.
    pub description: String,
    /// Debian section.
    pub section: String,
    pub relations: Relations,
    pub files: Vec<File>,
    /// Directories that are this package's own (rpm lists them; the deb
    /// writer adds every parent directory anyway).
    pub owned_dirs: Vec<String>,
    pub scripts: Vec<(Script, String)>,
    /// Where the package comes from and under which terms.
    pub origin: Origin,
}

/// Where a package's contents come from: its license (SPDX, rpm's License
/// tag), Debian's copyright file, and the one changelog entry of this
/// version (deb changelog and rpm %changelog).
#[derive(Debug, Clone)]
pub struct Origin {
    pub license: String,
    pub copyright: String,
    pub changes: String,
}

impl Package {
    /// Where ELF files may not go (FHS: /usr/share is architecture
    /// independent; lintian's arch-dependent-file-in-usr-share), nor in a
    /// package for every architecture. Checked before any package is
    /// written, for both formats.
    pub fn check_layout(&self) -> Result<(), Problem> {
        for file in self.files.iter().filter(|f| f.data.starts_with(b"\x7fELF")) {
            let fix = "install it under /usr/lib or /usr/bin";
            if file.path.starts_with("/usr/share/") {
                return Err(Problem::new(
                    &self.name,
                    format!(
                        "{} is an ELF file under /usr/share, which is for architecture-independent data",
                        file.path
                    ),
                    fix,
                ));
            }
            if self.arch == Arch::Independent {
                return Err(Problem::new(
                    &self.name,
                    format!(
                        "{} is an ELF file in an architecture-independent package",
                        file.path
                    ),
                    format!("make the package native or {fix} of a native package"),
                ));
            }
        }
        Ok(())
    }

    /// Splits a rendered description template: summary line, then the
    /// long description.
    pub fn describe(&mut self, rendered: &str) {
        let (summary, rest) = rendered.split_once('\n').unwrap_or((rendered, ""));
        self.summary = summary.trim().to_string();
        self.description = rest.trim_end().to_string();
    }
}

/// Fills paragraphs into lines of at most `width` characters (a longer
/// word gets a line of its own); paragraphs are separated by empty lines.
pub fn wrap(text: &str, width: usize) -> String {
    let mut paragraphs = Vec::new();
    for paragraph in text.split("\n\n") {
        let mut lines: Vec<String> = Vec::new();
        for word in paragraph.split_whitespace() {
            match lines.last_mut() {
                Some(line) if line.len() + 1 + word.len() <= width => {
                    line.push(' ');
                    line.push_str(word);
                }
                _ => lines.push(word.to_string()),
            }
        }
        if !lines.is_empty() {
            paragraphs.push(lines.join("\n"));
        }
    }
    paragraphs.join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package(arch: Arch, files: Vec<File>) -> Package {
        Package {
            name: "scap-test".into(),
            version: "1.0.0".into(),
            arch,
            summary: String::new(),
            description: String::new(),
            section: "kernel".into(),
            relations: Relations::default(),
            files,
            owned_dirs: Vec::new(),
            scripts: Vec::new(),
            origin: Origin {
                license: "GPL-2.0-only".into(),
                copyright: String::new(),
                changes: String::new(),
            },
        }
    }

    #[test]
    fn elf_files_stay_out_of_usr_share_and_arch_all() {
        let elf = b"\x7fELF\x02\x01\x01".to_vec();
        let ok = package(
            Arch::Native,
            vec![
                File::new("/usr/lib/scap/probe/p.o", 0o644, elf.clone()),
                File::new("/usr/share/doc/scap-test/copyright", 0o644, "text"),
            ],
        );
        assert_eq!(ok.check_layout(), Ok(()));
        let shared = package(
            Arch::Native,
            vec![File::new("/usr/share/scap/p.o", 0o644, elf.clone())],
        );
        assert_eq!(
            shared.check_layout().unwrap_err().to_string(),
            "scap-test: /usr/share/scap/p.o is an ELF file under /usr/share, which is for architecture-independent data; install it under /usr/lib or /usr/bin"
        );
        let all = package(
            Arch::Independent,
            vec![File::new("/usr/lib/scap/p.o", 0o644, elf)],
        );
        assert!(all
            .check_layout()
            .unwrap_err()
            .to_string()
            .contains("ELF file in an architecture-independent package"));
    }

    #[test]
    fn wraps_paragraphs() {
        assert_eq!(
            wrap("one two three four\n\nfive  six\nseven", 9),
            "one two\nthree\nfour\n\nfive six\nseven"
        );
        assert_eq!(
            wrap("averyveryverylongword x", 5),
            "averyveryverylongword\nx"
        );
    }
}
