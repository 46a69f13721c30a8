//! The names the versions imply: module, packages, virtual packages, files.
//! The API major is in every package name so that drivers of different
//! majors are different packages; one driver serves every consumer of a
//! major (the proposal's `scap_probe-<API_VERSION>` identifier scheme).

use serde::Serialize;

use crate::Version;

/// The module name when none is given at build time.
pub const DEFAULT_MODULE: &str = "scap";

/// Where the probe package installs its objects (ELF: not under /usr/share).
pub const PROBE_DIR: &str = "/usr/lib/scap/probe";

/// Debian's package of the falcosecurity-libs driver (bookworm's at API 1,
/// trixie's and sid's at API 8), which builds a module of the same name.
/// Its versions are falcosecurity-libs releases, not API versions.
pub const FALCOSECURITY_DKMS: &str = "falcosecurity-scap-dkms";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Names {
    pub module: String,
    pub dkms_package: String,
    pub dkms_source_dir: String,
    pub probe_package: String,
    pub probe_object: String,
    pub probe_path: String,
    /// Virtual package every module package provides, versioned X.Y.Z.
    pub driver_provides: String,
    /// Virtual package the probe package provides, versioned X.Y.Z.
    pub probe_provides: String,
    /// Prefix of the per-kernel prebuilt module packages; the Debian name
    /// appends the kernel release.
    pub deb_modules_prefix: String,
    /// RPM Fusion style: `kmod-<name>-<kernel release>`.
    pub rpm_kmod_prefix: String,
    /// Virtual package, versioned with the API major, that every package
    /// installing the module provides; each conflicts with the other
    /// majors' (`<< M`, `>> M`).
    pub module_major_virtual: String,
    /// Prefix of the per-kernel virtual package every prebuilt module
    /// package provides and conflicts with (Policy 7.5: one at a time).
    pub module_for_kernel_prefix: String,
    /// Virtual package every DKMS package provides (any major) and every
    /// prebuilt module package conflicts with: DKMS or prebuilt, not both.
    pub module_dkms_virtual: String,
    /// Debian's package of the falcosecurity-libs driver. Every package of
    /// ours installing the module conflicts with it (one `scap` per kernel);
    /// a DKMS package provides it only when built from a falcosecurity-libs
    /// tree of that release (README, "Relations").
    pub falcosecurity_dkms: String,
    /// The source package of the debian/ and rpm/ recipes.
    pub source_package: String,
}

impl Names {
    pub fn new(module: &str, api: Version) -> Self {
        let base = format!("{module}-api{}", api.major);
        let probe_object = format!("{module}_probe-{api}.o");
        Self {
            module: module.to_string(),
            dkms_package: format!("{base}-dkms"),
            dkms_source_dir: format!("/usr/src/{module}-{api}"),
            probe_package: format!("{base}-probe"),
            probe_path: format!("{PROBE_DIR}/{probe_object}"),
            probe_object,
            driver_provides: format!("{module}-driver-api-{}", api.major),
            probe_provides: format!("{module}-probe-api-{}", api.major),
            deb_modules_prefix: format!("{base}-modules-"),
            rpm_kmod_prefix: format!("kmod-{base}-"),
            module_major_virtual: format!("{module}-module-api-major"),
            module_for_kernel_prefix: format!("{module}-module-for-kernel-"),
            module_dkms_virtual: format!("{module}-module-dkms"),
            falcosecurity_dkms: FALCOSECURITY_DKMS.to_string(),
            source_package: format!("{module}-driver"),
        }
    }

    pub fn deb_modules_package(&self, kernel_release: &str) -> String {
        format!("{}{kernel_release}", self.deb_modules_prefix)
    }

    pub fn rpm_kmod_package(&self, kernel_release: &str) -> String {
        format!("{}{kernel_release}", self.rpm_kmod_prefix)
    }

    pub fn module_for_kernel(&self, kernel_release: &str) -> String {
        format!("{}{kernel_release}", self.module_for_kernel_prefix)
    }

    /// The prebuilt module in a .deb: `updates/` so that it wins over an
    /// in-tree module of the same name, as DKMS's `updates/dkms/` does.
    pub fn deb_module_path(&self, kernel_release: &str) -> String {
        format!(
            "/lib/modules/{kernel_release}/updates/{m}/{m}.ko",
            m = self.module
        )
    }

    /// The prebuilt module in a kmod rpm (RPM Fusion: `extra/<name>/`).
    pub fn rpm_module_path(&self, kernel_release: &str) -> String {
        format!(
            "/lib/modules/{kernel_release}/extra/{m}/{m}.ko",
            m = self.module
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_scheme() {
        let names = Names::new(DEFAULT_MODULE, "1.2.3".parse().unwrap());
        assert_eq!(names.dkms_package, "scap-api1-dkms");
        assert_eq!(names.dkms_source_dir, "/usr/src/scap-1.2.3");
        assert_eq!(names.probe_package, "scap-api1-probe");
        assert_eq!(names.probe_object, "scap_probe-1.2.3.o");
        assert_eq!(names.probe_path, "/usr/lib/scap/probe/scap_probe-1.2.3.o");
        assert_eq!(names.driver_provides, "scap-driver-api-1");
        assert_eq!(names.probe_provides, "scap-probe-api-1");
        assert_eq!(
            names.deb_modules_package("6.1.0-26-amd64"),
            "scap-api1-modules-6.1.0-26-amd64"
        );
        assert_eq!(
            names.rpm_kmod_package("6.1.0-26-amd64"),
            "kmod-scap-api1-6.1.0-26-amd64"
        );
        assert_eq!(names.module_major_virtual, "scap-module-api-major");
        assert_eq!(
            names.module_for_kernel("6.1.0-26-amd64"),
            "scap-module-for-kernel-6.1.0-26-amd64"
        );
        assert_eq!(
            names.deb_module_path("6.1.0-26-amd64"),
            "/lib/modules/6.1.0-26-amd64/updates/scap/scap.ko"
        );
        assert_eq!(
            names.rpm_module_path("6.1.0-26-amd64"),
            "/lib/modules/6.1.0-26-amd64/extra/scap/scap.ko"
        );
        assert_eq!(names.module_dkms_virtual, "scap-module-dkms");
        assert_eq!(names.falcosecurity_dkms, "falcosecurity-scap-dkms");
        assert_eq!(names.source_package, "scap-driver");
    }
}
