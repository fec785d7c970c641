//! "My data": everything the platform keeps about the signed-in person, to see, correct,
//! download and delete (PIPL).

use axum::extract::State;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use axum_extra::extract::cookie::CookieJar;
use member::privacy::{self, SelfUpdate};
use member::{FieldError, MemberError};
use serde::{Deserialize, Serialize};

use super::forms::Form as FormView;
use super::invalid;
use crate::auth::{self, SESSION_COOKIE, SignedIn};
use crate::errors::AppError;
use crate::i18n::Lang;
use crate::state::AppState;
use crate::templates::PageContext;
use crate::views;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/me", get(show_me))
        .route("/me/edit", get(show_edit).post(submit_edit))
        .route("/me/export.json", get(export))
        .route("/me/delete", get(show_delete).post(submit_delete))
        .route("/me/skills", axum::routing::post(submit_skills))
        .route(
            "/me/invitations/{id}/accept",
            axum::routing::post(accept_invitation),
        )
        .route(
            "/me/invitations/{id}/decline",
            axum::routing::post(decline_invitation),
        )
}

#[derive(Serialize)]
struct MePage {
    name: String,
    phone: String,
    birth_date: Option<String>,
    role: String,
    consent: Option<String>,
    created_at: String,
    password_changed_at: String,
    sessions: Vec<SessionLine>,
    history: Vec<HistoryLine>,
    memberships: Vec<MembershipLine>,
    /// Organizations that invited me, waiting for my answer.
    invitations: Vec<InvitationLine>,
    skill_words: String,
    skill_list: String,
    skills_error: Option<String>,
}

#[derive(Serialize)]
struct InvitationLine {
    id: uuid::Uuid,
    organization: String,
    role: String,
    since: String,
}

#[derive(Serialize)]
struct MembershipLine {
    organization_id: uuid::Uuid,
    organization: String,
    role: String,
    joined: String,
    left: Option<String>,
}

#[derive(Serialize)]
struct SessionLine {
    created_at: String,
    last_seen_at: String,
}

#[derive(Serialize)]
struct HistoryLine {
    at: String,
    action: String,
    by_self: bool,
}

/// The catalogue's words for an audit action: `account.login` → `audit-account-login`.
pub(super) fn action_label(lang: Lang, action: &str) -> String {
    lang.t(&format!("audit-{}", action.replace(['.', '_'], "-")))
}

pub(super) fn role_label(lang: Lang, role: member::PlatformRole) -> String {
    lang.t(&format!("role-{}", role.as_str()))
}

async fn show_me(
    State(state): State<AppState>,
    context: PageContext,
    signed_in: SignedIn,
) -> Result<Response, AppError> {
    let page = me_page(&state, &context, &signed_in, None).await?;
    Ok(super::render(&state, &context, "pages/me", &page)?.into_response())
}

impl InvitationLine {
    fn of(lang: Lang, view: member::memberships::InvitationView) -> InvitationLine {
        InvitationLine {
            id: view.invitation.id,
            organization: view.organization,
            role: member_role_label(lang, view.invitation.role),
            since: views::format_date(lang, view.invitation.created_at),
        }
    }
}

impl HistoryLine {
    fn of(lang: Lang, e: &member::privacy::AuditRecord) -> HistoryLine {
        HistoryLine {
            at: views::format_date_time(lang, e.at),
            action: action_label(lang, &e.action),
            by_self: e.by_self,
        }
    }
}

/// When the privacy notice was agreed to, and which version.
fn consent_of(lang: Lang, person: &member::privacy::PersonRecord) -> Option<String> {
    let at = views::format_date_time(lang, person.consented_at?);
    let version = person.privacy_notice_version.clone().unwrap_or_default();
    Some(format!("{at} · {version}"))
}

fn member_role_label(lang: Lang, role: member::memberships::MemberRole) -> String {
    lang.t(&format!("member-role-{}", role.as_str()))
}

async fn me_page(
    state: &AppState,
    context: &PageContext,
    signed_in: &SignedIn,
    skills_error: Option<String>,
) -> Result<MePage, AppError> {
    let data = privacy::my_data(&state.db, &signed_in.actor, false).await?;
    let lang = context.lang();
    let invitations = member::memberships::my_invitations(&state.db, &signed_in.actor)
        .await?
        .into_iter()
        .map(|view| InvitationLine::of(lang, view))
        .collect();
    let consent = consent_of(lang, &data.person);
    Ok(MePage {
        invitations,
        consent,
        memberships: data
            .memberships
            .iter()
            .rev()
            .map(|m| MembershipLine {
                organization_id: m.organization_id,
                organization: m.organization.clone(),
                role: member_role_label(lang, m.role),
                joined: views::format_day(lang, m.joined_on),
                left: m.left_on.map(|d| views::format_day(lang, d)),
            })
            .collect(),
        skill_words: super::members::skill_words(&data.skills),
        skill_list: super::members::skill_list(),
        skills_error,
        name: data.person.name,
        phone: data.person.phone.unwrap_or_default(),
        birth_date: data
            .person
            .birth_date
            .map(|d| d.format("%Y-%m-%d").to_string()),
        role: role_label(lang, data.account.role),
        created_at: views::format_date_time(lang, data.account.created_at),
        password_changed_at: views::format_date_time(lang, data.account.password_changed_at),
        sessions: (data.sessions.iter())
            .map(|s| SessionLine {
                created_at: views::format_date_time(lang, s.created_at),
                last_seen_at: views::format_date_time(lang, s.last_seen_at),
            })
            .collect(),
        // Newest first, the last 50: the download has all of it.
        history: data
            .audit_log
            .iter()
            .rev()
            .take(50)
            .map(|e| HistoryLine::of(lang, e))
            .collect(),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SkillsForm {
    skills: String,
}

/// A volunteer says what they can do, so stalls that need it can find them.
async fn submit_skills(
    State(state): State<AppState>,
    context: PageContext,
    signed_in: SignedIn,
    jar: CookieJar,
    Form(input): Form<SkillsForm>,
) -> Result<Response, AppError> {
    let actor = &signed_in.actor;
    match member::memberships::set_skills(&state.db, actor, actor.person_id, &input.skills).await {
        Ok(_) => {
            let jar = jar.add(auth::flash_cookie("notice-skills-saved"));
            Ok((jar, Redirect::to("/me")).into_response())
        }
        Err(MemberError::Invalid(errors)) => {
            let error = errors.first().map(|e| context.lang().t(e.reason));
            let page = me_page(&state, &context, &signed_in, error).await?;
            invalid(&state, &context, "pages/me", &page)
        }
        Err(other) => Err(other.into()),
    }
}

/// Everything, as a JSON file to keep. The download is recorded in the audit log.
async fn export(State(state): State<AppState>, signed_in: SignedIn) -> Result<Response, AppError> {
    let data = crate::views::MyExport {
        data: privacy::my_data(&state.db, &signed_in.actor, true).await?,
        service: event::certificates::service_record_of(
            &state.db,
            signed_in.actor.person_id,
            chrono::Utc::now(),
        )
        .await?,
    };
    let body = serde_json::to_string_pretty(&data)
        .map_err(|e| AppError::Internal(format!("export: {e}")))?;
    Ok((
        [
            (CONTENT_TYPE, "application/json; charset=utf-8"),
            (
                CONTENT_DISPOSITION,
                "attachment; filename=\"weiyifang-my-data.json\"",
            ),
        ],
        body,
    )
        .into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct EditForm {
    name: String,
    phone: String,
    birth_date: String,
}

#[derive(Serialize)]
struct FormPage {
    form: FormView,
}

fn edit_page(context: &PageContext, input: &EditForm, errors: &[FieldError]) -> FormPage {
    FormPage {
        form: FormView::new(context.lang(), errors)
            .field("name", "text", &input.name, "name")
            .field("phone", "tel", &input.phone, "tel")
            .field("birth_date", "date", &input.birth_date, "bday")
            .optional(),
    }
}

async fn show_edit(
    State(state): State<AppState>,
    context: PageContext,
    signed_in: SignedIn,
) -> Result<Response, AppError> {
    let data = privacy::my_data(&state.db, &signed_in.actor, false).await?;
    let input = EditForm {
        name: data.person.name,
        phone: data.person.phone.unwrap_or_default(),
        birth_date: data
            .person
            .birth_date
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
    };
    let page = edit_page(&context, &input, &[]);
    Ok(super::render(&state, &context, "pages/me-edit", &page)?.into_response())
}

async fn submit_edit(
    State(state): State<AppState>,
    context: PageContext,
    signed_in: SignedIn,
    jar: CookieJar,
    Form(input): Form<EditForm>,
) -> Result<Response, AppError> {
    let update = SelfUpdate {
        name: input.name.clone(),
        phone: input.phone.clone(),
        birth_date: input.birth_date.clone(),
    };
    match privacy::update_self(&state.db, &signed_in.actor, &update).await {
        Ok(_) => {
            let jar = jar.add(auth::flash_cookie("notice-profile-saved"));
            Ok((jar, Redirect::to("/me")).into_response())
        }
        Err(MemberError::Invalid(errors)) => {
            let page = edit_page(&context, &input, &errors);
            invalid(&state, &context, "pages/me-edit", &page)
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct DeleteForm {
    password: String,
}

fn delete_page(context: &PageContext, errors: &[FieldError]) -> FormPage {
    FormPage {
        form: FormView::new(context.lang(), errors).field(
            "password",
            "password",
            "",
            "current-password",
        ),
    }
}

async fn show_delete(
    State(state): State<AppState>,
    context: PageContext,
    _signed_in: SignedIn,
) -> Result<Response, AppError> {
    let page = delete_page(&context, &[]);
    Ok(super::render(&state, &context, "pages/me-delete", &page)?.into_response())
}

async fn submit_delete(
    State(state): State<AppState>,
    context: PageContext,
    signed_in: SignedIn,
    jar: CookieJar,
    Form(input): Form<DeleteForm>,
) -> Result<Response, AppError> {
    match event::leaving::delete_own_account(
        &state.db,
        &signed_in.actor,
        &input.password,
        chrono::Utc::now(),
    )
    .await
    {
        Ok(()) => {
            let jar = jar
                .add(auth::removal(SESSION_COOKIE))
                .add(auth::flash_cookie("notice-account-deleted"));
            Ok((jar, Redirect::to("/")).into_response())
        }
        Err(event::EventError::Invalid(errors)) => {
            let page = delete_page(&context, &errors);
            invalid(&state, &context, "pages/me-delete", &page)
        }
        Err(other) => Err(other.into()),
    }
}

async fn accept_invitation(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    jar: axum_extra::extract::cookie::CookieJar,
    axum::extract::Path(id): axum::extract::Path<uuid::Uuid>,
) -> Result<Response, AppError> {
    answer(&state, &actor, jar, id, true).await
}

async fn decline_invitation(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    jar: axum_extra::extract::cookie::CookieJar,
    axum::extract::Path(id): axum::extract::Path<uuid::Uuid>,
) -> Result<Response, AppError> {
    answer(&state, &actor, jar, id, false).await
}

/// Joins the organization that invited me, or says no; back to my page either way.
async fn answer(
    state: &AppState,
    actor: &member::Actor,
    jar: axum_extra::extract::cookie::CookieJar,
    id: uuid::Uuid,
    accept: bool,
) -> Result<Response, AppError> {
    member::memberships::answer_invitation(&state.db, actor, id, accept, crate::views::today())
        .await?;
    let notice = if accept {
        "notice-invitation-accepted"
    } else {
        "notice-invitation-declined"
    };
    Ok((
        jar.add(crate::auth::flash_cookie(notice)),
        axum::response::Redirect::to("/me"),
    )
        .into_response())
}
