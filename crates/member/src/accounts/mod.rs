//! Accounts: registration, creation by staff, login, passwords and reset codes.

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QuerySelect, Set, SqlErr,
};
use uuid::Uuid;

use crate::entities::{account, person};
use crate::fields::{BirthDate, Password, PersonName, Phone};
use crate::sessions::{self, Credential};
use crate::throttle::{self, ThrottlePolicy};
use crate::{Actor, FieldError, MemberError, PlatformRole, audit, tx};

mod staff;
pub use staff::{
    AccountListing, AccountPage, account_for_staff, list_accounts, reveal_phone, set_disabled,
};

mod codes;
pub use codes::{LOGIN_CODE_VALID_FOR, log_in_with_code, send_login_code};

mod resets;
pub(crate) use resets::store_reset_code;
pub use resets::{issue_reset_code, reset_password};

/// How long a one-time reset code works.
pub const RESET_CODE_VALID_FOR: Duration = Duration::hours(24);

/// People younger than this cannot register themselves (PIPL: a guardian must consent).
pub const MIN_SELF_REGISTRATION_AGE: u32 = 14;

/// Stored instead of a hash until the person sets a password with a reset code.
pub(crate) const NO_PASSWORD: &str = "!";

pub async fn hash_password(password: &Password) -> Result<String, MemberError> {
    let password = password.expose().to_owned();
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|e| MemberError::Internal(e.to_string()))
    })
    .await
    .map_err(|e| MemberError::Internal(e.to_string()))?
}

/// Checks a password against a stored hash, off the async runtime (Argon2 is slow on
/// purpose). A missing account is checked against a dummy hash, so that an unknown
/// phone number takes as long to refuse as a wrong password.
pub(crate) async fn verify_password(password: &str, stored: Option<&str>) -> bool {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| {
        Argon2::default()
            .hash_password(crate::secrets::new_token().as_bytes())
            .map(|h| h.to_string())
            .unwrap_or_default()
    });
    let (hash, real) = match stored {
        Some(hash) if hash != NO_PASSWORD => (hash.to_owned(), true),
        _ => (dummy.clone(), false),
    };
    let password = password.to_owned();
    let matches = tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false);
    real && matches
}

/// What a volunteer types on the registration page or sends to the API.
#[derive(Clone, Debug, Default)]
pub struct Registration {
    pub name: String,
    pub phone: String,
    pub birth_date: String,
    pub password: String,
    pub password_confirm: String,
    pub consent: bool,
}

/// Collects every field error at once, so a form can show them all.
#[derive(Default)]
struct Errors(Vec<FieldError>);

impl Errors {
    fn take<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        result.map_err(|e| self.0.push(e)).ok()
    }
    fn push(&mut self, field: &'static str, reason: &'static str) {
        self.0.push(FieldError::new(field, reason));
    }
    fn finish(self) -> Result<(), MemberError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(MemberError::Invalid(self.0))
        }
    }
}

fn check_confirmation(errors: &mut Errors, password: &str, confirm: &str) {
    if password != confirm {
        errors.push("password_confirm", "error-password-mismatch");
    }
}

/// A volunteer registers themselves, consenting to the privacy notice.
///
/// The answer is the same whether or not the phone already has an account, so nobody can
/// learn from it who is registered: the caller sends her to log in either way. A phone
/// that already has an account keeps it untouched (the attempt is in the audit log); the
/// password is hashed in both cases, so the time taken does not tell either.
impl Registration {
    /// Every field checked, each refusal beside its field.
    fn checked(
        &self,
        today: NaiveDate,
    ) -> Result<(PersonName, Phone, BirthDate, Password), MemberError> {
        let mut errors = Errors::default();
        let name = errors.take(PersonName::parse("name", &self.name));
        let phone = errors.take(Phone::parse("phone", &self.phone));
        let birth_date = errors.take(BirthDate::parse(
            "birth_date",
            &self.birth_date,
            today,
            MIN_SELF_REGISTRATION_AGE,
        ));
        let password = errors.take(Password::parse("password", &self.password, phone.as_ref()));
        check_confirmation(&mut errors, &self.password, &self.password_confirm);
        if !self.consent {
            errors.push("consent", "error-consent-required");
        }
        errors.finish()?;
        match (name, phone, birth_date, password) {
            (Some(name), Some(phone), Some(birth_date), Some(password)) => {
                Ok((name, phone, birth_date, password))
            }
            _ => Err(MemberError::Internal("a field unchecked".into())),
        }
    }
}

pub async fn register_volunteer(
    db: &DatabaseConnection,
    policy: &ThrottlePolicy,
    input: &Registration,
    address: &str,
    today: NaiveDate,
) -> Result<(), MemberError> {
    let now = Utc::now();
    throttle::check_registration(db, policy, address, now).await?;
    throttle::record_registration(db, address, now).await?;
    let (name, phone, birth_date, password) = input.checked(today)?;

    let hash = hash_password(&password).await?;
    let txn = tx::begin_write(db).await?;
    if let Some(holder) = account_holder_of(&txn, &phone).await? {
        audit::record(
            &txn,
            None,
            "account.register_again",
            "person",
            Some(holder),
            "registration for a phone that already has an account; nothing changed",
        )
        .await?;
        txn.commit().await?;
        return Ok(());
    }
    let created = async {
        let person =
            claim_or_insert_person(&txn, &name, &phone, Some(birth_date.date()), true, now).await?;
        insert_account(&txn, person.id, &hash, PlatformRole::Volunteer, now).await?;
        Ok::<_, MemberError>(person)
    }
    .await;
    let person = match created {
        Ok(person) => person,
        // The same phone registered at the same moment: one account, the same answer.
        Err(MemberError::Invalid(ref fields)) if is_phone_taken(fields) => return Ok(()),
        Err(other) => return Err(other),
    };
    audit::record(
        &txn,
        Some(person.id),
        "account.register",
        "person",
        Some(person.id),
        format!("consent {}", crate::PRIVACY_NOTICE_VERSION),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

fn is_phone_taken(fields: &[FieldError]) -> bool {
    fields.iter().any(|f| f.reason == "error-phone-taken")
}

/// The person behind a phone number who has an account (usable or not).
async fn account_holder_of(
    db: &impl ConnectionTrait,
    phone: &Phone,
) -> Result<Option<Uuid>, MemberError> {
    let found = person::Entity::find()
        .filter(person::Column::Phone.eq(phone.as_str()))
        .find_also_related(account::Entity)
        .one(db)
        .await?;
    Ok(match found {
        Some((person, Some(_))) => Some(person.id),
        _ => None,
    })
}

/// Staff create an account for someone else. It has no password yet: the returned
/// one-time code lets the person set one.
pub async fn create_account(
    db: &DatabaseConnection,
    actor: &Actor,
    name: &str,
    phone: &str,
    role: &str,
) -> Result<(person::Model, String), MemberError> {
    if !actor.can_manage_accounts() {
        return Err(MemberError::Forbidden);
    }
    let mut errors = Errors::default();
    let name = errors.take(PersonName::parse("name", name));
    let phone = errors.take(Phone::parse("phone", phone));
    let role = match PlatformRole::parse(role) {
        Some(role) if actor.can_grant_role(role) => Some(role),
        Some(_) => {
            errors.push("role", "error-role-not-allowed");
            None
        }
        None => {
            errors.push("role", "error-role-invalid");
            None
        }
    };
    errors.finish()?;
    let (Some(name), Some(phone), Some(role)) = (name, phone, role) else {
        unreachable!("every field parsed when there are no errors");
    };

    let now = Utc::now();
    let txn = tx::begin_write(db).await?;
    let person = claim_or_insert_person(&txn, &name, &phone, None, false, now).await?;
    let account = insert_account(&txn, person.id, NO_PASSWORD, role, now).await?;
    audit::record(
        &txn,
        Some(actor.person_id),
        "account.create",
        "person",
        Some(person.id),
        format!("role {}", role.as_str()),
    )
    .await?;
    let code = store_reset_code(&txn, actor, &account, now).await?;
    txn.commit().await?;
    Ok((person, code))
}

/// The first account of a platform, from the command line.
pub async fn create_admin(
    db: &DatabaseConnection,
    name: &str,
    phone: &str,
    password: &str,
) -> Result<person::Model, MemberError> {
    let mut errors = Errors::default();
    let name = errors.take(PersonName::parse("name", name));
    let phone = errors.take(Phone::parse("phone", phone));
    let password = errors.take(Password::parse("password", password, phone.as_ref()));
    errors.finish()?;
    let (Some(name), Some(phone), Some(password)) = (name, phone, password) else {
        unreachable!("every field parsed when there are no errors");
    };
    let hash = hash_password(&password).await?;
    let now = Utc::now();
    let txn = tx::begin_write(db).await?;
    let person = claim_or_insert_person(&txn, &name, &phone, None, false, now).await?;
    insert_account(&txn, person.id, &hash, PlatformRole::Admin, now).await?;
    audit::record(
        &txn,
        None,
        "account.create",
        "person",
        Some(person.id),
        "role admin",
    )
    .await?;
    txn.commit().await?;
    Ok(person)
}

/// The person an account is made for. Someone already on an organization's roster (a
/// person without an account) keeps their row, with the name now given: their
/// memberships and history stay theirs.
async fn claim_or_insert_person(
    db: &impl ConnectionTrait,
    name: &PersonName,
    phone: &Phone,
    birth_date: Option<NaiveDate>,
    consented: bool,
    now: DateTime<Utc>,
) -> Result<person::Model, MemberError> {
    let Some(existing) = crate::memberships::find_person_by_phone(db, phone).await? else {
        return insert_person(db, name, phone, birth_date, consented, now).await;
    };
    let has_account = account::Entity::find()
        .filter(account::Column::PersonId.eq(existing.id))
        .one(db)
        .await?
        .is_some();
    if has_account {
        return Err(MemberError::field("phone", "error-phone-taken"));
    }
    let mut active: person::ActiveModel = existing.into();
    active.name = Set(name.as_str().to_owned());
    if birth_date.is_some() {
        active.birth_date = Set(birth_date);
    }
    if consented {
        active.consent_version = Set(Some(crate::PRIVACY_NOTICE_VERSION.to_owned()));
        active.consent_at = Set(Some(now));
    }
    active.updated_at = Set(now);
    Ok(active.update(db).await?)
}

pub(crate) async fn insert_person(
    db: &impl ConnectionTrait,
    name: &PersonName,
    phone: &Phone,
    birth_date: Option<NaiveDate>,
    consented: bool,
    now: DateTime<Utc>,
) -> Result<person::Model, MemberError> {
    person::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name.as_str().to_owned()),
        phone: Set(Some(phone.as_str().to_owned())),
        birth_date: Set(birth_date),
        consent_version: Set(consented.then(|| crate::PRIVACY_NOTICE_VERSION.to_owned())),
        consent_at: Set(consented.then_some(now)),
        erased_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .map_err(|e| phone_taken_or(e, "phone"))
}

pub(crate) async fn insert_account(
    db: &impl ConnectionTrait,
    person_id: Uuid,
    hash: &str,
    role: PlatformRole,
    now: DateTime<Utc>,
) -> Result<account::Model, MemberError> {
    account::ActiveModel {
        id: Set(Uuid::now_v7()),
        person_id: Set(person_id),
        password_hash: Set(hash.to_owned()),
        role: Set(role),
        disabled_at: Set(None),
        created_at: Set(now),
        password_changed_at: Set(now),
        elder_mode: Set(false),
    }
    .insert(db)
    .await
    // One account per person: a second at the same moment finds the number taken.
    .map_err(|e| phone_taken_or(e, "phone"))
}

/// Two people cannot share a phone number: the unique index says so, even when two
/// registrations arrive at the same moment.
pub(crate) fn phone_taken_or(err: DbErr, field: &'static str) -> MemberError {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => {
            MemberError::field(field, "error-phone-taken")
        }
        _ => MemberError::Database(err),
    }
}

pub(crate) fn actor_of(person: &person::Model, account: &account::Model) -> Actor {
    Actor {
        person_id: person.id,
        account_id: account.id,
        name: person.name.clone(),
        role: account.role,
        leads: Vec::new(),
        helps: false,
    }
}

/// The usable account behind a phone number, if any.
async fn find_account_by_phone(
    db: &impl ConnectionTrait,
    phone: &Phone,
) -> Result<Option<(person::Model, account::Model)>, MemberError> {
    let found = person::Entity::find()
        .filter(person::Column::Phone.eq(phone.as_str()))
        .filter(person::Column::ErasedAt.is_null())
        .find_also_related(account::Entity)
        .one(db)
        .await?;
    Ok(match found {
        Some((person, Some(account))) if account.disabled_at.is_none() => Some((person, account)),
        _ => None,
    })
}

/// Phone and password → the person, or `InvalidCredentials` (the same for an unknown
/// phone, a wrong password and a disabled account), or `Throttled` after repeated
/// failures for this phone or from this address.
pub async fn authenticate(
    db: &impl ConnectionTrait,
    policy: &ThrottlePolicy,
    phone_input: &str,
    password: &str,
    address: &str,
    now: DateTime<Utc>,
) -> Result<Actor, MemberError> {
    throttle::check(db, policy, phone_input, address, now).await?;
    let found = match Phone::parse("phone", phone_input) {
        Ok(phone) => find_account_by_phone(db, &phone).await?,
        Err(_) => None,
    };
    let stored = found
        .as_ref()
        .map(|(_, account)| account.password_hash.as_str());
    if verify_password(password, stored).await
        && let Some((person, account)) = found
    {
        throttle::clear_phone(db, phone_input, address, now, policy).await?;
        audit::record(
            db,
            Some(person.id),
            "account.login",
            "person",
            Some(person.id),
            "",
        )
        .await?;
        return Ok(actor_of(&person, &account));
    }
    throttle::record_failure(db, phone_input, address, now).await?;
    Err(MemberError::InvalidCredentials)
}

/// Everyone changes their own password, knowing the current one. Other sessions end.
pub async fn change_password(
    db: &DatabaseConnection,
    actor: &Actor,
    current: &str,
    new: &str,
    confirm: &str,
    keep: Option<Credential<'_>>,
) -> Result<(), MemberError> {
    let (person, account) = load(db, actor.account_id).await?;
    let mut errors = Errors::default();
    if !verify_password(current, Some(&account.password_hash)).await {
        errors.push("current_password", "error-current-password-wrong");
    }
    let phone = person
        .phone
        .as_deref()
        .and_then(|p| Phone::parse("phone", p).ok());
    let password = errors.take(Password::parse("password", new, phone.as_ref()));
    check_confirmation(&mut errors, new, confirm);
    errors.finish()?;
    let Some(password) = password else {
        unreachable!("the password parsed when there are no errors");
    };
    let hash = hash_password(&password).await?;
    let txn = tx::begin_write(db).await?;
    set_password_hash(&txn, &account, hash).await?;
    sessions::end_all_for_account(&txn, account.id, keep).await?;
    audit::record(
        &txn,
        Some(person.id),
        "account.password_change",
        "person",
        Some(person.id),
        "",
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

async fn set_password_hash(
    db: &impl ConnectionTrait,
    account: &account::Model,
    hash: String,
) -> Result<(), MemberError> {
    let mut active: account::ActiveModel = account.clone().into();
    active.password_hash = Set(hash);
    active.password_changed_at = Set(Utc::now());
    active.update(db).await?;
    Ok(())
}

pub(crate) async fn load(
    db: &impl ConnectionTrait,
    account_id: Uuid,
) -> Result<(person::Model, account::Model), MemberError> {
    let account = account::Entity::find_by_id(account_id)
        .one(db)
        .await?
        .ok_or(MemberError::NotFound)?;
    let person = person::Entity::find_by_id(account.person_id)
        .one(db)
        .await?
        .ok_or(MemberError::NotFound)?;
    Ok((person, account))
}

async fn load_by_person(
    db: &impl ConnectionTrait,
    person_id: Uuid,
) -> Result<(person::Model, account::Model), MemberError> {
    let (person, account) = person::Entity::find_by_id(person_id)
        .find_also_related(account::Entity)
        .one(db)
        .await?
        .ok_or(MemberError::NotFound)?;
    Ok((person, account.ok_or(MemberError::NotFound)?))
}

/// Whether any account exists: a fresh platform offers the first-login instructions.
pub async fn any_account_exists(db: &impl ConnectionTrait) -> Result<bool, MemberError> {
    Ok(account::Entity::find()
        .select_only()
        .column(account::Column::Id)
        .limit(1)
        .into_tuple::<Uuid>()
        .one(db)
        .await?
        .is_some())
}

/// Volunteers with an account made before `before` (deleted accounts are gone): the
/// "registered volunteers" of a report.
pub async fn registered_volunteers(
    db: &impl ConnectionTrait,
    before: DateTime<Utc>,
) -> Result<u64, MemberError> {
    Ok(account::Entity::find()
        .filter(account::Column::Role.eq(PlatformRole::Volunteer))
        .filter(account::Column::CreatedAt.lt(before))
        .count(db)
        .await?)
}

/// Whether the person has set a password (accounts made by staff have none until the
/// one-time code is used).
pub fn has_password(account: &account::Model) -> bool {
    account.password_hash != NO_PASSWORD
}

/// Whether the signed-in person chose 长辈模式 (kept on their account).
pub async fn elder_mode(db: &impl ConnectionTrait, actor: &Actor) -> Result<bool, MemberError> {
    Ok(account::Entity::find_by_id(actor.account_id)
        .one(db)
        .await?
        .is_some_and(|a| a.elder_mode))
}

/// Keeps the signed-in person's choice of 长辈模式 on their account.
pub async fn set_elder_mode(
    db: &impl ConnectionTrait,
    actor: &Actor,
    on: bool,
) -> Result<(), MemberError> {
    account::Entity::update_many()
        .col_expr(
            account::Column::ElderMode,
            sea_orm::sea_query::Expr::value(on),
        )
        .filter(account::Column::Id.eq(actor.account_id))
        .filter(account::Column::ElderMode.ne(on))
        .exec(db)
        .await?;
    Ok(())
}
