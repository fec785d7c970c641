//! Organizations and their members over the API: the same domain calls as the pages.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use member::fields::mask_phone;
use member::orgs::{self, DirectoryFilter, OrgInput, Stage, Theme};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::json::ApiJson;
use crate::auth::SignedIn;
use crate::errors::{AppError, ErrorBody};
use crate::state::AppState;
use crate::views;

mod members;
mod roster;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_organizations, register_organization))
        .routes(routes!(apply_for_incubation))
        .routes(routes!(show_organization, update_organization))
        .routes(routes!(move_stage))
        .merge(members::routes())
        .merge(roster::routes())
}
const PER_PAGE: u64 = 50;

#[derive(Serialize, ToSchema)]
struct OrgSummary {
    id: Uuid,
    name: String,
    short_name: String,
    /// `children`, `environment`, `safety`, `elderly`, `tidiness`, `smart_community`, `other`.
    #[schema(example = "elderly")]
    theme: String,
    community: String,
    /// `applied`, `declined`, `incubating`, `graduated`, `suspended`, `exited`.
    #[schema(example = "incubating")]
    stage: String,
    member_count: Option<u64>,
}

fn summary(org: &member::Organization, member_count: Option<u64>) -> OrgSummary {
    OrgSummary {
        id: org.id,
        name: org.name.clone(),
        short_name: org.short_name.clone(),
        theme: org.theme.as_str().to_owned(),
        community: org.community.clone(),
        stage: org.stage.as_str().to_owned(),
        member_count,
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct DirectoryQuery {
    stage: Option<String>,
    theme: Option<String>,
    community: Option<String>,
    /// Part of the name.
    q: Option<String>,
    /// 1-based page of 50.
    page: Option<u64>,
}

#[derive(Serialize, ToSchema)]
struct StageCount {
    stage: String,
    count: u64,
}

#[derive(Serialize, ToSchema)]
struct DirectoryBody {
    total: u64,
    stage_counts: Vec<StageCount>,
    organizations: Vec<OrgSummary>,
}

/// The directory, with the same filters as the page. Applications are listed for staff.
#[utoipa::path(
    get,
    path = "/organizations",
    tag = "organizations",
    params(DirectoryQuery),
    responses(
        (status = 200, description = "Organizations", body = DirectoryBody),
        (status = 422, description = "Unknown stage or theme", body = ErrorBody),
    )
)]
async fn list_organizations(
    State(state): State<AppState>,
    viewer: Option<SignedIn>,
    Query(query): Query<DirectoryQuery>,
) -> Result<Json<DirectoryBody>, AppError> {
    let mut errors = Vec::new();
    let stage = match query.stage.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Stage::parse(s).or_else(|| {
            errors.push(member::FieldError::new("stage", "error-choose-one"));
            None
        }),
        None => None,
    };
    let theme = match query.theme.as_deref().filter(|s| !s.is_empty()) {
        Some(t) => Theme::parse(t).or_else(|| {
            errors.push(member::FieldError::new("theme", "error-choose-one"));
            None
        }),
        None => None,
    };
    if !errors.is_empty() {
        return Err(AppError::InvalidFields(errors));
    }
    let filter = DirectoryFilter {
        stage,
        theme,
        community: query.community,
        search: query.q,
    };
    let actor = viewer.as_ref().map(|s| &s.actor);
    let page = crate::views::page_number(query.page);
    let directory = orgs::directory(&state.db, actor, &filter, page, PER_PAGE).await?;
    Ok(Json(DirectoryBody {
        total: directory.total,
        stage_counts: directory
            .stage_counts
            .into_iter()
            .map(|(stage, count)| StageCount {
                stage: stage.as_str().to_owned(),
                count,
            })
            .collect(),
        organizations: directory
            .rows
            .iter()
            .map(|row| summary(&row.org, Some(row.member_count)))
            .collect(),
    }))
}

/// The fields of an organization as typed, shared by the bodies that carry one (serde
/// cannot refuse unknown fields of a flattened struct, so each body lists them).
macro_rules! org_body {
    ($(#[$meta:meta])* $name:ident { $($(#[$extra_meta:meta])* $extra:ident: $extra_type:ty,)* }) => {
        $(#[$meta])*
        #[derive(Deserialize, ToSchema)]
        #[serde(deny_unknown_fields)]
        struct $name {
            #[schema(example = "南湖社区爱心理发队")]
            name: String,
            short_name: Option<String>,
            /// `children`, `environment`, `safety`, `elderly`, `tidiness`, `smart_community`, `other`.
            #[schema(example = "elderly")]
            theme: String,
            #[schema(example = "南湖社区")]
            community: String,
            description: Option<String>,
            contact_name: String,
            #[schema(example = "13912345678")]
            contact_phone: String,
            /// `registered`, `filed` or `none` (the default).
            registration: Option<String>,
            /// `YYYY-MM-DD`.
            founded_on: Option<NaiveDate>,
            $($(#[$extra_meta])* $extra: $extra_type,)*
        }

        impl $name {
            fn input(&self) -> OrgInput {
                OrgInput {
                    name: self.name.clone(),
                    short_name: self.short_name.clone().unwrap_or_default(),
                    theme: self.theme.clone(),
                    community: self.community.clone(),
                    description: self.description.clone().unwrap_or_default(),
                    contact_name: self.contact_name.clone(),
                    contact_phone: self.contact_phone.clone(),
                    registration: self.registration.clone().unwrap_or_default(),
                    founded_on: self
                        .founded_on
                        .map(|d| d.format("%Y-%m-%d").to_string())
                        .unwrap_or_default(),
                }
            }
        }
    };
}

org_body!(
    /// An organization's details.
    OrgBody {}
);

org_body!(
    /// An organization to register, with its first leader.
    RegisterBody {
        /// Someone already on the platform, who becomes the first leader.
        leader_phone: Option<String>,
    }
);

org_body!(
    /// An application for incubation.
    ApplyBody {
        /// Why the organization wants incubation.
        reason: Option<String>,
    }
);

/// Staff register an organization directly (already incubating).
#[utoipa::path(
    post,
    path = "/organizations",
    tag = "organizations",
    security(("bearer" = []), ("session_cookie" = [])),
    request_body = RegisterBody,
    responses(
        (status = 201, description = "Registered", body = OrgSummary),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not staff", body = ErrorBody),
        (status = 422, description = "Invalid fields (see `fields`)", body = ErrorBody),
    )
)]
async fn register_organization(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    ApiJson(body): ApiJson<RegisterBody>,
) -> Result<Response, AppError> {
    let org = orgs::register(
        &state.db,
        &actor,
        &body.input(),
        body.leader_phone.as_deref().unwrap_or(""),
        views::today(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(summary(&org, None))).into_response())
}

/// Apply for incubation: the organization starts as `applied`, the caller its applicant.
#[utoipa::path(
    post,
    path = "/organizations/applications",
    tag = "organizations",
    security(("bearer" = []), ("session_cookie" = [])),
    request_body = ApplyBody,
    responses(
        (status = 201, description = "Applied", body = OrgSummary),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 422, description = "Invalid fields (see `fields`)", body = ErrorBody),
    )
)]
async fn apply_for_incubation(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    ApiJson(body): ApiJson<ApplyBody>,
) -> Result<Response, AppError> {
    let org = orgs::apply(
        &state.db,
        &actor,
        &body.input(),
        body.reason.as_deref().unwrap_or(""),
        views::today(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(summary(&org, None))).into_response())
}

#[derive(Serialize, ToSchema)]
struct StageStep {
    from: Option<String>,
    to: String,
    on_date: NaiveDate,
    by: Option<String>,
    reason: String,
    recorded_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
struct Leader {
    name: String,
    /// Masked.
    #[schema(example = "139****5678")]
    phone: String,
}

#[derive(Serialize, ToSchema)]
struct OrgDetailBody {
    #[serde(flatten)]
    summary: OrgSummary,
    description: String,
    contact_name: String,
    /// Masked.
    contact_phone: String,
    registration: String,
    founded_on: Option<NaiveDate>,
    leaders: Vec<Leader>,
    /// Oldest first.
    history: Vec<StageStep>,
}

/// One organization with its stage history and leaders (contacts masked).
#[utoipa::path(
    get,
    path = "/organizations/{id}",
    tag = "organizations",
    params(("id" = Uuid, Path, description = "Organization id")),
    responses(
        (status = 200, description = "The organization", body = OrgDetailBody),
        (status = 404, description = "No such organization (or an application you may not see)", body = ErrorBody),
    )
)]
async fn show_organization(
    State(state): State<AppState>,
    viewer: Option<SignedIn>,
    Path(id): Path<Uuid>,
) -> Result<Json<OrgDetailBody>, AppError> {
    let detail = orgs::detail(&state.db, viewer.as_ref().map(|s| &s.actor), id).await?;
    let org = &detail.org;
    Ok(Json(OrgDetailBody {
        summary: summary(org, Some(detail.member_count)),
        description: org.description.clone(),
        contact_name: org.contact_name.clone(),
        contact_phone: mask_phone(&org.contact_phone),
        registration: org.registration.as_str().to_owned(),
        founded_on: org.founded_on,
        leaders: detail
            .leaders
            .iter()
            .map(|p| Leader {
                name: p.name.clone(),
                phone: p.phone.as_deref().map(mask_phone).unwrap_or_default(),
            })
            .collect(),
        history: detail
            .history
            .into_iter()
            .map(|step| StageStep {
                from: step.change.from_stage.map(|s| s.as_str().to_owned()),
                to: step.change.to_stage.as_str().to_owned(),
                on_date: step.change.on_date,
                by: step.by_name,
                reason: step.change.reason,
                recorded_at: step.change.recorded_at,
            })
            .collect(),
    }))
}

/// Correct an organization's details (its leaders and staff).
#[utoipa::path(
    put,
    path = "/organizations/{id}",
    tag = "organizations",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "Organization id")),
    request_body = OrgBody,
    responses(
        (status = 200, description = "Saved", body = OrgSummary),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not a leader of it, nor staff", body = ErrorBody),
        (status = 404, description = "No such organization", body = ErrorBody),
        (status = 422, description = "Invalid fields (see `fields`)", body = ErrorBody),
    )
)]
async fn update_organization(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
    ApiJson(body): ApiJson<OrgBody>,
) -> Result<Json<OrgSummary>, AppError> {
    let org = orgs::update(&state.db, &actor, id, &body.input(), views::today()).await?;
    Ok(Json(summary(&org, None)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct TransitionBody {
    /// The new stage; only the next steps of the current one are allowed.
    #[schema(example = "incubating")]
    to: String,
    /// Defaults to today (Asia/Shanghai); not in the future.
    on_date: Option<NaiveDate>,
    reason: String,
}

/// Staff move an organization to another stage (admitting an application makes its
/// applicant the leader).
#[utoipa::path(
    post,
    path = "/organizations/{id}/transitions",
    tag = "organizations",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "Organization id")),
    request_body = TransitionBody,
    responses(
        (status = 200, description = "Moved", body = OrgSummary),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not staff", body = ErrorBody),
        (status = 404, description = "No such organization", body = ErrorBody),
        (status = 422, description = "Not an allowed step, or no reason (see `fields`)", body = ErrorBody),
    )
)]
async fn move_stage(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
    ApiJson(body): ApiJson<TransitionBody>,
) -> Result<Json<OrgSummary>, AppError> {
    let on_date = body
        .on_date
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default();
    let org = orgs::transition(
        &state.db,
        &actor,
        id,
        &body.to,
        &on_date,
        &body.reason,
        views::today(),
    )
    .await?;
    Ok(Json(summary(&org, None)))
}
