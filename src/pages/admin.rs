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
use super::orgs::stage_label;
use super::pager::Pager;
use crate::auth::{self, SignedIn};
use crate::errors::AppError;
use crate::i18n::Lang;
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
/// "consent 2026-11-25"); the page says them in the reader's language. A detail no reader
/// below knows is shown as written.
fn audit_detail(lang: Lang, detail: &str) -> String {
    let readers: [fn(Lang, &str) -> Option<String>; 5] = [
        person_detail,
        transition_detail,
        count_detail,
        word_detail,
        money_detail,
    ];
    readers
        .iter()
        .find_map(|read| read(lang, detail))
        .unwrap_or_else(|| detail.to_owned())
}

/// "role volunteer", "changed name, phone", "consent 2026-11-25".
fn person_detail(lang: Lang, detail: &str) -> Option<String> {
    if let Some(role) = detail.strip_prefix("role ") {
        if let Some(role) = PlatformRole::parse(role) {
            return Some(role_label(lang, role));
        }
        if let Some(role) = member::memberships::MemberRole::parse(role) {
            return Some(lang.t(&format!("member-role-{}", role.as_str())));
        }
    }
    if let Some(fields) = detail.strip_prefix("changed ") {
        let separator = if lang == Lang::ZhCn { "、" } else { ", " };
        let labels: Vec<String> = fields
            .split(", ")
            .map(|field| lang.t(&format!("field-{}", field.replace('_', "-"))))
            .collect();
        let fields = labels.join(separator);
        return Some(views::t_text(
            lang,
            "audit-detail-changed",
            "fields",
            &fields,
        ));
    }
    let version = detail.strip_prefix("consent ")?;
    Some(views::t_text(
        lang,
        "audit-detail-consent",
        "version",
        version,
    ))
}

/// "incubating -> graduated" (an organization's stage), "planned -> active" (a project's).
fn transition_detail(lang: Lang, detail: &str) -> Option<String> {
    let (from, to) = detail.split_once(" -> ")?;
    if let (Some(from), Some(to)) = (Stage::parse(from), Stage::parse(to)) {
        let (from, to) = (stage_label(lang, from), stage_label(lang, to));
        return Some(format!("{from} → {to}"));
    }
    let status = |s: &str| project::projects::Status::parse(s);
    let (from, to) = (status(from)?, status(to)?);
    let label = |s: project::projects::Status| lang.t(&format!("project-status-{}", s.as_str()));
    Some(format!("{} → {}", label(from), label(to)))
}

/// Counts: "added 3, new people 2, skipped 6" (roster import), "xlsx, 120 rows" (roster
/// export), "total 25" (residents served), "capacity 5" (places on a shift), "created 2,
/// skipped 1" (monthly scheduler).
fn count_detail(lang: Lang, detail: &str) -> Option<String> {
    let numbers: Vec<String> = detail
        .split(|c: char| !c.is_ascii_digit())
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .collect();
    let number = |i: usize| numbers.get(i).cloned().unwrap_or_else(|| "0".to_owned());
    if detail.starts_with("added ") && (3..=4).contains(&numbers.len()) {
        let args = [
            ("added", number(0)),
            ("new", number(1)),
            ("skipped", number(2)),
            ("invited", number(3)),
        ];
        return Some(views::t_with(lang, "audit-detail-import", &args));
    }
    if detail.starts_with("created ") && numbers.len() == 2 {
        let args = [("created", number(0)), ("skipped", number(1))];
        return Some(views::t_with(lang, "audit-detail-scheduled", &args));
    }
    if let Some((format, rows)) = detail.split_once(", ")
        && let Some(rows) = rows.strip_suffix(" rows")
    {
        let args = [("format", format.to_owned()), ("rows", rows.to_owned())];
        return Some(views::t_with(lang, "audit-detail-export", &args));
    }
    [
        ("total ", "audit-detail-total"),
        ("capacity ", "audit-detail-capacity"),
    ]
    .into_iter()
    .find_map(|(prefix, key)| {
        let n = detail.strip_prefix(prefix)?;
        n.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| views::t_text(lang, key, "count", n))
    })
}

/// Single words the domain records: a sign-up's standing, attendance, an activity.
fn word_detail(lang: Lang, detail: &str) -> Option<String> {
    let key = match detail {
        "confirmed" => "audit-detail-confirmed",
        "waitlisted" => "audit-detail-waitlisted",
        "attended" => "attendance-attended",
        "no_show" => "attendance-no-show",
        "activity" => "event-kind-activity",
        _ => return None,
    };
    Some(lang.t(key))
}

/// "crowdfunding 250000.00" (a ledger entry or its reversal).
fn money_detail(lang: Lang, detail: &str) -> Option<String> {
    let (source, amount) = detail.split_once(' ')?;
    let source = project::ledger::Source::parse(source)?;
    let key = format!("source-{}", source.as_str().replace('_', "-"));
    Some(format!("{} ¥{amount}", lang.t(&key)))
}

impl AuditLine {
    fn of(lang: Lang, row: audit::AuditRow) -> AuditLine {
        let name_or = |name: Option<String>, none: String| match name {
            Some(name) if name.is_empty() => lang.t("person-erased"),
            Some(name) => name,
            None => none,
        };
        // Someone acting on their own record is named once.
        let on_themselves =
            row.entry.actor_id.is_some() && row.entry.actor_id == row.entry.subject_id;
        AuditLine {
            at: views::format_date_time(lang, row.entry.at),
            actor: name_or(row.actor_name, lang.t("audit-actor-cli")),
            action: action_label(lang, &row.entry.action),
            subject: if on_themselves {
                String::new()
            } else {
                name_or(row.subject_name, String::new())
            },
            detail: audit_detail(lang, &row.entry.detail),
        }
    }
}

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
    let rows = listing
        .rows
        .into_iter()
        .map(|row| AuditLine::of(lang, row))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_audit_detail_is_said_in_words_and_an_unknown_one_as_written() {
        let zh = Lang::ZhCn;
        let said = |detail: &str| audit_detail(zh, detail);
        assert_eq!(
            said("role volunteer"),
            role_label(zh, PlatformRole::Volunteer)
        );
        assert_eq!(
            said("incubating -> graduated"),
            format!(
                "{} → {}",
                stage_label(zh, Stage::Incubating),
                stage_label(zh, Stage::Graduated)
            )
        );
        for (detail, figures) in [
            ("added 3, new people 2, skipped 6", &["3", "2", "6"][..]),
            ("created 2, skipped 1", &["2", "1"]),
            ("xlsx, 120 rows", &["xlsx", "120"]),
            ("total 25", &["25"]),
            ("capacity 5", &["5"]),
            ("crowdfunding 2500.00", &["¥2500.00"]),
            ("consent 2026-11-25", &["2026-11-25"]),
        ] {
            let words = said(detail);
            assert_ne!(words, detail, "{detail} is said in words");
            for figure in figures {
                assert!(words.contains(figure), "{detail} → {words} keeps {figure}");
            }
        }
        assert_eq!(said("confirmed"), zh.t("audit-detail-confirmed"));
        assert_eq!(said("planned -> active").matches('→').count(), 1);
        assert_eq!(said("something new"), "something new");
    }
}
