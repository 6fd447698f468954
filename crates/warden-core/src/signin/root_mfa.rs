//! Root MFA enrolment from the console. The IAM API's `EnableMFADevice` takes a user name, so
//! the root user's virtual device is enrolled here, as in AWS's console: a fresh seed is shown
//! (QR code and base32), travels sealed in the page, and becomes a device only when two
//! consecutive codes prove the authenticator holds it.

use time::{Duration, OffsetDateTime};
use warden_store::{Change, MfaDeviceRecord, MfaOwner, Object};

use super::sealed::{self, ConsoleSession, Enrolment};
use crate::{Core, totp};

/// The root's device name: AWS's, for a root virtual MFA device.
const DEVICE_NAME: &str = "root-account-mfa-device";
/// How long the enrolment page may stay open.
const ENROLMENT_LIFETIME: Duration = Duration::minutes(10);
/// How far back the first of the two codes may be (as `EnableMFADevice`).
const ENABLE_WINDOW: std::ops::RangeInclusive<i64> = -3..=1;

/// A device to scan: the page shows the QR code and the seed and sends `token` back with the
/// codes.
pub struct RootMfaEnrolment {
    pub token: String,
    pub base32_seed: String,
    pub qr_png: Vec<u8>,
    pub serial_number: String,
}

impl std::fmt::Debug for RootMfaEnrolment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RootMfaEnrolment")
            .field("serial_number", &self.serial_number)
            .finish_non_exhaustive()
    }
}

/// Why an enrolment step failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EnrolmentError {
    #[error("only the root user enrols a root MFA device here")]
    NotRoot,
    #[error("the root user already has an MFA device")]
    AlreadyEnabled,
    #[error("the two codes are not two consecutive codes of this device; try the next two")]
    InvalidCodes,
    #[error("this enrolment page has expired; start again")]
    Expired,
    #[error("MFA enrolment is unavailable at the moment; try again later")]
    Unavailable,
}

impl Core {
    fn root_device_serial(&self, account_id: &str) -> Option<String> {
        let dir = self.read();
        let account = dir.account(account_id)?;
        Some(account.arn_scope().entity("mfa", "/", DEVICE_NAME))
    }

    /// A new seed for the signed-in root user to scan.
    pub fn begin_root_mfa_enrolment(
        &self,
        session: &ConsoleSession,
        now: OffsetDateTime,
    ) -> Result<RootMfaEnrolment, EnrolmentError> {
        if session.user_id.is_some() {
            return Err(EnrolmentError::NotRoot);
        }
        self.check_root_may_enrol(&session.account_id)?;
        let serial_number = self
            .root_device_serial(&session.account_id)
            .ok_or(EnrolmentError::Unavailable)?;
        let seed = totp::new_seed().map_err(|_| EnrolmentError::Unavailable)?;
        let token = sealed::seal(
            &self.master_key,
            &Enrolment {
                account_id: session.account_id.clone(),
                seed: seed.clone(),
                expires: now + ENROLMENT_LIFETIME,
            },
        )
        .map_err(|_| EnrolmentError::Unavailable)?;
        self.enrolment_view(&session.account_id, serial_number, &seed, token)
    }

    /// The same enrolment again (its page is shown anew after wrong codes): the seed the user
    /// scanned, from the sealed token.
    pub fn resume_root_mfa_enrolment(
        &self,
        session: &ConsoleSession,
        token: &str,
        now: OffsetDateTime,
    ) -> Result<RootMfaEnrolment, EnrolmentError> {
        if session.user_id.is_some() {
            return Err(EnrolmentError::NotRoot);
        }
        let enrolment = sealed::open::<Enrolment>(&self.master_key, token, now)
            .filter(|e| e.account_id == session.account_id)
            .ok_or(EnrolmentError::Expired)?;
        let serial_number = self
            .root_device_serial(&session.account_id)
            .ok_or(EnrolmentError::Unavailable)?;
        self.enrolment_view(
            &session.account_id,
            serial_number,
            &enrolment.seed,
            token.to_owned(),
        )
    }

    fn enrolment_view(
        &self,
        account_id: &str,
        serial_number: String,
        seed: &[u8],
        token: String,
    ) -> Result<RootMfaEnrolment, EnrolmentError> {
        let base32_seed = totp::base32(seed);
        let account_name = {
            let dir = self.read();
            dir.account(account_id)
                .and_then(|a| a.alias.clone())
                .unwrap_or_else(|| account_id.to_owned())
        };
        let uri = totp::otpauth_uri(DEVICE_NAME, &account_name, &base32_seed);
        let qr_png = totp::qr_png(&uri).map_err(|_| EnrolmentError::Unavailable)?;
        Ok(RootMfaEnrolment {
            token,
            base32_seed,
            qr_png,
            serial_number,
        })
    }

    fn check_root_may_enrol(&self, account_id: &str) -> Result<(), EnrolmentError> {
        let dir = self.read();
        let account = dir.account(account_id).ok_or(EnrolmentError::Unavailable)?;
        let devices = account.mfa_devices_of(None).count();
        let name_taken = account
            .mfa_devices
            .values()
            .any(|d| d.name.eq_ignore_ascii_case(DEVICE_NAME));
        // One root device, as AWS's console enrols: a second would need a second name.
        if devices > 0 || name_taken {
            return Err(EnrolmentError::AlreadyEnabled);
        }
        Ok(())
    }

    /// Creates and enables the root's device once two consecutive codes of the sealed seed
    /// check out. Returns the device's serial number.
    pub async fn enable_root_mfa(
        &self,
        session: &ConsoleSession,
        token: &str,
        code1: &str,
        code2: &str,
        now: OffsetDateTime,
    ) -> Result<String, EnrolmentError> {
        if session.user_id.is_some() {
            return Err(EnrolmentError::NotRoot);
        }
        let enrolment = sealed::open::<Enrolment>(&self.master_key, token, now)
            .filter(|e| e.account_id == session.account_id)
            .ok_or(EnrolmentError::Expired)?;
        let step = totp::find_consecutive(
            &enrolment.seed,
            code1.trim(),
            code2.trim(),
            totp::step_of(now),
            ENABLE_WINDOW,
            0,
        )
        .ok_or(EnrolmentError::InvalidCodes)?;
        let serial = self
            .root_device_serial(&session.account_id)
            .ok_or(EnrolmentError::Unavailable)?;
        let stamp = now.replace_nanosecond(0).unwrap_or(now);
        let _writer = self.writer.lock().await;
        self.check_root_may_enrol(&session.account_id)?;
        let record = MfaDeviceRecord {
            sealed_seed: self
                .master_key
                .seal(&enrolment.seed, &serial)
                .map_err(|_| EnrolmentError::Unavailable)?,
            serial_number: serial.clone(),
            account_id: session.account_id.clone(),
            name: DEVICE_NAME.to_owned(),
            path: "/".to_owned(),
            created: stamp,
            owner: Some(MfaOwner::Root),
            enabled: Some(stamp),
            last_step: step,
            drift: 0,
            tags: Vec::new(),
        };
        self.commit(vec![Change::PutObject(Object::MfaDevice(record))])
            .await
            .map_err(|_| EnrolmentError::Unavailable)?;
        tracing::info!(
            target: "warden::signin",
            account = %session.account_id,
            serial = %serial,
            "root MFA device enabled"
        );
        Ok(serial)
    }
}
