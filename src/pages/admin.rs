//! Staff pages: accounts (create, one-time codes, disable, reveal a phone number) and the
//! audit log. Every decision about who may is the domain's (`Actor`); these handlers only
//! turn its answers into pages.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_extra::extract::cookie::CookieJar;
use chrono::{NaiveDate, NaiveTime, TimeZone};
use member::accounts;
use member::audit::{self, AuditFilter};
use member::fields::mask_phone;
use member::orgs::Stage;
use member::{Actor, FieldError, MemberError, PlatformRole};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::forms::Form as FormView;
use super::invalid;
use super::me::{action_label, role_label};
use super::pager::Pager;
use crate::auth::{self, SignedIn};
use crate::errors::AppError;
use crate::state::AppState;
use crate::templates::PageContext;
use crate::views;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/accounts", get(list_accounts))
        .route("/admin/accounts/new", get(show_new).post(submit_new))
        .route("/admin/accounts/{person_id}/phone", post(reveal_phone))
        .route("/admin/accounts/{person_id}/reset-code", post(issue_code))
        .route(
            "/admin/accounts/{person_id}/disable",
            get(confirm_disable).post(disable),
        )
        .route("/admin/accounts/{person_id}/enable", post(enable))
        .route("/admin/audit", get(show_audit))
}

const PER_PAGE: u64 = 30;

fn require_staff(actor: &Actor) -> Result<(), AppError> {
    if actor.can_manage_accounts() {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

// ---- accounts ---------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ListQuery {
    q: String,
    page: Option<u64>,
}

#[derive(Serialize)]
struct AccountsPage {
    q: String,
    total: u64,
    rows: Vec<AccountRow>,
    pager: Pager,
}

#[derive(Serialize)]
struct AccountRow {
    id: Uuid,
    name: String,
    phone: String,
    role: String,
    disabled: bool,
    no_password: bool,
    created_at: String,
    manageable: bool,
}

async fn list_accounts(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    Query(query): Query<ListQuery>,
) -> Result<Response, AppError> {
    let page = crate::views::page_number(query.page);
    let listing =
        accounts::list_accounts(&state.db, &actor, Some(&query.q), page, PER_PAGE).await?;
    let lang = context.lang();
    let rows = listing
        .rows
        .into_iter()
        .map(|row| AccountRow {
            id: row.person.id,
            name: row.person.name,
            phone: row
                .person
                .phone
                .as_deref()
                .map(mask_phone)
                .unwrap_or_default(),
            role: role_label(lang, row.account.role),
            disabled: row.account.disabled_at.is_some(),
            no_password: !accounts::has_password(&row.account),
            created_at: views::format_date(lang, row.account.created_at),
            manageable: actor.can_grant_role(row.account.role) && row.person.id != actor.person_id,
        })
        .collect();
    let page = AccountsPage {
        pager: Pager::new(
            page,
            listing.total,
            PER_PAGE,
            "/admin/accounts",
            &[("q", query.q.clone())],
        ),
        q: query.q,
        total: listing.total,
        rows,
    };
    Ok(super::render(&state, &context, "pages/admin-accounts", &page)?.into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NewAccountForm {
    name: String,
    phone: String,
    role: String,
}

#[derive(Serialize)]
struct NewAccountPage {
    form: FormView,
    roles: Vec<RoleOption>,
    role_error: Option<String>,
}

#[derive(Serialize)]
struct RoleOption {
    value: &'static str,
    label: String,
    selected: bool,
}

fn new_account_page(
    context: &PageContext,
    actor: &Actor,
    input: &NewAccountForm,
    errors: &[FieldError],
) -> NewAccountPage {
    let form = FormView::new(context.lang(), errors)
        .field("name", "text", &input.name, "off")
        .field("phone", "tel", &input.phone, "off")
        .focus_first();
    let chosen = if input.role.is_empty() {
        "volunteer"
    } else {
        input.role.as_str()
    };
    NewAccountPage {
        role_error: form.error_for("role"),
        form,
        roles: [
            PlatformRole::Volunteer,
            PlatformRole::Coordinator,
            PlatformRole::Admin,
        ]
        .into_iter()
        .filter(|role| actor.can_grant_role(*role))
        .map(|role| RoleOption {
            value: role.as_str(),
            label: role_label(context.lang(), role),
            selected: role.as_str() == chosen,
        })
        .collect(),
    }
}

async fn show_new(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
) -> Result<Response, AppError> {
    require_staff(&actor)?;
    let page = new_account_page(&context, &actor, &NewAccountForm::default(), &[]);
    Ok(super::render(&state, &context, "pages/admin-account-new", &page)?.into_response())
}

async fn submit_new(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    Form(input): Form<NewAccountForm>,
) -> Result<Response, AppError> {
    match accounts::create_account(&state.db, &actor, &input.name, &input.phone, &input.role).await
    {
        Ok((person, code)) => {
            let page = super::CodePage {
                name: person.name,
                code,
                created: true,
                valid_hours: accounts::RESET_CODE_VALID_FOR.num_hours(),
                back: "/admin/accounts".to_owned(),
                reset_url: format!("{}/reset", state.settings.origin()),
            };
            Ok(super::render(&state, &context, "pages/admin-code", &page)?.into_response())
        }
        Err(MemberError::Invalid(errors)) => {
            let page = new_account_page(&context, &actor, &input, &errors);
            invalid(&state, &context, "pages/admin-account-new", &page)
        }
        Err(other) => Err(other.into()),
    }
}

async fn issue_code(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    Path(person_id): Path<Uuid>,
) -> Result<Response, AppError> {
    let (person, code) = accounts::issue_reset_code(&state.db, &actor, person_id).await?;
    let page = super::CodePage {
        name: person.name,
        code,
        created: false,
        valid_hours: accounts::RESET_CODE_VALID_FOR.num_hours(),
        back: "/admin/accounts".to_owned(),
        reset_url: format!("{}/reset", state.settings.origin()),
    };
    Ok(super::render(&state, &context, "pages/admin-code", &page)?.into_response())
}

/// A POST, not a link: every reveal is written to the audit log.
async fn reveal_phone(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    Path(person_id): Path<Uuid>,
) -> Result<Response, AppError> {
    let (person, phone) = accounts::reveal_phone(&state.db, &actor, person_id).await?;
    let page = super::PhonePage {
        name: person.name,
        phone,
        back: "/admin/accounts".to_owned(),
    };
    Ok(super::render(&state, &context, "pages/admin-phone", &page)?.into_response())
}

#[derive(Serialize)]
struct ConfirmPage {
    id: Uuid,
    name: String,
}

async fn confirm_disable(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    Path(person_id): Path<Uuid>,
) -> Result<Response, AppError> {
    require_staff(&actor)?;
    let (person, _) = accounts::account_for_staff(&state.db, &actor, person_id).await?;
    let page = ConfirmPage {
        id: person.id,
        name: person.name,
    };
    Ok(super::render(&state, &context, "pages/admin-disable", &page)?.into_response())
}

async fn disable(
    state: State<AppState>,
    signed_in: SignedIn,
    jar: CookieJar,
    person_id: Path<Uuid>,
) -> Result<Response, AppError> {
    set_disabled(state, signed_in, jar, person_id, true).await
}

async fn enable(
    state: State<AppState>,
    signed_in: SignedIn,
    jar: CookieJar,
    person_id: Path<Uuid>,
) -> Result<Response, AppError> {
    set_disabled(state, signed_in, jar, person_id, false).await
}

async fn set_disabled(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path(person_id): Path<Uuid>,
    disabled: bool,
) -> Result<Response, AppError> {
    accounts::set_disabled(&state.db, &actor, person_id, disabled).await?;
    let notice = if disabled {
        "notice-account-disabled"
    } else {
        "notice-account-enabled"
    };
    let jar = jar.add(auth::flash_cookie(notice));
    Ok((jar, Redirect::to("/admin/accounts")).into_response())
}

// ---- audit log ------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AuditQuery {
    action: String,
    from: String,
    until: String,
    page: Option<u64>,
}

#[derive(Serialize)]
struct AuditPage {
    from: String,
    until: String,
    actions: Vec<ActionOption>,
    total: u64,
    rows: Vec<AuditLine>,
    pager: Pager,
    filter_error: Option<String>,
}

#[derive(Serialize)]
struct ActionOption {
    value: &'static str,
    label: String,
    selected: bool,
}

#[derive(Serialize)]
struct AuditLine {
    at: String,
    actor: String,
    action: String,
    subject: String,
    detail: String,
}

/// `2026-11-01` as the start of that day in Shanghai.
fn shanghai_day_start(input: &str) -> Result<Option<chrono::DateTime<chrono::Utc>>, ()> {
    let input = input.trim();
    if input.is_empty() {
        return Ok(None);
    }
    let date = NaiveDate::parse_from_str(input, "%Y-%m-%d").map_err(|_| ())?;
    views::shanghai()
        .from_local_datetime(&date.and_time(NaiveTime::MIN))
        .single()
        .map(|at| Some(at.to_utc()))
        .ok_or(())
}

/// The domain writes details in a fixed form ("role volunteer", "changed name, phone",
/// "consent 2026-11-25"); the page says them in the reader's language.
#[expect(clippy::too_many_lines, reason = "not yet split (issue 16)")]
fn audit_detail(lang: crate::i18n::Lang, detail: &str) -> String {
    if let Some(role) = detail.strip_prefix("role ") {
        if let Some(role) = PlatformRole::parse(role) {
            return role_label(lang, role);
        }
        if let Some(role) = member::memberships::MemberRole::parse(role) {
            return lang.t(&format!("member-role-{}", role.as_str()));
        }
    }
    if let Some((from, to)) = detail.split_once(" -> ")
        && let (Some(from), Some(to)) = (Stage::parse(from), Stage::parse(to))
    {
        return format!(
            "{} → {}",
            super::orgs::stage_label(lang, from),
            super::orgs::stage_label(lang, to)
        );
    }
    if let Some(fields) = detail.strip_prefix("changed ") {
        let separator = if lang == crate::i18n::Lang::ZhCn {
            "、"
        } else {
            ", "
        };
        let labels: Vec<String> = fields
            .split(", ")
            .map(|field| lang.t(&format!("field-{}", field.replace('_', "-"))))
            .collect();
        return views::t_text(
            lang,
            "audit-detail-changed",
            "fields",
            &labels.join(separator),
        );
    }
    // "added 3, new people 2, skipped 6" (roster import)
    let numbers: Vec<&str> = detail
        .split(|c: char| !c.is_ascii_digit())
        .filter(|n| !n.is_empty())
        .collect();
    if detail.starts_with("added ") && (3..=4).contains(&numbers.len()) {
        let args = [
            ("added", numbers[0].to_owned()),
            ("new", numbers[1].to_owned()),
            ("skipped", numbers[2].to_owned()),
            ("invited", numbers.get(3).copied().unwrap_or("0").to_owned()),
        ];
        return views::t_with(lang, "audit-detail-import", &args);
    }
    // "xlsx, 120 rows" (roster export)
    if let Some((format, rows)) = detail.split_once(", ")
        && let Some(rows) = rows.strip_suffix(" rows")
    {
        let args = [("format", format.to_owned()), ("rows", rows.to_owned())];
        return views::t_with(lang, "audit-detail-export", &args);
    }
    if let Some(version) = detail.strip_prefix("consent ") {
        return views::t_text(lang, "audit-detail-consent", "version", version);
    }
    // Single words the domain records: a sign-up's standing, attendance, an activity.
    let word = match detail {
        "confirmed" => Some("audit-detail-confirmed"),
        "waitlisted" => Some("audit-detail-waitlisted"),
        "attended" => Some("attendance-attended"),
        "no_show" => Some("attendance-no-show"),
        "activity" => Some("event-kind-activity"),
        _ => None,
    };
    if let Some(key) = word {
        return lang.t(key);
    }
    // "total 25" (residents served), "capacity 5" (places on a shift)
    for (prefix, key) in [
        ("total ", "audit-detail-total"),
        ("capacity ", "audit-detail-capacity"),
    ] {
        if let Some(n) = detail.strip_prefix(prefix)
            && n.bytes().all(|b| b.is_ascii_digit())
        {
            return views::t_text(lang, key, "count", n);
        }
    }
    // "created 2, skipped 1" (monthly scheduler)
    if detail.starts_with("created ") && numbers.len() == 2 {
        let args = [
            ("created", numbers[0].to_owned()),
            ("skipped", numbers[1].to_owned()),
        ];
        return views::t_with(lang, "audit-detail-scheduled", &args);
    }
    // "planned -> active" (a project's status)
    if let Some((from, to)) = detail.split_once(" -> ")
        && let (Some(from), Some(to)) = (
            project::projects::Status::parse(from),
            project::projects::Status::parse(to),
        )
    {
        return format!(
            "{} → {}",
            lang.t(&format!("project-status-{}", from.as_str())),
            lang.t(&format!("project-status-{}", to.as_str()))
        );
    }
    // "crowdfunding 250000.00" (a ledger entry or its reversal)
    if let Some((source, amount)) = detail.split_once(' ')
        && let Some(source) = project::ledger::Source::parse(source)
    {
        return format!(
            "{} ¥{amount}",
            lang.t(&format!("source-{}", source.as_str().replace('_', "-")))
        );
    }
    detail.to_owned()
}

#[expect(clippy::too_many_lines, reason = "not yet split (issue 16)")]
async fn show_audit(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    Query(query): Query<AuditQuery>,
) -> Result<Response, AppError> {
    if !actor.can_read_audit_log() {
        return Err(AppError::Forbidden);
    }
    let lang = context.lang();
    let from = shanghai_day_start(&query.from);
    // "Until" includes the day named.
    let until =
        shanghai_day_start(&query.until).map(|at| at.map(|at| at + chrono::Duration::days(1)));
    let filter_error = (from.is_err() || until.is_err()).then(|| lang.t("error-date-invalid"));
    let action = audit::ACTIONS.iter().find(|a| **a == query.action).copied();
    let filter = AuditFilter {
        action: action.map(str::to_owned),
        from: from.unwrap_or(None),
        until: until.unwrap_or(None),
        ..AuditFilter::default()
    };
    let page = crate::views::page_number(query.page);
    let listing = audit::list(&state.db, &actor, &filter, page, PER_PAGE).await?;
    let erased = lang.t("person-erased");
    let cli = lang.t("audit-actor-cli");
    let name_or = |name: Option<String>, none: &str| match name {
        Some(name) if name.is_empty() => erased.clone(),
        Some(name) => name,
        None => none.to_owned(),
    };
    let rows = listing
        .rows
        .into_iter()
        .map(|row| AuditLine {
            at: views::format_date_time(lang, row.entry.at),
            actor: name_or(row.actor_name.clone(), &cli),
            action: action_label(lang, &row.entry.action),
            // Someone acting on their own record is named once.
            subject: if row.entry.actor_id.is_some() && row.entry.actor_id == row.entry.subject_id {
                String::new()
            } else {
                name_or(row.subject_name, "")
            },
            detail: audit_detail(lang, &row.entry.detail),
        })
        .collect();
    let page = AuditPage {
        pager: Pager::new(
            page,
            listing.total,
            PER_PAGE,
            "/admin/audit",
            &[
                ("action", query.action.clone()),
                ("from", query.from.clone()),
                ("until", query.until.clone()),
            ],
        ),
        from: query.from,
        until: query.until,
        actions: audit::ACTIONS
            .iter()
            .map(|value| ActionOption {
                value,
                label: action_label(lang, value),
                selected: Some(*value) == action,
            })
            .collect(),
        total: listing.total,
        rows,
        filter_error,
    };
    Ok(super::render(&state, &context, "pages/admin-audit", &page)?.into_response())
}
