//! A market day as a plain volunteer sees it (signed in, steering nothing, acting for
//! nobody) is the same for all of them but for their own places and the skills they lack.
//! So its body is rendered once per version of the day, like the public page
//! (`page_cache`), with every shift as a volunteer with no place there sees it; a request
//! renders again only the viewer's own shifts, puts them in, and wraps the page in the
//! layout with the viewer's navigation and notice.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use axum::response::Html;
use event::signups::{self, Standing};
use member::Actor;
use serde::Serialize;
use uuid::Uuid;

use super::{ShiftLine, market_page, standing_words};
use crate::errors::AppError;
use crate::state::AppState;
use crate::templates::{self, PageContext};

/// The kept body of a day's page, and where its shifts are in it.
#[derive(Clone)]
pub struct MarketBody(Arc<Body>);

struct Body {
    title: String,
    html: String,
    /// In the order they appear.
    shifts: Vec<KeptShift>,
}

struct KeptShift {
    /// The shift's `<li>…</li>` in the body.
    at: Range<usize>,
    line: ShiftLine,
}

/// Whether the viewer sees a day as every plain volunteer does.
pub(super) fn sees_plain_day(actor: &Actor) -> bool {
    !actor.is_staff() && actor.leads.is_empty() && !actor.helps
}

/// The day's page for a plain volunteer who helps nobody.
pub(super) async fn show_plain_day(
    state: &AppState,
    context: &PageContext,
    actor: &Actor,
    id: Uuid,
) -> Result<Html<String>, AppError> {
    let (stamp, key) = super::kept_day(state, context, id).await?;
    let body = state
        .market_bodies
        .get_or_render(key, stamp, async || {
            let mut page = market_page(state, context, Some(actor), id, None).await?;
            for shift in page.stalls.iter_mut().flat_map(|s| s.shifts.iter_mut()) {
                shift.as_anyone();
            }
            let html = templates::render(&state.templates, context, "partials/market-body", &page)
                .map_err(|err| AppError::Internal(format!("market body: {err}")))?;
            let body = Body::locate(page.market.title.clone(), html, &page)?;
            Ok::<_, AppError>((MarketBody(Arc::new(body)), page.fresh_until))
        })
        .await?;
    let shift_ids = body.0.shifts.iter().map(|s| s.line.id).collect();
    let (mine, skills) = signups::viewer_on(&state.db, actor.person_id, shift_ids).await?;
    let html = body.0.with_viewer(state, context, &mine, &skills)?;
    #[derive(Serialize)]
    struct Frame<'a> {
        title: &'a str,
        body: String,
    }
    let frame = Frame {
        title: &body.0.title,
        body: html,
    };
    super::super::render(state, context, "pages/market-frame", &frame)
}

impl ShiftLine {
    /// The shift as a signed-in volunteer with no place there sees it.
    fn as_anyone(&mut self) {
        self.mine = None;
        self.mine_class = "";
        self.signed_up = false;
        self.lacks_skill = false;
    }
}

impl Body {
    /// Finds each shift's `<li>` in the rendered body.
    fn locate(title: String, html: String, page: &super::MarketPage) -> Result<Body, AppError> {
        let mut shifts = Vec::new();
        let mut from = 0;
        for line in page.stalls.iter().flat_map(|s| s.shifts.iter()) {
            let opening = format!("<li class=\"shift\" id=\"shift-{}\">", line.id);
            let found = html[from..].find(&opening).and_then(|start| {
                let start = from + start;
                let end = start + html[start..].find("</li>")? + "</li>".len();
                Some(start..end)
            });
            let at = found.ok_or_else(|| {
                AppError::Internal(format!("market body: shift {} not found", line.id))
            })?;
            from = at.end;
            shifts.push(KeptShift {
                at,
                line: line.clone(),
            });
        }
        Ok(Body {
            title,
            html,
            shifts,
        })
    }

    /// The body with the viewer's own shifts rendered again for them.
    fn with_viewer(
        &self,
        state: &AppState,
        context: &PageContext,
        mine: &HashMap<Uuid, Standing>,
        skills: &[String],
    ) -> Result<String, AppError> {
        let lang = context.lang();
        let mut out = String::with_capacity(self.html.len() + 1024);
        let mut copied = 0;
        for kept in &self.shifts {
            let standing = mine.get(&kept.line.id);
            let required = Some(kept.line.required_skill.as_str()).filter(|s| !s.is_empty());
            let lacks_skill = signups::lacks_skill(required, skills);
            if standing.is_none() && !lacks_skill {
                continue;
            }
            let mut line = kept.line.clone();
            line.lacks_skill = lacks_skill;
            if let Some(standing) = standing {
                let (words, class) = standing_words(lang, standing);
                (line.mine, line.mine_class, line.signed_up) = (Some(words), class, true);
            }
            let shift =
                templates::render(&state.templates, context, "partials/market-shift", &line)
                    .map_err(|err| AppError::Internal(format!("market shift: {err}")))?;
            out.push_str(&self.html[copied..kept.at.start]);
            out.push_str(shift.trim_end());
            copied = kept.at.end;
        }
        out.push_str(&self.html[copied..]);
        Ok(out)
    }
}
