//! Notifications leaving the platform. The outbox (`member::notices::outbox`) holds what is
//! due; the worker here claims it, sends each message by its channel and records how it
//! went. Reminders are written into the outbox by their own job
//! (`event::notify::enqueue_reminders`). Both run inside `serve` (see `crate::jobs`), and
//! any number of servers may run them at once.

mod email;
mod settings;
pub mod sms;
pub mod texts;

use std::sync::Once;

use chrono::{DateTime, Utc};
use member::notices::outbox::{self, Channel, Claimed, Outcome, Policy};
use sea_orm::DatabaseConnection;

pub use email::Mailer;
pub use settings::NoticeSettings;
pub use sms::Sms;

/// The channels as configured.
pub struct Outbound {
    pub sms: Sms,
    pub email: Option<Mailer>,
}

impl Outbound {
    pub fn from_settings(settings: &crate::Settings) -> Result<Outbound, String> {
        Ok(Outbound {
            sms: Sms::from_settings(&settings.notices)?,
            email: Mailer::from_settings(&settings.notices, settings.origin())?,
        })
    }

    async fn send(&self, message: &Claimed) -> Outcome {
        match (message.channel, &self.email) {
            (Channel::Sms, _) => self.sms.send(message).await,
            (Channel::Email, Some(mailer)) => mailer.send(message).await,
            (Channel::Email, None) => Outcome::Skipped("no SMTP server is set".into()),
        }
    }
}

/// One round of the worker: claims what is due, sends it, records each outcome. Returns
/// how many messages were tried.
pub async fn deliver_due(
    db: &DatabaseConnection,
    outbound: &Outbound,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Result<usize, sea_orm::DbErr> {
    let claimed = outbox::claim(db, policy, now).await?;
    for message in &claimed {
        let outcome = outbound.send(message).await;
        if let Outcome::Retry(why) | Outcome::Refused(why) = &outcome {
            tracing::warn!(key = %message.id, channel = message.channel.as_str(), reason = %why, "a message did not go");
        }
        if !outbox::finish(db, policy, message, &outcome, Utc::now()).await? {
            tracing::warn!(key = %message.id, "a message's claim had lapsed; another worker has it");
        }
    }
    Ok(claimed.len())
}

/// rustls needs one crypto provider for the process: ring (no C toolchain beyond cc).
pub fn install_tls_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Already installed (by a test, say) is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}
