//! What the work pages of a round share: reading a form's pairs, refusals shown with what
//! was typed, a report's line.

use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use member::FieldError;
use project::rounds::reports;
use serde::Serialize;
use uuid::Uuid;

use crate::auth::{self};
use crate::i18n::Lang;

/// A form body's pairs, repeated keys kept.
pub(super) fn pairs(body: &str) -> Vec<(String, String)> {
    serde_urlencoded::from_str(body).unwrap_or_default()
}

pub(super) fn field(body: &[(String, String)], key: &str) -> String {
    body.iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

pub(super) fn messages(lang: Lang, errors: &[FieldError]) -> Vec<String> {
    errors.iter().map(|e| lang.t(e.reason)).collect()
}

pub(super) fn unprocessable(html: axum::response::Html<String>) -> Response {
    (axum::http::StatusCode::UNPROCESSABLE_ENTITY, html).into_response()
}

/// Back to a page with a notice.
pub(super) fn done(jar: CookieJar, notice: &'static str, to: String) -> Response {
    (jar.add(auth::flash_cookie(notice)), Redirect::to(&to)).into_response()
}

/// A form that needs correcting: its target (a round, an application), what was typed,
/// and why.
pub(super) type Failed<'a> = (Uuid, &'a [(String, String)], &'a [FieldError]);

#[derive(Serialize)]
pub(super) struct ReportLine {
    id: Uuid,
    kind: String,
    text: String,
    reached: String,
    status: String,
    note: String,
    pending: bool,
}

impl ReportLine {
    pub(super) fn of(lang: Lang, r: &reports::VentureReport) -> ReportLine {
        ReportLine {
            id: r.id,
            kind: lang.t(&format!("round-report-{}", r.kind)),
            text: r.text.clone(),
            reached: r.reached.map(|n| n.to_string()).unwrap_or_default(),
            status: lang.t(&format!("round-report-status-{}", r.status)),
            note: r.staff_note.clone(),
            pending: r.status == "submitted",
        }
    }
}
