//! Residents' satisfaction for the period, against the 80 % target.

use chrono::NaiveDate;
use serde::Serialize;
use triage::ratings::{self, Tally};

use crate::errors::AppError;
use crate::i18n::Lang;
use crate::state::AppState;
use crate::views;

/// One line of a satisfaction table.
#[derive(Serialize)]
pub(super) struct SatisfactionRow {
    label: String,
    satisfied: u64,
    basic: u64,
    unsatisfied: u64,
    total: u64,
    rate: String,
}

/// Residents' satisfaction for the period, against the 80 % target, with the counts.
#[derive(Serialize)]
pub(super) struct SatisfactionView {
    total: u64,
    rate: String,
    meets: bool,
    counts: String,
    /// Residents' requests (三事分流) and stall ratings: two rates, each with its counts.
    sources: Vec<SatisfactionRow>,
    months: Vec<SatisfactionRow>,
    classes: Vec<SatisfactionRow>,
    organizations: Vec<SatisfactionRow>,
    services: Vec<SatisfactionRow>,
}

pub(super) fn satisfaction_row(label: String, tally: &Tally) -> SatisfactionRow {
    SatisfactionRow {
        label,
        satisfied: tally.satisfied,
        basic: tally.basic,
        unsatisfied: tally.unsatisfied,
        total: tally.total(),
        rate: views::percent(tally),
    }
}

pub(super) async fn satisfaction_view(
    state: &AppState,
    lang: Lang,
    organization: Option<uuid::Uuid>,
    from: Option<NaiveDate>,
    until: Option<NaiveDate>,
    names: &std::collections::HashMap<uuid::Uuid, String>,
) -> Result<SatisfactionView, AppError> {
    let start = |d: NaiveDate| event::schedule::at(d, chrono::NaiveTime::MIN);
    let found =
        ratings::satisfaction(&state.db, organization, from.map(start), until.map(start)).await?;
    let all = &found.all;
    Ok(SatisfactionView {
        total: all.total(),
        rate: views::percent(all),
        meets: all.meets_target().unwrap_or(false),
        counts: views::t_with(
            lang,
            "satisfaction-counts",
            &[
                ("satisfied", all.satisfied.to_string()),
                ("basic", all.basic.to_string()),
                ("unsatisfied", all.unsatisfied.to_string()),
                ("total", all.total().to_string()),
            ],
        ),
        sources: vec![
            satisfaction_row(lang.t("satisfaction-requests"), &found.requests),
            satisfaction_row(lang.t("satisfaction-stalls"), &found.stalls),
        ],
        months: found
            .by_month
            .iter()
            .map(|((y, m), t)| satisfaction_row(format!("{y}-{m:02}"), t))
            .collect(),
        // 大事, 小事 and 私事 each have a row, a class nobody rated with its zeros.
        classes: if found.requests.total() == 0 {
            Vec::new()
        } else {
            triage::kinds::Class::ALL
                .iter()
                .map(|class| {
                    let tally = found
                        .by_class
                        .get(class.as_str())
                        .map(|(_, t)| *t)
                        .unwrap_or_default();
                    satisfaction_row(lang.t(&format!("request-class-{}", class.as_str())), &tally)
                })
                .collect()
        },
        organizations: found
            .by_organization
            .iter()
            .map(|(id, t)| satisfaction_row(names.get(id).cloned().unwrap_or_default(), t))
            .collect(),
        services: found
            .by_service
            .values()
            .map(|(service, t)| {
                satisfaction_row(
                    lang.t(&format!("service-{}", service.as_str().replace('_', "-"))),
                    t,
                )
            })
            .collect(),
    })
}
