//! An organization's members and invitations: list, add or invite, change a role, end a membership, answer an invitation.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use member::memberships::{self, NewMember};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::api::json::ApiJson;
use crate::auth::SignedIn;
use crate::errors::{AppError, ErrorBody};
use crate::state::AppState;
use crate::views;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_members, add_member))
        .routes(routes!(change_member_role, end_membership))
        .routes(routes!(my_invitations))
        .routes(routes!(answer_invitation))
}

#[derive(Serialize, ToSchema)]
struct InvitationBody {
    id: Uuid,
    organization_id: Uuid,
    #[schema(example = "南湖社区爱心理发队")]
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
    #[schema(example = true)]
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
    #[schema(example = "48213957")]
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
    #[schema(example = "leader")]
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
