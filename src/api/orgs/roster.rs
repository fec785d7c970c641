//! An organization's roster as a spreadsheet: upload, preview, commit, export.

use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use member::memberships::MemberRole;
use member::orgs::{self};
use member::{MemberError, roster};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::auth::SignedIn;
use crate::errors::{AppError, ErrorBody};
use crate::files::{download, read_file};
use crate::state::AppState;
use crate::views;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(upload_roster))
        .routes(routes!(preview_roster))
        .routes(routes!(commit_roster))
        .routes(routes!(export_roster))
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
    #[schema(example = 118)]
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
    #[schema(example = 118)]
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
