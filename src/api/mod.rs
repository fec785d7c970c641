//! The JSON API under `/api/v1`, and its OpenAPI document at `/api/openapi.json`.
//!
//! Routes are registered through utoipa-axum's `routes!`, which adds the operation to
//! the router and to the document in one step, so the two cannot drift apart.

mod markets;

use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::errors::ErrorBody;
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "微益坊 API",
        description = "社区社会组织孵化与志愿服务平台的接口。The API of 微益坊, a platform for incubating community social organizations and their volunteer services. Errors answer `{\"error\":{\"code\",\"message\"}}`.",
    ),
    components(schemas(ErrorBody)),
    tags((name = "markets", description = "公益集市 market days"))
)]
struct ApiDoc;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest("/api/v1", OpenApiRouter::new().merge(markets::routes()))
}
