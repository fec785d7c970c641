//! The directory of organizations: filters, counts by stage, one page of them.

use std::collections::HashMap;

use sea_orm::entity::prelude::*;
use sea_orm::{Condition, FromQueryResult, PaginatorTrait, QueryOrder, QuerySelect};

use crate::entities::{membership, organization};
use crate::{Actor, MemberError};

use super::{Stage, Theme};

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
pub(super) struct StageCount {
    stage: Stage,
    count: i64,
}

#[derive(FromQueryResult)]
pub(super) struct MemberCount {
    organization_id: Uuid,
    count: i64,
}

/// The directory: everyone sees organizations past the application stage; staff see
/// applications too.
/// Applications (pending or declined) are for staff's eyes only.
pub(super) fn visible(
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
pub(super) async fn member_counts(
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
