//! Organizations and their members over the API: the same domain calls as the pages.

use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use member::fields::mask_phone;
use member::memberships::{self, MemberRole, NewMember};
use member::orgs::{self, DirectoryFilter, OrgInput, Stage, Theme};
use member::{MemberError, roster};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::json::ApiJson;
use crate::auth::SignedIn;
use crate::errors::{AppError, ErrorBody};
use crate::files::{download, read_file};
use crate::state::AppState;
use crate::views;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_organizations, register_organization))
        .routes(routes!(apply_for_incubation))
        .routes(routes!(show_organization, update_organization))
        .routes(routes!(move_stage))
        .routes(routes!(list_members, add_member))
        .routes(routes!(change_member_role, end_membership))
        .routes(routes!(upload_roster))
        .routes(routes!(preview_roster))
        .routes(routes!(commit_roster))
        .routes(routes!(export_roster))
        .routes(routes!(my_invitations))
        .routes(routes!(answer_invitation))
}

#[derive(Serialize, ToSchema)]
struct InvitationBody {
    id: Uuid,
    organization_id: Uuid,
    organization: String,
    /// `leader` or `member`.
    role: String,
    invited_at: DateTime<Utc>,
}

/// Organizations that invited me and wait for my answer.
#[utoipa::path(
    get,
    path = "/me/invitations",
    tag = "organizations",
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "Invitations not yet answered", body = Vec<InvitationBody>),
        (status = 401, description = "Not signed in", body = ErrorBody),
    )
)]
async fn my_invitations(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
) -> Result<axum::Json<Vec<InvitationBody>>, AppError> {
    Ok(axum::Json(
        memberships::my_invitations(&state.db, &actor)
            .await?
            .into_iter()
            .map(|view| InvitationBody {
                id: view.invitation.id,
                organization_id: view.invitation.organization_id,
                organization: view.organization,
                role: view.invitation.role.as_str().to_owned(),
                invited_at: view.invitation.created_at,
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct AnswerBody {
    /// `true` to join, `false` to decline.
    accept: bool,
}

/// Accept (join) or decline an invitation of mine; once.
#[utoipa::path(
    post,
    path = "/me/invitations/{id}",
    tag = "organizations",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "Invitation id")),
    request_body = AnswerBody,
    responses(
        (status = 204, description = "Answered"),
        (status = 400, description = "Malformed body or unknown field", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such invitation of mine", body = ErrorBody),
        (status = 422, description = "Answered already", body = ErrorBody),
    )
)]
async fn answer_invitation(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
    ApiJson(body): ApiJson<AnswerBody>,
) -> Result<StatusCode, AppError> {
    memberships::answer_invitation(&state.db, &actor, id, body.accept, views::today()).await?;
    Ok(StatusCode::NO_CONTENT)
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

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct MembersQuery {
    /// Include people who have left.
    former: Option<bool>,
}

#[derive(Serialize, ToSchema)]
struct MemberBody {
    membership_id: Uuid,
    person_id: Uuid,
    name: String,
    /// Masked; reveal one number at a time on the members page (logged).
    phone: String,
    #[schema(example = "member")]
    role: String,
    joined_on: NaiveDate,
    left_on: Option<NaiveDate>,
    skills: Vec<String>,
}

/// The members, leaders first (the organization's leaders and staff).
#[utoipa::path(
    get,
    path = "/organizations/{id}/members",
    tag = "organizations",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "Organization id"), MembersQuery),
    responses(
        (status = 200, description = "Members", body = Vec<MemberBody>),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not a leader of it, nor staff", body = ErrorBody),
    )
)]
async fn list_members(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
    Query(query): Query<MembersQuery>,
) -> Result<Json<Vec<MemberBody>>, AppError> {
    let rows = memberships::list(&state.db, &actor, id, query.former.unwrap_or(false)).await?;
    Ok(Json(
        rows.into_iter()
            .map(|row| MemberBody {
                membership_id: row.membership.id,
                person_id: row.person.id,
                name: row.person.name,
                phone: row.phone_masked,
                role: row.membership.role.as_str().to_owned(),
                joined_on: row.membership.joined_on,
                left_on: row.membership.left_on,
                skills: row.skills,
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct AddMemberBody {
    #[schema(example = "13912345678")]
    phone: String,
    /// Needed only for someone new to the platform.
    name: Option<String>,
    /// `leader` or `member` (the default).
    role: Option<String>,
    /// Skill codes, e.g. `haircut`, `medical`.
    skills: Option<Vec<String>>,
}

#[derive(Serialize, ToSchema)]
struct AddedBody {
    membership_id: Uuid,
    person_id: Uuid,
    /// For someone new: the one-time code with which they set a password.
    one_time_code: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct InvitedBody {
    /// `invited`: they become a member when they accept.
    status: &'static str,
    /// The only thing a leader learns of them until then.
    #[schema(example = "139****5678")]
    phone_masked: String,
}

/// Add someone new to the platform (who gets a one-time code); someone who already has an
/// account of their own is invited instead and becomes a member when they accept. Staff
/// accounts cannot be enrolled by a leader.
#[utoipa::path(
    post,
    path = "/organizations/{id}/members",
    tag = "organizations",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "Organization id")),
    request_body = AddMemberBody,
    responses(
        (status = 201, description = "Added", body = AddedBody),
        (status = 202, description = "Invited: a member once they accept", body = InvitedBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not a leader of it, nor staff", body = ErrorBody),
        (status = 422, description = "Invalid fields, already a member or invited, or a staff account", body = ErrorBody),
    )
)]
async fn add_member(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
    ApiJson(body): ApiJson<AddMemberBody>,
) -> Result<Response, AppError> {
    let new = NewMember {
        name: body.name.unwrap_or_default(),
        phone: body.phone,
        role: body.role.unwrap_or_default(),
        skills: body.skills.unwrap_or_default().join(","),
    };
    match memberships::add_member(&state.db, &actor, id, &new, views::today()).await? {
        memberships::Added::Member(added) => {
            let body = AddedBody {
                membership_id: added.membership.id,
                person_id: added.person.id,
                one_time_code: added.code,
            };
            Ok((StatusCode::CREATED, Json(body)).into_response())
        }
        memberships::Added::Invited { phone_masked } => {
            let body = InvitedBody {
                status: "invited",
                phone_masked,
            };
            Ok((StatusCode::ACCEPTED, Json(body)).into_response())
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct RoleBody {
    #[schema(example = "leader")]
    role: String,
}

/// Change a member's role; the last leader stays a leader.
#[utoipa::path(
    patch,
    path = "/organizations/{id}/members/{membership_id}",
    tag = "organizations",
    security(("bearer" = []), ("session_cookie" = [])),
    params(
        ("id" = Uuid, Path, description = "Organization id"),
        ("membership_id" = Uuid, Path, description = "Membership id"),
    ),
    request_body = RoleBody,
    responses(
        (status = 200, description = "Changed", body = MemberRoleBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not a leader of it, nor staff", body = ErrorBody),
        (status = 404, description = "No such membership", body = ErrorBody),
        (status = 422, description = "Unknown role, or the last leader", body = ErrorBody),
    )
)]
async fn change_member_role(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path((id, membership_id)): Path<(Uuid, Uuid)>,
    ApiJson(body): ApiJson<RoleBody>,
) -> Result<Json<MemberRoleBody>, AppError> {
    let updated =
        memberships::change_role(&state.db, &actor, id, membership_id, &body.role).await?;
    Ok(Json(MemberRoleBody {
        membership_id: updated.id,
        role: updated.role.as_str().to_owned(),
    }))
}

#[derive(Serialize, ToSchema)]
struct MemberRoleBody {
    membership_id: Uuid,
    role: String,
}

/// End a membership (kept as history); the last leader cannot leave.
#[utoipa::path(
    delete,
    path = "/organizations/{id}/members/{membership_id}",
    tag = "organizations",
    security(("bearer" = []), ("session_cookie" = [])),
    params(
        ("id" = Uuid, Path, description = "Organization id"),
        ("membership_id" = Uuid, Path, description = "Membership id"),
    ),
    responses(
        (status = 204, description = "Ended"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not a leader of it, nor staff", body = ErrorBody),
        (status = 404, description = "No such membership", body = ErrorBody),
        (status = 422, description = "Already ended, or the last leader", body = ErrorBody),
    )
)]
async fn end_membership(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path((id, membership_id)): Path<(Uuid, Uuid)>,
) -> Result<StatusCode, AppError> {
    memberships::end_membership(&state.db, &actor, id, membership_id, views::today()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A roster file, as a multipart form field named `file`.
#[derive(ToSchema)]
#[allow(dead_code)]
struct RosterUpload {
    /// `.xlsx` or `.csv` (UTF-8), header row: 姓名, 手机号, 技能, 角色.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

#[derive(Serialize, ToSchema)]
struct PreviewRowBody {
    line: usize,
    name: String,
    /// Masked.
    phone: String,
    skills: Vec<String>,
    role: Option<String>,
    existing: bool,
    /// Why the row would not be imported (a stable reason code), if it would not.
    problem: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct PreviewBody {
    import_id: Uuid,
    committed: bool,
    good: usize,
    bad: usize,
    rows: Vec<PreviewRowBody>,
}

async fn preview_body(
    state: &AppState,
    actor: &member::Actor,
    id: Uuid,
    import_id: Uuid,
) -> Result<PreviewBody, AppError> {
    let (import, preview) = roster::preview(&state.db, actor, id, import_id).await?;
    Ok(PreviewBody {
        import_id,
        committed: import.committed_at.is_some(),
        good: preview.good,
        bad: preview.bad,
        rows: preview
            .rows
            .into_iter()
            .map(|row| PreviewRowBody {
                line: row.line,
                name: row.name,
                phone: row.phone,
                skills: row.skills.iter().map(|s| (*s).to_owned()).collect(),
                role: row.role.map(|r: MemberRole| r.as_str().to_owned()),
                existing: row.existing,
                problem: row.problem.map(str::to_owned),
            })
            .collect(),
    })
}

/// Upload a roster: answers with the preview; nothing is imported until committed.
#[utoipa::path(
    post,
    path = "/organizations/{id}/roster-imports",
    tag = "organizations",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "Organization id")),
    request_body(content = RosterUpload, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Uploaded; the preview", body = PreviewBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not a leader of it, nor staff", body = ErrorBody),
        (status = 422, description = "No file, unknown format, unreadable or empty", body = ErrorBody),
    )
)]
async fn upload_roster(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    if !actor.can_manage_org(id) {
        return Err(AppError::Forbidden);
    }
    let Some((name, bytes)) = read_file(multipart).await? else {
        return Err(MemberError::field("file", "error-import-no-file").into());
    };
    let import_id = roster::upload(&state.db, &actor, id, &name, &bytes).await?;
    let body = preview_body(&state, &actor, id, import_id).await?;
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// The preview of an uploaded roster, checked against the members as they are now.
#[utoipa::path(
    get,
    path = "/organizations/{id}/roster-imports/{import_id}",
    tag = "organizations",
    security(("bearer" = []), ("session_cookie" = [])),
    params(
        ("id" = Uuid, Path, description = "Organization id"),
        ("import_id" = Uuid, Path, description = "Import id"),
    ),
    responses(
        (status = 200, description = "The preview", body = PreviewBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not a leader of it, nor staff", body = ErrorBody),
        (status = 404, description = "No such import", body = ErrorBody),
    )
)]
async fn preview_roster(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path((id, import_id)): Path<(Uuid, Uuid)>,
) -> Result<Json<PreviewBody>, AppError> {
    Ok(Json(preview_body(&state, &actor, id, import_id).await?))
}

#[derive(Serialize, ToSchema)]
struct CommittedBody {
    added: usize,
    new_people: usize,
    skipped: usize,
    /// People with accounts of their own: invited, members once they accept.
    invited: usize,
}

/// Import every good row in one transaction, or nothing; once per upload.
#[utoipa::path(
    post,
    path = "/organizations/{id}/roster-imports/{import_id}/commit",
    tag = "organizations",
    security(("bearer" = []), ("session_cookie" = [])),
    params(
        ("id" = Uuid, Path, description = "Organization id"),
        ("import_id" = Uuid, Path, description = "Import id"),
    ),
    responses(
        (status = 200, description = "Imported", body = CommittedBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not a leader of it, nor staff", body = ErrorBody),
        (status = 404, description = "No such import", body = ErrorBody),
        (status = 422, description = "Already imported", body = ErrorBody),
    )
)]
async fn commit_roster(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path((id, import_id)): Path<(Uuid, Uuid)>,
) -> Result<Json<CommittedBody>, AppError> {
    let done = roster::commit(&state.db, &actor, id, import_id, views::today()).await?;
    Ok(Json(CommittedBody {
        added: done.added,
        new_people: done.new_people,
        skipped: done.skipped,
        invited: done.invited,
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ExportQuery {
    /// `xlsx` (default) or `csv`.
    format: Option<String>,
}

/// The current members as a spreadsheet (logged).
#[utoipa::path(
    get,
    path = "/organizations/{id}/roster",
    tag = "organizations",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "Organization id"), ExportQuery),
    responses(
        (status = 200, description = "The roster file", content_type = crate::files::XLSX),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not a leader of it, nor staff", body = ErrorBody),
        (status = 422, description = "Unknown format", body = ErrorBody),
    )
)]
async fn export_roster(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
    Query(query): Query<ExportQuery>,
) -> Result<Response, AppError> {
    let org = orgs::find(&state.db, id).await?;
    match query.format.as_deref().unwrap_or("xlsx") {
        "csv" => {
            let rows = roster::export_rows(&state.db, &actor, id, "csv").await?;
            Ok(download(
                &format!("{}-成员.csv", org.short_name),
                "roster.csv",
                crate::files::CSV,
                roster::to_csv(&rows)?,
            ))
        }
        "xlsx" => {
            let rows = roster::export_rows(&state.db, &actor, id, "xlsx").await?;
            Ok(download(
                &format!("{}-成员.xlsx", org.short_name),
                "roster.xlsx",
                crate::files::XLSX,
                roster::to_xlsx(&rows, &org.short_name)?,
            ))
        }
        _ => Err(AppError::InvalidFields(vec![member::FieldError::new(
            "format",
            "error-choose-one",
        )])),
    }
}
