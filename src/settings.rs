//! Typed settings, loaded once at start: built-in defaults, then environment variables,
//! then command-line flags (clap applies exactly that order).

use std::net::SocketAddr;
use std::time::Duration;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/weiyifang.db?mode=rwc";

#[derive(Debug, Clone, clap::Args)]
pub struct Settings {
    /// Database to use: `sqlite://path?mode=rwc` (embedded, the default) or `postgres://…`.
    #[arg(long, global = true, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,

    /// Address and port the web server listens on.
    #[arg(
        long,
        global = true,
        env = "WEIYIFANG_BIND",
        default_value = "127.0.0.1:3000"
    )]
    pub bind: SocketAddr,

    /// Largest number of pooled database connections.
    #[arg(
        long,
        global = true,
        env = "WEIYIFANG_DB_MAX_CONNECTIONS",
        default_value_t = 8
    )]
    pub db_max_connections: u32,

    /// How long a SQLite connection waits for a lock before giving up, in milliseconds.
    #[arg(
        long,
        global = true,
        env = "WEIYIFANG_SQLITE_BUSY_TIMEOUT_MS",
        default_value_t = 5000
    )]
    pub sqlite_busy_timeout_ms: u64,

    /// The key of residents' phone digests (人数): a resident's number is stored only as
    /// HMAC-SHA256 under it. Empty: stalls record no numbers. Changing it starts the count
    /// of distinct residents afresh.
    #[arg(
        long,
        global = true,
        env = "WEIYIFANG_RESIDENT_SECRET",
        default_value = "",
        hide_env_values = true
    )]
    pub resident_secret: String,

    /// Mark the session cookie `Secure`: set it when the site is served over HTTPS.
    #[arg(
        long,
        global = true,
        env = "WEIYIFANG_SECURE_COOKIES",
        default_value_t = false
    )]
    pub secure_cookies: bool,

    /// A browser session ends after this many minutes without a request.
    #[arg(
        long,
        global = true,
        env = "WEIYIFANG_SESSION_IDLE_MINUTES",
        default_value_t = 120
    )]
    pub session_idle_minutes: u32,

    /// A browser session ends this many hours after login, however busy.
    #[arg(
        long,
        global = true,
        env = "WEIYIFANG_SESSION_ABSOLUTE_HOURS",
        default_value_t = 12
    )]
    pub session_absolute_hours: u32,

    /// Take the client address from the last `X-Forwarded-For` entry (behind a reverse
    /// proxy that sets it). Without a proxy, leave it off: clients could forge it.
    #[arg(
        long,
        global = true,
        env = "WEIYIFANG_TRUST_PROXY_HEADERS",
        default_value_t = false
    )]
    pub trust_proxy_headers: bool,

    /// Who issues volunteer service certificates: the street office or community's name.
    #[arg(
        long,
        global = true,
        env = "WEIYIFANG_ISSUER_NAME",
        default_value = "微益坊社区服务平台"
    )]
    pub issuer_name: String,

    /// The issuer's 负责人, printed on certificates.
    #[arg(
        long,
        global = true,
        env = "WEIYIFANG_ISSUER_LEADER",
        default_value = ""
    )]
    pub issuer_leader: String,

    /// The issuer's 经办人 (who handles certificates), printed on them.
    #[arg(
        long,
        global = true,
        env = "WEIYIFANG_ISSUER_CLERK",
        default_value = ""
    )]
    pub issuer_clerk: String,

    /// The issuer's contact telephone, printed on certificates.
    #[arg(
        long,
        global = true,
        env = "WEIYIFANG_ISSUER_CONTACT",
        default_value = ""
    )]
    pub issuer_contact: String,

    /// The address people reach this site at (`https://wyf.example.cn`), for links that
    /// leave the browser: QR posters, calendar feeds, the password-reset address handed over
    /// with a one-time code. Empty: the bind address.
    #[arg(long, global = true, env = "WEIYIFANG_PUBLIC_URL", default_value = "")]
    pub public_url: String,

    /// A request that takes longer than this many seconds is answered with 408.
    #[arg(
        long,
        global = true,
        env = "WEIYIFANG_REQUEST_TIMEOUT_SECS",
        default_value_t = 30
    )]
    pub request_timeout_secs: u64,

    /// Days a resident's request has to be solved in, by class (大事, 小事, 私事).
    #[arg(
        long,
        global = true,
        env = "WEIYIFANG_DAYS_BIG_MATTER",
        default_value_t = 15
    )]
    pub days_big_matter: u16,
    #[arg(
        long,
        global = true,
        env = "WEIYIFANG_DAYS_SMALL_MATTER",
        default_value_t = 7
    )]
    pub days_small_matter: u16,
    #[arg(
        long,
        global = true,
        env = "WEIYIFANG_DAYS_PRIVATE_MATTER",
        default_value_t = 3
    )]
    pub days_private_matter: u16,

    /// Working days confirmed hours are posted publicly (公示) before they stand; 0 posts
    /// nothing and hours stand at once.
    #[arg(
        long,
        global = true,
        env = "WEIYIFANG_PUBLICITY_DAYS",
        default_value_t = 3,
        value_parser = clap::value_parser!(u16).range(0..=30)
    )]
    pub publicity_days: u16,

    /// Public holidays that are not working days, e.g. `2026-10-01..2026-10-07,2027-01-01`.
    #[arg(long, global = true, env = "WEIYIFANG_HOLIDAYS", default_value = "", value_parser = dates)]
    pub holidays: DateList,

    /// Weekend days that are working days (调休), e.g. `2026-10-10`.
    #[arg(long, global = true, env = "WEIYIFANG_MAKEUP_WORKDAYS", default_value = "", value_parser = dates)]
    pub makeup_workdays: DateList,

    /// Client addresses that may read `/metrics`, comma-separated (e.g. `127.0.0.1,::1`).
    /// With this and the token both empty, `/metrics` is off.
    #[arg(
        long,
        global = true,
        env = "WEIYIFANG_METRICS_ALLOW",
        default_value = ""
    )]
    pub metrics_allow: String,

    /// A bearer token that may read `/metrics` from anywhere.
    #[arg(
        long,
        global = true,
        env = "WEIYIFANG_METRICS_TOKEN",
        default_value = ""
    )]
    pub metrics_token: String,

    /// A folder for daily backups made inside `serve` (SQLite only); empty: none.
    #[arg(long, global = true, env = "WEIYIFANG_BACKUP_DIR", default_value = "")]
    pub backup_dir: String,

    /// The hour (Asia/Shanghai, 0–23) of the daily backup.
    #[arg(
        long,
        global = true,
        env = "WEIYIFANG_BACKUP_HOUR",
        default_value_t = 3
    )]
    pub backup_hour: u32,

    /// How many daily backups to keep; older ones are removed.
    #[arg(
        long,
        global = true,
        env = "WEIYIFANG_BACKUP_KEEP",
        default_value_t = 14
    )]
    pub backup_keep: usize,

    /// `text` (the default, for people) or `json` (one object per line, for log collectors).
    #[arg(
        long,
        global = true,
        env = "WEIYIFANG_LOG_FORMAT",
        default_value = "text"
    )]
    pub log_format: String,

    #[command(flatten)]
    pub notices: crate::notices::NoticeSettings,
}

impl Settings {
    /// The site's origin for links that leave the browser: the configured public address,
    /// else the bind address (never the request's `Host` header, which the client chooses).
    /// Who issues certificates, as printed on them.
    pub fn issuer(&self) -> event::certificates::Issuer {
        event::certificates::Issuer {
            name: self.issuer_name.trim().to_owned(),
            leader: self.issuer_leader.trim().to_owned(),
            clerk: self.issuer_clerk.trim().to_owned(),
            contact: self.issuer_contact.trim().to_owned(),
        }
    }

    pub fn origin(&self) -> String {
        let configured = self.public_url.trim().trim_end_matches('/');
        if !configured.is_empty() {
            return configured.to_owned();
        }
        let scheme = if self.secure_cookies { "https" } else { "http" };
        format!("{scheme}://{}", self.bind)
    }

    /// Settings for a given database with every other value at its default.
    pub fn with_database(database_url: impl Into<String>) -> Self {
        Self {
            database_url: database_url.into(),
            bind: SocketAddr::from(([127, 0, 0, 1], 3000)),
            db_max_connections: 8,
            sqlite_busy_timeout_ms: 5000,
            resident_secret: String::new(),
            secure_cookies: false,
            session_idle_minutes: 120,
            session_absolute_hours: 12,
            trust_proxy_headers: false,
            request_timeout_secs: 30,
            issuer_name: "微益坊社区服务平台".to_owned(),
            issuer_leader: String::new(),
            issuer_clerk: String::new(),
            issuer_contact: String::new(),
            public_url: String::new(),
            days_big_matter: 15,
            days_small_matter: 7,
            days_private_matter: 3,
            publicity_days: 3,
            holidays: DateList::default(),
            makeup_workdays: DateList::default(),
            metrics_allow: String::new(),
            metrics_token: String::new(),
            log_format: "text".to_owned(),
            backup_dir: String::new(),
            backup_hour: 3,
            backup_keep: 14,
            notices: crate::notices::NoticeSettings::default(),
        }
    }

    /// The addresses allowed to read `/metrics`.
    pub fn metrics_allowed_addresses(&self) -> Vec<String> {
        self.metrics_allow
            .split(',')
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// Deadlines of residents' requests, and the limits on anonymous submissions.
    pub fn triage_policy(&self) -> triage::Policy {
        triage::Policy {
            days_big: self.days_big_matter.into(),
            days_small: self.days_small_matter.into(),
            days_private: self.days_private_matter.into(),
            resident_secret: self.resident_secret.clone(),
            ..triage::Policy::default()
        }
    }

    /// How long confirmed hours are posted before they stand.
    pub fn publicity(&self) -> event::publicity::Rule {
        event::publicity::Rule {
            days: self.publicity_days,
            holidays: self.holidays.0.clone(),
            workdays: self.makeup_workdays.0.clone(),
        }
    }

    pub fn session_policy(&self) -> member::sessions::SessionPolicy {
        member::sessions::SessionPolicy {
            idle: chrono::Duration::minutes(self.session_idle_minutes.into()),
            absolute: chrono::Duration::hours(self.session_absolute_hours.into()),
        }
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }

    pub fn sqlite_busy_timeout(&self) -> Duration {
        Duration::from_millis(self.sqlite_busy_timeout_ms)
    }

    /// Every setting, notifications' included, for the start-up log.
    pub fn describe_all(&self) -> impl Iterator<Item = (&'static str, String)> {
        self.describe().into_iter().chain(self.notices.describe())
    }

    /// One line per setting, for the start-up log. Passwords never appear.
    pub fn describe(&self) -> Vec<(&'static str, String)> {
        vec![
            ("DATABASE_URL", redact_url(&self.database_url)),
            ("WEIYIFANG_BIND", self.bind.to_string()),
            (
                "WEIYIFANG_DB_MAX_CONNECTIONS",
                self.db_max_connections.to_string(),
            ),
            (
                "WEIYIFANG_SQLITE_BUSY_TIMEOUT_MS",
                self.sqlite_busy_timeout_ms.to_string(),
            ),
            (
                "WEIYIFANG_RESIDENT_SECRET",
                secret(
                    &self.resident_secret,
                    "(none: stalls record no phone numbers)",
                ),
            ),
            ("WEIYIFANG_SECURE_COOKIES", self.secure_cookies.to_string()),
            (
                "WEIYIFANG_SESSION_IDLE_MINUTES",
                self.session_idle_minutes.to_string(),
            ),
            (
                "WEIYIFANG_SESSION_ABSOLUTE_HOURS",
                self.session_absolute_hours.to_string(),
            ),
            (
                "WEIYIFANG_TRUST_PROXY_HEADERS",
                self.trust_proxy_headers.to_string(),
            ),
            ("WEIYIFANG_ISSUER_NAME", self.issuer_name.clone()),
            ("WEIYIFANG_ISSUER_LEADER", self.issuer_leader.clone()),
            ("WEIYIFANG_ISSUER_CLERK", self.issuer_clerk.clone()),
            ("WEIYIFANG_ISSUER_CONTACT", self.issuer_contact.clone()),
            ("WEIYIFANG_PUBLIC_URL", self.public_url.clone()),
            (
                "WEIYIFANG_REQUEST_TIMEOUT_SECS",
                self.request_timeout_secs.to_string(),
            ),
            ("WEIYIFANG_METRICS_ALLOW", self.metrics_allow.clone()),
            ("WEIYIFANG_METRICS_TOKEN", secret(&self.metrics_token, "")),
            ("WEIYIFANG_LOG_FORMAT", self.log_format.clone()),
            ("WEIYIFANG_BACKUP_DIR", self.backup_dir.clone()),
            ("WEIYIFANG_BACKUP_HOUR", self.backup_hour.to_string()),
            ("WEIYIFANG_BACKUP_KEEP", self.backup_keep.to_string()),
        ]
        .into_iter()
        .chain(self.describe_days())
        .collect()
    }

    /// The settings counted in days: requests' deadlines and the public posting of hours.
    fn describe_days(&self) -> Vec<(&'static str, String)> {
        vec![
            (
                "WEIYIFANG_DAYS_BIG_MATTER",
                self.days_big_matter.to_string(),
            ),
            (
                "WEIYIFANG_DAYS_SMALL_MATTER",
                self.days_small_matter.to_string(),
            ),
            (
                "WEIYIFANG_DAYS_PRIVATE_MATTER",
                self.days_private_matter.to_string(),
            ),
            ("WEIYIFANG_PUBLICITY_DAYS", self.publicity_days.to_string()),
            ("WEIYIFANG_HOLIDAYS", self.holidays.to_string()),
            (
                "WEIYIFANG_MAKEUP_WORKDAYS",
                self.makeup_workdays.to_string(),
            ),
        ]
    }
}

/// Dates from the settings (holidays, make-up working days), checked at start-up.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DateList(pub std::collections::BTreeSet<chrono::NaiveDate>);

impl std::fmt::Display for DateList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} days", self.0.len())
    }
}

fn dates(text: &str) -> Result<DateList, String> {
    event::publicity::parse_dates(text).map(DateList)
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

/// A secret as the start-up log shows it: whether it is set, never its value.
fn secret(value: &str, unset: &str) -> String {
    if value.is_empty() {
        unset.to_owned()
    } else {
        "(set)".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn passwords_are_hidden_from_the_startup_log() {
        assert_eq!(
            redact_url("postgres://app:s3cr3t@db.example:5432/weiyifang"),
            "postgres://app:***@db.example:5432/weiyifang"
        );
        assert_eq!(
            redact_url("postgres://postgres@127.0.0.1:5432/postgres"),
            "postgres://postgres@127.0.0.1:5432/postgres"
        );
        assert_eq!(
            redact_url("sqlite://data/weiyifang.db?mode=rwc"),
            "sqlite://data/weiyifang.db?mode=rwc"
        );
    }
}
