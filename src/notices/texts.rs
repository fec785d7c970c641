//! How a notice reads: in the app and in e-mail (`inbox-{kind}`), by SMS (`sms-{kind}`),
//! in the reader's language. Arguments that are codes (a stall's service, an organization's
//! stage) are worded from the catalogue too.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use fluent_templates::fluent_bundle::FluentValue;
use member::notices::Kind;

use crate::i18n::Lang;

fn worded(
    lang: Lang,
    args: &BTreeMap<String, String>,
) -> HashMap<Cow<'static, str>, FluentValue<'static>> {
    args.iter()
        .map(|(name, value)| {
            let value = match name.as_str() {
                "service" => lang.t(&format!("service-{}", value.replace('_', "-"))),
                "stage" => lang.t(&format!("stage-{value}")),
                "status" => lang.t(&format!("request-status-{}", value.replace('_', "-"))),
                _ => value.clone(),
            };
            (Cow::Owned(name.clone()), FluentValue::from(value))
        })
        .collect()
}

/// A notice sent to a helper about the person they help starts with that person's name.
fn for_whom(lang: Lang, args: &BTreeMap<String, String>) -> String {
    args.get("for")
        .map(|name| crate::views::t_text(lang, "notice-for-someone", "name", name))
        .unwrap_or_default()
}

/// The notice as one sentence (the inbox, the e-mail's subject and first line).
pub fn sentence(lang: Lang, kind: Kind, args: &BTreeMap<String, String>) -> String {
    let text = lang.t_args(&format!("inbox-{}", kind.as_str()), &worded(lang, args));
    format!("{}{text}", for_whom(lang, args))
}

/// The SMS, with the signature as the provider puts it in front.
pub fn sms(lang: Lang, kind: Kind, args: &BTreeMap<String, String>, sign_name: &str) -> String {
    let text = lang.t_args(&format!("sms-{}", kind.as_str()), &worded(lang, args));
    format!("【{sign_name}】{}{text}", for_whom(lang, args))
}

/// The template parameters an SMS provider fills in: the same arguments, worded, each cut
/// to the providers' limit for one variable.
pub fn sms_params(lang: Lang, args: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    // A provider's template has fixed variables: the helped person's name (`for`) is not one.
    worded(lang, args)
        .into_iter()
        .filter(|(name, _)| name != "for")
        .map(|(name, value)| {
            let text = match value {
                FluentValue::String(s) => s.chars().take(35).collect(),
                _ => String::new(),
            };
            (name.into_owned(), text)
        })
        .collect()
}

/// The e-mail: subject and plain-text body with the link and how to change one's choices.
pub fn email(
    lang: Lang,
    kind: Kind,
    args: &BTreeMap<String, String>,
    link: &str,
    origin: &str,
) -> (String, String) {
    let line = sentence(lang, kind, args);
    let title = lang.t(&format!("inbox-title-{}", kind.as_str()));
    let subject = format!("[{}] {title}", lang.t("site-name"));
    let body = format!(
        "{line}\n\n{origin}{link}\n\n--\n{}\n{origin}/me/notifications\n",
        lang.t("email-footer")
    );
    (subject, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every SMS, with the signature and arguments as long as a real month's, fits one
    /// message: 70 Chinese characters.
    #[test]
    fn every_sms_fits_one_message() {
        let args: BTreeMap<String, String> = [
            ("day", "十二月南湖社区公益集市"),
            ("service", "legal_aid"),
            ("starts", "2026-12-06 09:00"),
            ("place", "南湖社区文化广场东侧"),
            ("position", "12"),
            ("reason", "气象台发布暴雨黄色预警"),
            ("hours", "2.5"),
            ("org", "南湖社区爱心理发志愿队"),
            ("stage", "incubating"),
            ("code", "K7P2Q9X4MB"),
            ("status", "in_progress"),
            ("message", &"雨".repeat(event::notify::MESSAGE_MAX_CHARS)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        for kind in Kind::ALL {
            let text = sms(Lang::ZhCn, kind, &args, "微益坊");
            assert!(!text.contains('{'), "{text}");
            assert!(
                text.chars().count() <= 70,
                "{} chars: {text}",
                text.chars().count()
            );
        }
    }
}
