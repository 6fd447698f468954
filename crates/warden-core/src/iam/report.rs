//! The credential report: one CSV row per user (and the root), AWS's columns in AWS's order.
//!
//! AWS generates reports asynchronously and serves one for four hours; a report here is
//! generated within the `GenerateCredentialReport` call (so its first answer is `STARTED` and
//! the next `COMPLETE`), stored, and served until it is four hours old.

use std::fmt::Write as _;

use time::{Duration, OffsetDateTime};
use warden_protocol::ServiceError;
use warden_protocol::iam::{self, errors};
use warden_store::{Change, CredentialReportRecord, KeyUse, Object};

use super::{account, stamp};
use crate::directory::{Account, Directory};
use crate::password::Rules;
use crate::{Core, RequestCx};

/// How long a report is served, and how long until a new one is generated.
const REPORT_LIFETIME: Duration = Duration::hours(4);

/// AWS's columns, in order.
pub(crate) const COLUMNS: [&str; 22] = [
    "user",
    "arn",
    "user_creation_time",
    "password_enabled",
    "password_last_used",
    "password_last_changed",
    "password_next_rotation",
    "mfa_active",
    "access_key_1_active",
    "access_key_1_last_rotated",
    "access_key_1_last_used_date",
    "access_key_1_last_used_region",
    "access_key_1_last_used_service",
    "access_key_2_active",
    "access_key_2_last_rotated",
    "access_key_2_last_used_date",
    "access_key_2_last_used_region",
    "access_key_2_last_used_service",
    "cert_1_active",
    "cert_1_last_rotated",
    "cert_2_active",
    "cert_2_last_rotated",
];

const NA: &str = "N/A";

/// `2014-10-13T21:43:04+00:00`, as the report writes times.
fn time(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+00:00",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

fn flag(b: bool) -> String {
    b.to_string()
}

/// The five access-key columns of one key slot.
fn key_columns(key: Option<(&warden_store::AccessKeyRecord, Option<KeyUse>)>) -> [String; 5] {
    match key {
        None => ["false".into(), NA.into(), NA.into(), NA.into(), NA.into()],
        Some((record, used)) => [
            flag(record.active),
            time(record.created),
            used.as_ref()
                .map_or_else(|| NA.to_owned(), |u| time(u.time)),
            used.as_ref()
                .map_or_else(|| NA.to_owned(), |u| u.region.clone()),
            used.as_ref()
                .map_or_else(|| NA.to_owned(), |u| u.service.clone()),
        ],
    }
}

/// The two certificate columns of one slot.
fn cert_columns(cert: Option<&warden_store::SigningCertificateRecord>) -> [String; 2] {
    match cert {
        None => ["false".into(), NA.into()],
        Some(c) => [flag(c.active), time(c.uploaded)],
    }
}

/// A CSV field, quoted when it must be (names cannot hold commas, but be safe).
fn field(value: &str) -> String {
    if value.contains([',', '"', '\n']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

impl Core {
    /// The report's CSV for `account` as of now.
    fn credential_report_csv(&self, dir: &Directory, account: &Account) -> String {
        let rules = Rules::of(account.password_policy.as_ref());
        let key_slots =
            |ids: &[String]| -> [Option<(&warden_store::AccessKeyRecord, Option<KeyUse>)>; 2] {
                let mut keys = ids.iter().filter_map(|id| dir.keys.get(id)).map(|k| {
                    let used = self
                        .key_uses
                        .peek(&k.record.access_key_id)
                        .or_else(|| k.record.last_used.clone());
                    (&k.record, used)
                });
                [keys.next(), keys.next()]
            };
        let mut out = COLUMNS.join(",");
        out.push('\n');
        let mut row = |fields: Vec<String>| {
            let line: Vec<String> = fields.iter().map(|f| field(f)).collect();
            let _ = writeln!(out, "{}", line.join(","));
        };

        // The root: its password columns are `not_supported`, except when it was last used.
        let root_profile = account.login_profile(None);
        let root_certs: Vec<&warden_store::SigningCertificateRecord> = account
            .signing_certificates
            .values()
            .filter(|c| c.user_id == account.id())
            .collect();
        let mut fields = vec![
            "<root_account>".to_owned(),
            account.root_arn.clone(),
            time(account.record.created),
            "not_supported".to_owned(),
            root_profile
                .and_then(|p| p.last_used)
                .map_or_else(|| "no_information".to_owned(), time),
            "not_supported".to_owned(),
            "not_supported".to_owned(),
            flag(account.mfa_devices_of(None).next().is_some()),
        ];
        for slot in key_slots(&account.root_keys) {
            fields.extend(key_columns(slot));
        }
        fields.extend(cert_columns(root_certs.first().copied()));
        fields.extend(cert_columns(root_certs.get(1).copied()));
        row(fields);

        for user in account.users.values() {
            let id = user.record.user_id.as_str();
            let profile = account.login_profile(Some(id));
            let certs: Vec<&warden_store::SigningCertificateRecord> = account
                .signing_certificates
                .values()
                .filter(|c| c.user_id == id)
                .collect();
            let mut fields = vec![
                user.record.name.clone(),
                user.arn.clone(),
                time(user.record.created),
                flag(profile.is_some()),
                match profile {
                    None => NA.to_owned(),
                    Some(p) => p
                        .last_used
                        .map_or_else(|| "no_information".to_owned(), time),
                },
                profile.map_or_else(|| NA.to_owned(), |p| time(p.password_changed)),
                profile
                    .and_then(|p| rules.expires(p.password_changed))
                    .map_or_else(|| NA.to_owned(), time),
                flag(account.mfa_devices_of(Some(id)).next().is_some()),
            ];
            for slot in key_slots(&user.keys) {
                fields.extend(key_columns(slot));
            }
            fields.extend(cert_columns(certs.first().copied()));
            fields.extend(cert_columns(certs.get(1).copied()));
            row(fields);
        }
        out
    }

    pub(crate) async fn generate_credential_report_op(
        &self,
        cx: &RequestCx,
    ) -> Result<iam::GenerateCredentialReportResponse, ServiceError> {
        let now = stamp(cx);
        let _writer = self.writer.lock().await;
        let record = {
            let dir = self.read();
            let account = account(&dir, &cx.caller)?;
            if let Some(report) = &account.credential_report
                && now - report.generated < REPORT_LIFETIME
            {
                return Ok(iam::GenerateCredentialReportResponse {
                    state: Some("COMPLETE".to_owned()),
                    description: None,
                });
            }
            CredentialReportRecord {
                account_id: account.id().to_owned(),
                generated: now,
                content: self.credential_report_csv(&dir, account),
            }
        };
        self.commit(vec![Change::PutObject(Object::CredentialReport(record))])
            .await?;
        Ok(iam::GenerateCredentialReportResponse {
            state: Some("STARTED".to_owned()),
            description: Some("No report exists. Starting a new report generation task".to_owned()),
        })
    }

    pub(crate) fn get_credential_report_op(
        &self,
        cx: &RequestCx,
    ) -> Result<iam::GetCredentialReportResponse, ServiceError> {
        let dir = self.read();
        let account = account(&dir, &cx.caller)?;
        let report = account.credential_report.as_ref().ok_or_else(|| {
            ServiceError::new(
                errors::REPORT_NOT_PRESENT,
                "Credential report not present. Use GenerateCredentialReport to generate a \
                 report.",
            )
        })?;
        if cx.info.now - report.generated >= REPORT_LIFETIME {
            return Err(ServiceError::new(
                errors::REPORT_EXPIRED,
                "The request was rejected because the most recent credential report has \
                 expired. To generate a new credential report, use GenerateCredentialReport.",
            ));
        }
        Ok(iam::GetCredentialReportResponse {
            content: Some(report.content.clone().into_bytes()),
            report_format: Some("text/csv".to_owned()),
            generated_time: Some(report.generated),
        })
    }
}
