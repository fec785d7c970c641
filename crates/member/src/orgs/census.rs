//! How many organizations and members there were on a day: the census the dashboard and the report count.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::{Condition, QuerySelect};

use crate::MemberError;
use crate::entities::{membership, organization, stage_change};

use super::Stage;

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
pub(super) async fn stages_on(
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
pub(super) async fn members_on(
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
