//! The settings of notifications: when the worker may send, and the SMS and e-mail
//! channels. Flattened into [`crate::Settings`].

use chrono::NaiveTime;

#[derive(Debug, Clone, clap::Args)]
pub struct NoticeSettings {
    /// Write reminders and send the outbox from this server (every server may: claims
    /// never overlap). `false` for a server that only answers requests.
    #[arg(
        long,
        global = true,
        env = "WEIYIFANG_NOTICE_JOBS",
        default_value_t = true,
        action = clap::ArgAction::Set
    )]
    pub notice_jobs: bool,

    /// Shanghai hours when only urgent news (changes, cancellations, staff messages, a place
    /// from the waitlist) goes out by SMS and e-mail, `HH:MM-HH:MM`; empty: none.
    #[arg(
        long,
        global = true,
        env = "WEIYIFANG_QUIET_HOURS",
        default_value = "21:00-08:00"
    )]
    pub quiet_hours: String,

    /// At most this many other messages a person a day, SMS and e-mail together.
    #[arg(
        long,
        global = true,
        env = "WEIYIFANG_NOTICE_DAILY_CAP",
        default_value_t = 6
    )]
    pub notice_daily_cap: u64,

    /// Tries before a message is given up (and shown to staff as failed).
    #[arg(
        long,
        global = true,
        env = "WEIYIFANG_NOTICE_MAX_TRIES",
        default_value_t = 6
    )]
    pub notice_max_tries: i32,

    /// `log` (write SMS to the server log, for development), `aliyun` (阿里云短信服务), or
    /// `off`.
    #[arg(
        long,
        global = true,
        env = "WEIYIFANG_SMS_PROVIDER",
        default_value = "log"
    )]
    pub sms_provider: String,

    /// The provider's API address.
    #[arg(
        long,
        global = true,
        env = "WEIYIFANG_SMS_ENDPOINT",
        default_value = "https://dysmsapi.aliyuncs.com/"
    )]
    pub sms_endpoint: String,

    #[arg(
        long,
        global = true,
        env = "WEIYIFANG_SMS_ACCESS_KEY_ID",
        default_value = ""
    )]
    pub sms_access_key_id: String,

    #[arg(
        long,
        global = true,
        env = "WEIYIFANG_SMS_ACCESS_KEY_SECRET",
        default_value = "",
        hide_env_values = true
    )]
    pub sms_access_key_secret: String,

    /// The approved signature (签名), e.g. `微益坊`.
    #[arg(
        long,
        global = true,
        env = "WEIYIFANG_SMS_SIGN_NAME",
        default_value = ""
    )]
    pub sms_sign_name: String,

    /// Approved template codes by notice kind: `promoted=SMS_1234,reminder_evening=SMS_5678`.
    /// A kind without a template is not sent by SMS (it stays in the app and e-mail).
    #[arg(
        long,
        global = true,
        env = "WEIYIFANG_SMS_TEMPLATES",
        default_value = ""
    )]
    pub sms_templates: String,

    /// The SMTP server, e.g. `smtps://user:password@smtp.example.org` or
    /// `smtp://smtp.example.org:587?tls=required`; empty: no e-mail.
    #[arg(
        long,
        global = true,
        env = "WEIYIFANG_SMTP_URL",
        default_value = "",
        hide_env_values = true
    )]
    pub smtp_url: String,

    /// The sender of e-mail.
    #[arg(
        long,
        global = true,
        env = "WEIYIFANG_MAIL_FROM",
        default_value = "微益坊 <noreply@weiyifang.local>"
    )]
    pub mail_from: String,
}

impl Default for NoticeSettings {
    fn default() -> Self {
        NoticeSettings {
            notice_jobs: true,
            quiet_hours: "21:00-08:00".into(),
            notice_daily_cap: 6,
            notice_max_tries: 6,
            sms_provider: "log".into(),
            sms_endpoint: "https://dysmsapi.aliyuncs.com/".into(),
            sms_access_key_id: String::new(),
            sms_access_key_secret: String::new(),
            sms_sign_name: String::new(),
            sms_templates: String::new(),
            smtp_url: String::new(),
            mail_from: "微益坊 <noreply@weiyifang.local>".into(),
        }
    }
}

impl NoticeSettings {
    /// Whether this server sends SMS at all (log-in codes are offered only then).
    pub fn sends_sms(&self) -> bool {
        !matches!(self.sms_provider.trim(), "off" | "")
    }

    /// `21:00-08:00` as two times; empty or unreadable: no quiet hours.
    pub fn quiet(&self) -> Option<(NaiveTime, NaiveTime)> {
        let (from, until) = self.quiet_hours.trim().split_once('-')?;
        let time = |t: &str| NaiveTime::parse_from_str(t.trim(), "%H:%M").ok();
        Some((time(from)?, time(until)?))
    }

    pub fn policy(&self) -> member::notices::outbox::Policy {
        member::notices::outbox::Policy {
            lease: chrono::Duration::minutes(2),
            batch: 20,
            max_attempts: self.notice_max_tries.max(1),
            daily_cap: self.notice_daily_cap,
            quiet_hours: self.quiet(),
        }
    }

    /// The template codes by kind.
    pub fn templates(&self) -> std::collections::HashMap<String, String> {
        self.sms_templates
            .split(',')
            .filter_map(|pair| pair.split_once('='))
            .map(|(kind, code)| (kind.trim().to_owned(), code.trim().to_owned()))
            .filter(|(kind, code)| !kind.is_empty() && !code.is_empty())
            .collect()
    }

    /// For the start-up log: secrets and passwords never appear.
    pub fn describe(&self) -> Vec<(&'static str, String)> {
        let set = |value: &str| if value.is_empty() { "(none)" } else { "(set)" }.to_owned();
        vec![
            ("WEIYIFANG_NOTICE_JOBS", self.notice_jobs.to_string()),
            ("WEIYIFANG_QUIET_HOURS", self.quiet_hours.clone()),
            (
                "WEIYIFANG_NOTICE_DAILY_CAP",
                self.notice_daily_cap.to_string(),
            ),
            (
                "WEIYIFANG_NOTICE_MAX_TRIES",
                self.notice_max_tries.to_string(),
            ),
            ("WEIYIFANG_SMS_PROVIDER", self.sms_provider.clone()),
            ("WEIYIFANG_SMS_ENDPOINT", self.sms_endpoint.clone()),
            ("WEIYIFANG_SMS_ACCESS_KEY_ID", set(&self.sms_access_key_id)),
            (
                "WEIYIFANG_SMS_ACCESS_KEY_SECRET",
                set(&self.sms_access_key_secret),
            ),
            ("WEIYIFANG_SMS_SIGN_NAME", self.sms_sign_name.clone()),
            ("WEIYIFANG_SMS_TEMPLATES", self.sms_templates.clone()),
            (
                "WEIYIFANG_SMTP_URL",
                crate::settings::redact_url(&self.smtp_url),
            ),
            ("WEIYIFANG_MAIL_FROM", self.mail_from.clone()),
        ]
    }
}
