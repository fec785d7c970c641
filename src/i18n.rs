//! The interface speaks zh-CN first and English second. Every user-facing text lives in
//! the Fluent catalogues under `web/locales/`, embedded in the binary at build time.
//!
//! The language of a request is, in order: `?lang=` (which also sets the `lang` cookie),
//! the `lang` cookie, the `Accept-Language` header, else zh-CN.

use std::borrow::Cow;
use std::collections::HashMap;

use axum::extract::{FromRequestParts, Request};
use axum::http::HeaderValue;
use axum::http::header::{ACCEPT_LANGUAGE, SET_COOKIE};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::cookie::CookieJar;
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid, static_loader};

static_loader! {
    static LOCALES = {
        locales: "./web/locales",
        fallback_language: "zh-CN",
        // No Unicode isolation marks around arguments: they end up in HTML and CSV.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static ZH_CN: LanguageIdentifier = langid!("zh-CN");
static EN: LanguageIdentifier = langid!("en");

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    #[default]
    ZhCn,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::ZhCn, Lang::En];

    /// The BCP 47 tag, as used in `<html lang>` and the `lang` cookie.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn from_tag(tag: &str) -> Option<Lang> {
        let tag = tag.trim().to_ascii_lowercase();
        let primary = tag.split(['-', '_']).next().unwrap_or("");
        match primary {
            "zh" => Some(Lang::ZhCn),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The supported language the client prefers most, from an `Accept-Language` value
    /// such as `en-US,en;q=0.9,zh-CN;q=0.8`.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(f32, Lang)> = None;
        for item in header.split(',') {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or("");
            let quality = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok());
            let (Some(lang), Some(quality)) = (Lang::from_tag(tag), quality) else {
                continue;
            };
            if quality > 0.0 && best.is_none_or(|(q, _)| quality > q) {
                best = Some((quality, lang));
            }
        }
        best.map(|(_, lang)| lang)
    }

    fn id(self) -> &'static LanguageIdentifier {
        match self {
            Lang::ZhCn => &ZH_CN,
            Lang::En => &EN,
        }
    }

    /// The catalogue text for `key`. A missing key shows as the key itself, and the
    /// catalogue test makes sure none is missing.
    pub fn t(self, key: &str) -> String {
        LOCALES.lookup(self.id(), key)
    }

    pub fn t_args(self, key: &str, args: &HashMap<Cow<'static, str>, FluentValue<'_>>) -> String {
        LOCALES.lookup_with_args(self.id(), key, args)
    }
}

/// What every page needs to know about the request it answers.
#[derive(Clone, Debug)]
pub struct RequestLocale {
    pub lang: Lang,
    /// The path of the request, for "the same page in the other language" links.
    pub path: String,
    /// 长辈模式: larger text, larger buttons, more contrast (`?elder=on`, remembered on the
    /// device in the `elder` cookie).
    pub elder: bool,
    /// This request chose it (`?elder=`), rather than the device remembering.
    pub elder_chosen: bool,
}

impl<S: Send + Sync> FromRequestParts<S> for RequestLocale {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<RequestLocale>()
            .cloned()
            .unwrap_or_else(|| RequestLocale {
                lang: Lang::default(),
                path: parts.uri.path().to_owned(),
                elder: false,
                elder_chosen: false,
            }))
    }
}

const LANG_COOKIE: &str = "lang";
pub const ELDER_COOKIE: &str = "elder";

/// The value of `name` in the request's query string.
fn query_value<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request
        .uri()
        .query()?
        .split('&')
        .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
}

/// Middleware: decides the language of the request and whether it is shown in 长辈模式, and
/// remembers an explicit choice of either.
pub async fn negotiate_language(jar: CookieJar, mut request: Request, next: Next) -> Response {
    let chosen = query_value(&request, "lang").and_then(Lang::from_tag);
    let elder_chosen = match query_value(&request, "elder") {
        Some("on") => Some(true),
        Some("off") => Some(false),
        _ => None,
    };
    let elder =
        elder_chosen.unwrap_or_else(|| jar.get(ELDER_COOKIE).is_some_and(|c| c.value() == "on"));
    let lang = chosen
        .or_else(|| jar.get(LANG_COOKIE).and_then(|c| Lang::from_tag(c.value())))
        .or_else(|| {
            request
                .headers()
                .get(ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
        .unwrap_or_default();
    let path = request.uri().path().to_owned();
    request.extensions_mut().insert(RequestLocale {
        lang,
        path,
        elder,
        elder_chosen: elder_chosen.is_some(),
    });

    let mut response = next.run(request).await;
    if let Some(lang) = chosen {
        response
            .headers_mut()
            .append(SET_COOKIE, remembered(LANG_COOKIE, lang.tag()));
    }
    if let Some(on) = elder_chosen {
        response.headers_mut().append(SET_COOKIE, elder_cookie(on));
    }
    response
}

/// A choice remembered on the device for a year, so it holds on every later visit.
fn remembered(name: &str, value: &str) -> HeaderValue {
    let cookie = format!("{name}={value}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly");
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// 长辈模式 remembered on the device.
pub fn elder_cookie(on: bool) -> HeaderValue {
    remembered(ELDER_COOKIE, if on { "on" } else { "off" })
}

#[cfg(test)]
mod tests {
    use super::Lang;

    #[test]
    fn accept_language_picks_the_preferred_supported_language() {
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9"), Some(Lang::En));
        assert_eq!(
            Lang::from_accept_language("fr;q=1.0, en;q=0.5, zh-CN;q=0.8"),
            Some(Lang::ZhCn)
        );
        assert_eq!(Lang::from_accept_language("zh-TW"), Some(Lang::ZhCn));
        assert_eq!(Lang::from_accept_language("de, fr"), None);
        assert_eq!(
            Lang::from_accept_language("en;q=0, zh;q=0.1"),
            Some(Lang::ZhCn)
        );
        assert_eq!(Lang::from_accept_language(""), None);
    }

    /// zh-CN and en must have the same keys: a page never shows a key or falls back
    /// to the other language.
    #[test]
    fn both_catalogues_have_the_same_messages() {
        let keys = |text: &str| -> std::collections::BTreeSet<String> {
            text.lines()
                .filter(|l| !l.starts_with([' ', '#', '\t', '.']) && l.contains('='))
                .filter_map(|l| l.split('=').next())
                .map(|k| k.trim().to_owned())
                .collect()
        };
        let zh = keys(include_str!("../web/locales/zh-CN/main.ftl"));
        let en = keys(include_str!("../web/locales/en/main.ftl"));
        assert!(zh.len() > 10, "the catalogue looks empty");
        let only_zh: Vec<_> = zh.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&zh).collect();
        assert!(only_zh.is_empty(), "missing in en: {only_zh:?}");
        assert!(only_en.is_empty(), "missing in zh-CN: {only_en:?}");
        for key in &zh {
            for lang in Lang::ALL {
                assert_ne!(&lang.t(key), key, "{key} does not resolve in {lang:?}");
            }
        }
    }

    /// Every `"error-…"` and `"notice-…"` key named in the Rust sources (the domain's
    /// field errors included) has a message: no user ever sees a bare key.
    #[test]
    fn every_key_in_the_code_has_a_message() {
        fn sources(dir: &std::path::Path, found: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    sources(&path, found);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    found.push(path);
                }
            }
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        for dir in ["src", "crates"] {
            sources(&root.join(dir), &mut files);
        }
        let mut checked = 0;
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for prefix in ["\"error-", "\"notice-"] {
                for (at, _) in text.match_indices(prefix) {
                    let rest = &text[at + 1..];
                    let key: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')
                        .collect();
                    if !rest[key.len()..].starts_with('"') || key.ends_with('-') {
                        continue; // a prefix being built, not a key
                    }
                    for lang in Lang::ALL {
                        assert_ne!(
                            lang.t(&key),
                            key,
                            "{key} ({}) has no {lang:?} message",
                            file.display()
                        );
                    }
                    checked += 1;
                }
            }
        }
        assert!(
            checked > 20,
            "only {checked} keys found: is the scan broken?"
        );
    }
}
