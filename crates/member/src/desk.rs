//! The market desk: staff find a walk-in volunteer in seconds, by part of their name or the
//! last four digits of their phone, and put them on a shift with one tap
//! (`event::signups::sign_up_at_desk`). Numbers are shown masked.

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use uuid::Uuid;

use crate::entities::person;
use crate::fields::mask_phone;
use crate::{Actor, MemberError};

/// At most this many people a search: a desk list, not a directory.
pub const DESK_RESULTS: u64 = 20;

/// Someone found at the desk.
#[derive(Clone, Debug, Serialize)]
pub struct DeskPerson {
    pub person_id: Uuid,
    pub name: String,
    /// Masked: `138****5678`.
    pub phone: Option<String>,
}

impl DeskPerson {
    fn of(person: person::Model) -> DeskPerson {
        DeskPerson {
            person_id: person.id,
            name: person.name,
            phone: person.phone.as_deref().map(mask_phone),
        }
    }
}

/// What was typed: four digits are the end of a phone number, anything else part of a name.
enum Query<'a> {
    PhoneTail(&'a str),
    Name(&'a str),
}

fn query_of(typed: &str) -> Option<Query<'_>> {
    let typed = typed.trim();
    if typed.len() == 4 && typed.bytes().all(|b| b.is_ascii_digit()) {
        Some(Query::PhoneTail(typed))
    } else if typed.is_empty() || typed.chars().count() > 20 {
        None
    } else {
        Some(Query::Name(typed))
    }
}

/// Staff search for people at the desk. An empty or unusable query finds nobody.
pub async fn search(
    db: &impl ConnectionTrait,
    actor: &Actor,
    typed: &str,
) -> Result<Vec<DeskPerson>, MemberError> {
    if !actor.is_staff() {
        return Err(MemberError::Forbidden);
    }
    let Some(query) = query_of(typed) else {
        return Ok(Vec::new());
    };
    let found = person::Entity::find().filter(person::Column::ErasedAt.is_null());
    // LIKE's own wildcards in a name are taken literally.
    let escape = |text: &str| {
        text.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    };
    let found =
        match query {
            Query::PhoneTail(tail) => found.filter(person::Column::Phone.like(format!("%{tail}"))),
            Query::Name(part) => found.filter(Expr::col(person::Column::Name).like(
                sea_orm::sea_query::LikeExpr::new(format!("%{}%", escape(part))).escape('\\'),
            )),
        };
    Ok(found
        .order_by_asc(person::Column::Name)
        .limit(DESK_RESULTS)
        .all(db)
        .await?
        .into_iter()
        .map(DeskPerson::of)
        .collect())
}

/// One person staff picked at the desk; `NotFound` for an unknown or erased person.
pub async fn find_one(
    db: &impl ConnectionTrait,
    actor: &Actor,
    person_id: Uuid,
) -> Result<DeskPerson, MemberError> {
    if !actor.is_staff() {
        return Err(MemberError::Forbidden);
    }
    person::Entity::find_by_id(person_id)
        .filter(person::Column::ErasedAt.is_null())
        .one(db)
        .await?
        .map(DeskPerson::of)
        .ok_or(MemberError::NotFound)
}
