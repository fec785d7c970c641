//! The coordinators' side of market days and activities: the list of every day (past and
//! in progress too, so each day's records stay one tap away), one day for a chosen date,
//! editing a day, the monthly scheduler with its preview, and a leader's own activities.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use axum_extra::extract::cookie::CookieJar;
use chrono::Utc;
use event::EventStatus;
use event::schedule::{self, EventEdit, MarketInput, PlannedDay, ScheduleInput, StaffFilter};
use event::{EventError, EventKind};
use member::{Actor, FieldError};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::forms::Form as FormView;
use super::invalid;
use super::markets::{Choice, MarketSummary, service_label, status_label, summary};
use super::pager::Pager;
use crate::auth::{self, SignedIn};
use crate::errors::AppError;
use crate::i18n::Lang;
use crate::state::AppState;
use crate::templates::PageContext;
use crate::views;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/markets", get(show_admin))
        .route("/admin/markets/new", get(show_new).post(submit_new))
        .route("/markets/{id}/edit", get(show_edit).post(submit_edit))
        .route(
            "/admin/markets/schedule",
            get(show_schedule).post(submit_schedule),
        )
        .route(
            "/orgs/{id}/activities/new",
            get(show_new_activity).post(submit_new_activity),
        )
}

const PER_PAGE: u64 = 20;

// ---- the list -------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AdminQuery {
    /// `YYYY-MM`, as a month field sends it.
    month: String,
    status: String,
    page: String,
}

#[derive(Serialize)]
struct StallLink {
    id: Uuid,
    service: String,
}

#[derive(Serialize)]
struct AdminMarket {
    summary: MarketSummary,
    status: String,
    kind: String,
    draft: bool,
    cancellable: bool,
    /// Begun (in progress or over): its attendance pages are what matters now.
    begun: bool,
    stalls: Vec<StallLink>,
}

#[derive(Serialize)]
struct AdminPage {
    markets: Vec<AdminMarket>,
    month: String,
    statuses: Vec<super::forms::Choice>,
    total: u64,
    pager: Pager,
}

impl AdminMarket {
    /// A line of the list: once a day has begun, its stalls lead to their attendance.
    async fn of(
        state: &AppState,
        lang: Lang,
        m: &event::Event,
        now: chrono::DateTime<Utc>,
    ) -> Result<AdminMarket, AppError> {
        let begun = m.starts_at <= now && m.status != EventStatus::Cancelled;
        let stalls = if begun {
            event::stalls::stalls_of(&state.db, m.id)
                .await?
                .into_iter()
                .map(|s| StallLink {
                    id: s.stall.id,
                    service: format!(
                        "{} · {}",
                        service_label(lang, s.stall.service),
                        s.organization
                    ),
                })
                .collect()
        } else {
            Vec::new()
        };
        Ok(AdminMarket {
            summary: summary(lang, m),
            status: status_label(lang, m.status),
            kind: lang.t(match m.kind {
                EventKind::Market => "event-kind-market",
                EventKind::Activity => "event-kind-activity",
            }),
            draft: m.status == EventStatus::Draft,
            cancellable: matches!(m.status, EventStatus::Draft | EventStatus::Published) && !begun,
            begun,
            stalls,
        })
    }
}

/// The status filter: all, or one status.
fn status_choices(lang: Lang, chosen: Option<EventStatus>) -> Vec<super::forms::Choice> {
    let all = super::forms::Choice {
        value: String::new(),
        label: lang.t("filter-all-statuses"),
        selected: chosen.is_none(),
    };
    let each = super::forms::Choice::all(
        &EventStatus::ALL,
        EventStatus::as_str,
        |s| status_label(lang, s),
        chosen,
    );
    std::iter::once(all).chain(each).collect()
}

async fn show_admin(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    Query(query): Query<AdminQuery>,
) -> Result<Response, AppError> {
    let lang = context.lang();
    let filter = StaffFilter {
        month: schedule::parse_month(&query.month),
        status: EventStatus::parse(&query.status),
        organization: None,
    };
    let page = views::page_number(query.page.trim().parse().ok());
    let (markets, total) = schedule::for_staff(&state.db, &actor, &filter, page, PER_PAGE).await?;
    let now = Utc::now();
    let mut rows = Vec::new();
    for m in &markets {
        rows.push(AdminMarket::of(&state, lang, m, now).await?);
    }
    let filters = [
        ("month", query.month.clone()),
        ("status", query.status.clone()),
    ];
    let statuses = status_choices(lang, filter.status);
    let page = AdminPage {
        markets: rows,
        month: filter
            .month
            .map(|(y, m)| format!("{y:04}-{m:02}"))
            .unwrap_or_default(),
        statuses,
        total,
        pager: Pager::new(page, total, PER_PAGE, "/admin/markets", &filters),
    };
    Ok(super::render(&state, &context, "pages/admin-markets", &page)?.into_response())
}

// ---- one day: create and edit ---------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct EventForm {
    title: String,
    date: String,
    starts: String,
    ends: String,
    place: String,
    description: String,
}

impl EventForm {
    fn details(&self) -> MarketInput {
        MarketInput {
            title: self.title.clone(),
            place: self.place.clone(),
            description: self.description.clone(),
            starts: self.starts.clone(),
            ends: self.ends.clone(),
        }
    }
}

#[derive(Serialize)]
struct EventFormPage {
    heading: String,
    lead: String,
    action: String,
    submit: String,
    back: String,
    form: FormView,
    description: String,
    description_error: Option<String>,
    /// The event's own problem (not open for changes), shown above the form.
    problem: Option<String>,
}

fn event_form(lang: Lang, input: &EventForm, errors: &[FieldError]) -> FormView {
    FormView::new(lang, errors)
        .field("title", "text", &input.title, "off")
        .field("date", "date", &input.date, "off")
        .field("starts", "time", &input.starts, "off")
        .field("ends", "time", &input.ends, "off")
        .field("place", "text", &input.place, "off")
        .hint("field-place-hint")
}

fn new_market_page(
    context: &PageContext,
    input: &EventForm,
    errors: &[FieldError],
) -> EventFormPage {
    let lang = context.lang();
    let form = event_form(lang, input, errors);
    EventFormPage {
        heading: lang.t("market-new-title"),
        lead: lang.t("market-new-lead"),
        action: "/admin/markets/new".into(),
        submit: lang.t("market-new-submit"),
        back: "/admin/markets".into(),
        description: input.description.clone(),
        description_error: form.error_for("description"),
        problem: None,
        form,
    }
}

async fn show_new(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
) -> Result<Response, AppError> {
    if !actor.is_staff() {
        return Err(AppError::Forbidden);
    }
    let input = EventForm {
        title: context.lang().t("market-default-title"),
        date: views::today().format("%Y-%m-%d").to_string(),
        starts: "09:00".into(),
        ends: "11:30".into(),
        ..EventForm::default()
    };
    let page = new_market_page(&context, &input, &[]);
    Ok(super::render(&state, &context, "pages/market-form", &page)?.into_response())
}

async fn submit_new(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Form(input): Form<EventForm>,
) -> Result<Response, AppError> {
    match schedule::create_market(
        &state.db,
        &actor,
        &input.details(),
        &input.date,
        views::today(),
    )
    .await
    {
        Ok(created) => {
            let jar = jar.add(auth::flash_cookie("notice-market-created"));
            Ok((jar, Redirect::to(&format!("/markets/{}", created.id))).into_response())
        }
        Err(EventError::Invalid(errors)) => {
            let page = new_market_page(&context, &input, &errors);
            invalid(&state, &context, "pages/market-form", &page)
        }
        Err(other) => Err(other.into()),
    }
}

fn edit_page(
    context: &PageContext,
    id: Uuid,
    input: &EventForm,
    errors: &[FieldError],
) -> EventFormPage {
    let lang = context.lang();
    let form = event_form(lang, input, errors);
    EventFormPage {
        heading: lang.t("market-edit-title"),
        lead: lang.t("market-edit-lead"),
        action: format!("/markets/{id}/edit"),
        submit: lang.t("save"),
        back: format!("/markets/{id}"),
        description: input.description.clone(),
        description_error: form.error_for("description"),
        problem: errors
            .iter()
            .find(|e| e.reason == "error-event-not-open")
            .map(|e| lang.t(e.reason)),
        form,
    }
}

async fn show_edit(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let found = schedule::find(&state.db, id).await?;
    if !schedule::may_steer(&actor, &found) {
        return Err(AppError::Forbidden);
    }
    let local = |at: chrono::DateTime<Utc>| at.with_timezone(&views::shanghai());
    let input = EventForm {
        title: found.title.clone(),
        date: local(found.starts_at).format("%Y-%m-%d").to_string(),
        starts: local(found.starts_at).format("%H:%M").to_string(),
        ends: local(found.ends_at).format("%H:%M").to_string(),
        place: found.place.clone(),
        description: found.description.clone(),
    };
    let page = edit_page(&context, id, &input, &[]);
    Ok(super::render(&state, &context, "pages/market-form", &page)?.into_response())
}

async fn submit_edit(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path(id): Path<Uuid>,
    Form(input): Form<EventForm>,
) -> Result<Response, AppError> {
    let edit = EventEdit {
        details: input.details(),
        date: input.date.clone(),
    };
    match schedule::edit_event(&state.db, &actor, id, &edit, views::today()).await {
        Ok(_) => {
            // Any clash it caused is shown on the day's page, where it can be resolved.
            let jar = jar.add(auth::flash_cookie("notice-market-saved"));
            Ok((jar, Redirect::to(&format!("/markets/{id}"))).into_response())
        }
        Err(EventError::Invalid(errors)) => {
            let page = edit_page(&context, id, &input, &errors);
            invalid(&state, &context, "pages/market-form", &page)
        }
        Err(other) => Err(other.into()),
    }
}

// ---- the monthly scheduler ------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(default)]
struct ScheduleForm {
    title: String,
    place: String,
    description: String,
    starts: String,
    ends: String,
    nth: String,
    weekday: String,
    months: String,
    /// `create` to create the drafts; anything else previews them.
    action: String,
}

impl Default for ScheduleForm {
    fn default() -> Self {
        ScheduleForm {
            title: "社区公益集市".into(),
            place: String::new(),
            description: String::new(),
            starts: "09:00".into(),
            ends: "11:30".into(),
            nth: "2".into(),
            weekday: "sat".into(),
            months: "3".into(),
            action: String::new(),
        }
    }
}

impl ScheduleForm {
    fn input(&self) -> ScheduleInput {
        ScheduleInput {
            market: MarketInput {
                title: self.title.clone(),
                place: self.place.clone(),
                description: self.description.clone(),
                starts: self.starts.clone(),
                ends: self.ends.clone(),
            },
            nth: self.nth.clone(),
            weekday: self.weekday.clone(),
            months: self.months.clone(),
        }
    }
}

#[derive(Serialize)]
struct Pick {
    value: &'static str,
    label: String,
    selected: bool,
}

#[derive(Serialize)]
struct PlanLine {
    date: String,
    outcome: String,
    creates: bool,
}

#[derive(Serialize)]
struct SchedulePage {
    form: FormView,
    nths: Vec<Pick>,
    weekdays: Vec<Pick>,
    nth_error: Option<String>,
    weekday_error: Option<String>,
    description: String,
    /// The dates and what would happen to each, after a preview.
    plan: Vec<PlanLine>,
    previewed: bool,
    can_create: bool,
    /// Why nothing would be created, when nothing would.
    nothing: Option<String>,
}

fn schedule_page(
    context: &PageContext,
    input: &ScheduleForm,
    errors: &[FieldError],
    plan: Option<&schedule::Scheduled>,
) -> SchedulePage {
    let lang = context.lang();
    let form = FormView::new(lang, errors)
        .field("title", "text", &input.title, "off")
        .field("place", "text", &input.place, "off")
        .hint("field-place-hint")
        .field("starts", "time", &input.starts, "off")
        .field("ends", "time", &input.ends, "off")
        .field("months", "number", &input.months, "off")
        .hint("field-months-hint");
    let lines = plan
        .map(|p| {
            p.days
                .iter()
                .map(|day| PlanLine {
                    date: views::format_day(lang, day.date()),
                    outcome: lang.t(match day {
                        PlannedDay::Create(_) => "schedule-day-create",
                        PlannedDay::Taken(_) => "schedule-day-taken",
                        PlannedDay::Past(_) => "schedule-day-past",
                    }),
                    creates: matches!(day, PlannedDay::Create(_)),
                })
                .collect()
        })
        .unwrap_or_default();
    SchedulePage {
        nth_error: form.error_for("nth"),
        weekday_error: form.error_for("weekday"),
        nths: ["1", "2", "3", "4"]
            .into_iter()
            .map(|n| Pick {
                value: n,
                label: lang.t(&format!("nth-{n}")),
                selected: input.nth == n,
            })
            .collect(),
        weekdays: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
            .into_iter()
            .map(|d| Pick {
                value: d,
                label: lang.t(&format!("weekday-{d}")),
                selected: input.weekday == d,
            })
            .collect(),
        description: input.description.clone(),
        previewed: plan.is_some(),
        can_create: plan.is_some_and(|p| p.to_create() > 0),
        nothing: plan.and_then(|p| p.why_nothing()).map(|key| lang.t(key)),
        plan: lines,
        form,
    }
}

async fn show_schedule(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
) -> Result<Response, AppError> {
    if !actor.is_staff() {
        return Err(AppError::Forbidden);
    }
    let page = schedule_page(&context, &ScheduleForm::default(), &[], None);
    Ok(super::render(&state, &context, "pages/market-schedule", &page)?.into_response())
}

/// Previews the dates first; creates them once the coordinator has seen them. When nothing
/// would be created the page says why instead of "0 created".
async fn submit_schedule(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Form(input): Form<ScheduleForm>,
) -> Result<Response, AppError> {
    let today = views::today();
    let result = if input.action == "create" {
        schedule::schedule(&state.db, &actor, &input.input(), today).await
    } else {
        schedule::preview_schedule(&state.db, &actor, &input.input(), today).await
    };
    match result {
        Ok(done) if done.created && done.to_create() > 0 => {
            let count = u64::try_from(done.to_create()).unwrap_or(0);
            let jar = jar.add(auth::flash_cookie_count("notice-markets-scheduled", count));
            Ok((jar, Redirect::to("/admin/markets")).into_response())
        }
        Ok(plan) => {
            let page = schedule_page(&context, &input, &[], Some(&plan));
            let html = super::render(&state, &context, "pages/market-schedule", &page)?;
            Ok(html.into_response())
        }
        Err(EventError::Invalid(errors)) => {
            let page = schedule_page(&context, &input, &errors, None);
            invalid(&state, &context, "pages/market-schedule", &page)
        }
        Err(other) => Err(other.into()),
    }
}

// ---- activities -----------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ActivityForm {
    title: String,
    date: String,
    starts: String,
    ends: String,
    place: String,
    description: String,
    project_id: String,
}

#[derive(Serialize)]
struct ActivityPage {
    id: Uuid,
    organization: String,
    form: FormView,
    projects: Vec<Choice>,
    description: String,
}

async fn activity_page(
    state: &AppState,
    context: &PageContext,
    actor: &Actor,
    org_id: Uuid,
    input: &ActivityForm,
    errors: &[FieldError],
) -> Result<ActivityPage, AppError> {
    let org = member::orgs::find(&state.db, org_id).await?;
    if !actor.can_manage_org(org.id) {
        return Err(AppError::Forbidden);
    }
    let lang = context.lang();
    let form = FormView::new(lang, errors)
        .field("title", "text", &input.title, "off")
        .field("date", "date", &input.date, "off")
        .field("starts", "time", &input.starts, "off")
        .field("ends", "time", &input.ends, "off")
        .field("place", "text", &input.place, "off");
    let projects = project::projects::list(
        &state.db,
        &project::projects::ProjectFilter {
            organization_id: Some(org.id),
            ..Default::default()
        },
        1,
        100,
    )
    .await?
    .rows
    .into_iter()
    .map(|row| Choice {
        value: row.project.id.to_string(),
        label: row.project.title,
    })
    .collect();
    Ok(ActivityPage {
        id: org.id,
        organization: org.name,
        form,
        projects,
        description: input.description.clone(),
    })
}

async fn show_new_activity(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    Path(org_id): Path<Uuid>,
) -> Result<Response, AppError> {
    let input = ActivityForm {
        starts: "19:00".into(),
        ends: "21:00".into(),
        ..ActivityForm::default()
    };
    let page = activity_page(&state, &context, &actor, org_id, &input, &[]).await?;
    Ok(super::render(&state, &context, "pages/activity-new", &page)?.into_response())
}

async fn submit_new_activity(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path(org_id): Path<Uuid>,
    Form(input): Form<ActivityForm>,
) -> Result<Response, AppError> {
    let details = MarketInput {
        title: input.title.clone(),
        place: input.place.clone(),
        description: input.description.clone(),
        starts: input.starts.clone(),
        ends: input.ends.clone(),
    };
    match schedule::create_activity(
        &state.db,
        &actor,
        org_id,
        &details,
        &input.date,
        &input.project_id,
        views::today(),
    )
    .await
    {
        Ok(created) => {
            let jar = jar.add(auth::flash_cookie("notice-activity-created"));
            Ok((jar, Redirect::to(&format!("/markets/{}", created.id))).into_response())
        }
        Err(EventError::Invalid(errors)) => {
            let page = activity_page(&state, &context, &actor, org_id, &input, &errors).await?;
            invalid(&state, &context, "pages/activity-new", &page)
        }
        Err(other) => Err(other.into()),
    }
}
