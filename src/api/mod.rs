//! The JSON API under `/api/v1`, and its OpenAPI document at `/api/openapi.json`.
//!
//! Routes are registered through utoipa-axum's `routes!`, which adds the operation to
//! the router and to the document in one step, so the two cannot drift apart.

mod account;
mod days;
mod helping;
mod json;
mod markets;
mod notifications;
mod orgs;
mod projects;
mod publicity;
mod request_steps;
mod requests;
mod rounds;
mod scheduling;
mod sending;
mod service;
mod tally;
mod volunteer_record;

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
        (name = "rounds", description = "公益创投 Funding rounds: applications, reviews, awards within the budget, tranches, reports (integer fen)"),
        (name = "markets", description = "公益集市 Market days: setting them up, publishing, signing up"),
        (name = "records", description = "服务记录 The day's records: check-in, hours, residents served, figures, certificates"),
        (name = "requests", description = "三事分流 Residents' requests (big, small, private matters) and satisfaction"),
        (name = "notifications", description = "消息通知 Notifications: my inbox and choices, messages to a day, failed deliveries"),
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
            .merge(helping::routes())
            .merge(tally::routes())
            .merge(volunteer_record::routes())
            .merge(publicity::routes())
            .merge(rounds::routes())
            .merge(days::routes())
            .merge(scheduling::routes())
            .merge(sending::routes())
            .merge(service::routes())
            .merge(requests::routes())
            .merge(request_steps::routes())
            .merge(notifications::routes()),
    )
}

/// The answers every operation can give besides its own, added to the document so that it
/// lists every status the server sends: `400` for a malformed query, path or body, `401`
/// where a login is required, `404` where a path or body names something, `413` and `415`
/// for an oversized or non-JSON body, `422` for fields that cannot be used, `429` where
/// attempts are throttled. Each is the JSON error body.
pub fn with_common_responses(mut openapi: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
    let error = |description: &str| {
        RefOr::T(
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                        .build(),
                )
                .build(),
        )
    };
    for (path, item) in openapi.paths.paths.iter_mut() {
        let path_names_something = path.contains('{');
        for operation in [
            item.get.as_mut(),
            item.put.as_mut(),
            item.post.as_mut(),
            item.delete.as_mut(),
            item.patch.as_mut(),
        ]
        .into_iter()
        .flatten()
        {
            let has_body = operation.request_body.is_some();
            let has_params = operation.parameters.as_ref().is_some_and(|p| !p.is_empty());
            let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
            let mut add = |status: &str, description: &str, applies: bool| {
                if applies {
                    operation
                        .responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| error(description));
                }
            };
            add(
                "400",
                "Malformed query, path or body",
                has_body || has_params || path_names_something,
            );
            add("401", "Not signed in, or the token is not valid", secured);
            add(
                "404",
                "What the path or body names does not exist (or is not visible)",
                path_names_something || has_body,
            );
            add("413", "Body larger than 2 MiB", has_body);
            add("415", "Body is not JSON (application/json)", has_body);
            add("422", "Fields that cannot be used (see `fields`)", has_body);
        }
    }
    openapi
}
