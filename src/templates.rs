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

use axum::extract::FromRequestParts;
use axum::http::Extensions;
use axum::http::request::Parts;

use crate::auth::{Flash, SignedIn};
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

/// What the layout of every page needs about the request: its language and path, who
/// is signed in (for the navigation) and a notice left by the previous response.
#[derive(Clone, Debug)]
pub struct PageContext {
    pub locale: RequestLocale,
    pub viewer: Option<Viewer>,
    pub flash: Option<String>,
}

/// The signed-in person as the navigation shows them.
#[derive(Clone, Debug, Serialize)]
pub struct Viewer {
    pub name: String,
    pub is_staff: bool,
    /// Notices not yet seen, for the count in the navigation.
    pub unread: u64,
}

impl PageContext {
    pub fn from_extensions(extensions: &Extensions, path: &str) -> Self {
        let locale = extensions
            .get::<RequestLocale>()
            .cloned()
            .unwrap_or_else(|| RequestLocale {
                lang: Lang::default(),
                path: path.to_owned(),
                elder: false,
                elder_chosen: false,
            });
        let viewer = extensions.get::<SignedIn>().map(|s| Viewer {
            name: s.actor.name.clone(),
            is_staff: s.actor.is_staff(),
            unread: extensions.get::<crate::auth::Unread>().map_or(0, |u| u.0),
        });
        let flash = extensions.get::<Flash>().map(|flash| match flash.count {
            Some(count) => crate::views::t_count(locale.lang, &flash.key, count),
            None => locale.lang.t(&flash.key),
        });
        Self {
            locale,
            viewer,
            flash,
        }
    }

    pub fn lang(&self) -> Lang {
        self.locale.lang
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PageContext {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(PageContext::from_extensions(
            &parts.extensions,
            parts.uri.path(),
        ))
    }
}

/// The data every page gets besides its own.
#[derive(Serialize)]
struct PageFrame<'a, T: Serialize> {
    lang: &'static str,
    /// The path of the request, for the language switch.
    path: &'a str,
    alt_lang: &'static str,
    /// 长辈模式 (see `RequestLocale::elder`).
    elder: bool,
    viewer: &'a Option<Viewer>,
    flash: &'a Option<String>,
    #[serde(flatten)]
    page: &'a T,
}

pub fn render(
    registry: &Handlebars<'static>,
    context: &PageContext,
    template: &str,
    page: &impl Serialize,
) -> Result<String, handlebars::RenderError> {
    let alt_lang = match context.locale.lang {
        Lang::ZhCn => Lang::En,
        Lang::En => Lang::ZhCn,
    };
    let frame = PageFrame {
        lang: context.locale.lang.tag(),
        path: &context.locale.path,
        alt_lang: alt_lang.tag(),
        elder: context.locale.elder,
        viewer: &context.viewer,
        flash: &context.flash,
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
