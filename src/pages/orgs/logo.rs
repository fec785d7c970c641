//! The organization's logo: upload, serve, remove.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use member::MemberError;
use member::orgs::{self};
use uuid::Uuid;

use crate::auth::{self, SignedIn};
use crate::errors::AppError;
use crate::pages::invalid;
use crate::state::AppState;
use crate::templates::PageContext;

use super::form::{OrgForm, OrgFormKind, org_form_page};

pub(super) async fn show_logo(
    State(state): State<AppState>,
    viewer: Option<SignedIn>,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let logo = orgs::logo(&state.db, viewer.as_ref().map(|s| &s.actor), id).await?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, logo.content_type),
            (
                axum::http::header::CACHE_CONTROL,
                "private, max-age=300".to_owned(),
            ),
        ],
        logo.bytes,
    )
        .into_response())
}

pub(super) async fn upload_logo(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path(id): Path<Uuid>,
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, AppError> {
    let org = orgs::find(&state.db, id).await?;
    if !actor.can_manage_org(org.id) {
        return Err(AppError::Forbidden);
    }
    let result = match crate::files::read_file(multipart).await? {
        Some((_, bytes)) => orgs::set_logo(&state.db, &actor, id, &bytes).await,
        None => Err(MemberError::field("logo", "error-import-no-file")),
    };
    match result {
        Ok(()) => {
            let jar = jar.add(auth::flash_cookie("notice-org-saved"));
            Ok((jar, Redirect::to(&format!("/orgs/{id}"))).into_response())
        }
        Err(MemberError::Invalid(errors)) => {
            let input = OrgForm::from_org(org);
            let mut page = org_form_page(
                &context,
                OrgFormKind::Edit,
                format!("/orgs/{id}/edit"),
                &input,
                &[],
            );
            page.logo_error = errors.first().map(|e| context.lang().t(e.reason));
            invalid(&state, &context, "pages/org-form", &page)
        }
        Err(other) => Err(other.into()),
    }
}
