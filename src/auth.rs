//! Who is asking: the session cookie of a browser or the bearer token of an API client,
//! resolved once per request by [`identify`] into a [`SignedIn`] that handlers extract.
//! What the person may do is decided by [`member::Actor`], never here.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, OptionalFromRequestParts, Request, State};
use axum::http::header::{AUTHORIZATION, SET_COOKIE};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use chrono::Utc;
use member::Actor;
use member::sessions::{self, Credential};

use crate::errors::AppError;
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "wyf_session";
/// A one-shot notice ("密码已修改") shown on the next page: a catalogue key, not text.
pub const FLASH_COOKIE: &str = "wyf_flash";

/// How many notices a signed-in person has not seen (for the navigation of pages).
#[derive(Clone, Copy, Debug)]
pub struct Unread(pub u64);

/// A signed-in person and the credential the request came with.
#[derive(Clone, Debug)]
pub struct SignedIn {
    pub actor: Actor,
    pub credential: OwnedCredential,
}

#[derive(Clone, Debug)]
pub enum OwnedCredential {
    Session(String),
    ApiToken(String),
}

impl OwnedCredential {
    pub fn as_credential(&self) -> Credential<'_> {
        match self {
            OwnedCredential::Session(token) => Credential::Session(token),
            OwnedCredential::ApiToken(token) => Credential::ApiToken(token),
        }
    }
}

/// The client's address, for login throttling.
#[derive(Clone, Debug)]
pub struct ClientAddress(pub String);

/// The path and query the client asked for, before any router nesting.
#[derive(Clone, Debug)]
struct RequestTarget(String);

/// The catalogue key of a notice set by the previous response, and its number if any.
#[derive(Clone, Debug)]
pub struct Flash {
    pub key: String,
    pub count: Option<u64>,
}

impl Flash {
    /// The notice a redirect left for the next page, if it is one of ours.
    fn of(jar: &CookieJar) -> Option<Flash> {
        let value = jar.get(FLASH_COOKIE)?.value();
        if !value.starts_with("notice-") || value.len() >= 64 {
            return None;
        }
        let (key, count) = match value.split_once(':') {
            Some((key, count)) => (key, count.parse().ok()),
            None => (value, None),
        };
        Some(Flash {
            key: key.to_owned(),
            count,
        })
    }
}

/// A bearer token (apps), else the session cookie (browsers).
fn credential_of(request: &Request, jar: &CookieJar) -> Option<OwnedCredential> {
    let bearer = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| OwnedCredential::ApiToken(t.trim().to_owned()));
    let cookie = jar
        .get(SESSION_COOKIE)
        .map(|c| OwnedCredential::Session(c.value().to_owned()));
    bearer.or(cookie)
}

/// Middleware: finds out who is asking (and from where) before any handler runs.
pub async fn identify(
    State(state): State<AppState>,
    jar: CookieJar,
    mut request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    if path.starts_with("/static/") || path == "/healthz" {
        return next.run(request).await;
    }
    let address = client_address(&state, &request);
    request.extensions_mut().insert(ClientAddress(address));
    // Nested routers see a shortened path; the login redirect needs the whole one.
    let target = request
        .uri()
        .path_and_query()
        .map_or_else(|| "/".to_owned(), |pq| pq.as_str().to_owned());
    request.extensions_mut().insert(RequestTarget(target));

    let credential = credential_of(&request, &jar);
    let (mut stale_cookie, mut remember_elder) = (false, None);
    if let Some(credential) = credential {
        match resolve(&state, &credential).await {
            Ok(Some(actor)) => {
                // Pages show how many notices wait and follow 长辈模式; the API does neither.
                if matches!(credential, OwnedCredential::Session(_)) {
                    remember_elder = for_pages(&state, &actor, &jar, &mut request).await;
                }
                request
                    .extensions_mut()
                    .insert(SignedIn { actor, credential });
            }
            Ok(None) => stale_cookie = matches!(credential, OwnedCredential::Session(_)),
            // The handler will hit the same fault and answer 500 with a proper page;
            // here the request just goes on as anonymous.
            Err(err) => tracing::error!(error = %err, "cannot look up the session"),
        }
    }
    let flash = Flash::of(&jar);
    if let Some(flash) = &flash {
        request.extensions_mut().insert(flash.clone());
    }

    let mut response = next.run(request).await;
    let sets_cookie = |name: &str| {
        response
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .any(|v| v.as_bytes().starts_with(format!("{name}=").as_bytes()))
    };
    let mut expired = Vec::new();
    if stale_cookie && !sets_cookie(SESSION_COOKIE) {
        expired.push(SESSION_COOKIE);
    }
    // A notice is spent once a page has shown it.
    if flash.is_some() && response.status().is_success() && !sets_cookie(FLASH_COOKIE) {
        expired.push(FLASH_COOKIE);
    }
    for name in expired {
        if let Ok(value) = removal(name).to_string().parse() {
            response.headers_mut().append(SET_COOKIE, value);
        }
    }
    if let Some(on) = remember_elder {
        response
            .headers_mut()
            .append(SET_COOKIE, crate::i18n::elder_cookie(on));
    }
    response
}

/// What pages show of the signed-in person: how many notices wait (for the navigation),
/// and 长辈模式 following the person: a choice made while signed in is kept on the account,
/// and a device that has made no choice yet shows the pages as the account chose (and keeps
/// that choice: what it returns).
async fn for_pages(
    state: &AppState,
    actor: &Actor,
    jar: &CookieJar,
    request: &mut Request,
) -> Option<bool> {
    match member::notices::unread(&state.db, actor).await {
        Ok(count) => {
            request.extensions_mut().insert(Unread(count));
        }
        Err(err) => tracing::warn!(error = %err, "cannot count unread notices"),
    }
    let locale = request
        .extensions_mut()
        .get_mut::<crate::i18n::RequestLocale>()?;
    let followed = if locale.elder_chosen {
        member::accounts::set_elder_mode(&state.db, actor, locale.elder)
            .await
            .map(|()| None)
    } else if jar.get(crate::i18n::ELDER_COOKIE).is_none() {
        member::accounts::elder_mode(&state.db, actor)
            .await
            .map(|on| {
                locale.elder |= on;
                Some(on)
            })
    } else {
        Ok(None)
    };
    followed.unwrap_or_else(|err| {
        tracing::warn!(error = %err, "cannot follow the account's 长辈模式");
        None
    })
}

async fn resolve(
    state: &AppState,
    credential: &OwnedCredential,
) -> Result<Option<Actor>, AppError> {
    let now = Utc::now();
    let found = match credential {
        // Anything but 64 hex characters was never issued: no need to ask the database.
        OwnedCredential::Session(token) | OwnedCredential::ApiToken(token)
            if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            None
        }
        OwnedCredential::Session(token) => {
            sessions::actor_for_session(&state.db, token, &state.settings.session_policy(), now)
                .await?
        }
        OwnedCredential::ApiToken(token) => {
            sessions::actor_for_api_token(&state.db, &state.token_uses, token, now).await?
        }
    };
    Ok(found)
}

fn client_address(state: &AppState, request: &Request) -> String {
    if state.settings.trust_proxy_headers
        && let Some(forwarded) = request
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    {
        return forwarded.to_owned();
    }
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_string())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// The session cookie for a fresh login.
pub fn session_cookie(state: &AppState, token: String) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, token))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.settings.secure_cookies)
        .max_age(time_from_chrono(state.settings.session_policy().absolute))
        .build()
}

/// A notice for the next page.
pub fn flash_cookie(key: &'static str) -> Cookie<'static> {
    flash_cookie_value(key.to_owned())
}

/// A notice with a number in it ("已导入 120 人"): `key:count`.
pub fn flash_cookie_count(key: &'static str, count: u64) -> Cookie<'static> {
    flash_cookie_value(format!("{key}:{count}"))
}

fn flash_cookie_value(value: String) -> Cookie<'static> {
    Cookie::build((FLASH_COOKIE, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .build()
}

/// Tells the browser to forget a cookie.
pub fn removal(name: &'static str) -> Cookie<'static> {
    let mut cookie = Cookie::build((name, "")).path("/").http_only(true).build();
    cookie.make_removal();
    cookie
}

fn time_from_chrono(duration: chrono::Duration) -> cookie::time::Duration {
    cookie::time::Duration::seconds(duration.num_seconds())
}

/// Pages send anonymous visitors to the login page and back; the API answers 401.
impl<S: Send + Sync> FromRequestParts<S> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        if let Some(signed_in) = parts.extensions.get::<SignedIn>() {
            return Ok(signed_in.clone());
        }
        let here = parts
            .extensions
            .get::<RequestTarget>()
            .map_or("/", |RequestTarget(target)| target.as_str())
            .to_owned();
        if here.starts_with("/api/") {
            return Err(AppError::Unauthorized.into_response());
        }
        let query = serde_urlencoded::to_string([("next", here)]).unwrap_or_default();
        Err(Redirect::to(&format!("/login?{query}")).into_response())
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for SignedIn {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts.extensions.get::<SignedIn>().cloned())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<ClientAddress>()
            .cloned()
            .unwrap_or_else(|| ClientAddress("unknown".to_owned())))
    }
}

/// Where to go after login or registration: only a path on this site. After decoding it
/// starts with exactly one `/`, and has no `\\`, no control character (a tab or a line
/// break that browsers drop or that would split the header), no scheme or host. Anything
/// else is `None`, and the caller picks the default page.
pub fn safe_next(next: Option<&str>) -> Option<&str> {
    let path = next?;
    let ok = path.starts_with('/')
        && !path.starts_with("//")
        && !path.contains('\\')
        && !path.chars().any(char::is_control)
        && !path.starts_with("/login")
        && !path.starts_with("/logout");
    ok.then_some(path)
}

/// Where someone lands after logging in when nothing else was asked for: staff on their
/// dashboard, everyone else on their own page.
pub fn landing(actor: &Actor) -> &'static str {
    if actor.is_staff() {
        "/dashboard"
    } else {
        "/me"
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn login_only_returns_to_this_site() {
        assert_eq!(
            safe_next(Some("/admin/accounts?q=1")),
            Some("/admin/accounts?q=1")
        );
        assert_eq!(safe_next(Some("//evil.example/")), None);
        assert_eq!(safe_next(Some("/\\evil.example")), None);
        assert_eq!(safe_next(Some("https://evil.example/")), None);
        assert_eq!(safe_next(Some("/\t/evil.example")), None);
        assert_eq!(safe_next(Some("/a\r\nSet-Cookie: x=1")), None);
        assert_eq!(
            safe_next(Some("/shifts/1/signup")),
            Some("/shifts/1/signup")
        );
        assert_eq!(safe_next(None), None);
    }
}
