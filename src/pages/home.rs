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
}

/// What the platform is, and the next market days anyone can come to.
async fn show_home(
    State(state): State<AppState>,
    context: PageContext,
) -> Result<Html<String>, AppError> {
    let markets = event::upcoming_markets(&state.db, Utc::now(), 6).await?;
    let page = HomePage {
        markets: markets
            .iter()
            .map(|m| MarketCard::new(context.lang(), m))
            .collect(),
    };
    super::render(&state, &context, "pages/home", &page)
}
