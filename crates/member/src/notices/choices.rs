//! How each person wants to be told: by SMS, by e-mail (to the address they give here), and
//! whether they want reminders at all. The inbox is always on: notices about their own
//! sign-ups stay there whatever they choose.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait};
use serde::Serialize;
use uuid::Uuid;

use crate::entities::notice_setting;
use crate::{Actor, FieldError, MemberError, audit};

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Choices {
    pub email: Option<String>,
    pub by_sms: bool,
    pub by_email: bool,
    pub reminders: bool,
    /// `zh-CN` or `en`.
    pub lang: String,
}

impl Default for Choices {
    fn default() -> Self {
        Choices {
            email: None,
            by_sms: true,
            by_email: true,
            reminders: true,
            lang: "zh-CN".into(),
        }
    }
}

pub async fn choices_of(db: &impl ConnectionTrait, person_id: Uuid) -> Result<Choices, DbErr> {
    Ok(notice_setting::Entity::find_by_id(person_id)
        .one(db)
        .await?
        .map(Choices::from)
        .unwrap_or_default())
}

impl From<notice_setting::Model> for Choices {
    fn from(row: notice_setting::Model) -> Self {
        Choices {
            email: row.email,
            by_sms: row.by_sms,
            by_email: row.by_email,
            reminders: row.reminders,
            lang: row.lang,
        }
    }
}

/// An address as typed: one `@` with something on both sides and a dot after it, no spaces.
fn checked_email(typed: Option<&str>) -> Result<Option<String>, FieldError> {
    let Some(typed) = typed.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let plausible = typed.len() <= 254
        && !typed.chars().any(|c| c.is_whitespace() || c.is_control())
        && typed.split_once('@').is_some_and(|(user, host)| {
            !user.is_empty()
                && host.contains('.')
                && !host.contains('@')
                && !host.starts_with('.')
                && !host.ends_with('.')
        });
    if plausible {
        Ok(Some(typed.to_string()))
    } else {
        Err(FieldError::new("email", "error-email-invalid"))
    }
}

/// Saves the signed-in person's choices. E-mail needs an address.
pub async fn save_choices(
    db: &impl ConnectionTrait,
    actor: &Actor,
    input: &Choices,
    now: DateTime<Utc>,
) -> Result<Choices, MemberError> {
    let email = checked_email(input.email.as_deref())?;
    if input.by_email && email.is_none() {
        return Err(MemberError::field("email", "error-email-needed"));
    }
    let lang = if input.lang == "en" { "en" } else { "zh-CN" };
    notice_setting::Entity::insert(notice_setting::ActiveModel {
        person_id: Set(actor.person_id),
        email: Set(email),
        by_sms: Set(input.by_sms),
        by_email: Set(input.by_email),
        reminders: Set(input.reminders),
        lang: Set(lang.into()),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(notice_setting::Column::PersonId)
            .update_columns([
                notice_setting::Column::Email,
                notice_setting::Column::BySms,
                notice_setting::Column::ByEmail,
                notice_setting::Column::Reminders,
                notice_setting::Column::Lang,
                notice_setting::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    audit::record(
        db,
        Some(actor.person_id),
        "notices.choose",
        "person",
        Some(actor.person_id),
        "",
    )
    .await?;
    Ok(choices_of(db, actor.person_id).await?)
}
