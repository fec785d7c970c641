//! Projects and their funding over the API. Money is integer fen in both directions.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use member::orgs::Theme;
use project::ledger::{self, EntryInput, Totals};
use project::money::plain_yuan;
use project::projects::{self, ProjectFilter, ProjectInput, Status};
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

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_projects, create_project))
        .routes(routes!(show_project, update_project))
        .routes(routes!(change_status))
        .routes(routes!(list_funding, record_funding))
        .routes(routes!(reverse_funding))
        .routes(routes!(funding_summary))
}

#[derive(Serialize, ToSchema)]
struct ProjectBody {
    id: Uuid,
    organization_id: Uuid,
    title: String,
    #[schema(example = "safety")]
    theme: String,
    /// `planned`, `active` or `closed`.
    #[schema(example = "active")]
    status: String,
    starts_on: NaiveDate,
    ends_on: Option<NaiveDate>,
    goal_beneficiaries: Option<i32>,
    goal_text: String,
    community: String,
    description: String,
}

fn body(p: &project::Project) -> ProjectBody {
    ProjectBody {
        id: p.id,
        organization_id: p.organization_id,
        title: p.title.clone(),
        theme: p.theme.as_str().to_owned(),
        status: p.status.as_str().to_owned(),
        starts_on: p.starts_on,
        ends_on: p.ends_on,
        goal_beneficiaries: p.goal_beneficiaries,
        goal_text: p.goal_text.clone(),
        community: p.community.clone(),
        description: p.description.clone(),
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    theme: Option<String>,
    status: Option<String>,
    organization_id: Option<Uuid>,
    /// 1-based page of 50.
    page: Option<u64>,
}

#[derive(Serialize, ToSchema)]
struct ProjectList {
    total: u64,
    projects: Vec<ProjectBody>,
}

/// The public list of projects.
#[utoipa::path(
    get,
    path = "/projects",
    tag = "projects",
    params(ListQuery),
    responses(
        (status = 200, description = "Projects", body = ProjectList),
        (status = 422, description = "Unknown theme or status", body = ErrorBody),
    )
)]
async fn list_projects(
    State(state): State<AppState>,
    Query(query): Query<ListQuery>,
) -> Result<Json<ProjectList>, AppError> {
    let mut errors = Vec::new();
    let theme = query.theme.as_deref().filter(|t| !t.is_empty()).map(|t| {
        Theme::parse(t)
            .ok_or_else(|| errors.push(member::FieldError::new("theme", "error-choose-one")))
    });
    let status = query.status.as_deref().filter(|s| !s.is_empty()).map(|s| {
        Status::parse(s)
            .ok_or_else(|| errors.push(member::FieldError::new("status", "error-choose-one")))
    });
    if !errors.is_empty() {
        return Err(AppError::InvalidFields(errors));
    }
    let filter = ProjectFilter {
        theme: theme.and_then(Result::ok),
        status: status.and_then(Result::ok),
        organization_id: query.organization_id,
    };
    let listing = projects::list(
        &state.db,
        &filter,
        crate::views::page_number(query.page),
        50,
    )
    .await?;
    Ok(Json(ProjectList {
        total: listing.total,
        projects: listing.rows.iter().map(|row| body(&row.project)).collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ProjectRequest {
    /// Only when creating: the organization that runs it.
    organization_id: Option<Uuid>,
    #[schema(example = "治安巡逻·共护平安家园")]
    title: String,
    #[schema(example = "safety")]
    theme: String,
    description: Option<String>,
    starts_on: NaiveDate,
    ends_on: Option<NaiveDate>,
    goal_beneficiaries: Option<i32>,
    goal_text: Option<String>,
    #[schema(example = "南湖社区")]
    community: String,
    partners: Option<Vec<Uuid>>,
}

impl ProjectRequest {
    fn input(&self) -> ProjectInput {
        let day = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
        ProjectInput {
            title: self.title.clone(),
            theme: self.theme.clone(),
            description: self.description.clone().unwrap_or_default(),
            starts_on: day(self.starts_on),
            ends_on: self.ends_on.map(day).unwrap_or_default(),
            goal_beneficiaries: self
                .goal_beneficiaries
                .map(|n| n.to_string())
                .unwrap_or_default(),
            goal_text: self.goal_text.clone().unwrap_or_default(),
            community: self.community.clone(),
            partners: self.partners.clone().unwrap_or_default(),
        }
    }
}

/// Start a project (leaders of the organization, and staff).
#[utoipa::path(
    post,
    path = "/projects",
    tag = "projects",
    security(("bearer" = []), ("session_cookie" = [])),
    request_body = ProjectRequest,
    responses(
        (status = 201, description = "Created", body = ProjectBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not a leader of the organization, nor staff", body = ErrorBody),
        (status = 422, description = "Invalid fields (see `fields`)", body = ErrorBody),
    )
)]
async fn create_project(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    ApiJson(request): ApiJson<ProjectRequest>,
) -> Result<Response, AppError> {
    let Some(organization_id) = request.organization_id else {
        return Err(AppError::InvalidFields(vec![member::FieldError::new(
            "organization_id",
            "error-required",
        )]));
    };
    let created = projects::create(&state.db, &actor, organization_id, &request.input()).await?;
    Ok((StatusCode::CREATED, Json(body(&created))).into_response())
}

#[derive(Serialize, ToSchema)]
struct TotalsBody {
    /// Fen.
    #[schema(example = 100000000)]
    total_fen: i64,
    /// Fen per source (`fund_grant`, `crowdfunding`, `unit_support`, `donation`, `community_income`).
    by_source_fen: BTreeMap<String, i64>,
}

fn totals_body(totals: &Totals) -> TotalsBody {
    TotalsBody {
        total_fen: totals.total,
        by_source_fen: totals
            .by_source
            .iter()
            .map(|(s, fen)| (s.as_str().to_owned(), *fen))
            .collect(),
    }
}

#[derive(Serialize, ToSchema)]
struct ProjectDetailBody {
    #[serde(flatten)]
    project: ProjectBody,
    organization: String,
    partners: Vec<String>,
    funding: TotalsBody,
}

/// One project with its funding totals.
#[utoipa::path(
    get,
    path = "/projects/{id}",
    tag = "projects",
    params(("id" = Uuid, Path, description = "Project id")),
    responses(
        (status = 200, description = "The project", body = ProjectDetailBody),
        (status = 404, description = "No such project", body = ErrorBody),
    )
)]
async fn show_project(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
) -> Result<Json<ProjectDetailBody>, AppError> {
    let detail = projects::detail(&state.db, id).await?;
    if !detail.organization.stage.is_public() {
        return Err(AppError::NotFound);
    }
    let lines = ledger::entries(&state.db, id).await?;
    Ok(Json(ProjectDetailBody {
        project: body(&detail.project),
        organization: detail.organization.name,
        partners: detail.partners.into_iter().map(|p| p.name).collect(),
        funding: totals_body(&ledger::totals(&lines)),
    }))
}

/// Correct a project's details.
#[utoipa::path(
    put,
    path = "/projects/{id}",
    tag = "projects",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "Project id")),
    request_body = ProjectRequest,
    responses(
        (status = 200, description = "Saved", body = ProjectBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not a leader of its organization, nor staff", body = ErrorBody),
        (status = 404, description = "No such project", body = ErrorBody),
        (status = 422, description = "Invalid fields (see `fields`)", body = ErrorBody),
    )
)]
async fn update_project(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
    ApiJson(request): ApiJson<ProjectRequest>,
) -> Result<Json<ProjectBody>, AppError> {
    let updated = projects::update(&state.db, &actor, id, &request.input()).await?;
    Ok(Json(body(&updated)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct StatusRequest {
    #[schema(example = "active")]
    status: String,
}

/// planned → active → closed.
#[utoipa::path(
    post,
    path = "/projects/{id}/status",
    tag = "projects",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "Project id")),
    request_body = StatusRequest,
    responses(
        (status = 200, description = "Moved", body = ProjectBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not a leader of its organization, nor staff", body = ErrorBody),
        (status = 422, description = "Not an allowed step", body = ErrorBody),
    )
)]
async fn change_status(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
    ApiJson(request): ApiJson<StatusRequest>,
) -> Result<Json<ProjectBody>, AppError> {
    let moved = projects::set_status(&state.db, &actor, id, &request.status).await?;
    Ok(Json(body(&moved)))
}

#[derive(Serialize, ToSchema)]
struct EntryBody {
    id: Uuid,
    #[schema(example = "crowdfunding")]
    source: String,
    /// Fen; negative for a reversal.
    #[schema(example = 25000000)]
    amount_fen: i64,
    received_on: NaiveDate,
    contributor: String,
    contributor_count: Option<i32>,
    note: String,
    /// For a reversal: the entry it cancels.
    reverses_id: Option<Uuid>,
    /// For an entry that was cancelled: its reversal.
    reversed_by: Option<Uuid>,
    recorded_at: DateTime<Utc>,
}

fn entry_body(entry: &project::FundingEntry, reversed_by: Option<Uuid>) -> EntryBody {
    EntryBody {
        id: entry.id,
        source: entry.source.as_str().to_owned(),
        amount_fen: entry.amount_fen,
        received_on: entry.received_on,
        contributor: entry.contributor.clone(),
        contributor_count: entry.contributor_count,
        note: entry.note.clone(),
        reverses_id: entry.reverses_id,
        reversed_by,
        recorded_at: entry.recorded_at,
    }
}

#[derive(Serialize, ToSchema)]
struct LedgerBody {
    totals: TotalsBody,
    /// Oldest first.
    entries: Vec<EntryBody>,
}

/// A project's ledger and totals.
#[utoipa::path(
    get,
    path = "/projects/{id}/funding",
    tag = "projects",
    params(("id" = Uuid, Path, description = "Project id")),
    responses(
        (status = 200, description = "The ledger", body = LedgerBody),
        (status = 404, description = "No such project", body = ErrorBody),
    )
)]
async fn list_funding(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
) -> Result<Json<LedgerBody>, AppError> {
    let detail = projects::detail(&state.db, id).await?;
    if !detail.organization.stage.is_public() {
        return Err(AppError::NotFound);
    }
    let lines = ledger::entries(&state.db, id).await?;
    Ok(Json(LedgerBody {
        totals: totals_body(&ledger::totals(&lines)),
        entries: lines
            .iter()
            .map(|l| entry_body(&l.entry, l.reversed_by))
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct EntryRequest {
    #[schema(example = "crowdfunding")]
    source: String,
    /// Fen, above zero, at most 10,000,000,000 (¥100,000,000).
    #[schema(example = 25000000)]
    amount_fen: i64,
    received_on: NaiveDate,
    #[schema(example = "11000户居民")]
    contributor: String,
    contributor_count: Option<i32>,
    note: Option<String>,
}

/// Record money received.
#[utoipa::path(
    post,
    path = "/projects/{id}/funding",
    tag = "projects",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "Project id")),
    request_body = EntryRequest,
    responses(
        (status = 201, description = "Recorded", body = EntryBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not a leader of its organization, nor staff", body = ErrorBody),
        (status = 422, description = "Invalid fields (see `fields`)", body = ErrorBody),
    )
)]
async fn record_funding(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
    ApiJson(request): ApiJson<EntryRequest>,
) -> Result<Response, AppError> {
    let input = EntryInput {
        source: request.source,
        // The same checks as the form's: zero, negative and absurd amounts are refused.
        amount: plain_yuan(request.amount_fen),
        received_on: request.received_on.format("%Y-%m-%d").to_string(),
        contributor: request.contributor,
        contributor_count: request
            .contributor_count
            .map(|n| n.to_string())
            .unwrap_or_default(),
        note: request.note.unwrap_or_default(),
    };
    let recorded = ledger::record(&state.db, &actor, id, &input, views::today()).await?;
    Ok((StatusCode::CREATED, Json(entry_body(&recorded, None))).into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ReversalRequest {
    #[schema(example = "录入金额有误，冲销重录")]
    reason: String,
}

/// Cancel an entry with a reversal (the amount negated, a reason). Once per entry; a
/// reversal cannot be reversed.
#[utoipa::path(
    post,
    path = "/projects/{id}/funding/{entry_id}/reversal",
    tag = "projects",
    security(("bearer" = []), ("session_cookie" = [])),
    params(
        ("id" = Uuid, Path, description = "Project id"),
        ("entry_id" = Uuid, Path, description = "The entry to cancel"),
    ),
    request_body = ReversalRequest,
    responses(
        (status = 201, description = "The reversal", body = EntryBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not a leader of its organization, nor staff", body = ErrorBody),
        (status = 404, description = "No such entry", body = ErrorBody),
        (status = 422, description = "Already reversed, a reversal, another project's, or no reason", body = ErrorBody),
    )
)]
async fn reverse_funding(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path((id, entry_id)): Path<(Uuid, Uuid)>,
    ApiJson(request): ApiJson<ReversalRequest>,
) -> Result<Response, AppError> {
    let reversal = ledger::reverse(
        &state.db,
        &actor,
        id,
        entry_id,
        &request.reason,
        views::today(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(entry_body(&reversal, None))).into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct PeriodQuery {
    /// First day included.
    from: Option<NaiveDate>,
    /// Last day included.
    until: Option<NaiveDate>,
}

#[derive(Serialize, ToSchema)]
struct GroupBody {
    label: String,
    id: Option<Uuid>,
    #[serde(flatten)]
    totals: TotalsBody,
}

#[derive(Serialize, ToSchema)]
struct SummaryBody {
    all: TotalsBody,
    by_organization: Vec<GroupBody>,
    by_project: Vec<GroupBody>,
    by_year: Vec<GroupBody>,
}

/// Funding totals for a period, by source, organization, project and year (staff).
#[utoipa::path(
    get,
    path = "/funding/summary",
    tag = "projects",
    security(("bearer" = []), ("session_cookie" = [])),
    params(PeriodQuery),
    responses(
        (status = 200, description = "Totals", body = SummaryBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not staff", body = ErrorBody),
    )
)]
async fn funding_summary(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Query(period): Query<PeriodQuery>,
) -> Result<Json<SummaryBody>, AppError> {
    let overview = ledger::overview(&state.db, &actor, period.from, period.until).await?;
    Ok(Json(SummaryBody {
        all: totals_body(&overview.all),
        by_organization: overview
            .by_organization
            .iter()
            .map(|(name, t)| GroupBody {
                label: name.clone(),
                id: None,
                totals: totals_body(t),
            })
            .collect(),
        by_project: overview
            .by_project
            .iter()
            .map(|(id, title, t)| GroupBody {
                label: title.clone(),
                id: Some(*id),
                totals: totals_body(t),
            })
            .collect(),
        by_year: overview
            .by_year
            .iter()
            .map(|(year, t)| GroupBody {
                label: year.to_string(),
                id: None,
                totals: totals_body(t),
            })
            .collect(),
    }))
}
