//! The files of `templates/`, compiled in and rendered with handlebars in
//! strict mode (a missing variable is an error, not an empty string) and
//! without HTML escaping.

use std::sync::OnceLock;

use handlebars::Handlebars;
use serde::Serialize;

macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../../templates/", $name, ".hbs")))),*]
    };
}

/// Every template, by its path under `templates/` without `.hbs`.
const TEMPLATES: &[(&str, &str)] = templates![
    "dkms/dkms.conf",
    "dkms/functions.sh",
    "deb/control",
    "deb/copyright",
    "deb/compat.copyright",
    "deb/gpl-2",
    "deb/expat",
    "deb/upstream.copyright",
    "deb/changelog",
    "deb/dkms.postinst",
    "deb/dkms.prerm",
    "deb/modules.postinst",
    "deb/modules.postrm",
    "deb/probe.lintian-overrides",
    "rpm/dkms.post",
    "rpm/dkms.preun",
    "rpm/kmod.post",
    "rpm/kmod.postun",
    "changes/driver",
    "changes/compat",
    "descriptions/dkms",
    "descriptions/modules",
    "descriptions/probe",
    "descriptions/transitional",
    "recipes/debian/control",
    "recipes/debian/rules",
    "recipes/debian/source/format",
    "recipes/debian/install",
    "recipes/rpm/spec",
];

fn registry() -> &'static Handlebars<'static> {
    static REGISTRY: OnceLock<Handlebars<'static>> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut hb = Handlebars::new();
        hb.set_strict_mode(true);
        hb.register_escape_fn(handlebars::no_escape);
        for (name, text) in TEMPLATES {
            hb.register_template_string(name, *text)
                .unwrap_or_else(|e| panic!("templates/{name}.hbs: {e}"));
            // Shell fragments are also partials, included with {{> name}}.
            hb.register_partial(name, *text)
                .unwrap_or_else(|e| panic!("templates/{name}.hbs: {e}"));
        }
        hb
    })
}

/// Renders a template. The templates are part of the program and every
/// caller passes a fixed set of variables, so a failure is a bug.
pub fn render(name: &str, data: &impl Serialize) -> String {
    registry()
        .render(name, data)
        .unwrap_or_else(|e| panic!("rendering templates/{name}.hbs: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_mode_refuses_missing_variables() {
        let result = registry().render("deb/modules.postinst", &serde_json::json!({}));
        assert!(result.is_err(), "{result:?}");
    }
}
