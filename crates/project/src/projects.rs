//! Projects: creating and editing them (the running organization's leaders and staff),
//! their status, partners, and the public list.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use member::entities::organization;
use member::fields::text;
use member::orgs::Theme;
use member::{Actor, FieldError, audit, orgs, tx};
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::Expr;
use sea_orm::{DatabaseConnection, PaginatorTrait, QueryOrder, QuerySelect, Set};
use serde::Serialize;

use crate::ProjectError;
use crate::entities::{partner, project};

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum Status {
    #[sea_orm(string_value = "planned")]
    Planned,
    #[sea_orm(string_value = "active")]
    Active,
    #[sea_orm(string_value = "closed")]
    Closed,
}

impl Status {
    pub const ALL: &'static [Status] = &[Status::Planned, Status::Active, Status::Closed];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Planned => "planned",
            Status::Active => "active",
            Status::Closed => "closed",
        }
    }

    pub fn parse(input: &str) -> Option<Status> {
        Status::ALL
            .iter()
            .copied()
            .find(|s| s.as_str() == input.trim())
    }

    /// planned → active → closed; a plan may also be dropped (closed) before it starts.
    pub fn next(self) -> &'static [Status] {
        match self {
            Status::Planned => &[Status::Active, Status::Closed],
            Status::Active => &[Status::Closed],
            Status::Closed => &[],
        }
    }
}

/// A project as typed in the form or sent to the API.
#[derive(Clone, Debug, Default)]
pub struct ProjectInput {
    pub title: String,
    pub theme: String,
    pub description: String,
    /// `YYYY-MM-DD`.
    pub starts_on: String,
    /// `YYYY-MM-DD` or empty.
    pub ends_on: String,
    /// A whole number or empty.
    pub goal_beneficiaries: String,
    pub goal_text: String,
    pub community: String,
    /// Partner organizations.
    pub partners: Vec<Uuid>,
}

struct ValidProject {
    title: String,
    theme: Theme,
    description: String,
    starts_on: NaiveDate,
    ends_on: Option<NaiveDate>,
    goal_beneficiaries: Option<i32>,
    goal_text: String,
    community: String,
}

fn date(errors: &mut Vec<FieldError>, field: &'static str, input: &str) -> Option<NaiveDate> {
    match input.trim() {
        "" => None,
        typed => NaiveDate::parse_from_str(typed, "%Y-%m-%d")
            .ok()
            .filter(|d| member::fields::plausible_date(*d))
            .or_else(|| {
                errors.push(FieldError::new(field, "error-date-invalid"));
                None
            }),
    }
}

impl ProjectInput {
    fn validate(&self) -> Result<ValidProject, ProjectError> {
        let mut errors = Vec::new();
        let title = text(&mut errors, "title", &self.title, 100, true);
        let theme = Theme::parse(&self.theme);
        if theme.is_none() {
            errors.push(FieldError::new("theme", "error-choose-one"));
        }
        let description = text(&mut errors, "description", &self.description, 4000, false);
        let starts_on = date(&mut errors, "starts_on", &self.starts_on);
        if self.starts_on.trim().is_empty() {
            errors.push(FieldError::new("starts_on", "error-required"));
        }
        let ends_on = date(&mut errors, "ends_on", &self.ends_on);
        if let (Some(start), Some(end)) = (starts_on, ends_on)
            && end < start
        {
            errors.push(FieldError::new("ends_on", "error-end-before-start"));
        }
        let goal_beneficiaries = match self.goal_beneficiaries.trim() {
            "" => None,
            typed => match typed.parse::<i32>() {
                Ok(n) if (1..=10_000_000).contains(&n) => Some(n),
                _ => {
                    errors.push(FieldError::new("goal_beneficiaries", "error-count-invalid"));
                    None
                }
            },
        };
        let goal_text = text(&mut errors, "goal_text", &self.goal_text, 500, false);
        let community = text(&mut errors, "community", &self.community, 50, true);
        match (theme, starts_on, errors.is_empty()) {
            (Some(theme), Some(starts_on), true) => Ok(ValidProject {
                title,
                theme,
                description,
                starts_on,
                ends_on,
                goal_beneficiaries,
                goal_text,
                community,
            }),
            _ => Err(ProjectError::Invalid(errors)),
        }
    }
}

fn require_manager(actor: &Actor, organization_id: Uuid) -> Result<(), ProjectError> {
    if actor.can_manage_org(organization_id) {
        Ok(())
    } else {
        Err(ProjectError::Forbidden)
    }
}

/// Partners must exist and must not be the running organization itself.
async fn check_partners(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    partners: &[Uuid],
) -> Result<Vec<Uuid>, ProjectError> {
    let mut wanted: Vec<Uuid> = partners
        .iter()
        .copied()
        .filter(|p| *p != organization_id)
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    let found = organization::Entity::find()
        .filter(organization::Column::Id.is_in(wanted.clone()))
        .count(db)
        .await?;
    if found != wanted.len() as u64 {
        return Err(ProjectError::field("partners", "error-choose-one"));
    }
    Ok(wanted)
}

/// The partner organizations a project has now.
async fn partners_of(
    db: &impl ConnectionTrait,
    project_id: Uuid,
) -> Result<Vec<Uuid>, ProjectError> {
    Ok(partner::Entity::find()
        .filter(partner::Column::ProjectId.eq(project_id))
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.organization_id)
        .collect())
}

async fn set_partners(
    db: &impl ConnectionTrait,
    project_id: Uuid,
    partners: &[Uuid],
) -> Result<(), ProjectError> {
    partner::Entity::delete_many()
        .filter(partner::Column::ProjectId.eq(project_id))
        .exec(db)
        .await?;
    if !partners.is_empty() {
        partner::Entity::insert_many(partners.iter().map(|org| partner::ActiveModel {
            project_id: Set(project_id),
            organization_id: Set(*org),
        }))
        .exec(db)
        .await?;
    }
    Ok(())
}

/// A leader of the organization (or staff) starts a project, `planned`.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    organization_id: Uuid,
    input: &ProjectInput,
) -> Result<project::Model, ProjectError> {
    let org = orgs::find(db, organization_id).await?;
    require_manager(actor, org.id)?;
    let valid = input.validate()?;
    let partners = check_partners(db, org.id, &input.partners).await?;
    let now = Utc::now();
    let txn = tx::begin_write(db).await?;
    let created = project::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(org.id),
        title: Set(valid.title),
        theme: Set(valid.theme),
        description: Set(valid.description),
        status: Set(Status::Planned),
        starts_on: Set(valid.starts_on),
        ends_on: Set(valid.ends_on),
        goal_beneficiaries: Set(valid.goal_beneficiaries),
        goal_text: Set(valid.goal_text),
        community: Set(valid.community),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    set_partners(&txn, created.id, &partners).await?;
    audit::record(
        &txn,
        Some(actor.person_id),
        "project.create",
        "project",
        Some(created.id),
        "",
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

pub async fn find(
    db: &impl ConnectionTrait,
    project_id: Uuid,
) -> Result<project::Model, ProjectError> {
    project::Entity::find_by_id(project_id)
        .one(db)
        .await?
        .ok_or(ProjectError::NotFound)
}

/// Correct a project's details.
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    project_id: Uuid,
    input: &ProjectInput,
) -> Result<project::Model, ProjectError> {
    let found = find(db, project_id).await?;
    require_manager(actor, found.organization_id)?;
    let valid = input.validate()?;
    let partners = check_partners(db, found.organization_id, &input.partners).await?;
    // Saving the form unchanged changes nothing and logs nothing.
    let mut old_partners = partners_of(db, found.id).await?;
    let mut new_partners = partners.clone();
    old_partners.sort();
    new_partners.sort();
    let unchanged = found.title == valid.title
        && found.theme == valid.theme
        && found.description == valid.description
        && found.starts_on == valid.starts_on
        && found.ends_on == valid.ends_on
        && found.goal_beneficiaries == valid.goal_beneficiaries
        && found.goal_text == valid.goal_text
        && found.community == valid.community
        && old_partners == new_partners;
    if unchanged {
        return Ok(found);
    }
    let txn = tx::begin_write(db).await?;
    let mut active: project::ActiveModel = found.into();
    active.title = Set(valid.title);
    active.theme = Set(valid.theme);
    active.description = Set(valid.description);
    active.starts_on = Set(valid.starts_on);
    active.ends_on = Set(valid.ends_on);
    active.goal_beneficiaries = Set(valid.goal_beneficiaries);
    active.goal_text = Set(valid.goal_text);
    active.community = Set(valid.community);
    active.updated_at = Set(Utc::now());
    let updated = active.update(&txn).await?;
    set_partners(&txn, updated.id, &partners).await?;
    audit::record(
        &txn,
        Some(actor.person_id),
        "project.update",
        "project",
        Some(updated.id),
        "",
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// Moves a project along planned → active → closed.
pub async fn set_status(
    db: &DatabaseConnection,
    actor: &Actor,
    project_id: Uuid,
    to: &str,
) -> Result<project::Model, ProjectError> {
    let found = find(db, project_id).await?;
    require_manager(actor, found.organization_id)?;
    let to = Status::parse(to).ok_or(ProjectError::field("status", "error-choose-one"))?;
    if !found.status.next().contains(&to) {
        return Err(ProjectError::field("status", "error-status-not-allowed"));
    }
    let txn = tx::begin_write(db).await?;
    let moved = project::Entity::update_many()
        .col_expr(project::Column::Status, Expr::value(to.as_str()))
        .col_expr(project::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(project::Column::Id.eq(found.id))
        .filter(project::Column::Status.eq(found.status.as_str()))
        .exec(&txn)
        .await?;
    if moved.rows_affected != 1 {
        return Err(ProjectError::field(
            "status",
            "error-stage-changed-meanwhile",
        ));
    }
    audit::record(
        &txn,
        Some(actor.person_id),
        "project.status_change",
        "project",
        Some(found.id),
        format!("{} -> {}", found.status.as_str(), to.as_str()),
    )
    .await?;
    txn.commit().await?;
    find(db, project_id).await
}

/// A project with the names of who runs it and who partners.
pub struct ProjectDetail {
    pub project: project::Model,
    pub organization: organization::Model,
    pub partners: Vec<organization::Model>,
}

pub async fn detail(
    db: &impl ConnectionTrait,
    project_id: Uuid,
) -> Result<ProjectDetail, ProjectError> {
    let project = find(db, project_id).await?;
    let organization = orgs::find(db, project.organization_id).await?;
    let partner_ids: Vec<Uuid> = partner::Entity::find()
        .select_only()
        .column(partner::Column::OrganizationId)
        .filter(partner::Column::ProjectId.eq(project.id))
        .into_tuple()
        .all(db)
        .await?;
    let partners = organization::Entity::find()
        .filter(organization::Column::Id.is_in(partner_ids))
        .order_by_asc(organization::Column::Name)
        .all(db)
        .await?;
    Ok(ProjectDetail {
        project,
        organization,
        partners,
    })
}

#[derive(Clone, Debug, Default)]
pub struct ProjectFilter {
    pub theme: Option<Theme>,
    pub status: Option<Status>,
    pub organization_id: Option<Uuid>,
}

pub struct ProjectRow {
    pub project: project::Model,
    pub organization_name: String,
}

pub struct ProjectList {
    pub rows: Vec<ProjectRow>,
    pub total: u64,
}

/// The public list of projects, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &ProjectFilter,
    page: u64,
    per_page: u64,
) -> Result<ProjectList, ProjectError> {
    let mut query = project::Entity::find();
    if let Some(theme) = filter.theme {
        query = query.filter(project::Column::Theme.eq(theme.as_str()));
    }
    if let Some(status) = filter.status {
        query = query.filter(project::Column::Status.eq(status.as_str()));
    }
    if let Some(org) = filter.organization_id {
        query = query.filter(project::Column::OrganizationId.eq(org));
    }
    let total = query.clone().count(db).await?;
    let projects = query
        .order_by_desc(project::Column::StartsOn)
        .order_by_asc(project::Column::Title)
        .offset(page.saturating_sub(1) * per_page)
        .limit(per_page)
        .all(db)
        .await?;
    let names = organization_names(db, projects.iter().map(|p| p.organization_id)).await?;
    Ok(ProjectList {
        rows: projects
            .into_iter()
            .map(|project| ProjectRow {
                organization_name: names
                    .get(&project.organization_id)
                    .cloned()
                    .unwrap_or_default(),
                project,
            })
            .collect(),
        total,
    })
}

pub(crate) async fn organization_names(
    db: &impl ConnectionTrait,
    ids: impl Iterator<Item = Uuid>,
) -> Result<HashMap<Uuid, String>, ProjectError> {
    let ids: Vec<Uuid> = ids.collect();
    Ok(organization::Entity::find()
        .filter(organization::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect())
}

/// Every project, by title (for choosing one in a form).
pub async fn all_by_title(db: &impl ConnectionTrait) -> Result<Vec<project::Model>, ProjectError> {
    Ok(project::Entity::find()
        .order_by_asc(project::Column::Title)
        .all(db)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_project_ends_after_it_starts() {
        let input = ProjectInput {
            title: "天眼工程".into(),
            theme: "safety".into(),
            starts_on: "2026-03-01".into(),
            ends_on: "2026-02-01".into(),
            community: "南湖社区".into(),
            goal_beneficiaries: "-3".into(),
            ..ProjectInput::default()
        };
        let Err(ProjectError::Invalid(errors)) = input.validate() else {
            panic!("invalid");
        };
        let fields: Vec<_> = errors.iter().map(|e| (e.field, e.reason)).collect();
        assert_eq!(
            fields,
            [
                ("ends_on", "error-end-before-start"),
                ("goal_beneficiaries", "error-count-invalid")
            ]
        );
    }

    #[test]
    fn status_moves_forward_only() {
        assert_eq!(Status::Planned.next(), [Status::Active, Status::Closed]);
        assert!(Status::Closed.next().is_empty());
        assert!(!Status::Active.next().contains(&Status::Planned));
    }
}
