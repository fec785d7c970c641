//! Organizations and their incubation: applying, admitting, registering directly, the
//! stage lifecycle with its history, and the public directory.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::{DatabaseConnection, PaginatorTrait, QueryOrder, QuerySelect, Set, SqlErr};
use serde::Serialize;

use crate::entities::{membership, organization, organization_logo, person, stage_change};
use crate::fields::{PersonName, Phone, text};
use crate::memberships::{self, MemberRole};
use crate::{Actor, FieldError, MemberError, audit, tx};

mod logo;
pub use logo::{MAX_LOGO_BYTES, logo, set_logo};

mod stages;
use stages::record_stage;
pub use stages::transition;

mod census;
pub use census::{Census, census};

mod directory;
pub use directory::{Directory, DirectoryFilter, DirectoryRow, directory};

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
