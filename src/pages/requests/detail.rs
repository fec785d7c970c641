//! One request, for those who handle it: the detail page and each handling step.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{MethodRouter, post};
use axum_extra::extract::cookie::CookieJar;
use chrono::Utc;
use member::fields::mask_phone;
use member::orgs::Stage;
use member::{Actor, FieldError};
use serde::{Deserialize, Serialize};
use triage::handling::{self, ClassifyInput};
use triage::requests::{self};
use triage::{Class, TriageError};
use uuid::Uuid;

use crate::auth::{self, SignedIn};
use crate::errors::AppError;
use crate::i18n::Lang;
use crate::pages::forms::{Choice, Form as FormView};
use crate::pages::invalid;
use crate::state::AppState;
use crate::templates::PageContext;
use crate::views;

use super::track::{TimelineLine, timeline_lines};
use super::{RequestRow, choices, label, org_names, row};

#[derive(Debug, Default, Deserialize, Serialize, Clone)]
#[serde(default)]
pub(super) struct StepForm {
    class: String,
    /// Why it was classified so, or why it is handed back.
    reason: String,
    department: String,
    referred_on: String,
    reference_no: String,
    organization_id: String,
    project_id: String,
    guidance: String,
    note: String,
    summary: String,
}

impl StepForm {
    fn input(&self) -> ClassifyInput {
        ClassifyInput {
            class: self.class.clone(),
            reason: self.reason.clone(),
            department: self.department.clone(),
            referred_on: self.referred_on.clone(),
            reference_no: self.reference_no.clone(),
            organization_id: self.organization_id.clone(),
            project_id: self.project_id.clone(),
            guidance: self.guidance.clone(),
        }
    }
}

/// Which of the detail page's forms was sent back, with its errors.
#[derive(Default)]
pub(super) struct Sent {
    form: &'static str,
    errors: Vec<FieldError>,
    classify: StepForm,
    text: String,
}

/// The request as it was reported and handled, in words.
#[derive(Serialize)]
pub(super) struct Described {
    code: String,
    description: String,
    place: String,
    contact_name: String,
    contact_phone: Option<String>,
    may_contact: bool,
    channel: String,
    class_reason: String,
    department: String,
    referred_on: Option<String>,
    reference_no: String,
    resolution: String,
    public_summary: String,
}

impl Described {
    fn of(lang: Lang, found: &triage::Request) -> Described {
        Described {
            code: found.tracking_code.clone(),
            description: found.description.clone(),
            place: found.place.clone(),
            contact_name: found.contact_name.clone(),
            contact_phone: found.contact_phone.as_deref().map(mask_phone),
            may_contact: found.may_contact,
            channel: label(lang, "request-channel", found.channel.as_str()),
            class_reason: found.class_reason.clone(),
            department: found.department.clone(),
            referred_on: found.referred_on.map(|d| views::format_day(lang, d)),
            reference_no: found.reference_no.clone(),
            resolution: found.resolution.clone(),
            public_summary: found.public_summary.clone(),
        }
    }
}

/// The classification form: its text fields, and the errors of its other fields.
#[derive(Serialize)]
pub(super) struct ClassifyView {
    reason: FormView,
    big: FormView,
    class_error: Option<String>,
    organization_error: Option<String>,
    project_error: Option<String>,
    guidance_error: Option<String>,
    error_count: usize,
}

#[derive(Serialize)]
pub(super) struct DetailPage {
    row: RequestRow,
    #[serde(flatten)]
    described: Described,
    entered_by: Option<String>,
    project: Option<String>,
    timeline: Vec<TimelineLine>,
    is_staff: bool,
    /// Unfolded before the first triage, or when it was sent back with errors.
    classify_open: bool,
    /// The steps this person may take, as the triage crate decides.
    steps: handling::Steps,
    classes: Vec<Choice>,
    organizations: Vec<Choice>,
    projects: Vec<Choice>,
    classify: StepForm,
    classify_form: ClassifyView,
    text_form: &'static str,
    text: String,
    text_error: Option<String>,
    days: [i64; 3],
}

pub(super) async fn detail_page(
    state: &AppState,
    context: &PageContext,
    actor: &Actor,
    id: Uuid,
    sent: Sent,
) -> Result<DetailPage, AppError> {
    let lang = context.lang();
    let found = requests::find(&state.db, id).await?;
    if !requests::can_view(actor, &found) {
        return Err(AppError::Forbidden);
    }
    let names = org_names(state, std::slice::from_ref(&found)).await?;
    let org_name = found.organization_id.and_then(|id| names.get(&id).cloned());
    // What this person may do next is the triage crate's decision, as for the API.
    let steps = triage::handling::Steps::of(actor, &found);
    let (entered_by, project) = staff_and_project(state, &found).await?;
    let classifying = sent.form == "classify";
    let classify = if classifying {
        sent.classify.clone()
    } else {
        StepForm::of(&found)
    };
    let classify_form = classify_view(
        lang,
        &classify,
        if classifying { &sent.errors } else { &[] },
    );
    let (organizations, projects) = if actor.is_staff() {
        assignable(state, &classify).await?
    } else {
        (Vec::new(), Vec::new())
    };
    let class_values: Vec<&'static str> = Class::ALL.iter().map(|c| c.as_str()).collect();
    let policy = state.settings.triage_policy();
    Ok(DetailPage {
        row: row(lang, &found, org_name.as_deref(), Utc::now()),
        described: Described::of(lang, &found),
        entered_by,
        project,
        timeline: timeline_lines(state, lang, found.id, true).await?,
        is_staff: actor.is_staff(),
        classify_open: found.class.is_none() || classifying,
        steps,
        classes: choices(lang, "request-class", &class_values, &classify.class),
        organizations,
        projects,
        classify,
        classify_form,
        text_form: sent.form,
        text_error: if classifying {
            None
        } else {
            sent.errors.first().map(|e| lang.t(e.reason))
        },
        text: if classifying {
            String::new()
        } else {
            sent.text
        },
        days: [policy.days_big, policy.days_small, policy.days_private],
    })
}

/// Who entered the request for the resident (at the desk), and the project it went to.
async fn staff_and_project(
    state: &AppState,
    found: &triage::Request,
) -> Result<(Option<String>, Option<String>), AppError> {
    let entered_by = match found.entered_by {
        Some(person_id) => member::privacy::names(&state.db, [person_id])
            .await?
            .remove(&person_id),
        None => None,
    };
    let project = match found.project_id {
        Some(project_id) => Some(project::projects::find(&state.db, project_id).await?.title),
        None => None,
    };
    Ok((entered_by, project))
}

impl StepForm {
    /// The classification form as the request stands.
    fn of(found: &triage::Request) -> StepForm {
        StepForm {
            class: found
                .class
                .map(|c| c.as_str().to_owned())
                .unwrap_or_default(),
            organization_id: found
                .organization_id
                .map(|o| o.to_string())
                .unwrap_or_default(),
            department: found.department.clone(),
            reference_no: found.reference_no.clone(),
            ..StepForm::default()
        }
    }
}

/// The classification form's fields, with the errors it was sent back with.
fn classify_view(lang: Lang, classify: &StepForm, errors: &[FieldError]) -> ClassifyView {
    let reason = FormView::new(lang, errors)
        .field("reason", "text", &classify.reason, "off")
        .hint("request-reason-hint");
    let big = FormView::new(lang, errors)
        .field("department", "text", &classify.department, "off")
        // Required for a big matter only: the server checks it by class, so the browser
        // must not demand it when 小事 or 私事 is chosen.
        .optional()
        .field("referred_on", "date", &classify.referred_on, "off")
        .optional()
        .hint("request-referred-on-hint")
        .field("reference_no", "text", &classify.reference_no, "off")
        .optional();
    ClassifyView {
        class_error: reason.error_for("class"),
        organization_error: reason.error_for("organization_id"),
        project_error: reason.error_for("project_id"),
        guidance_error: reason.error_for("guidance"),
        error_count: errors.len(),
        reason,
        big,
    }
}

/// The organizations (incubating or graduated) and projects a small matter may be given to.
async fn assignable(
    state: &AppState,
    classify: &StepForm,
) -> Result<(Vec<Choice>, Vec<Choice>), AppError> {
    let orgs: Vec<member::Organization> = member::orgs::all_by_name(&state.db)
        .await?
        .into_iter()
        .filter(|o| matches!(o.stage, Stage::Incubating | Stage::Graduated))
        .collect();
    let org_of: std::collections::HashMap<Uuid, &str> =
        orgs.iter().map(|o| (o.id, o.name.as_str())).collect();
    let projects = project::projects::all_by_title(&state.db)
        .await?
        .iter()
        .filter_map(|p| {
            org_of.get(&p.organization_id).map(|org| Choice {
                value: p.id.to_string(),
                label: format!("{} · {org}", p.title),
                selected: p.id.to_string() == classify.project_id,
            })
        })
        .collect();
    let organizations = orgs
        .iter()
        .map(|o| Choice {
            value: o.id.to_string(),
            label: o.name.clone(),
            selected: o.id.to_string() == classify.organization_id,
        })
        .collect();
    Ok((organizations, projects))
}

pub(super) async fn show_detail(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let page = detail_page(&state, &context, &actor, id, Sent::default()).await?;
    Ok(crate::pages::render(&state, &context, "pages/request", &page)?.into_response())
}

/// The handling steps, each posted from the detail page to `/requests/{id}/{step}`. Which
/// of them this person may take is the triage crate's decision ([`handling::Steps`]).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Step {
    Classify,
    Accept,
    HandBack,
    Note,
    Resolve,
    Close,
    Summary,
}

impl Step {
    /// The page's form it is sent from (unfolded again with its errors), and the notice after.
    fn form_and_notice(self) -> (&'static str, &'static str) {
        match self {
            Step::Classify => ("classify", "notice-request-classified"),
            Step::Accept => ("", "notice-request-accepted"),
            Step::HandBack => ("hand_back", "notice-request-handed-back"),
            Step::Note => ("note", "notice-request-noted"),
            Step::Resolve => ("resolve", "notice-request-resolved"),
            Step::Close => ("close", "notice-request-closed"),
            Step::Summary => ("summary", "notice-request-summary"),
        }
    }
}

/// Every step is one route of the same shape: take it, then back to the request with a
/// notice, or the page again with the errors and what was typed.
pub(super) fn step_route(step: Step) -> MethodRouter<AppState> {
    post(
        move |State(state): State<AppState>,
              context: PageContext,
              SignedIn { actor, .. }: SignedIn,
              jar: CookieJar,
              Path(id): Path<Uuid>,
              Form(typed): Form<StepForm>| async move {
            submit_step(&state, &context, &actor, jar, id, step, typed).await
        },
    )
}

/// Takes the step; returns its result and the text to keep in the form if it was refused.
async fn take_step(
    state: &AppState,
    actor: &Actor,
    id: Uuid,
    step: Step,
    typed: &StepForm,
) -> (Result<triage::Request, TriageError>, String) {
    let (db, now) = (&state.db, Utc::now());
    match step {
        Step::Classify => {
            let policy = state.settings.triage_policy();
            let input = typed.input();
            let result =
                handling::classify(db, actor, &policy, id, &input, now, views::today()).await;
            (result, String::new())
        }
        Step::Accept => (handling::accept(db, actor, id, now).await, String::new()),
        Step::HandBack => (
            handling::hand_back(db, actor, id, &typed.reason, now).await,
            typed.reason.clone(),
        ),
        Step::Note => (
            handling::add_note(db, actor, id, &typed.note, now).await,
            typed.note.clone(),
        ),
        Step::Resolve => (
            handling::resolve(db, actor, id, &typed.note, now).await,
            typed.note.clone(),
        ),
        Step::Close => (handling::close(db, actor, id, now).await, String::new()),
        Step::Summary => (
            handling::publish_summary(db, actor, id, &typed.summary, now).await,
            typed.summary.clone(),
        ),
    }
}

async fn submit_step(
    state: &AppState,
    context: &PageContext,
    actor: &Actor,
    jar: CookieJar,
    id: Uuid,
    step: Step,
    typed: StepForm,
) -> Result<Response, AppError> {
    let (result, text) = take_step(state, actor, id, step, &typed).await;
    let (form, notice) = step.form_and_notice();
    match result {
        Ok(_) => {
            // A leader who hands a request back no longer sees it: back to their list.
            let to = if step == Step::HandBack && !actor.is_staff() {
                "/requests".to_owned()
            } else {
                format!("/requests/{id}")
            };
            let jar = jar.add(auth::flash_cookie(notice));
            Ok((jar, Redirect::to(&to)).into_response())
        }
        Err(TriageError::Invalid(errors)) => {
            let sent = Sent {
                form,
                errors,
                classify: typed,
                text,
            };
            let page = detail_page(state, context, actor, id, sent).await?;
            invalid(state, context, "pages/request", &page)
        }
        Err(other) => Err(other.into()),
    }
}

/// A POST, not a link: every reveal is written to the audit log.
pub(super) async fn reveal_phone(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let (found, phone) = requests::reveal_contact(&state.db, &actor, id).await?;
    let page = crate::pages::PhonePage {
        name: found.contact_name,
        phone,
        back: format!("/requests/{id}"),
    };
    Ok(crate::pages::render(&state, &context, "pages/admin-phone", &page)?.into_response())
}
