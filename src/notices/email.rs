//! Sending e-mail by SMTP (lettre). The message id carries the delivery's idempotency key,
//! so a message sent twice after a worker died is recognisably the same message.

use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, Mailbox, Message};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use member::notices::outbox::{Claimed, Outcome};

use super::NoticeSettings;
use super::texts;
use crate::i18n::Lang;

pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    origin: String,
}

impl Mailer {
    /// None when no SMTP server is set.
    pub fn from_settings(
        settings: &NoticeSettings,
        origin: String,
    ) -> Result<Option<Mailer>, String> {
        if settings.smtp_url.trim().is_empty() {
            return Ok(None);
        }
        super::install_tls_provider();
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(settings.smtp_url.trim())
            .map_err(|e| format!("WEIYIFANG_SMTP_URL: {e}"))?
            .build();
        let from = settings
            .mail_from
            .parse()
            .map_err(|e| format!("WEIYIFANG_MAIL_FROM: {e}"))?;
        Ok(Some(Mailer {
            transport,
            from,
            origin,
        }))
    }

    pub async fn send(&self, message: &Claimed) -> Outcome {
        let lang = Lang::from_tag(&message.lang).unwrap_or_default();
        let Ok(to) = message.to.parse::<Mailbox>() else {
            return Outcome::Refused("the address cannot be used".into());
        };
        let (subject, body) = texts::email(
            lang,
            message.kind,
            &message.args,
            &message.link,
            &self.origin,
        );
        let built = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .message_id(Some(format!("<{}@weiyifang>", message.id)))
            .header(ContentType::TEXT_PLAIN)
            .body(
                Body::new_with_encoding(body, ContentTransferEncoding::Base64)
                    .unwrap_or_else(Body::new),
            );
        let Ok(email) = built else {
            return Outcome::Refused("the message could not be built".into());
        };
        match self.transport.send(email).await {
            Ok(_) => Outcome::Sent,
            // The server's code only: its text may repeat the address.
            Err(e) if e.is_permanent() => Outcome::Refused(format!("smtp refused {}", code_of(&e))),
            Err(e) => Outcome::Retry(format!("smtp {}", code_of(&e))),
        }
    }
}

fn code_of(error: &lettre::transport::smtp::Error) -> String {
    error
        .status()
        .map_or_else(|| "(no reply)".to_owned(), |code| code.to_string())
}
