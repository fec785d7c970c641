use axum::Router;
use axum::extract::State;
use axum::response::Html;
use axum::routing::get;
use chrono::Utc;
use serde::Serialize;

use crate::errors::AppError;
use crate::state::AppState;
use crate::templates::PageContext;
use crate::views::MarketCard;

pub fn routes() -> Router<AppState> {
    Router::new().route("/", get(show_home))
}

#[derive(Serialize)]
struct HomePage {
    markets: Vec<MarketCard>,
    /// A fresh platform says how to create the first administrator.
    first_run: bool,
}

/// What the platform is, and the next market days anyone can come to.
async fn show_home(
    State(state): State<AppState>,
    context: PageContext,
) -> Result<Html<String>, AppError> {
    let markets = event::upcoming_markets(&state.db, Utc::now(), 6).await?;
    let first_run = !member::accounts::any_account_exists(&state.db).await?;
    let page = HomePage {
        first_run,
        markets: markets
            .iter()
            .map(|m| MarketCard::new(context.lang(), m))
            .collect(),
    };
    super::render(&state, &context, "pages/home", &page)
}
