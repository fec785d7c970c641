//! The JSON API under `/api/v1`, and its OpenAPI document at `/api/openapi.json`.
//!
//! Routes are registered through utoipa-axum's `routes!`, which adds the operation to
//! the router and to the document in one step, so the two cannot drift apart.

mod account;
mod json;
mod markets;
mod orgs;
mod projects;
mod requests;

use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use crate::auth::SESSION_COOKIE;
use crate::errors::ErrorBody;
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "微益坊 API",
        description = "社区社会组织孵化与志愿服务平台的接口。The API of 微益坊, a platform for incubating community social organizations and their volunteer services. Errors answer `{\"error\":{\"code\",\"message\"}}`.",
    ),
    components(schemas(ErrorBody)),
    modifiers(&SecuritySchemes),
    tags(
        (name = "auth", description = "登录、注册 Login (bearer tokens) and registration"),
        (name = "me", description = "我的信息 One's own data: see, correct, download, delete"),
        (name = "audit", description = "审计日志 The audit log, for staff"),
        (name = "organizations", description = "社会组织 Organizations, incubation, members and rosters"),
        (name = "projects", description = "公益项目 Projects and their funding ledger (integer fen)"),
        (name = "markets", description = "公益集市 market days"),
        (name = "requests", description = "三事分流 Residents' requests (big, small, private matters) and satisfaction"),
    )
)]
struct ApiDoc;

/// How API clients authenticate: a bearer token from `POST /api/v1/auth/token`, or the
/// browser's session cookie (state-changing requests must then be same-origin).
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        components.add_security_scheme(
            "session_cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(SESSION_COOKIE))),
        );
    }
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi()).nest(
        "/api/v1",
        OpenApiRouter::new()
            .merge(account::routes())
            .merge(orgs::routes())
            .merge(projects::routes())
            .merge(markets::routes())
            .merge(requests::routes()),
    )
}
