//! Handlebars pages and partials from `web/templates/`, embedded in the binary.
//!
//! Strict mode: a template that names a missing field fails loudly in tests instead of
//! printing nothing. Text comes from the catalogues through the `t` helper, whose output
//! is escaped like any `{{value}}` (it returns a value instead of writing to the output).

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use handlebars::{
    Context, Handlebars, Helper, HelperDef, RenderContext, RenderError, RenderErrorReason,
    ScopedJson, TemplateError,
};
use rust_embed::RustEmbed;
use serde::Serialize;
use serde_json::Value;

use crate::i18n::{Lang, RequestLocale};

#[derive(RustEmbed)]
#[folder = "web/templates/"]
struct TemplateFiles;

pub fn registry() -> Result<Handlebars<'static>, TemplateError> {
    let mut registry = Handlebars::new();
    registry.set_strict_mode(true);
    registry.register_embed_templates_with_extension::<TemplateFiles>(".hbs")?;
    registry.register_helper("t", Box::new(Translate));
    Ok(registry)
}

/// The data every page gets besides its own: the language, the path (for the language
/// switch) and the other language to offer.
#[derive(Serialize)]
struct PageFrame<'a, T: Serialize> {
    lang: &'static str,
    path: &'a str,
    alt_lang: &'static str,
    #[serde(flatten)]
    page: &'a T,
}

pub fn render(
    registry: &Handlebars<'static>,
    locale: &RequestLocale,
    template: &str,
    page: &impl Serialize,
) -> Result<String, handlebars::RenderError> {
    let alt_lang = match locale.lang {
        Lang::ZhCn => Lang::En,
        Lang::En => Lang::ZhCn,
    };
    let frame = PageFrame {
        lang: locale.lang.tag(),
        path: &locale.path,
        alt_lang: alt_lang.tag(),
        page,
    };
    registry.render(template, &frame)
}

/// `{{t "key"}}` or `{{t "key" name=value}}`: the catalogue text in the page's language.
struct Translate;

impl HelperDef for Translate {
    fn call_inner<'reg: 'rc, 'rc>(
        &self,
        helper: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        context: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
    ) -> Result<ScopedJson<'rc>, RenderError> {
        let key = helper
            .param(0)
            .and_then(|p| p.value().as_str())
            .ok_or_else(|| RenderErrorReason::ParamNotFoundForIndex("t", 0))?;
        let lang = context
            .data()
            .get("lang")
            .and_then(Value::as_str)
            .and_then(Lang::from_tag)
            .unwrap_or_default();
        let text = if helper.hash().is_empty() {
            lang.t(key)
        } else {
            let args: HashMap<Cow<'static, str>, FluentValue<'_>> = helper
                .hash()
                .iter()
                .map(|(name, value)| {
                    let value = match value.value() {
                        Value::String(s) => FluentValue::from(s.clone()),
                        Value::Number(n) => FluentValue::from(n.as_f64().unwrap_or_default()),
                        other => FluentValue::from(other.to_string()),
                    };
                    (Cow::Owned((*name).to_owned()), value)
                })
                .collect();
            lang.t_args(key, &args)
        };
        Ok(ScopedJson::Derived(Value::String(text)))
    }
}
