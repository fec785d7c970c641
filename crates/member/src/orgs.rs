//! Organizations and their incubation: applying, admitting, registering directly, the
//! stage lifecycle with its history, and the public directory.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::Expr;
use sea_orm::{
    Condition, DatabaseConnection, FromQueryResult, PaginatorTrait, QueryOrder, QuerySelect, Set,
    SqlErr,
};
use serde::Serialize;

use crate::entities::{membership, organization, organization_logo, person, stage_change};
use crate::fields::{PersonName, Phone, text};
use crate::memberships::{self, MemberRole};
use crate::{Actor, FieldError, MemberError, audit, tx};

/// What an organization works on: the six themes of the 微益坊 projects, or other.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(20))")]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    /// 呵护童心
    #[sea_orm(string_value = "children")]
    Children,
    /// 环保先锋
    #[sea_orm(string_value = "environment")]
    Environment,
    /// 治安巡逻
    #[sea_orm(string_value = "safety")]
    Safety,
    /// 情系暮年
    #[sea_orm(string_value = "elderly")]
    Elderly,
    /// 十乱整治
    #[sea_orm(string_value = "tidiness")]
    Tidiness,
    /// 应用APP
    #[sea_orm(string_value = "smart_community")]
    SmartCommunity,
    #[sea_orm(string_value = "other")]
    Other,
}

/// Legal standing with the civil-affairs bureau.
#[derive(Copy, Clone, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(20))")]
#[serde(rename_all = "snake_case")]
pub enum Registration {
    /// 登记: registered as a social organization.
    #[sea_orm(string_value = "registered")]
    Registered,
    /// 备案: filed with the sub-district.
    #[sea_orm(string_value = "filed")]
    Filed,
    #[sea_orm(string_value = "none")]
    None,
}

/// Where an organization is in its incubation.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(20))")]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Applied for incubation, waiting for the street office.
    #[sea_orm(string_value = "applied")]
    Applied,
    /// The application was not accepted.
    #[sea_orm(string_value = "declined")]
    Declined,
    #[sea_orm(string_value = "incubating")]
    Incubating,
    /// 出壳: hatched, standing on its own.
    #[sea_orm(string_value = "graduated")]
    Graduated,
    #[sea_orm(string_value = "suspended")]
    Suspended,
    #[sea_orm(string_value = "exited")]
    Exited,
}

macro_rules! string_enum {
    ($name:ident { $($variant:ident = $text:literal),* $(,)? }) => {
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),* }
            }

            pub fn parse(input: &str) -> Option<$name> {
                match input.trim() { $($text => Some($name::$variant),)* _ => None }
            }
        }
    };
}

string_enum!(Theme {
    Children = "children",
    Environment = "environment",
    Safety = "safety",
    Elderly = "elderly",
    Tidiness = "tidiness",
    SmartCommunity = "smart_community",
    Other = "other",
});
string_enum!(Registration { Registered = "registered", Filed = "filed", None = "none" });
string_enum!(Stage {
    Applied = "applied",
    Declined = "declined",
    Incubating = "incubating",
    Graduated = "graduated",
    Suspended = "suspended",
    Exited = "exited",
});

impl Stage {
    /// The stages an organization may move to from this one. Declined and exited are
    /// final; everything else follows the incubation path.
    pub fn next(self) -> &'static [Stage] {
        match self {
            Stage::Applied => &[Stage::Incubating, Stage::Declined],
            Stage::Incubating => &[Stage::Graduated, Stage::Suspended, Stage::Exited],
            Stage::Suspended => &[Stage::Incubating, Stage::Exited],
            Stage::Graduated => &[Stage::Suspended, Stage::Exited],
            Stage::Declined | Stage::Exited => &[],
        }
    }

    pub fn can_move_to(self, to: Stage) -> bool {
        self.next().contains(&to)
    }

    /// Shown in the public directory: applications are the street office's business.
    pub fn is_public(self) -> bool {
        !matches!(self, Stage::Applied | Stage::Declined)
    }
}

/// The fields of an organization as typed in a form or sent to the API.
#[derive(Clone, Debug, Default)]
pub struct OrgInput {
    pub name: String,
    pub short_name: String,
    pub theme: String,
    pub community: String,
    pub description: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub registration: String,
    /// `YYYY-MM-DD` or empty.
    pub founded_on: String,
}

struct ValidOrg {
    name: String,
    short_name: String,
    theme: Theme,
    community: String,
    description: String,
    contact_name: String,
    contact_phone: String,
    registration: Registration,
    founded_on: Option<NaiveDate>,
}

impl OrgInput {
    fn validate(&self, today: NaiveDate) -> Result<ValidOrg, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = text(&mut errors, "name", &self.name, 100, true);
        let mut short_name = text(&mut errors, "short_name", &self.short_name, 30, false);
        if short_name.is_empty() {
            short_name = name.chars().take(30).collect();
        }
        let theme = Theme::parse(&self.theme);
        if theme.is_none() {
            errors.push(FieldError::new("theme", "error-choose-one"));
        }
        let community = text(&mut errors, "community", &self.community, 50, true);
        let description = text(&mut errors, "description", &self.description, 4000, false);
        let contact_name = match PersonName::parse("contact_name", &self.contact_name) {
            Ok(name) => name.as_str().to_owned(),
            Err(e) => {
                errors.push(e);
                String::new()
            }
        };
        let contact_phone = match Phone::parse("contact_phone", &self.contact_phone) {
            Ok(phone) => phone.as_str().to_owned(),
            Err(e) => {
                errors.push(e);
                String::new()
            }
        };
        let registration = match self.registration.trim() {
            "" => Some(Registration::None),
            typed => Registration::parse(typed),
        };
        if registration.is_none() {
            errors.push(FieldError::new("registration", "error-choose-one"));
        }
        let founded_on = match self.founded_on.trim() {
            "" => None,
            typed => match NaiveDate::parse_from_str(typed, "%Y-%m-%d") {
                Ok(date) if date <= today && date.year() >= 1900 => Some(date),
                _ => {
                    errors.push(FieldError::new("founded_on", "error-date-invalid"));
                    None
                }
            },
        };
        match (theme, registration, errors.is_empty()) {
            (Some(theme), Some(registration), true) => Ok(ValidOrg {
                name,
                short_name,
                theme,
                community,
                description,
                contact_name,
                contact_phone,
                registration,
                founded_on,
            }),
            _ => Err(errors),
        }
    }
}

fn name_taken_or(err: DbErr) -> MemberError {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => {
            MemberError::field("name", "error-org-name-taken")
        }
        _ => MemberError::Database(err),
    }
}

async fn insert_org(
    db: &impl ConnectionTrait,
    valid: ValidOrg,
    stage: Stage,
    applicant_id: Option<Uuid>,
) -> Result<organization::Model, MemberError> {
    let now = Utc::now();
    organization::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(valid.name),
        short_name: Set(valid.short_name),
        theme: Set(valid.theme),
        community: Set(valid.community),
        description: Set(valid.description),
        contact_name: Set(valid.contact_name),
        contact_phone: Set(valid.contact_phone),
        registration: Set(valid.registration),
        founded_on: Set(valid.founded_on),
        stage: Set(stage),
        applicant_id: Set(applicant_id),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .map_err(name_taken_or)
}

async fn record_stage(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    from: Option<Stage>,
    to: Stage,
    on_date: NaiveDate,
    by: Option<Uuid>,
    reason: &str,
) -> Result<(), MemberError> {
    stage_change::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(organization_id),
        from_stage: Set(from),
        to_stage: Set(to),
        on_date: Set(on_date),
        by_id: Set(by),
        reason: Set(reason.to_owned()),
        recorded_at: Set(Utc::now()),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// A prospective leader applies for incubation: the organization starts in `applied`
/// with them as the applicant. They become its leader when it is admitted.
pub async fn apply(
    db: &DatabaseConnection,
    actor: &Actor,
    input: &OrgInput,
    reason: &str,
    today: NaiveDate,
) -> Result<organization::Model, MemberError> {
    let valid = input.validate(today).map_err(MemberError::Invalid)?;
    let txn = tx::begin_write(db).await?;
    let org = insert_org(&txn, valid, Stage::Applied, Some(actor.person_id)).await?;
    record_stage(
        &txn,
        org.id,
        None,
        Stage::Applied,
        today,
        Some(actor.person_id),
        reason.trim(),
    )
    .await?;
    audit::record(
        &txn,
        Some(actor.person_id),
        "organization.apply",
        "organization",
        Some(org.id),
        "",
    )
    .await?;
    txn.commit().await?;
    Ok(org)
}

/// Staff register an organization directly, already incubating, optionally with its
/// first leader (an existing person, found by phone).
pub async fn register(
    db: &DatabaseConnection,
    actor: &Actor,
    input: &OrgInput,
    leader_phone: &str,
    today: NaiveDate,
) -> Result<organization::Model, MemberError> {
    if !actor.can_steer_incubation() {
        return Err(MemberError::Forbidden);
    }
    let valid = input.validate(today);
    let mut errors = valid.as_ref().err().cloned().unwrap_or_default();
    let leader = match leader_phone.trim() {
        "" => None,
        typed => match Phone::parse("leader_phone", typed) {
            Ok(phone) => match memberships::find_person_by_phone(db, &phone).await? {
                Some(person) => Some(person),
                None => {
                    errors.push(FieldError::new("leader_phone", "error-person-not-found"));
                    None
                }
            },
            Err(e) => {
                errors.push(e);
                None
            }
        },
    };
    let valid = match (valid, errors.is_empty()) {
        (Ok(valid), true) => valid,
        _ => return Err(MemberError::Invalid(errors)),
    };
    let txn = tx::begin_write(db).await?;
    let org = insert_org(&txn, valid, Stage::Incubating, None).await?;
    record_stage(
        &txn,
        org.id,
        None,
        Stage::Incubating,
        today,
        Some(actor.person_id),
        "",
    )
    .await?;
    if let Some(leader) = leader {
        memberships::insert(&txn, org.id, leader.id, MemberRole::Leader, today).await?;
    }
    audit::record(
        &txn,
        Some(actor.person_id),
        "organization.register",
        "organization",
        Some(org.id),
        "",
    )
    .await?;
    txn.commit().await?;
    Ok(org)
}

/// Leaders and staff correct an organization's details.
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    organization_id: Uuid,
    input: &OrgInput,
    today: NaiveDate,
) -> Result<organization::Model, MemberError> {
    let org = find(db, organization_id).await?;
    if !actor.can_manage_org(org.id) {
        return Err(MemberError::Forbidden);
    }
    let valid = input.validate(today).map_err(MemberError::Invalid)?;
    // Saving the form unchanged changes nothing and logs nothing.
    let unchanged = org.name == valid.name
        && org.short_name == valid.short_name
        && org.theme == valid.theme
        && org.community == valid.community
        && org.description == valid.description
        && org.contact_name == valid.contact_name
        && org.contact_phone == valid.contact_phone
        && org.registration == valid.registration
        && org.founded_on == valid.founded_on;
    if unchanged {
        return Ok(org);
    }
    let mut active: organization::ActiveModel = org.into();
    active.name = Set(valid.name);
    active.short_name = Set(valid.short_name);
    active.theme = Set(valid.theme);
    active.community = Set(valid.community);
    active.description = Set(valid.description);
    active.contact_name = Set(valid.contact_name);
    active.contact_phone = Set(valid.contact_phone);
    active.registration = Set(valid.registration);
    active.founded_on = Set(valid.founded_on);
    active.updated_at = Set(Utc::now());
    let txn = tx::begin_write(db).await?;
    let org = active.update(&txn).await.map_err(name_taken_or)?;
    audit::record(
        &txn,
        Some(actor.person_id),
        "organization.update",
        "organization",
        Some(org.id),
        "",
    )
    .await?;
    txn.commit().await?;
    Ok(org)
}

/// The communities the platform knows: those of its public organizations, sorted. Public
/// pages show a community only when it is one of these (a resident's own words may carry
/// a name and a phone number).
pub async fn communities(db: &impl ConnectionTrait) -> Result<Vec<String>, MemberError> {
    let mut names: Vec<String> = organization::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .filter(|o| o.stage.is_public())
        .map(|o| o.community)
        .collect();
    names.sort();
    names.dedup();
    Ok(names)
}

pub async fn find(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
) -> Result<organization::Model, MemberError> {
    organization::Entity::find_by_id(organization_id)
        .one(db)
        .await?
        .ok_or(MemberError::NotFound)
}

/// Staff move an organization to another stage, with the date and a reason. Admitting
/// an application makes its applicant the leader. Of two moves at the same moment,
/// only the first counts: the second finds the stage changed and is refused.
/// A stage change as typed: a stage this one may move to, a day not in the future (today
/// when empty), and the reason.
fn checked_move(
    from: Stage,
    to: &str,
    on_date: &str,
    reason: &str,
    today: NaiveDate,
) -> Result<(Stage, NaiveDate, String), MemberError> {
    let mut errors = Vec::new();
    let to = Stage::parse(to);
    match to {
        Some(to) if from.can_move_to(to) => {}
        Some(_) => errors.push(FieldError::new("to", "error-stage-not-allowed")),
        None => errors.push(FieldError::new("to", "error-choose-one")),
    }
    let on_date = match on_date.trim() {
        "" => Some(today),
        typed => match NaiveDate::parse_from_str(typed, "%Y-%m-%d") {
            Ok(date) if date <= today => Some(date),
            _ => {
                errors.push(FieldError::new("on_date", "error-date-invalid"));
                None
            }
        },
    };
    let reason = text(&mut errors, "reason", reason, 500, true);
    match (to, on_date, errors.is_empty()) {
        (Some(to), Some(on_date), true) => Ok((to, on_date, reason)),
        _ => Err(MemberError::Invalid(errors)),
    }
}

/// An application admitted to incubation: the one who applied leads it.
async fn applicant_leads(
    txn: &impl ConnectionTrait,
    org: &organization::Model,
    on_date: NaiveDate,
) -> Result<(), MemberError> {
    if let Some(applicant) = org.applicant_id
        && memberships::current(txn, org.id, applicant)
            .await?
            .is_none()
    {
        memberships::insert(txn, org.id, applicant, MemberRole::Leader, on_date).await?;
    }
    Ok(())
}

pub async fn transition(
    db: &DatabaseConnection,
    actor: &Actor,
    organization_id: Uuid,
    to: &str,
    on_date: &str,
    reason: &str,
    today: NaiveDate,
) -> Result<organization::Model, MemberError> {
    if !actor.can_steer_incubation() {
        return Err(MemberError::Forbidden);
    }
    let org = find(db, organization_id).await?;
    let (to, on_date, reason) = checked_move(org.stage, to, on_date, reason, today)?;

    let txn = tx::begin_write(db).await?;
    let moved = organization::Entity::update_many()
        .col_expr(organization::Column::Stage, Expr::value(to.as_str()))
        .col_expr(organization::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(organization::Column::Id.eq(org.id))
        .filter(organization::Column::Stage.eq(org.stage.as_str()))
        .exec(&txn)
        .await?;
    if moved.rows_affected != 1 {
        return Err(MemberError::field("to", "error-stage-changed-meanwhile"));
    }
    record_stage(
        &txn,
        org.id,
        Some(org.stage),
        to,
        on_date,
        Some(actor.person_id),
        &reason,
    )
    .await?;
    if org.stage == Stage::Applied && to == Stage::Incubating {
        applicant_leads(&txn, &org, on_date).await?;
    }
    audit::record(
        &txn,
        Some(actor.person_id),
        "organization.stage_change",
        "organization",
        Some(org.id),
        format!("{} -> {}", org.stage.as_str(), to.as_str()),
    )
    .await?;
    txn.commit().await?;
    find(db, org.id).await
}

/// The largest logo accepted: a logo is a small picture, not a photo album.
pub const MAX_LOGO_BYTES: usize = 300 * 1024;

/// The image type of a logo, from its first bytes (never from what the browser claims).
fn image_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// Leaders and staff set (or replace) the organization's logo: PNG, JPEG or WebP.
pub async fn set_logo(
    db: &DatabaseConnection,
    actor: &Actor,
    organization_id: Uuid,
    bytes: &[u8],
) -> Result<(), MemberError> {
    let org = find(db, organization_id).await?;
    if !actor.can_manage_org(org.id) {
        return Err(MemberError::Forbidden);
    }
    if bytes.len() > MAX_LOGO_BYTES {
        return Err(MemberError::field("logo", "error-logo-too-big"));
    }
    let content_type = image_type(bytes).ok_or(MemberError::field("logo", "error-logo-format"))?;
    let txn = tx::begin_write(db).await?;
    organization_logo::Entity::delete_by_id(org.id)
        .exec(&txn)
        .await?;
    organization_logo::ActiveModel {
        organization_id: Set(org.id),
        content_type: Set(content_type.to_owned()),
        bytes: Set(bytes.to_vec()),
        updated_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        Some(actor.person_id),
        "organization.update",
        "organization",
        Some(org.id),
        "logo",
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The logo of an organization anyone may see, if it has one.
pub async fn logo(
    db: &impl ConnectionTrait,
    viewer: Option<&Actor>,
    organization_id: Uuid,
) -> Result<organization_logo::Model, MemberError> {
    // The same visibility as the detail page.
    let org = find(db, organization_id).await?;
    if !org.stage.is_public()
        && !viewer.is_some_and(|a| a.is_staff() || Some(a.person_id) == org.applicant_id)
    {
        return Err(MemberError::NotFound);
    }
    organization_logo::Entity::find_by_id(org.id)
        .one(db)
        .await?
        .ok_or(MemberError::NotFound)
}

/// One line of the stage history, with the name of who moved it.
pub struct StageStep {
    pub change: stage_change::Model,
    pub by_name: Option<String>,
}

pub struct OrgDetail {
    pub org: organization::Model,
    pub has_logo: bool,
    pub history: Vec<StageStep>,
    pub member_count: u64,
    pub leaders: Vec<person::Model>,
}

/// Everything the detail page shows. Applications are visible to staff and their
/// applicant only (404 for others: their existence is not public).
pub async fn detail(
    db: &impl ConnectionTrait,
    viewer: Option<&Actor>,
    organization_id: Uuid,
) -> Result<OrgDetail, MemberError> {
    let org = find(db, organization_id).await?;
    if !org.stage.is_public() {
        let allowed = viewer
            .is_some_and(|actor| actor.is_staff() || Some(actor.person_id) == org.applicant_id);
        if !allowed {
            return Err(MemberError::NotFound);
        }
    }
    let changes = stage_change::Entity::find()
        .filter(stage_change::Column::OrganizationId.eq(org.id))
        .order_by_asc(stage_change::Column::RecordedAt)
        .all(db)
        .await?;
    let by_ids: Vec<Uuid> = changes.iter().filter_map(|c| c.by_id).collect();
    let names: HashMap<Uuid, String> = person::Entity::find()
        .filter(person::Column::Id.is_in(by_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let history = changes
        .into_iter()
        .map(|change| StageStep {
            by_name: change.by_id.and_then(|id| names.get(&id).cloned()),
            change,
        })
        .collect();
    let member_count = membership::Entity::find()
        .filter(membership::Column::OrganizationId.eq(org.id))
        .filter(membership::Column::LeftOn.is_null())
        .count(db)
        .await?;
    let leaders = membership::Entity::find()
        .filter(membership::Column::OrganizationId.eq(org.id))
        .filter(membership::Column::LeftOn.is_null())
        .filter(membership::Column::Role.eq(MemberRole::Leader.as_str()))
        .find_also_related(person::Entity)
        .order_by_asc(membership::Column::JoinedOn)
        .all(db)
        .await?
        .into_iter()
        .filter_map(|(_, person)| person)
        .collect();
    let has_logo = organization_logo::Entity::find_by_id(org.id)
        .select_only()
        .column(organization_logo::Column::OrganizationId)
        .into_tuple::<Uuid>()
        .one(db)
        .await?
        .is_some();
    Ok(OrgDetail {
        org,
        has_logo,
        history,
        member_count,
        leaders,
    })
}

/// Directory filters; all optional.
#[derive(Clone, Debug, Default)]
pub struct DirectoryFilter {
    pub stage: Option<Stage>,
    pub theme: Option<Theme>,
    pub community: Option<String>,
    /// Part of the name or short name.
    pub search: Option<String>,
}

pub struct DirectoryRow {
    pub org: organization::Model,
    pub member_count: u64,
}

pub struct Directory {
    pub rows: Vec<DirectoryRow>,
    pub total: u64,
    /// How many organizations are in each stage (of those the viewer may see), before
    /// the other filters.
    pub stage_counts: Vec<(Stage, u64)>,
    /// The communities that have organizations, for the filter.
    pub communities: Vec<String>,
}

#[derive(FromQueryResult)]
struct StageCount {
    stage: Stage,
    count: i64,
}

#[derive(FromQueryResult)]
struct MemberCount {
    organization_id: Uuid,
    count: i64,
}

/// The directory: everyone sees organizations past the application stage; staff see
/// applications too.
/// Applications (pending or declined) are for staff's eyes only.
fn visible(
    query: sea_orm::Select<organization::Entity>,
    staff: bool,
) -> sea_orm::Select<organization::Entity> {
    if staff {
        query
    } else {
        query.filter(
            organization::Column::Stage
                .is_not_in([Stage::Applied.as_str(), Stage::Declined.as_str()]),
        )
    }
}

pub async fn directory(
    db: &impl ConnectionTrait,
    viewer: Option<&Actor>,
    filter: &DirectoryFilter,
    page: u64,
    per_page: u64,
) -> Result<Directory, MemberError> {
    let staff = viewer.is_some_and(Actor::is_staff);
    let counts: HashMap<Stage, u64> = visible(organization::Entity::find(), staff)
        .select_only()
        .column(organization::Column::Stage)
        .column_as(organization::Column::Id.count(), "count")
        .group_by(organization::Column::Stage)
        .into_model::<StageCount>()
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.stage, u64::try_from(c.count).unwrap_or(0)))
        .collect();
    let stage_counts = Stage::ALL
        .iter()
        .filter(|stage| staff || stage.is_public())
        .map(|stage| (*stage, counts.get(stage).copied().unwrap_or(0)))
        .collect();
    let communities: Vec<String> = visible(organization::Entity::find(), staff)
        .select_only()
        .column(organization::Column::Community)
        .distinct()
        .order_by_asc(organization::Column::Community)
        .into_tuple()
        .all(db)
        .await?;
    let query = filter.apply(visible(organization::Entity::find(), staff));
    let total = query.clone().count(db).await?;
    let orgs = query
        .order_by_asc(organization::Column::Name)
        .offset(page.saturating_sub(1) * per_page)
        .limit(per_page)
        .all(db)
        .await?;
    let member_counts = member_counts(db, orgs.iter().map(|o| o.id).collect()).await?;
    let rows = orgs
        .into_iter()
        .map(|org| DirectoryRow {
            member_count: member_counts.get(&org.id).copied().unwrap_or(0),
            org,
        })
        .collect();
    Ok(Directory {
        rows,
        total,
        stage_counts,
        communities,
    })
}

impl DirectoryFilter {
    fn apply(
        &self,
        mut query: sea_orm::Select<organization::Entity>,
    ) -> sea_orm::Select<organization::Entity> {
        if let Some(stage) = self.stage {
            query = query.filter(organization::Column::Stage.eq(stage.as_str()));
        }
        if let Some(theme) = self.theme {
            query = query.filter(organization::Column::Theme.eq(theme.as_str()));
        }
        if let Some(community) = self.community.as_deref().filter(|c| !c.is_empty()) {
            query = query.filter(organization::Column::Community.eq(community));
        }
        let term = self
            .search
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty());
        if let Some(term) = term {
            query = query.filter(
                Condition::any()
                    .add(organization::Column::Name.contains(term))
                    .add(organization::Column::ShortName.contains(term)),
            );
        }
        query
    }
}

/// Current members of each organization named.
async fn member_counts(
    db: &impl ConnectionTrait,
    ids: Vec<Uuid>,
) -> Result<HashMap<Uuid, u64>, MemberError> {
    Ok(membership::Entity::find()
        .select_only()
        .column(membership::Column::OrganizationId)
        .column_as(membership::Column::Id.count(), "count")
        .filter(membership::Column::OrganizationId.is_in(ids))
        .filter(membership::Column::LeftOn.is_null())
        .group_by(membership::Column::OrganizationId)
        .into_model::<MemberCount>()
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.organization_id, u64::try_from(c.count).unwrap_or(0)))
        .collect())
}

/// Organizations and members as they stood at the end of a day: what a period's figures
/// say about them "as of its end".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Census {
    /// Organizations in each stage that day (those that did not exist yet are absent).
    pub by_stage: std::collections::BTreeMap<&'static str, u64>,
    /// Organizations admitted to incubation by registration status (登记, 备案, neither), as
    /// recorded now.
    pub by_registration: std::collections::BTreeMap<&'static str, u64>,
    /// Organizations ever admitted to incubation by that day (any stage but applied or
    /// declined): the "43 incubated organizations" of the article.
    pub incubated: u64,
    /// People who were members that day of an organization then incubating or graduated;
    /// members of suspended or exited organizations are not current.
    pub members: u64,
}

/// The census at the end of `as_of` (a Shanghai date), of all organizations or of one.
/// For one organization its members count whatever its stage.
pub async fn census(
    db: &impl ConnectionTrait,
    as_of: NaiveDate,
    organization: Option<Uuid>,
) -> Result<Census, MemberError> {
    let stage_of = stages_on(db, as_of, organization).await?;
    let mut census = Census::default();
    for stage in stage_of.values() {
        *census.by_stage.entry(stage.as_str()).or_default() += 1;
        if stage.is_public() {
            census.incubated += 1;
        }
    }
    let incubated: Vec<Uuid> = (stage_of.iter())
        .filter(|(_, stage)| stage.is_public())
        .map(|(id, _)| *id)
        .collect();
    for chunk in incubated.chunks(500) {
        let found = organization::Entity::find()
            .filter(organization::Column::Id.is_in(chunk.to_vec()))
            .all(db)
            .await?;
        for org in found {
            *census
                .by_registration
                .entry(org.registration.as_str())
                .or_default() += 1;
        }
    }
    census.members = members_on(db, as_of, organization, &stage_of).await?;
    Ok(census)
}

/// Each organization's stage on the day: the last change on or before it.
async fn stages_on(
    db: &impl ConnectionTrait,
    as_of: NaiveDate,
    organization: Option<Uuid>,
) -> Result<HashMap<Uuid, Stage>, MemberError> {
    let mut changes = stage_change::Entity::find().filter(stage_change::Column::OnDate.lte(as_of));
    if let Some(org) = organization {
        changes = changes.filter(stage_change::Column::OrganizationId.eq(org));
    }
    let mut latest: HashMap<Uuid, (NaiveDate, chrono::DateTime<Utc>, Stage)> = HashMap::new();
    for change in changes.all(db).await? {
        let key = (change.on_date, change.recorded_at);
        let later =
            (latest.get(&change.organization_id)).is_none_or(|(on, at, _)| key >= (*on, *at));
        if later {
            latest.insert(change.organization_id, (key.0, key.1, change.to_stage));
        }
    }
    Ok(latest
        .into_iter()
        .map(|(id, (_, _, stage))| (id, stage))
        .collect())
}

/// People who were members on the day of an organization current then (incubating or
/// graduated), or of the one organization asked about; each counted once.
async fn members_on(
    db: &impl ConnectionTrait,
    as_of: NaiveDate,
    organization: Option<Uuid>,
    stage_of: &HashMap<Uuid, Stage>,
) -> Result<u64, MemberError> {
    let mut memberships = membership::Entity::find()
        .select_only()
        .column(membership::Column::OrganizationId)
        .column(membership::Column::PersonId)
        .filter(membership::Column::JoinedOn.lte(as_of))
        .filter(
            Condition::any()
                .add(membership::Column::LeftOn.is_null())
                .add(membership::Column::LeftOn.gt(as_of)),
        );
    if let Some(org) = organization {
        memberships = memberships.filter(membership::Column::OrganizationId.eq(org));
    }
    let current = |org: &Uuid| {
        organization.is_some()
            || (stage_of.get(org))
                .is_some_and(|s| matches!(s, Stage::Incubating | Stage::Graduated))
    };
    let people: std::collections::HashSet<Uuid> = memberships
        .into_tuple::<(Uuid, Uuid)>()
        .all(db)
        .await?
        .into_iter()
        .filter(|(org, _)| current(org))
        .map(|(_, person)| person)
        .collect();
    Ok(people.len() as u64)
}

/// Every organization, by name (for choosing one in a form).
pub async fn all_by_name(
    db: &impl ConnectionTrait,
) -> Result<Vec<organization::Model>, MemberError> {
    Ok(organization::Entity::find()
        .order_by_asc(organization::Column::Name)
        .all(db)
        .await?)
}

/// The names of these organizations (unknown ids are left out).
pub async fn names(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<HashMap<Uuid, String>, MemberError> {
    let ids: Vec<Uuid> = ids.into_iter().collect();
    let mut names = HashMap::new();
    for chunk in ids.chunks(500) {
        for org in organization::Entity::find()
            .filter(organization::Column::Id.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            names.insert(org.id, org.name);
        }
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logos_are_recognised_by_their_bytes() {
        assert_eq!(image_type(b"\x89PNG\r\n\x1a\nrest"), Some("image/png"));
        assert_eq!(image_type(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(image_type(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(image_type(b"<svg onload=alert(1)>"), None);
        assert_eq!(image_type(b"GIF89a"), None);
    }

    #[test]
    fn only_the_incubation_path_is_allowed() {
        assert!(Stage::Applied.can_move_to(Stage::Incubating));
        assert!(Stage::Applied.can_move_to(Stage::Declined));
        assert!(!Stage::Applied.can_move_to(Stage::Graduated));
        assert!(Stage::Incubating.can_move_to(Stage::Graduated));
        assert!(Stage::Suspended.can_move_to(Stage::Incubating));
        assert!(!Stage::Graduated.can_move_to(Stage::Applied));
        assert!(Stage::Exited.next().is_empty());
        assert!(Stage::Declined.next().is_empty());
        for stage in Stage::ALL {
            assert!(!stage.can_move_to(*stage), "{stage:?} to itself");
            assert_eq!(Stage::parse(stage.as_str()), Some(*stage));
        }
    }

    #[test]
    fn an_organization_needs_a_name_theme_community_and_contact() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let Err(errors) = OrgInput::default().validate(today) else {
            panic!("an empty form is not an organization");
        };
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "name",
                "theme",
                "community",
                "contact_name",
                "contact_phone"
            ]
        );
        let input = OrgInput {
            name: "南湖社区爱心理发队".into(),
            theme: "elderly".into(),
            community: "南湖社区".into(),
            contact_name: "王师傅".into(),
            contact_phone: "13912345678".into(),
            founded_on: "2027-01-01".into(),
            ..OrgInput::default()
        };
        let Err(errors) = input.validate(today) else {
            panic!("founded in the future");
        };
        assert_eq!(errors[0].field, "founded_on");
    }
}
