#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! `AssumeRoleWithWebIdentity` through `Core::handle_sts_unsigned`, with a fake identity provider
//! (an `OidcFetcher` answering its discovery document and key set) and tokens signed here: the
//! token checks, the trust-policy decision with the token's claims, and the session issued.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use time::OffsetDateTime;
use warden_core::{
    Caller, Config, Core, FetchError, FetchFuture, MasterKey, OidcFetcher, RequestCx, RequestInfo,
    SessionClaims, SessionKind,
};
use warden_policy::Principal;
use warden_protocol::ServiceError;
use warden_protocol::iam::{self, Request as IamRequest};
use warden_protocol::sts::{self, Request, Response};
use warden_store::SqliteStore;

// The verifier's own fixed test keys; this test signs with one of them.
#[allow(dead_code)]
#[path = "../src/web_token/test_keys.rs"]
mod test_keys;

const ACCOUNT: &str = "123456789012";
const ISSUER: &str = "https://idp.example/realms/dev";
const PROVIDER_URL: &str = "idp.example/realms/dev";
const PROVIDER_ARN: &str = "arn:aws:iam::123456789012:oidc-provider/idp.example/realms/dev";
const MASTER: [u8; 32] = [9u8; 32];

#[derive(Debug, Default)]
struct FakeIdp {
    answers: Mutex<HashMap<String, Vec<u8>>>,
}

impl OidcFetcher for FakeIdp {
    fn get<'a>(&'a self, url: &'a str) -> FetchFuture<'a> {
        let answer = self.answers.lock().unwrap().get(url).cloned();
        Box::pin(async move {
            answer.ok_or_else(|| FetchError::Unreachable {
                url: url.to_owned(),
                reason: "connection refused".to_owned(),
            })
        })
    }
}

fn rsa_key() -> EncodingKey {
    let der = base64::engine::general_purpose::STANDARD
        .decode(test_keys::RSA_1)
        .unwrap();
    EncodingKey::from_rsa_der(&der)
}

fn idp() -> Arc<FakeIdp> {
    let mut jwk = Jwk::from_encoding_key(&rsa_key(), Algorithm::RS256).unwrap();
    jwk.common.key_id = Some("k1".into());
    let idp = FakeIdp::default();
    let mut answers = idp.answers.lock().unwrap();
    answers.insert(
        format!("{ISSUER}/.well-known/openid-configuration"),
        format!(r#"{{"issuer":"{ISSUER}","jwks_uri":"{ISSUER}/keys"}}"#).into_bytes(),
    );
    answers.insert(
        format!("{ISSUER}/keys"),
        serde_json::to_vec(&JwkSet { keys: vec![jwk] }).unwrap(),
    );
    drop(answers);
    Arc::new(idp)
}

async fn core() -> Core {
    let store = Arc::new(SqliteStore::open_url("sqlite::memory:").await.unwrap());
    let config = Config {
        account_id: Some(ACCOUNT.into()),
        oidc_fetcher: Some(idp()),
        ..Config::default()
    };
    Core::open(
        store,
        MasterKey::from_bytes(&MASTER).unwrap(),
        config,
        OffsetDateTime::now_utc(),
    )
    .await
    .unwrap()
    .0
}

fn info() -> RequestInfo {
    RequestInfo {
        now: OffsetDateTime::now_utc(),
        source_ip: Some("10.0.0.1".parse().unwrap()),
        user_agent: Some("test".into()),
        secure_transport: true,
        region: "eu-west-1".into(),
    }
}

fn root() -> RequestCx {
    let arn = format!("arn:aws:iam::{ACCOUNT}:root");
    RequestCx {
        caller: Caller {
            account_id: ACCOUNT.into(),
            user_id: None,
            principal: Principal::parse(&arn).unwrap(),
            arn,
            access_key_id: String::new(),
            tags: Vec::new(),
            session: None,
        },
        info: info(),
    }
}

async fn iam_call(core: &Core, request: IamRequest) -> iam::Response {
    core.handle_iam(&root(), request).await.unwrap()
}

async fn provider(core: &Core, client_ids: &[&str]) {
    iam_call(
        core,
        IamRequest::CreateOpenIDConnectProvider(iam::CreateOpenIDConnectProviderRequest {
            url: ISSUER.into(),
            client_id_list: Some(client_ids.iter().map(|s| (*s).to_owned()).collect()),
            ..Default::default()
        }),
    )
    .await;
}

/// A role trusting the provider under `condition`; returns its ARN.
async fn role(core: &Core, name: &str, actions: &str, condition: &str) -> String {
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow",
            "Principal":{{"Federated":"{PROVIDER_ARN}"}},"Action":{actions},
            "Condition":{condition}}}]}}"#
    );
    match iam_call(
        core,
        IamRequest::CreateRole(iam::CreateRoleRequest {
            role_name: name.into(),
            assume_role_policy_document: trust,
            ..Default::default()
        }),
    )
    .await
    {
        iam::Response::CreateRole(r) => r.role.arn,
        other => panic!("{other:?}"),
    }
}

fn token(claims: serde_json::Value) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("k1".into());
    jsonwebtoken::encode(&header, &claims, &rsa_key()).unwrap()
}

fn claims(sub: &str) -> serde_json::Value {
    let now = OffsetDateTime::now_utc().unix_timestamp();
    serde_json::json!({
        "iss": ISSUER, "sub": sub, "aud": "app", "iat": now, "exp": now + 600, "amr": ["pwd"],
    })
}

fn request(role_arn: &str, token: String) -> sts::AssumeRoleWithWebIdentityRequest {
    sts::AssumeRoleWithWebIdentityRequest {
        role_arn: role_arn.into(),
        role_session_name: "web".into(),
        web_identity_token: token,
        ..Default::default()
    }
}

async fn assume(
    core: &Core,
    request: sts::AssumeRoleWithWebIdentityRequest,
) -> Result<sts::AssumeRoleWithWebIdentityResponse, ServiceError> {
    match core
        .handle_sts_unsigned(&info(), Request::AssumeRoleWithWebIdentity(request))
        .await?
    {
        Response::AssumeRoleWithWebIdentity(r) => Ok(r),
        other => panic!("{other:?}"),
    }
}

const ANY: &str = "{}";
const ACTION: &str = r#""sts:AssumeRoleWithWebIdentity""#;

#[tokio::test]
async fn a_good_token_opens_a_role_session_for_the_provider() {
    let core = core().await;
    provider(&core, &["app"]).await;
    let arn = role(&core, "web", ACTION, ANY).await;
    let answer = assume(&core, request(&arn, token(claims("alice"))))
        .await
        .unwrap();
    assert_eq!(answer.provider.as_deref(), Some(PROVIDER_ARN));
    assert_eq!(answer.audience.as_deref(), Some("app"));
    assert_eq!(
        answer.subject_from_web_identity_token.as_deref(),
        Some("alice")
    );
    let user = answer.assumed_role_user.unwrap();
    assert_eq!(
        user.arn,
        format!("arn:aws:sts::{ACCOUNT}:assumed-role/web/web")
    );
    let credentials = answer.credentials.unwrap();
    assert!(credentials.access_key_id.starts_with("ASIA"));
    // The session token is a role session that remembers its provider.
    let sealed = SessionClaims::open(
        &credentials.session_token,
        &credentials.access_key_id,
        &MasterKey::from_bytes(&MASTER).unwrap(),
    )
    .unwrap();
    assert!(
        matches!(sealed.kind, SessionKind::AssumedRole { ref session_name, .. } if session_name == "web")
    );
    assert_eq!(sealed.federated_provider.as_deref(), Some(PROVIDER_ARN));
    assert_eq!(
        (sealed.expires - sealed.issued).whole_seconds(),
        3600,
        "the default duration"
    );
    // The role's last use is recorded, with the request's region.
    match iam_call(
        &core,
        IamRequest::GetRole(iam::GetRoleRequest {
            role_name: "web".into(),
        }),
    )
    .await
    {
        iam::Response::GetRole(r) => {
            assert_eq!(
                r.role.role_last_used.unwrap().region.as_deref(),
                Some("eu-west-1")
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_trust_policy_decides_with_the_tokens_claims() {
    let core = core().await;
    provider(&core, &["app"]).await;
    let only_alice = role(
        &core,
        "alice-only",
        ACTION,
        &format!(
            r#"{{"StringEquals":{{"{PROVIDER_URL}:sub":"alice","{PROVIDER_URL}:aud":"app",
                "aws:FederatedProvider":"{PROVIDER_ARN}"}},
                "ForAnyValue:StringEquals":{{"{PROVIDER_URL}:amr":"pwd"}},
                "StringLike":{{"sts:RoleSessionName":"we*"}}}}"#
        ),
    )
    .await;
    assert!(
        assume(&core, request(&only_alice, token(claims("alice"))))
            .await
            .is_ok()
    );
    let denied = assume(&core, request(&only_alice, token(claims("bob"))))
        .await
        .unwrap_err();
    assert_eq!(denied.code, "AccessDenied");
    assert_eq!(
        denied.message,
        "Not authorized to perform sts:AssumeRoleWithWebIdentity"
    );
    // A trust policy for AssumeRole does not let a web identity in.
    let other_action = role(&core, "assume-role", r#""sts:AssumeRole""#, ANY).await;
    let denied = assume(&core, request(&other_action, token(claims("alice"))))
        .await
        .unwrap_err();
    assert_eq!(denied.code, "AccessDenied");
    // Nor does a role that does not exist.
    let missing = format!("arn:aws:iam::{ACCOUNT}:role/missing");
    let denied = assume(&core, request(&missing, token(claims("alice"))))
        .await
        .unwrap_err();
    assert_eq!(denied.code, "AccessDenied");
}

#[tokio::test]
async fn bad_tokens_get_awss_errors() {
    let core = core().await;
    provider(&core, &["app"]).await;
    let arn = role(&core, "web", ACTION, ANY).await;
    let error = |result: Result<_, ServiceError>| {
        let e = result.unwrap_err();
        (e.code.to_string(), e.message)
    };

    let mut wrong_audience = claims("alice");
    wrong_audience["aud"] = "someone-else".into();
    assert_eq!(
        error(assume(&core, request(&arn, token(wrong_audience))).await),
        (
            "InvalidIdentityToken".into(),
            "Incorrect token audience".into()
        )
    );

    let mut expired = claims("alice");
    expired["exp"] = 1_000.into();
    let (code, message) = error(assume(&core, request(&arn, token(expired))).await);
    assert_eq!(code, "ExpiredTokenException");
    assert!(
        message.starts_with("Token expired: current date/time ")
            && message.ends_with(" must be before the expiration date/time 1000"),
        "{message}"
    );

    let mut stranger = claims("alice");
    stranger["iss"] = "https://stranger.example".into();
    assert_eq!(
        error(assume(&core, request(&arn, token(stranger))).await),
        (
            "InvalidIdentityToken".into(),
            "No OpenIDConnect provider found in your account for https://stranger.example".into()
        )
    );

    let (code, _) = error(assume(&core, request(&arn, "not.a.jwt".into())).await);
    assert_eq!(code, "InvalidIdentityToken");

    // A token naming a key the provider does not publish.
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("k9".into());
    let unknown_kid = jsonwebtoken::encode(&header, &claims("alice"), &rsa_key()).unwrap();
    let (code, message) = error(assume(&core, request(&arn, unknown_kid)).await);
    assert_eq!(code, "InvalidIdentityToken");
    assert!(
        message.starts_with("Couldn't retrieve verification key"),
        "{message}"
    );

    let mut with_provider_id = request(&arn, token(claims("alice")));
    with_provider_id.provider_id = Some("www.amazon.com".into());
    assert_eq!(
        error(assume(&core, with_provider_id).await).0,
        "ValidationError"
    );

    let mut too_long = request(&arn, token(claims("alice")));
    too_long.duration_seconds = Some(7200);
    assert_eq!(
        error(assume(&core, too_long).await),
        (
            "ValidationError".into(),
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
                .into()
        )
    );
}

#[tokio::test]
async fn an_unreachable_provider_is_an_idp_communication_error() {
    let store = Arc::new(SqliteStore::open_url("sqlite::memory:").await.unwrap());
    let config = Config {
        account_id: Some(ACCOUNT.into()),
        oidc_fetcher: Some(Arc::new(FakeIdp::default())),
        ..Config::default()
    };
    let core = Core::open(
        store,
        MasterKey::from_bytes(&MASTER).unwrap(),
        config,
        OffsetDateTime::now_utc(),
    )
    .await
    .unwrap()
    .0;
    provider(&core, &["app"]).await;
    let arn = role(&core, "web", ACTION, ANY).await;
    let e = assume(&core, request(&arn, token(claims("alice"))))
        .await
        .unwrap_err();
    assert_eq!(e.code, "IDPCommunicationError");
    assert!(e.message.contains("connection refused"), "{}", e.message);
}

#[tokio::test]
async fn tags_and_source_identity_from_the_token_need_their_own_permissions() {
    let core = core().await;
    provider(&core, &["app"]).await;
    let mut tagged = claims("alice");
    tagged["https://aws.amazon.com/tags"] = serde_json::json!({
        "principal_tags": {"team": ["blue"]}, "transitive_tag_keys": ["team"],
    });
    tagged["https://aws.amazon.com/source_identity"] = "alice@example.com".into();
    let plain = role(&core, "plain", ACTION, ANY).await;
    let denied = assume(&core, request(&plain, token(tagged.clone())))
        .await
        .unwrap_err();
    assert_eq!(denied.code, "AccessDenied");
    assert_eq!(denied.message, "Not authorized to perform sts:TagSession");
    let both = role(
        &core,
        "tagging",
        r#"["sts:AssumeRoleWithWebIdentity","sts:TagSession","sts:SetSourceIdentity"]"#,
        r#"{"StringEquals":{"aws:RequestTag/team":"blue","sts:SourceIdentity":"alice@example.com"}}"#,
    )
    .await;
    let answer = assume(&core, request(&both, token(tagged))).await.unwrap();
    assert_eq!(answer.source_identity.as_deref(), Some("alice@example.com"));
    let credentials = answer.credentials.unwrap();
    let sealed = SessionClaims::open(
        &credentials.session_token,
        &credentials.access_key_id,
        &MasterKey::from_bytes(&MASTER).unwrap(),
    )
    .unwrap();
    assert_eq!(sealed.tags.len(), 1);
    assert_eq!(sealed.tags[0].key, "team");
    assert_eq!(sealed.transitive_tag_keys, ["team"]);
}

#[tokio::test]
async fn an_unverifiable_saml_call_is_refused_and_signed_calls_do_not_go_through_handle_sts() {
    let core = core().await;
    // No provider ARN, no response: refused as an identity token, never served.
    let saml = core
        .handle_sts_unsigned(
            &info(),
            Request::AssumeRoleWithSAML(sts::AssumeRoleWithSAMLRequest::default()),
        )
        .await
        .unwrap_err();
    assert_eq!(saml.code, "InvalidIdentityToken");
    let other = core
        .handle_sts_unsigned(
            &info(),
            Request::GetCallerIdentity(sts::GetCallerIdentityRequest::default()),
        )
        .await
        .unwrap_err();
    assert_eq!(other.code, "NotImplemented");
}

#[tokio::test]
async fn session_policies_are_checked_and_sealed_into_the_session() {
    let core = core().await;
    provider(&core, &["app"]).await;
    let arn = role(&core, "web", ACTION, ANY).await;
    let narrow = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetRole","Resource":"*"}]}"#;
    let mut with_policy = request(&arn, token(claims("alice")));
    with_policy.policy = Some(narrow.into());
    let answer = assume(&core, with_policy).await.unwrap();
    assert!(answer.packed_policy_size.unwrap() > 0);
    let credentials = answer.credentials.unwrap();
    let sealed = SessionClaims::open(
        &credentials.session_token,
        &credentials.access_key_id,
        &MasterKey::from_bytes(&MASTER).unwrap(),
    )
    .unwrap();
    assert_eq!(sealed.policy.as_deref(), Some(narrow));

    let mut malformed = request(&arn, token(claims("alice")));
    malformed.policy = Some(r#"{"Statement":[{"Effect":"Allow"}]}"#.into());
    assert_eq!(
        assume(&core, malformed).await.unwrap_err().code,
        "MalformedPolicyDocument"
    );
    let mut too_big = request(&arn, token(claims("alice")));
    too_big.policy_arns = Some(
        (0..10)
            .map(|n| sts::PolicyDescriptorType {
                arn: Some(format!(
                    "arn:aws:iam::{ACCOUNT}:policy/{}",
                    "p".repeat(200 + n)
                )),
            })
            .collect(),
    );
    assert_eq!(
        assume(&core, too_big).await.unwrap_err().code,
        "PackedPolicyTooLarge"
    );
}
