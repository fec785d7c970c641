//! Sending SMS. Chinese providers send only pre-approved templates under an approved
//! signature: a notice kind maps to a template code (settings) and its arguments become the
//! template's parameters. One real provider, 阿里云短信服务 (`SendSms`, API version
//! 2017-05-25, RPC request signing "HMAC-SHA1, SignatureVersion 1.0" as its documentation
//! gives it), and `log` for development, which writes the text to the server log.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use base64::Engine;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use member::notices::outbox::{Claimed, Outcome};

use super::NoticeSettings;
use super::texts;
use crate::i18n::Lang;

pub enum Sms {
    Off,
    Log { sign_name: String },
    Aliyun(Aliyun),
}

impl Sms {
    pub fn from_settings(settings: &NoticeSettings) -> Result<Sms, String> {
        match settings.sms_provider.trim() {
            "off" | "" => Ok(Sms::Off),
            "log" => Ok(Sms::Log {
                sign_name: settings.sms_sign_name.clone(),
            }),
            "aliyun" => Ok(Sms::Aliyun(Aliyun::new(settings)?)),
            other => Err(format!("unknown WEIYIFANG_SMS_PROVIDER {other:?}")),
        }
    }

    pub async fn send(&self, message: &Claimed) -> Outcome {
        let lang = Lang::from_tag(&message.lang).unwrap_or_default();
        match self {
            Sms::Off => Outcome::Skipped("SMS is off on this server".into()),
            Sms::Log { sign_name } => {
                // The text only: the number never goes into a log.
                let text = texts::sms(lang, message.kind, &message.args, sign_name);
                tracing::info!(key = %message.id, kind = message.kind.as_str(), %text, "SMS (log provider)");
                Outcome::Sent
            }
            Sms::Aliyun(aliyun) => aliyun.send(message, lang).await,
        }
    }
}

pub struct Aliyun {
    endpoint: String,
    key_id: String,
    key_secret: String,
    sign_name: String,
    templates: HashMap<String, String>,
    client: reqwest::Client,
}

/// The provider's codes that will not change by trying again: the number, the template or
/// its parameters are refused.
const REFUSED: &[&str] = &[
    "isv.MOBILE_NUMBER_ILLEGAL",
    "isv.BLACK_KEY_CONTROL_LIMIT",
    "isv.TEMPLATE_MISSING_PARAMETERS",
    "isv.INVALID_PARAMETERS",
    "isv.PARAM_LENGTH_LIMIT",
    "isv.SMS_TEMPLATE_ILLEGAL",
    "isv.SMS_SIGNATURE_ILLEGAL",
    "isv.MOBILE_COUNT_OVER_LIMIT",
];

impl Aliyun {
    pub fn new(settings: &NoticeSettings) -> Result<Aliyun, String> {
        if settings.sms_access_key_id.is_empty()
            || settings.sms_access_key_secret.is_empty()
            || settings.sms_sign_name.is_empty()
        {
            return Err("the aliyun SMS provider needs WEIYIFANG_SMS_ACCESS_KEY_ID, WEIYIFANG_SMS_ACCESS_KEY_SECRET and WEIYIFANG_SMS_SIGN_NAME".into());
        }
        super::install_tls_provider();
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Aliyun {
            endpoint: settings.sms_endpoint.clone(),
            key_id: settings.sms_access_key_id.clone(),
            key_secret: settings.sms_access_key_secret.clone(),
            sign_name: settings.sms_sign_name.clone(),
            templates: settings.templates(),
            client,
        })
    }

    async fn send(&self, message: &Claimed, lang: Lang) -> Outcome {
        let Some(template) = self.templates.get(message.kind.as_str()) else {
            return Outcome::Refused(format!("no SMS template for {}", message.kind.as_str()));
        };
        let params = serde_json::to_string(&texts::sms_params(lang, &message.args))
            .unwrap_or_else(|_| "{}".into());
        let mut query = BTreeMap::from([
            ("Action", "SendSms".to_owned()),
            ("Version", "2017-05-25".to_owned()),
            ("RegionId", "cn-hangzhou".to_owned()),
            ("PhoneNumbers", message.to.clone()),
            ("SignName", self.sign_name.clone()),
            ("TemplateCode", template.clone()),
            ("TemplateParam", params),
            // The idempotency key, on the provider's receipt.
            ("OutId", message.id.to_string()),
        ]);
        let signed = sign(
            &mut query,
            &self.key_id,
            &self.key_secret,
            Utc::now(),
            uuid::Uuid::now_v7(),
        );
        let url = format!("{}?{signed}", self.endpoint);
        let answer = match self.client.get(url).send().await {
            Ok(answer) => answer,
            Err(e) => return Outcome::Retry(format!("network: {}", e.without_url())),
        };
        let status = answer.status();
        let code = answer
            .json::<serde_json::Value>()
            .await
            .ok()
            .and_then(|v| v.get("Code").and_then(|c| c.as_str()).map(str::to_owned))
            .unwrap_or_default();
        match code.as_str() {
            "OK" => Outcome::Sent,
            refused if REFUSED.contains(&refused) => Outcome::Refused(format!("aliyun {refused}")),
            "" => Outcome::Retry(format!("aliyun HTTP {status}")),
            other => Outcome::Retry(format!("aliyun {other}")),
        }
    }
}

/// Aliyun's percent-encoding: UTF-8, everything but `A–Z a–z 0–9 - _ . ~` as `%XX`.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Adds the common parameters and returns the signed query string: the parameters sorted
/// by name and encoded (the canonical query), `GET&%2F&` + its encoding signed with
/// HMAC-SHA1 under the secret followed by `&`, the signature in Base64 added as `Signature`.
pub fn sign(
    query: &mut BTreeMap<&'static str, String>,
    key_id: &str,
    key_secret: &str,
    now: DateTime<Utc>,
    nonce: uuid::Uuid,
) -> String {
    query.insert("AccessKeyId", key_id.to_owned());
    query.insert("Format", "JSON".to_owned());
    query.insert("SignatureMethod", "HMAC-SHA1".to_owned());
    query.insert("SignatureVersion", "1.0".to_owned());
    query.insert("SignatureNonce", nonce.to_string());
    query.insert("Timestamp", now.format("%Y-%m-%dT%H:%M:%SZ").to_string());
    let canonical = query
        .iter()
        .map(|(name, value)| format!("{}={}", percent_encode(name), percent_encode(value)))
        .collect::<Vec<_>>()
        .join("&");
    let to_sign = format!("GET&{}&{}", percent_encode("/"), percent_encode(&canonical));
    let Ok(mut mac) = Hmac::<sha1::Sha1>::new_from_slice(format!("{key_secret}&").as_bytes())
    else {
        return canonical;
    };
    mac.update(to_sign.as_bytes());
    let signature = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    format!("Signature={}&{canonical}", percent_encode(&signature))
}
