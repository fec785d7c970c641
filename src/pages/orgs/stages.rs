//! Stage changes: approve, graduate, suspend, deregister.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use member::orgs::{self};
use member::{FieldError, MemberError};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::{self, SignedIn};
use crate::errors::AppError;
use crate::pages::forms::{Choice, Form as FormView};
use crate::pages::invalid;
use crate::state::AppState;
use crate::templates::PageContext;
use crate::views;

use super::stage_label;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct StageForm {
    to: String,
    on_date: String,
    reason: String,
}

#[derive(Serialize)]
pub(super) struct StagePage {
    id: Uuid,
    name: String,
    current: String,
    targets: Vec<Choice>,
    target_error: Option<String>,
    form: FormView,
    reason: String,
    reason_error: Option<String>,
    final_stage: bool,
}

pub(super) fn stage_page(
    context: &PageContext,
    org: &member::Organization,
    input: &StageForm,
    errors: &[FieldError],
) -> StagePage {
    let lang = context.lang();
    let date = if input.on_date.is_empty() {
        views::today().format("%Y-%m-%d").to_string()
    } else {
        input.on_date.clone()
    };
    let form = FormView::new(lang, errors).field("on_date", "date", &date, "off");
    StagePage {
        id: org.id,
        name: org.name.clone(),
        current: stage_label(lang, org.stage),
        targets: org
            .stage
            .next()
            .iter()
            .map(|s| Choice {
                value: s.as_str().to_owned(),
                label: lang.t(&format!("stage-action-{}", s.as_str())),
                selected: s.as_str() == input.to,
            })
            .collect(),
        target_error: form.error_for("to"),
        reason_error: form.error_for("reason"),
        reason: input.reason.clone(),
        final_stage: org.stage.next().is_empty(),
        form,
    }
}

pub(super) async fn show_stage(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    if !actor.can_steer_incubation() {
        return Err(AppError::Forbidden);
    }
    let org = orgs::find(&state.db, id).await?;
    let page = stage_page(&context, &org, &StageForm::default(), &[]);
    Ok(crate::pages::render(&state, &context, "pages/org-stage", &page)?.into_response())
}

pub(super) async fn submit_stage(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path(id): Path<Uuid>,
    Form(input): Form<StageForm>,
) -> Result<Response, AppError> {
    let result = orgs::transition(
        &state.db,
        &actor,
        id,
        &input.to,
        &input.on_date,
        &input.reason,
        views::today(),
    )
    .await;
    match result {
        Ok(org) => {
            let jar = jar.add(auth::flash_cookie("notice-org-stage-changed"));
            Ok((jar, Redirect::to(&format!("/orgs/{}", org.id))).into_response())
        }
        Err(MemberError::Invalid(errors)) => {
            let org = orgs::find(&state.db, id).await?;
            let page = stage_page(&context, &org, &input, &errors);
            invalid(&state, &context, "pages/org-stage", &page)
        }
        Err(other) => Err(other.into()),
    }
}
