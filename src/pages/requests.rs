//! 三事分流 pages: a resident reports a problem from their phone and follows it with a
//! tracking code; coordinators triage and follow the board; leaders handle the small
//! matters assigned to their organization; the public board shows every request without
//! anything personal; residents rate a resolved request or a market-day stall.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use chrono::{DateTime, Utc};
use member::fields::mask_phone;
use member::orgs::Stage;
use member::{Actor, FieldError};
use serde::{Deserialize, Serialize};
use triage::handling::{self, ClassifyInput};
use triage::ratings::{self, RatingInput};
use triage::requests::{self, RequestFilter, RequestInput};
use triage::{Category, Channel, Class, Level, Status, TriageError};
use uuid::Uuid;

use super::forms::{Choice, Form as FormView};
use super::invalid;
use super::pager::Pager;
use crate::auth::{self, ClientAddress, SignedIn};
use crate::errors::AppError;
use crate::i18n::Lang;
use crate::state::AppState;
use crate::templates::PageContext;
use crate::views;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/requests/new", get(show_new).post(submit_new))
        .route("/requests/track", get(show_track))
        .route("/requests/track/rate", post(submit_rating))
        .route("/requests/board", get(show_board))
        .route("/requests", get(show_manage))
        .route("/requests/{id}", get(show_detail))
        .route("/requests/{id}/classify", post(submit_classify))
        .route("/requests/{id}/accept", post(submit_accept))
        .route("/requests/{id}/hand-back", post(submit_hand_back))
        .route("/requests/{id}/note", post(submit_note))
        .route("/requests/{id}/resolve", post(submit_resolve))
        .route("/requests/{id}/close", post(submit_close))
        .route("/requests/{id}/summary", post(submit_summary))
        .route("/requests/{id}/phone", post(reveal_phone))
        .route(
            "/stalls/{id}/rate",
            get(show_stall_rating).post(submit_stall_rating),
        )
        .route("/stalls/{id}/rating-qr", get(show_stall_rating_qr))
}

const PER_PAGE: u64 = 20;

/// The catalogue's word for a value of a vocabulary: `request-class-big`, …
pub fn label(lang: Lang, prefix: &str, value: &str) -> String {
    lang.t(&format!("{prefix}-{}", value.replace('_', "-")))
}

fn choices(lang: Lang, prefix: &str, values: &[&'static str], selected: &str) -> Vec<Choice> {
    values
        .iter()
        .map(|v| Choice {
            value: (*v).to_owned(),
            label: label(lang, prefix, v),
            selected: *v == selected,
        })
        .collect()
}

fn category_choices(lang: Lang, selected: &str) -> Vec<Choice> {
    let values: Vec<&'static str> = Category::ALL.iter().map(|c| c.as_str()).collect();
    choices(lang, "request-category", &values, selected)
}

fn days_between(from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
    (to - from).num_days().max(0)
}

/// Who answers for a request now, in words anyone may read.
fn responsible(lang: Lang, found: &triage::Request, org_name: Option<&str>) -> String {
    match (found.class, org_name) {
        (Some(Class::Big), _) if !found.department.is_empty() => found.department.clone(),
        (Some(Class::Small), Some(name)) => name.to_owned(),
        (Some(Class::Private), _) => lang.t("request-responsible-resident"),
        _ => lang.t("request-responsible-community"),
    }
}

async fn org_names(
    state: &AppState,
    rows: &[triage::Request],
) -> Result<std::collections::HashMap<Uuid, String>, AppError> {
    Ok(member::orgs::names(&state.db, rows.iter().filter_map(|r| r.organization_id)).await?)
}

/// A request as a line of a list: what anyone may know of it.
#[derive(Serialize)]
struct RequestRow {
    id: Uuid,
    category: String,
    community: String,
    class: Option<&'static str>,
    class_label: String,
    status: &'static str,
    status_label: String,
    responsible: String,
    submitted: String,
    deadline: Option<String>,
    overdue: bool,
    days_open: i64,
    summary: String,
}

fn row(
    lang: Lang,
    found: &triage::Request,
    org_name: Option<&str>,
    now: DateTime<Utc>,
) -> RequestRow {
    RequestRow {
        id: found.id,
        category: label(lang, "request-category", found.category.as_str()),
        community: found.community.clone(),
        class: found.class.map(Class::as_str),
        class_label: match found.class {
            Some(class) => label(lang, "request-class", class.as_str()),
            None => lang.t("request-class-none"),
        },
        status: found.status.as_str(),
        status_label: label(lang, "request-status", found.status.as_str()),
        responsible: responsible(lang, found, org_name),
        submitted: views::format_date(lang, found.created_at),
        deadline: found.due_at.map(|due| views::format_date(lang, due)),
        overdue: found.is_overdue(now),
        days_open: days_between(found.created_at, found.resolved_at.unwrap_or(now)),
        summary: found.public_summary.clone(),
    }
}

// ---- submitting -------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RequestForm {
    category: String,
    description: String,
    community: String,
    place: String,
    contact_name: String,
    contact_phone: String,
    may_contact: Option<String>,
    channel: String,
}

impl RequestForm {
    fn input(&self) -> RequestInput {
        RequestInput {
            category: self.category.clone(),
            description: self.description.clone(),
            community: self.community.clone(),
            place: self.place.clone(),
            contact_name: self.contact_name.clone(),
            contact_phone: self.contact_phone.clone(),
            may_contact: self.may_contact.is_some(),
            channel: self.channel.clone(),
        }
    }
}

#[derive(Serialize)]
struct NewPage {
    on_behalf: bool,
    categories: Vec<Choice>,
    channels: Vec<Choice>,
    description: String,
    may_contact: bool,
    category_error: Option<String>,
    channel_error: Option<String>,
    description_error: Option<String>,
    problem: Option<String>,
    description_max: usize,
    form: FormView,
    /// The known communities, offered as choices for the community field.
    communities: Vec<String>,
}

fn new_page(
    lang: Lang,
    on_behalf: bool,
    input: &RequestForm,
    errors: &[FieldError],
    problem: Option<String>,
) -> NewPage {
    let form = FormView::new(lang, errors)
        .field("community", "text", &input.community, "off")
        .label("request-community")
        .hint("request-community-hint")
        .suggestions("communities")
        .field("place", "text", &input.place, "off")
        .optional()
        .hint("request-place-hint")
        .field("contact_name", "text", &input.contact_name, "name")
        .label(if on_behalf {
            "field-contact-name"
        } else {
            "request-contact-name"
        })
        .optional()
        .field("contact_phone", "tel", &input.contact_phone, "tel")
        .optional()
        .hint("request-phone-hint");
    let channels: Vec<&'static str> = Channel::ALL
        .iter()
        .filter(|c| **c != Channel::Web)
        .map(|c| c.as_str())
        .collect();
    NewPage {
        on_behalf,
        categories: category_choices(lang, &input.category),
        channels: choices(lang, "request-channel", &channels, &input.channel),
        description: input.description.clone(),
        may_contact: input.may_contact.is_some(),
        category_error: form.error_for("category"),
        channel_error: form.error_for("channel"),
        description_error: form.error_for("description"),
        problem,
        description_max: requests::DESCRIPTION_MAX,
        form,
        communities: Vec::new(),
    }
}

async fn show_new(
    State(state): State<AppState>,
    context: PageContext,
    viewer: Option<SignedIn>,
) -> Result<Response, AppError> {
    let on_behalf = viewer.is_some_and(|s| s.actor.is_staff());
    let mut page = new_page(
        context.lang(),
        on_behalf,
        &RequestForm::default(),
        &[],
        None,
    );
    page.communities = member::orgs::communities(&state.db).await?;
    Ok(super::render(&state, &context, "pages/request-new", &page)?.into_response())
}

async fn submit_new(
    State(state): State<AppState>,
    context: PageContext,
    viewer: Option<SignedIn>,
    ClientAddress(address): ClientAddress,
    jar: CookieJar,
    Form(input): Form<RequestForm>,
) -> Result<Response, AppError> {
    let on_behalf = viewer.as_ref().is_some_and(|s| s.actor.is_staff());
    let now = Utc::now();
    let submitted = match &viewer {
        Some(signed_in) if on_behalf => {
            requests::submit_on_behalf(&state.db, &signed_in.actor, &input.input(), now).await
        }
        _ => {
            let policy = state.settings.triage_policy();
            requests::submit_public(&state.db, &policy, &input.input(), &address, now).await
        }
    };
    match submitted {
        Ok(created) => {
            let jar = jar.add(auth::flash_cookie("notice-request-submitted"));
            let to = if on_behalf {
                format!("/requests/{}", created.id)
            } else {
                format!("/requests/track?code={}", created.tracking_code)
            };
            Ok((jar, Redirect::to(&to)).into_response())
        }
        Err(TriageError::Invalid(errors)) => {
            let mut page = new_page(context.lang(), on_behalf, &input, &errors, None);
            page.communities = member::orgs::communities(&state.db).await?;
            invalid(&state, &context, "pages/request-new", &page)
        }
        // What was typed stays on the page, with the reason it was not taken.
        Err(TriageError::Throttled(_)) => {
            let problem = Some(context.lang().t("error-request-throttled"));
            let mut page = new_page(context.lang(), on_behalf, &input, &[], problem);
            page.communities = member::orgs::communities(&state.db).await?;
            let html = super::render(&state, &context, "pages/request-new", &page)?;
            Ok((StatusCode::TOO_MANY_REQUESTS, html).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

// ---- following a request with its code --------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct TrackQuery {
    code: String,
}

#[derive(Serialize)]
struct TimelineLine {
    date: String,
    what: String,
    note: String,
    by: Option<String>,
}

#[derive(Serialize)]
struct TrackedRequest {
    code: String,
    /// The code in two groups of five, easier to read out and copy.
    code_groups: Vec<String>,
    row: RequestRow,
    description: String,
    place: String,
    contact: String,
    resolution: String,
    timeline: Vec<TimelineLine>,
    can_rate: bool,
    can_reopen: bool,
    rated: Option<String>,
}

#[derive(Serialize)]
struct TrackPage {
    code: String,
    problem: Option<String>,
    request: Option<TrackedRequest>,
    levels: Vec<Choice>,
    comment: String,
    reopen: bool,
    reopen_reason: String,
    level_error: Option<String>,
    reopen_error: Option<String>,
    reopen_reason_error: Option<String>,
}

/// The lines of a timeline; names only for those allowed to see who did what.
async fn timeline_lines(
    state: &AppState,
    lang: Lang,
    request_id: Uuid,
    with_names: bool,
) -> Result<Vec<TimelineLine>, AppError> {
    let updates = requests::timeline(&state.db, request_id).await?;
    let people: std::collections::HashMap<Uuid, String> = if with_names {
        member::privacy::names(&state.db, updates.iter().filter_map(|u| u.person_id)).await?
    } else {
        Default::default()
    };
    Ok(updates
        .into_iter()
        .map(|u| {
            let what = match u.class {
                Some(class) => views::t_text(
                    lang,
                    &format!("request-update-{}", u.kind.as_str().replace('_', "-")),
                    "class",
                    &label(lang, "request-class", class.as_str()),
                ),
                None => label(lang, "request-update", u.kind.as_str()),
            };
            let note = match u.kind {
                triage::UpdateKind::Submitted => label(lang, "request-channel", &u.note),
                triage::UpdateKind::Rated => label(lang, "rating-level", &u.note),
                // The resident's tracking page leaves the handlers' notes out.
                kind if kind.note_is_internal() && !with_names => String::new(),
                _ => u.note,
            };
            TimelineLine {
                date: views::format_date_time(lang, u.at),
                what,
                note,
                by: u.person_id.and_then(|id| people.get(&id).cloned()),
            }
        })
        .collect())
}

fn level_choices(lang: Lang, selected: &str) -> Vec<Choice> {
    let values: Vec<&'static str> = Level::ALL.iter().map(|l| l.as_str()).collect();
    choices(lang, "rating-level", &values, selected)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RatingForm {
    code: String,
    level: String,
    comment: String,
    reopen: Option<String>,
    reopen_reason: String,
}

async fn track_page(
    state: &AppState,
    context: &PageContext,
    code: &str,
    typed: &RatingForm,
    errors: &[FieldError],
) -> Result<(StatusCode, TrackPage), AppError> {
    let lang = context.lang();
    let form = FormView::new(lang, errors);
    let mut page = TrackPage {
        code: requests::normalize_code(code),
        problem: None,
        request: None,
        levels: level_choices(lang, &typed.level),
        comment: typed.comment.clone(),
        reopen: typed.reopen.is_some(),
        reopen_reason: typed.reopen_reason.clone(),
        level_error: form.error_for("level"),
        reopen_error: form.error_for("reopen"),
        reopen_reason_error: form.error_for("reopen_reason"),
    };
    if code.trim().is_empty() {
        return Ok((StatusCode::OK, page));
    }
    let found = match requests::find_by_code(&state.db, code).await {
        Ok(found) => found,
        Err(TriageError::NotFound) => {
            page.problem = Some(lang.t("error-tracking-code-unknown"));
            return Ok((StatusCode::NOT_FOUND, page));
        }
        Err(other) => return Err(other.into()),
    };
    let names = org_names(state, std::slice::from_ref(&found)).await?;
    let org_name = found.organization_id.and_then(|id| names.get(&id).cloned());
    let rating = ratings::rating_of(&state.db, &found).await?;
    let resolved = matches!(found.status, Status::Resolved | Status::Closed);
    let code = found.tracking_code.clone();
    page.request = Some(TrackedRequest {
        code_groups: {
            let (first, second) = code.split_at_checked(5).unwrap_or((&code, ""));
            vec![first.to_owned(), second.to_owned()]
        },
        code,
        row: row(lang, &found, org_name.as_deref(), Utc::now()),
        description: found.description.clone(),
        place: found.place.clone(),
        contact: match (&found.contact_phone, found.may_contact) {
            (Some(phone), true) => mask_phone(phone),
            (Some(phone), false) => {
                format!("{} ({})", mask_phone(phone), lang.t("request-no-contact"))
            }
            (None, _) => lang.t("request-no-contact"),
        },
        resolution: found.resolution.clone(),
        timeline: timeline_lines(state, lang, found.id, false).await?,
        can_rate: resolved && rating.is_none(),
        can_reopen: found.round == 0,
        rated: rating.map(|r| label(lang, "rating-level", r.level.as_str())),
    });
    Ok((StatusCode::OK, page))
}

async fn show_track(
    State(state): State<AppState>,
    context: PageContext,
    Query(query): Query<TrackQuery>,
) -> Result<Response, AppError> {
    let (status, page) =
        track_page(&state, &context, &query.code, &RatingForm::default(), &[]).await?;
    let html = super::render(&state, &context, "pages/request-track", &page)?;
    Ok((status, html).into_response())
}

async fn submit_rating(
    State(state): State<AppState>,
    context: PageContext,
    ClientAddress(address): ClientAddress,
    jar: CookieJar,
    Form(typed): Form<RatingForm>,
) -> Result<Response, AppError> {
    let input = RatingInput {
        level: typed.level.clone(),
        comment: typed.comment.clone(),
        reopen: typed.reopen.is_some(),
        reopen_reason: typed.reopen_reason.clone(),
    };
    let policy = state.settings.triage_policy();
    match ratings::rate_request(
        &state.db,
        &policy,
        &typed.code,
        &input,
        &address,
        Utc::now(),
    )
    .await
    {
        Ok(rated) => {
            let notice = if rated.status == Status::Reopened {
                "notice-request-reopened"
            } else {
                "notice-rating-thanks"
            };
            let jar = jar.add(auth::flash_cookie(notice));
            let to = format!("/requests/track?code={}", rated.tracking_code);
            Ok((jar, Redirect::to(&to)).into_response())
        }
        Err(TriageError::Invalid(errors)) => {
            let (_, page) = track_page(&state, &context, &typed.code, &typed, &errors).await?;
            invalid(&state, &context, "pages/request-track", &page)
        }
        Err(TriageError::NotFound) => {
            let (status, page) = track_page(&state, &context, &typed.code, &typed, &[]).await?;
            let html = super::render(&state, &context, "pages/request-track", &page)?;
            Ok((status, html).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

// ---- the public board ---------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PageQuery {
    page: Option<u64>,
}

#[derive(Serialize)]
struct BoardPage {
    /// Staff and leaders: a way to the board they work on.
    can_handle: bool,
    rows: Vec<RequestRow>,
    total: u64,
    pager: Pager,
}

async fn show_board(
    State(state): State<AppState>,
    context: PageContext,
    viewer: Option<SignedIn>,
    Query(query): Query<PageQuery>,
) -> Result<Response, AppError> {
    let lang = context.lang();
    let page = crate::views::page_number(query.page);
    let (rows, total) = requests::public_board(&state.db, page, PER_PAGE).await?;
    let names = org_names(&state, &rows).await?;
    let known = member::orgs::communities(&state.db).await?;
    let now = Utc::now();
    let page_data = BoardPage {
        can_handle: viewer.is_some_and(|s| s.actor.is_staff() || !s.actor.leads.is_empty()),
        rows: rows
            .iter()
            .map(|r| {
                let org = r
                    .organization_id
                    .and_then(|id| names.get(&id))
                    .map(String::as_str);
                let mut line = row(lang, r, org, now);
                // Nothing a resident typed reaches the public board as typed: a community
                // only when it is a known one, and no contact details in any text.
                if !known.contains(&line.community) {
                    line.community = lang.t("request-community-unlisted");
                }
                line.summary = member::fields::mask_contacts(&line.summary);
                line.responsible = member::fields::mask_contacts(&line.responsible);
                line
            })
            .collect(),
        total,
        pager: Pager::new(page, total, PER_PAGE, "/requests/board", &[]),
    };
    Ok(super::render(&state, &context, "pages/requests-board", &page_data)?.into_response())
}

// ---- the coordinators' board and a leader's assigned requests ----------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ManageQuery {
    class: String,
    status: String,
    community: String,
    category: String,
    overdue: Option<String>,
    page: Option<u64>,
}

#[derive(Serialize)]
struct ManagePage {
    rows: Vec<RequestRow>,
    total: u64,
    overdue: u64,
    classes: Vec<Choice>,
    statuses: Vec<Choice>,
    communities: Vec<Choice>,
    categories: Vec<Choice>,
    overdue_only: bool,
    is_staff: bool,
    filtered: bool,
    pager: Pager,
}

async fn show_manage(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    Query(query): Query<ManageQuery>,
) -> Result<Response, AppError> {
    if !actor.is_staff() && actor.leads.is_empty() {
        return Err(AppError::Forbidden);
    }
    let lang = context.lang();
    let filter = RequestFilter {
        class: Class::parse(&query.class),
        unclassified: query.class == "none",
        status: Status::parse(&query.status),
        community: Some(query.community.trim().to_owned()).filter(|c| !c.is_empty()),
        category: Category::parse(&query.category),
        overdue: query.overdue.is_some(),
    };
    let page = crate::views::page_number(query.page);
    let now = Utc::now();
    let listing = requests::list(&state.db, &actor, &filter, now, page, PER_PAGE).await?;
    let names = org_names(&state, &listing.rows).await?;
    let mut class_values: Vec<&'static str> = Class::ALL.iter().map(|c| c.as_str()).collect();
    class_values.push("none");
    let status_values: Vec<&'static str> = Status::ALL.iter().map(|s| s.as_str()).collect();
    let communities = requests::communities(&state.db).await?;
    let page_data = ManagePage {
        rows: listing
            .rows
            .iter()
            .map(|r| {
                let org = r
                    .organization_id
                    .and_then(|id| names.get(&id))
                    .map(String::as_str);
                row(lang, r, org, now)
            })
            .collect(),
        total: listing.total,
        overdue: listing.overdue,
        classes: choices(lang, "request-class", &class_values, &query.class),
        statuses: choices(lang, "request-status", &status_values, &query.status),
        communities: communities
            .into_iter()
            .map(|c| Choice {
                selected: c == query.community,
                label: c.clone(),
                value: c,
            })
            .collect(),
        categories: category_choices(lang, &query.category),
        overdue_only: filter.overdue,
        is_staff: actor.is_staff(),
        filtered: !(query.class.is_empty()
            && query.status.is_empty()
            && query.community.is_empty()
            && query.category.is_empty()
            && query.overdue.is_none()),
        pager: Pager::new(
            page,
            listing.total,
            PER_PAGE,
            "/requests",
            &[
                ("class", query.class.clone()),
                ("status", query.status.clone()),
                ("community", query.community.clone()),
                ("category", query.category.clone()),
                ("overdue", query.overdue.clone().unwrap_or_default()),
            ],
        ),
    };
    Ok(super::render(&state, &context, "pages/requests", &page_data)?.into_response())
}

// ---- one request, for those who handle it -----------------------------------------------------

#[derive(Debug, Default, Deserialize, Serialize, Clone)]
#[serde(default)]
struct ClassifyForm {
    class: String,
    reason: String,
    department: String,
    referred_on: String,
    reference_no: String,
    organization_id: String,
    project_id: String,
    guidance: String,
}

impl ClassifyForm {
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

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NoteForm {
    note: String,
    reason: String,
    summary: String,
}

/// Which of the detail page's forms was sent back, with its errors.
#[derive(Default)]
struct Sent {
    form: &'static str,
    /// The notice after it succeeded.
    notice: &'static str,
    errors: Vec<FieldError>,
    classify: ClassifyForm,
    text: String,
}

/// The classification form: its text fields, and the errors of its other fields.
#[derive(Serialize)]
struct ClassifyView {
    reason: FormView,
    big: FormView,
    class_error: Option<String>,
    organization_error: Option<String>,
    project_error: Option<String>,
    guidance_error: Option<String>,
    error_count: usize,
}

#[derive(Serialize)]
struct DetailPage {
    row: RequestRow,
    code: String,
    description: String,
    place: String,
    contact_name: String,
    contact_phone: Option<String>,
    may_contact: bool,
    channel: String,
    entered_by: Option<String>,
    class_reason: String,
    department: String,
    referred_on: Option<String>,
    reference_no: String,
    project: Option<String>,
    resolution: String,
    public_summary: String,
    timeline: Vec<TimelineLine>,
    is_staff: bool,
    can_classify: bool,
    /// Unfolded before the first triage, or when it was sent back with errors.
    classify_open: bool,
    can_accept: bool,
    can_hand_back: bool,
    can_note: bool,
    can_resolve: bool,
    can_close: bool,
    classes: Vec<Choice>,
    organizations: Vec<Choice>,
    projects: Vec<Choice>,
    classify: ClassifyForm,
    classify_form: ClassifyView,
    text_form: &'static str,
    text: String,
    text_error: Option<String>,
    days: [i64; 3],
}

async fn detail_page(
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
    let is_staff = actor.is_staff();
    // What this person may do next is the triage crate's decision, as for the API.
    let steps = triage::handling::Steps::of(actor, &found);
    let orgs = if is_staff {
        member::orgs::all_by_name(&state.db)
            .await?
            .into_iter()
            .filter(|o| matches!(o.stage, Stage::Incubating | Stage::Graduated))
            .collect()
    } else {
        Vec::new()
    };
    let projects = if is_staff {
        project::projects::all_by_title(&state.db).await?
    } else {
        Vec::new()
    };
    let org_of: std::collections::HashMap<Uuid, &str> =
        orgs.iter().map(|o| (o.id, o.name.as_str())).collect();
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
    let classify = if sent.form == "classify" {
        sent.classify.clone()
    } else {
        ClassifyForm {
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
            ..ClassifyForm::default()
        }
    };
    let class_values: Vec<&'static str> = Class::ALL.iter().map(|c| c.as_str()).collect();
    let policy = state.settings.triage_policy();
    let classify_errors: &[FieldError] = if sent.form == "classify" {
        &sent.errors
    } else {
        &[]
    };
    let classify_reason = FormView::new(lang, classify_errors)
        .field("reason", "text", &classify.reason, "off")
        .hint("request-reason-hint");
    let classify_big = FormView::new(lang, classify_errors)
        .field("department", "text", &classify.department, "off")
        // Required for a big matter only: the server checks it by class, so the browser
        // must not demand it when 小事 or 私事 is chosen.
        .optional()
        .field("referred_on", "date", &classify.referred_on, "off")
        .optional()
        .hint("request-referred-on-hint")
        .field("reference_no", "text", &classify.reference_no, "off")
        .optional();
    let classify_form = ClassifyView {
        class_error: classify_reason.error_for("class"),
        organization_error: classify_reason.error_for("organization_id"),
        project_error: classify_reason.error_for("project_id"),
        guidance_error: classify_reason.error_for("guidance"),
        error_count: classify_errors.len(),
        reason: classify_reason,
        big: classify_big,
    };
    let text_error = if sent.form == "classify" {
        None
    } else {
        sent.errors.first().map(|e| lang.t(e.reason))
    };
    Ok(DetailPage {
        row: row(lang, &found, org_name.as_deref(), Utc::now()),
        code: found.tracking_code.clone(),
        description: found.description.clone(),
        place: found.place.clone(),
        contact_name: found.contact_name.clone(),
        contact_phone: found.contact_phone.as_deref().map(mask_phone),
        may_contact: found.may_contact,
        channel: label(lang, "request-channel", found.channel.as_str()),
        entered_by,
        class_reason: found.class_reason.clone(),
        department: found.department.clone(),
        referred_on: found.referred_on.map(|d| views::format_day(lang, d)),
        reference_no: found.reference_no.clone(),
        project,
        resolution: found.resolution.clone(),
        public_summary: found.public_summary.clone(),
        timeline: timeline_lines(state, lang, found.id, true).await?,
        is_staff,
        can_classify: steps.classify,
        classify_open: found.class.is_none() || sent.form == "classify",
        can_accept: steps.accept,
        can_hand_back: steps.hand_back,
        can_note: steps.note,
        can_resolve: steps.resolve,
        can_close: steps.close,
        classes: choices(lang, "request-class", &class_values, &classify.class),
        organizations: orgs
            .iter()
            .map(|o| Choice {
                value: o.id.to_string(),
                label: o.name.clone(),
                selected: o.id.to_string() == classify.organization_id,
            })
            .collect(),
        projects: projects
            .iter()
            .filter_map(|p| {
                org_of.get(&p.organization_id).map(|org| Choice {
                    value: p.id.to_string(),
                    label: format!("{} · {org}", p.title),
                    selected: p.id.to_string() == classify.project_id,
                })
            })
            .collect(),
        classify,
        classify_form,
        text_form: sent.form,
        text: if sent.form == "classify" {
            String::new()
        } else {
            sent.text
        },
        text_error,
        days: [policy.days_big, policy.days_small, policy.days_private],
    })
}

async fn show_detail(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let page = detail_page(&state, &context, &actor, id, Sent::default()).await?;
    Ok(super::render(&state, &context, "pages/request", &page)?.into_response())
}

/// After a step: back to the request with a notice, or the page again with the errors.
async fn after_step(
    state: &AppState,
    context: &PageContext,
    actor: &Actor,
    jar: CookieJar,
    id: Uuid,
    result: Result<triage::Request, TriageError>,
    sent: Sent,
) -> Result<Response, AppError> {
    match result {
        Ok(_) => {
            let jar = jar.add(auth::flash_cookie(sent.notice));
            Ok((jar, Redirect::to(&format!("/requests/{id}"))).into_response())
        }
        Err(TriageError::Invalid(errors)) => {
            let page = detail_page(state, context, actor, id, Sent { errors, ..sent }).await?;
            invalid(state, context, "pages/request", &page)
        }
        Err(other) => Err(other.into()),
    }
}

async fn submit_classify(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path(id): Path<Uuid>,
    Form(typed): Form<ClassifyForm>,
) -> Result<Response, AppError> {
    let policy = state.settings.triage_policy();
    let result = handling::classify(
        &state.db,
        &actor,
        &policy,
        id,
        &typed.input(),
        Utc::now(),
        views::today(),
    )
    .await;
    let sent = Sent {
        form: "classify",
        classify: typed,
        ..Sent::default()
    };
    after_step(
        &state,
        &context,
        &actor,
        jar,
        id,
        result,
        Sent {
            notice: "notice-request-classified",
            ..sent
        },
    )
    .await
}

async fn submit_accept(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let result = handling::accept(&state.db, &actor, id, Utc::now()).await;
    after_step(
        &state,
        &context,
        &actor,
        jar,
        id,
        result,
        Sent {
            notice: "notice-request-accepted",
            ..Sent::default()
        },
    )
    .await
}

async fn submit_hand_back(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path(id): Path<Uuid>,
    Form(typed): Form<NoteForm>,
) -> Result<Response, AppError> {
    let result = handling::hand_back(&state.db, &actor, id, &typed.reason, Utc::now()).await;
    if result.is_ok() && !actor.is_staff() {
        // The leader no longer sees it: back to their list.
        let jar = jar.add(auth::flash_cookie("notice-request-handed-back"));
        return Ok((jar, Redirect::to("/requests")).into_response());
    }
    let sent = Sent {
        form: "hand_back",
        text: typed.reason,
        ..Sent::default()
    };
    after_step(
        &state,
        &context,
        &actor,
        jar,
        id,
        result,
        Sent {
            notice: "notice-request-handed-back",
            ..sent
        },
    )
    .await
}

async fn submit_note(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path(id): Path<Uuid>,
    Form(typed): Form<NoteForm>,
) -> Result<Response, AppError> {
    let result = handling::add_note(&state.db, &actor, id, &typed.note, Utc::now()).await;
    let sent = Sent {
        form: "note",
        text: typed.note,
        ..Sent::default()
    };
    after_step(
        &state,
        &context,
        &actor,
        jar,
        id,
        result,
        Sent {
            notice: "notice-request-noted",
            ..sent
        },
    )
    .await
}

async fn submit_resolve(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path(id): Path<Uuid>,
    Form(typed): Form<NoteForm>,
) -> Result<Response, AppError> {
    let result = handling::resolve(&state.db, &actor, id, &typed.note, Utc::now()).await;
    let sent = Sent {
        form: "resolve",
        text: typed.note,
        ..Sent::default()
    };
    after_step(
        &state,
        &context,
        &actor,
        jar,
        id,
        result,
        Sent {
            notice: "notice-request-resolved",
            ..sent
        },
    )
    .await
}

async fn submit_close(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let result = handling::close(&state.db, &actor, id, Utc::now()).await;
    let sent = Sent {
        form: "close",
        ..Sent::default()
    };
    after_step(
        &state,
        &context,
        &actor,
        jar,
        id,
        result,
        Sent {
            notice: "notice-request-closed",
            ..sent
        },
    )
    .await
}

async fn submit_summary(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path(id): Path<Uuid>,
    Form(typed): Form<NoteForm>,
) -> Result<Response, AppError> {
    let result = handling::publish_summary(&state.db, &actor, id, &typed.summary, Utc::now()).await;
    let sent = Sent {
        form: "summary",
        text: typed.summary,
        ..Sent::default()
    };
    after_step(
        &state,
        &context,
        &actor,
        jar,
        id,
        result,
        Sent {
            notice: "notice-request-summary",
            ..sent
        },
    )
    .await
}

/// A POST, not a link: every reveal is written to the audit log.
async fn reveal_phone(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let (found, phone) = requests::reveal_contact(&state.db, &actor, id).await?;
    let page = super::PhonePage {
        name: found.contact_name,
        phone,
        back: format!("/requests/{id}"),
    };
    Ok(super::render(&state, &context, "pages/admin-phone", &page)?.into_response())
}

// ---- rating a market-day stall -----------------------------------------------------------------

/// The phone's own random key, so one phone rates a stall once (residents have no account).
const RATER_COOKIE: &str = "wyf_rater";

fn rater_of(jar: &CookieJar) -> Option<String> {
    jar.get(RATER_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn rater_cookie(value: String) -> Cookie<'static> {
    Cookie::build((RATER_COOKIE, value))
        .path("/stalls")
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(cookie::time::Duration::days(365))
        .build()
}

#[derive(Serialize)]
struct StallRatingPage {
    stall_id: Uuid,
    service: String,
    organization: String,
    title: String,
    date: String,
    open: bool,
    rated: bool,
    levels: Vec<Choice>,
    comment: String,
    level_error: Option<String>,
}

async fn stall_rating_page(
    state: &AppState,
    context: &PageContext,
    stall_id: Uuid,
    rater: &str,
    typed: &RatingForm,
    errors: &[FieldError],
) -> Result<StallRatingPage, AppError> {
    let lang = context.lang();
    let stall = event::stalls::find_stall(&state.db, stall_id).await?;
    let market = event::schedule::find(&state.db, stall.event_id).await?;
    let organization = member::orgs::find(&state.db, stall.organization_id)
        .await?
        .name;
    Ok(StallRatingPage {
        stall_id,
        service: label(lang, "service", stall.service.as_str()),
        organization,
        title: market.title,
        date: views::format_date(lang, market.starts_at),
        open: ratings::stall_open_for_rating(&state.db, stall_id, Utc::now()).await?,
        rated: ratings::has_rated_stall(&state.db, stall_id, rater).await?,
        levels: level_choices(lang, &typed.level),
        comment: typed.comment.clone(),
        level_error: FormView::new(lang, errors).error_for("level"),
    })
}

async fn show_stall_rating(
    State(state): State<AppState>,
    context: PageContext,
    jar: CookieJar,
    Path(stall_id): Path<Uuid>,
) -> Result<Response, AppError> {
    let (jar, rater) = match rater_of(&jar) {
        Some(rater) => (jar, rater),
        None => {
            let rater = member::secrets::new_token();
            (jar.add(rater_cookie(rater.clone())), rater)
        }
    };
    let page = stall_rating_page(
        &state,
        &context,
        stall_id,
        &rater,
        &RatingForm::default(),
        &[],
    )
    .await?;
    let html = super::render(&state, &context, "pages/stall-rate", &page)?;
    Ok((jar, html).into_response())
}

async fn submit_stall_rating(
    State(state): State<AppState>,
    context: PageContext,
    ClientAddress(address): ClientAddress,
    jar: CookieJar,
    Path(stall_id): Path<Uuid>,
    Form(typed): Form<RatingForm>,
) -> Result<Response, AppError> {
    // A phone that refuses cookies gets one now and rates on the next try.
    let Some(rater) = rater_of(&jar) else {
        let jar = jar.add(rater_cookie(member::secrets::new_token()));
        return Ok((jar, Redirect::to(&format!("/stalls/{stall_id}/rate"))).into_response());
    };
    let input = RatingInput {
        level: typed.level.clone(),
        comment: typed.comment.clone(),
        ..RatingInput::default()
    };
    let policy = state.settings.triage_policy();
    match ratings::rate_stall(
        &state.db,
        &policy,
        stall_id,
        &input,
        &rater,
        &address,
        Utc::now(),
    )
    .await
    {
        Ok(_) => {
            let jar = jar.add(auth::flash_cookie("notice-rating-thanks"));
            Ok((jar, Redirect::to(&format!("/stalls/{stall_id}/rate"))).into_response())
        }
        Err(TriageError::Invalid(errors)) => {
            let page =
                stall_rating_page(&state, &context, stall_id, &rater, &typed, &errors).await?;
            invalid(&state, &context, "pages/stall-rate", &page)
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Serialize)]
struct RatingQrPage {
    stall_id: Uuid,
    service: String,
    organization: String,
    title: String,
    date: String,
    svg: String,
    url: String,
}

/// The stall's rating code, to print and put on the table. Its organization's leaders and
/// staff.
async fn show_stall_rating_qr(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    Path(stall_id): Path<Uuid>,
) -> Result<Response, AppError> {
    let stall = event::stalls::find_stall(&state.db, stall_id).await?;
    if !actor.can_manage_org(stall.organization_id) {
        return Err(AppError::Forbidden);
    }
    let page =
        stall_rating_page(&state, &context, stall_id, "", &RatingForm::default(), &[]).await?;
    let (url, svg) = super::qr_for(&state, &format!("/stalls/{stall_id}/rate"))?;
    let page = RatingQrPage {
        stall_id,
        service: page.service,
        organization: page.organization,
        title: page.title,
        date: page.date,
        svg,
        url,
    };
    Ok(super::render(&state, &context, "pages/stall-rating-qr", &page)?.into_response())
}
