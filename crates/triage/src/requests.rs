//! Requests coming in (a resident's own submission, or one a coordinator enters for them),
//! following one with its tracking code, and the lists: the coordinators' board, a leader's
//! assigned requests, and the anonymised public board.

use chrono::{DateTime, Duration, Utc};
use member::fields::text;
use member::secrets::digest;
use member::{Actor, FieldError, Phone};
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::Expr;
use sea_orm::{Condition, DatabaseConnection, PaginatorTrait, QueryOrder, QuerySelect, Set};

use crate::entities::{request, request_update};
use crate::kinds::{Category, Channel, Class, Status, UpdateKind};
use crate::{Policy, TriageError};

/// Letters and digits nobody confuses when reading them out (no 0/O, 1/I/L).
const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
const CODE_LEN: usize = 10;

/// A new tracking code: 10 characters, about 50 bits, so codes cannot be guessed.
fn new_tracking_code() -> String {
    let mut bytes = [0u8; CODE_LEN];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    bytes
        .iter()
        .map(|b| CODE_ALPHABET[usize::from(*b) % CODE_ALPHABET.len()] as char)
        .collect()
}

/// A code as people type it: any case, with spaces or dashes.
pub fn normalize_code(input: &str) -> String {
    input
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// A request as typed on the form or sent to the API.
#[derive(Clone, Debug, Default)]
pub struct RequestInput {
    pub category: String,
    pub description: String,
    pub community: String,
    pub place: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub may_contact: bool,
    /// Only for requests entered on a resident's behalf: phone, visit, wechat.
    pub channel: String,
}

pub const DESCRIPTION_MAX: usize = 1000;

struct ValidRequest {
    category: Category,
    description: String,
    community: String,
    place: String,
    contact_name: String,
    contact_phone: Option<String>,
    may_contact: bool,
}

impl RequestInput {
    fn validate(&self) -> Result<ValidRequest, TriageError> {
        let mut errors = Vec::new();
        let category = Category::parse(&self.category);
        if category.is_none() {
            errors.push(FieldError::new("category", "error-choose-one"));
        }
        let description = text(
            &mut errors,
            "description",
            &self.description,
            DESCRIPTION_MAX,
            true,
        );
        let community = text(&mut errors, "community", &self.community, 50, true);
        let place = text(&mut errors, "place", &self.place, 100, false);
        let contact_name = text(&mut errors, "contact_name", &self.contact_name, 50, false);
        let contact_phone = match self.contact_phone.trim() {
            "" => None,
            typed => match Phone::parse("contact_phone", typed) {
                Ok(phone) => Some(phone.as_str().to_owned()),
                Err(err) => {
                    errors.push(err);
                    None
                }
            },
        };
        if self.may_contact && contact_phone.is_none() && self.contact_phone.trim().is_empty() {
            errors.push(FieldError::new(
                "contact_phone",
                "error-contact-phone-needed",
            ));
        }
        match (category, errors.is_empty()) {
            (Some(category), true) => Ok(ValidRequest {
                category,
                description,
                community,
                place,
                contact_name,
                contact_phone,
                may_contact: self.may_contact,
            }),
            _ => Err(TriageError::Invalid(errors)),
        }
    }
}

/// A resident's own submission from the public page. Limited per client address.
pub async fn submit_public(
    db: &DatabaseConnection,
    policy: &Policy,
    input: &RequestInput,
    client_address: &str,
    now: DateTime<Utc>,
) -> Result<request::Model, TriageError> {
    let valid = input.validate()?;
    let from = digest(&format!("request:{client_address}"));
    let recent = request::Entity::find()
        .filter(request::Column::SubmittedFrom.eq(from.clone()))
        .filter(request::Column::CreatedAt.gt(now - Duration::hours(1)))
        .count(db)
        .await?;
    if recent >= policy.submissions_per_hour {
        return Err(TriageError::Throttled(3600));
    }
    insert(db, valid, Channel::Web, None, Some(from), now).await
}

/// A coordinator enters a request received by phone, visit or WeChat.
pub async fn submit_on_behalf(
    db: &DatabaseConnection,
    actor: &Actor,
    input: &RequestInput,
    now: DateTime<Utc>,
) -> Result<request::Model, TriageError> {
    if !actor.is_staff() {
        return Err(TriageError::Forbidden);
    }
    let channel = Channel::parse(&input.channel).filter(|c| *c != Channel::Web);
    let valid = match (input.validate(), channel) {
        (Ok(valid), Some(_)) => valid,
        (Ok(_), None) => return Err(TriageError::field("channel", "error-choose-one")),
        (Err(TriageError::Invalid(mut errors)), None) => {
            errors.insert(0, FieldError::new("channel", "error-choose-one"));
            return Err(TriageError::Invalid(errors));
        }
        (Err(other), _) => return Err(other),
    };
    let channel = channel.unwrap_or(Channel::Phone);
    insert(db, valid, channel, Some(actor.person_id), None, now).await
}

async fn insert(
    db: &DatabaseConnection,
    valid: ValidRequest,
    channel: Channel,
    entered_by: Option<Uuid>,
    submitted_from: Option<String>,
    now: DateTime<Utc>,
) -> Result<request::Model, TriageError> {
    let txn = member::tx::begin_write(db).await?;
    let created = request::ActiveModel {
        id: Set(Uuid::now_v7()),
        tracking_code: Set(new_tracking_code()),
        category: Set(valid.category),
        description: Set(valid.description),
        community: Set(valid.community),
        place: Set(valid.place),
        contact_name: Set(valid.contact_name),
        may_contact: Set(valid.may_contact),
        contact_phone: Set(valid.contact_phone),
        channel: Set(channel),
        entered_by: Set(entered_by),
        submitted_from: Set(submitted_from),
        class: Set(None),
        class_reason: Set(String::new()),
        status: Set(Status::Received),
        organization_id: Set(None),
        project_id: Set(None),
        department: Set(String::new()),
        referred_on: Set(None),
        reference_no: Set(String::new()),
        guidance: Set(String::new()),
        resolution: Set(String::new()),
        public_summary: Set(String::new()),
        clock_from: Set(now),
        due_at: Set(None),
        round: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        resolved_at: Set(None),
    }
    .insert(&txn)
    .await?;
    add_update(
        &txn,
        created.id,
        entered_by,
        UpdateKind::Submitted,
        channel.as_str(),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// Appends a line to a request's timeline.
pub(crate) async fn add_update(
    db: &impl ConnectionTrait,
    request_id: Uuid,
    person_id: Option<Uuid>,
    kind: UpdateKind,
    note: impl Into<String>,
    at: DateTime<Utc>,
) -> Result<(), TriageError> {
    add_update_with_class(db, request_id, person_id, kind, note, None, at).await
}

/// The resident hears of each step of their request by SMS, with its tracking code, when
/// they gave a number and agreed to be contacted.
async fn tell_resident(
    db: &impl ConnectionTrait,
    request_id: Uuid,
    at: DateTime<Utc>,
) -> Result<(), TriageError> {
    let found = find(db, request_id).await?;
    let (Some(phone), true) = (found.contact_phone.as_deref(), found.may_contact) else {
        return Ok(());
    };
    let link = format!("/requests/track?code={}", found.tracking_code);
    let notice = member::notices::Notice::new(member::notices::Kind::RequestUpdated, link)
        .arg("code", found.tracking_code.clone())
        .arg("status", found.status.as_str());
    member::notices::send_sms_to(db, phone, &notice, at).await?;
    Ok(())
}

pub(crate) async fn add_update_with_class(
    db: &impl ConnectionTrait,
    request_id: Uuid,
    person_id: Option<Uuid>,
    kind: UpdateKind,
    note: impl Into<String>,
    class: Option<Class>,
    at: DateTime<Utc>,
) -> Result<(), TriageError> {
    request_update::ActiveModel {
        id: Set(Uuid::now_v7()),
        request_id: Set(request_id),
        at: Set(at),
        person_id: Set(person_id),
        kind: Set(kind),
        note: Set(note.into()),
        class: Set(class),
    }
    .insert(db)
    .await?;
    if kind.tells_resident() {
        tell_resident(db, request_id, at).await?;
    }
    Ok(())
}

/// Takes the request's row lock for the rest of the transaction (a no-op update), then
/// reads it: two coordinators acting at once see each other's result.
pub(crate) async fn lock(
    txn: &member::tx::WriteTxn,
    id: Uuid,
) -> Result<request::Model, TriageError> {
    let locked = request::Entity::update_many()
        .col_expr(
            request::Column::UpdatedAt,
            Expr::col(request::Column::UpdatedAt),
        )
        .filter(request::Column::Id.eq(id))
        .exec(txn)
        .await?;
    if locked.rows_affected != 1 {
        return Err(TriageError::NotFound);
    }
    crate::requests::find(txn, id).await
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<request::Model, TriageError> {
    request::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(TriageError::NotFound)
}

/// The request a tracking code belongs to.
pub async fn find_by_code(
    db: &impl ConnectionTrait,
    code: &str,
) -> Result<request::Model, TriageError> {
    let code = normalize_code(code);
    if code.len() != CODE_LEN {
        return Err(TriageError::NotFound);
    }
    request::Entity::find()
        .filter(request::Column::TrackingCode.eq(code))
        .one(db)
        .await?
        .ok_or(TriageError::NotFound)
}

/// Staff see every request; a leader those small matters assigned to their organization.
pub fn can_view(actor: &Actor, found: &request::Model) -> bool {
    actor.is_staff()
        || found
            .organization_id
            .is_some_and(|org| actor.leads.contains(&org))
}

/// The resident's full phone number, for staff or the leader the matter is assigned to;
/// every reveal is written to the audit log.
pub async fn reveal_contact(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
) -> Result<(request::Model, String), TriageError> {
    let found = find(db, id).await?;
    if !can_view(actor, &found) {
        return Err(TriageError::Forbidden);
    }
    let phone = found.contact_phone.clone().ok_or(TriageError::NotFound)?;
    member::audit::record(
        db,
        Some(actor.person_id),
        "request.contact_reveal",
        "resident_request",
        Some(found.id),
        "",
    )
    .await?;
    Ok((found, phone))
}

/// The timeline, oldest first.
pub async fn timeline(
    db: &impl ConnectionTrait,
    request_id: Uuid,
) -> Result<Vec<request_update::Model>, TriageError> {
    Ok(request_update::Entity::find()
        .filter(request_update::Column::RequestId.eq(request_id))
        .order_by_asc(request_update::Column::At)
        .order_by_asc(request_update::Column::Id)
        .all(db)
        .await?)
}

#[derive(Clone, Debug, Default)]
pub struct RequestFilter {
    pub class: Option<Class>,
    /// Only those not yet classified.
    pub unclassified: bool,
    pub status: Option<Status>,
    pub community: Option<String>,
    pub category: Option<Category>,
    pub overdue: bool,
}

pub struct RequestList {
    pub rows: Vec<request::Model>,
    pub total: u64,
    pub overdue: u64,
}

fn overdue_condition(now: DateTime<Utc>) -> Condition {
    Condition::all().add(request::Column::DueAt.lt(now)).add(
        request::Column::Status.is_not_in([Status::Resolved.as_str(), Status::Closed.as_str()]),
    )
}

/// The board: staff see all, a leader what is assigned to their organizations. Open ones
/// with the nearest deadline first, then the newest.
pub async fn list(
    db: &impl ConnectionTrait,
    actor: &Actor,
    filter: &RequestFilter,
    now: DateTime<Utc>,
    page: u64,
    per_page: u64,
) -> Result<RequestList, TriageError> {
    let mut query = request::Entity::find();
    if !actor.is_staff() {
        query = query.filter(request::Column::OrganizationId.is_in(actor.leads.clone()));
    }
    if let Some(class) = filter.class {
        query = query.filter(request::Column::Class.eq(class.as_str()));
    }
    if filter.unclassified {
        query = query.filter(request::Column::Class.is_null());
    }
    if let Some(status) = filter.status {
        query = query.filter(request::Column::Status.eq(status.as_str()));
    }
    if let Some(community) = &filter.community {
        query = query.filter(request::Column::Community.eq(community.clone()));
    }
    if let Some(category) = filter.category {
        query = query.filter(request::Column::Category.eq(category.as_str()));
    }
    let overdue = query
        .clone()
        .filter(overdue_condition(now))
        .count(db)
        .await?;
    if filter.overdue {
        query = query.filter(overdue_condition(now));
    }
    let total = query.clone().count(db).await?;
    let rows = query
        .order_by_asc(Expr::cust(
            "CASE WHEN status IN ('resolved', 'closed') THEN 1 ELSE 0 END",
        ))
        .order_by_desc(request::Column::CreatedAt)
        .offset(page.saturating_sub(1) * per_page)
        .limit(per_page)
        .all(db)
        .await?;
    Ok(RequestList {
        rows,
        total,
        overdue,
    })
}

/// The communities requests have come from, for the board's filter.
pub async fn communities(db: &impl ConnectionTrait) -> Result<Vec<String>, TriageError> {
    Ok(request::Entity::find()
        .select_only()
        .column(request::Column::Community)
        .distinct()
        .order_by_asc(request::Column::Community)
        .into_tuple()
        .all(db)
        .await?)
}

/// The public board, newest first: everything but who asked, what they wrote and where.
pub async fn public_board(
    db: &impl ConnectionTrait,
    page: u64,
    per_page: u64,
) -> Result<(Vec<request::Model>, u64), TriageError> {
    let query = request::Entity::find();
    let total = query.clone().count(db).await?;
    let rows = query
        .order_by_desc(request::Column::CreatedAt)
        .offset(page.saturating_sub(1) * per_page)
        .limit(per_page)
        .all(db)
        .await?;
    Ok((rows, total))
}

/// Requests received in `[from, until)`, counted by class (`None`: not yet classified) and
/// by where they stand now: the residents' requests table of the monthly report.
pub async fn counts(
    db: &impl ConnectionTrait,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<std::collections::BTreeMap<(Option<&'static str>, &'static str), u64>, TriageError> {
    let mut counts = std::collections::BTreeMap::new();
    for (class, status) in request::Entity::find()
        .select_only()
        .column(request::Column::Class)
        .column(request::Column::Status)
        .filter(request::Column::CreatedAt.gte(from))
        .filter(request::Column::CreatedAt.lt(until))
        .into_tuple::<(Option<Class>, Status)>()
        .all(db)
        .await?
    {
        *counts
            .entry((class.map(Class::as_str), status.as_str()))
            .or_default() += 1;
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_readable_and_typed_back_in_any_form() {
        let code = new_tracking_code();
        assert_eq!(code.len(), CODE_LEN);
        assert!(code.bytes().all(|b| CODE_ALPHABET.contains(&b)));
        let typed = format!(" {}-{} ", &code[..5].to_lowercase(), &code[5..]);
        assert_eq!(normalize_code(&typed), code);
    }

    #[test]
    fn a_request_needs_what_it_is_about_and_a_reachable_phone_if_contact_is_wanted() {
        let input = RequestInput {
            category: "weather".into(),
            description: "x".repeat(DESCRIPTION_MAX + 1),
            community: "南湖社区".into(),
            contact_phone: "12345".into(),
            may_contact: true,
            ..RequestInput::default()
        };
        let Err(TriageError::Invalid(errors)) = input.validate() else {
            panic!("invalid");
        };
        let fields: Vec<_> = errors.iter().map(|e| (e.field, e.reason)).collect();
        assert_eq!(
            fields,
            [
                ("category", "error-choose-one"),
                ("description", "error-too-long"),
                ("contact_phone", "error-phone-invalid"),
            ]
        );
        let no_phone = RequestInput {
            category: "parking".into(),
            description: "楼下车位被占".into(),
            community: "南湖社区".into(),
            may_contact: true,
            ..RequestInput::default()
        };
        let Err(TriageError::Invalid(errors)) = no_phone.validate() else {
            panic!("a phone is needed to be contacted");
        };
        assert_eq!(errors[0].reason, "error-contact-phone-needed");
    }
}
