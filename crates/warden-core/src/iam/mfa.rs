//! Virtual MFA devices: creation (seed and QR code), enabling with two consecutive codes,
//! resynchronisation, deactivation, deletion, listings and tags; and the one check every
//! MFA-protected path uses ([`Core::verify_mfa_code`]).
//!
//! Seeds are sealed with the master key, bound to the device's serial number. A code is
//! accepted within one time step of the device's clock, and only once: the last accepted step
//! is stored with the device, so a replayed code fails on every node.

use time::OffsetDateTime;
use warden_protocol::ServiceError;
use warden_protocol::iam::{self, errors};
use warden_store::{Change, MfaDeviceRecord, MfaOwner, Object, ObjectKey, ObjectKind};

use super::{account, find_user, limit_exceeded, named_or_caller, stamp, tags, user_output};
use crate::directory::Account;
use crate::pagination::paginate;
use crate::{Core, RequestCx, totp};

/// AWS's quota of MFA devices per user (and for the root).
pub(crate) const DEVICES_PER_USER: usize = 8;
/// How far (in steps) `EnableMFADevice` looks back for the first of its two codes.
const ENABLE_WINDOW: std::ops::RangeInclusive<i64> = -3..=1;
/// How far `ResyncMFADevice` looks, either way, for a device whose clock drifted.
const RESYNC_WINDOW: std::ops::RangeInclusive<i64> = -60..=60;
/// Tolerance of a single code: one step either way of the device's clock.
const CODE_WINDOW: std::ops::RangeInclusive<i64> = -1..=1;

pub(crate) fn no_such_device(serial: &str) -> ServiceError {
    ServiceError::new(
        errors::NO_SUCH_ENTITY,
        format!("VirtualMFADevice with serial number {serial} doesn't exist."),
    )
}

fn invalid_code() -> ServiceError {
    ServiceError::new(
        errors::INVALID_AUTHENTICATION_CODE,
        "Authentication code for device is not valid.",
    )
}

pub(crate) fn find_device<'a>(
    account: &'a Account,
    serial: &str,
) -> Result<&'a MfaDeviceRecord, ServiceError> {
    account
        .mfa_devices
        .get(serial)
        .ok_or_else(|| no_such_device(serial))
}

/// Why an MFA code was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MfaFailure {
    /// No such device, or not enabled for this identity.
    NoDevice,
    /// Wrong, expired or already used.
    BadCode,
    /// The write that records the code's use failed.
    Store,
}

/// The owner an optional `UserName` means, as stored on devices.
fn mfa_owner(user_id: Option<&str>) -> MfaOwner {
    match user_id {
        Some(id) => MfaOwner::User(id.to_owned()),
        None => MfaOwner::Root,
    }
}

impl Core {
    fn open_seed(&self, device: &MfaDeviceRecord) -> Result<Vec<u8>, ServiceError> {
        self.master_key
            .open(&device.sealed_seed, &device.serial_number)
            .map_err(|_| ServiceError::internal())
    }

    /// The later step of two consecutive codes of `device` in `window` around `center`, after
    /// the last code it accepted.
    fn consecutive_codes(
        &self,
        device: &MfaDeviceRecord,
        [first, second]: [&str; 2],
        center: u64,
        window: std::ops::RangeInclusive<i64>,
    ) -> Result<u64, ServiceError> {
        let seed = self.open_seed(device)?;
        totp::find_consecutive(&seed, first, second, center, window, device.last_step)
            .ok_or_else(invalid_code)
    }

    /// Accepts one code of the device `serial` enabled for `owner` and records its step, so it
    /// cannot be used again. Callers must not hold the writer lock.
    pub(crate) async fn verify_mfa_code(
        &self,
        account_id: &str,
        owner: &MfaOwner,
        serial: &str,
        code: &str,
        now: OffsetDateTime,
    ) -> Result<(), MfaFailure> {
        let _writer = self.writer.lock().await;
        let record = {
            let dir = self.read();
            let device = dir
                .account(account_id)
                .and_then(|a| a.mfa_devices.get(serial))
                .filter(|d| d.owner.as_ref() == Some(owner))
                .ok_or(MfaFailure::NoDevice)?;
            let seed = self.open_seed(device).map_err(|_| MfaFailure::Store)?;
            let center = totp::step_of(now)
                .checked_add_signed(device.drift)
                .ok_or(MfaFailure::BadCode)?;
            let step = totp::find(&seed, code, center, CODE_WINDOW, device.last_step)
                .ok_or(MfaFailure::BadCode)?;
            MfaDeviceRecord {
                last_step: step,
                ..device.clone()
            }
        };
        self.commit(vec![Change::PutObject(Object::MfaDevice(record))])
            .await
            .map_err(|_| MfaFailure::Store)
    }

    pub(crate) async fn create_virtual_mfa_device_op(
        &self,
        cx: &RequestCx,
        i: iam::CreateVirtualMFADeviceRequest,
    ) -> Result<iam::CreateVirtualMFADeviceResponse, ServiceError> {
        let seed = totp::new_seed().map_err(|_| ServiceError::internal())?;
        let path = i.path.unwrap_or_else(|| "/".to_owned());
        let now = stamp(cx);
        let _writer = self.writer.lock().await;
        let (record, account_name) = {
            let dir = self.read();
            let account = account(&dir, &cx.caller)?;
            let serial = account
                .arn_scope()
                .entity("mfa", &path, &i.virtual_mfa_device_name);
            let taken = account
                .mfa_devices
                .values()
                .any(|d| d.name.eq_ignore_ascii_case(&i.virtual_mfa_device_name));
            if taken {
                return Err(ServiceError::new(
                    errors::ENTITY_ALREADY_EXISTS,
                    "MFADevice entity at the same path and name already exists.",
                ));
            }
            let tags = tags::merge(&[], i.tags.as_deref().unwrap_or_default(), &self.quotas)?;
            let record = MfaDeviceRecord {
                sealed_seed: self
                    .master_key
                    .seal(&seed, &serial)
                    .map_err(|_| ServiceError::internal())?,
                serial_number: serial,
                account_id: account.id().to_owned(),
                name: i.virtual_mfa_device_name.clone(),
                path,
                created: now,
                owner: None,
                enabled: None,
                last_step: 0,
                drift: 0,
                tags,
            };
            let name = account
                .alias
                .clone()
                .unwrap_or_else(|| account.id().to_owned());
            (record, name)
        };
        let base32 = totp::base32(&seed);
        let uri = totp::otpauth_uri(&record.name, &account_name, &base32);
        let png = totp::qr_png(&uri).map_err(|_| ServiceError::internal())?;
        let output = iam::VirtualMFADevice {
            serial_number: record.serial_number.clone(),
            base32_string_seed: Some(base32.into_bytes()),
            qr_code_png: Some(png),
            tags: (!record.tags.is_empty()).then(|| tags::output(&record.tags)),
            ..Default::default()
        };
        self.commit(vec![Change::PutObject(Object::MfaDevice(record))])
            .await?;
        Ok(iam::CreateVirtualMFADeviceResponse {
            virtual_mfa_device: output,
        })
    }

    pub(crate) async fn enable_mfa_device_op(
        &self,
        cx: &RequestCx,
        i: iam::EnableMFADeviceRequest,
    ) -> Result<(), ServiceError> {
        let now = stamp(cx);
        let _writer = self.writer.lock().await;
        let record = {
            let dir = self.read();
            let account = account(&dir, &cx.caller)?;
            let user = find_user(account, &i.user_name)?;
            let device = find_device(account, &i.serial_number)?;
            if device.owner.is_some() {
                return Err(ServiceError::new(
                    errors::ENTITY_ALREADY_EXISTS,
                    "MFA Device is already in use.",
                ));
            }
            let user_id = user.record.user_id.as_str();
            if account.mfa_devices_of(Some(user_id)).count() >= DEVICES_PER_USER {
                return Err(limit_exceeded("MFADevicesPerUser", DEVICES_PER_USER));
            }
            let step = self.consecutive_codes(
                device,
                [&i.authentication_code1, &i.authentication_code2],
                totp::step_of(cx.info.now),
                ENABLE_WINDOW,
            )?;
            MfaDeviceRecord {
                owner: Some(MfaOwner::User(user_id.to_owned())),
                enabled: Some(now),
                last_step: step,
                drift: 0,
                ..device.clone()
            }
        };
        self.commit(vec![Change::PutObject(Object::MfaDevice(record))])
            .await
    }

    pub(crate) async fn resync_mfa_device_op(
        &self,
        cx: &RequestCx,
        i: iam::ResyncMFADeviceRequest,
    ) -> Result<(), ServiceError> {
        let _writer = self.writer.lock().await;
        let record = {
            let dir = self.read();
            let account = account(&dir, &cx.caller)?;
            let user = find_user(account, &i.user_name)?;
            let owner = MfaOwner::User(user.record.user_id.clone());
            let device = find_device(account, &i.serial_number)?;
            if device.owner.as_ref() != Some(&owner) {
                return Err(no_such_device(&i.serial_number));
            }
            let now = totp::step_of(cx.info.now);
            let step = self.consecutive_codes(
                device,
                [&i.authentication_code1, &i.authentication_code2],
                now,
                RESYNC_WINDOW,
            )?;
            let drift = i64::try_from(step).unwrap_or(0) - i64::try_from(now).unwrap_or(0);
            MfaDeviceRecord {
                last_step: step,
                drift,
                ..device.clone()
            }
        };
        self.commit(vec![Change::PutObject(Object::MfaDevice(record))])
            .await
    }

    pub(crate) async fn deactivate_mfa_device_op(
        &self,
        cx: &RequestCx,
        i: iam::DeactivateMFADeviceRequest,
    ) -> Result<(), ServiceError> {
        let _writer = self.writer.lock().await;
        let record = {
            let dir = self.read();
            let account = account(&dir, &cx.caller)?;
            let user = named_or_caller(account, &cx.caller, i.user_name.as_deref())?;
            let owner = mfa_owner(user.map(|u| u.record.user_id.as_str()));
            let device = find_device(account, &i.serial_number)?;
            if device.owner.as_ref() != Some(&owner) {
                return Err(no_such_device(&i.serial_number));
            }
            MfaDeviceRecord {
                owner: None,
                enabled: None,
                ..device.clone()
            }
        };
        self.commit(vec![Change::PutObject(Object::MfaDevice(record))])
            .await
    }

    pub(crate) async fn delete_virtual_mfa_device_op(
        &self,
        cx: &RequestCx,
        i: iam::DeleteVirtualMFADeviceRequest,
    ) -> Result<(), ServiceError> {
        let _writer = self.writer.lock().await;
        {
            let dir = self.read();
            let account = account(&dir, &cx.caller)?;
            let device = find_device(account, &i.serial_number)?;
            if device.owner.is_some() {
                return Err(ServiceError::new(
                    errors::DELETE_CONFLICT,
                    "MFA Device is still in use.",
                ));
            }
        }
        self.commit(vec![Change::DeleteObject(ObjectKey {
            kind: ObjectKind::MfaDevice,
            id: i.serial_number,
        })])
        .await
    }

    pub(crate) fn list_mfa_devices_op(
        &self,
        cx: &RequestCx,
        i: iam::ListMFADevicesRequest,
    ) -> Result<iam::ListMFADevicesResponse, ServiceError> {
        let dir = self.read();
        let account = account(&dir, &cx.caller)?;
        let user = named_or_caller(account, &cx.caller, i.user_name.as_deref())?;
        let user_id = user.map(|u| u.record.user_id.as_str());
        // The root is shown by its account id, as AWS does.
        let shown = user.map_or_else(|| account.id().to_owned(), |u| u.record.name.clone());
        let page = paginate(
            account
                .mfa_devices_of(user_id)
                .map(|d| (d.serial_number.clone(), d)),
            i.marker.as_deref(),
            i.max_items,
        )?;
        let truncated = page.is_truncated();
        Ok(iam::ListMFADevicesResponse {
            mfa_devices: page
                .items
                .iter()
                .map(|d| iam::MFADevice {
                    user_name: shown.clone(),
                    serial_number: d.serial_number.clone(),
                    enable_date: d.enabled.unwrap_or(d.created),
                })
                .collect(),
            is_truncated: Some(truncated),
            marker: page.next,
        })
    }

    pub(crate) fn list_virtual_mfa_devices_op(
        &self,
        cx: &RequestCx,
        i: iam::ListVirtualMFADevicesRequest,
    ) -> Result<iam::ListVirtualMFADevicesResponse, ServiceError> {
        let dir = self.read();
        let account = account(&dir, &cx.caller)?;
        let wanted = i.assignment_status.as_deref().unwrap_or("Any");
        let page = paginate(
            account
                .mfa_devices
                .values()
                .filter(|d| match wanted {
                    "Assigned" => d.owner.is_some(),
                    "Unassigned" => d.owner.is_none(),
                    _ => true,
                })
                .map(|d| (d.serial_number.clone(), d)),
            i.marker.as_deref(),
            i.max_items,
        )?;
        let truncated = page.is_truncated();
        let devices = page
            .items
            .iter()
            .map(|d| iam::VirtualMFADevice {
                serial_number: d.serial_number.clone(),
                user: match &d.owner {
                    Some(MfaOwner::User(id)) => {
                        account.user_by_id(id).map(|u| user_output(u, false))
                    }
                    Some(MfaOwner::Root) => Some(iam::User {
                        user_id: account.id().to_owned(),
                        arn: account.root_arn.clone(),
                        create_date: account.record.created,
                        ..Default::default()
                    }),
                    None => None,
                },
                enable_date: d.enabled,
                tags: (!d.tags.is_empty()).then(|| tags::output(&d.tags)),
                ..Default::default()
            })
            .collect();
        Ok(iam::ListVirtualMFADevicesResponse {
            virtual_mfa_devices: devices,
            is_truncated: Some(truncated),
            marker: page.next,
        })
    }

    pub(crate) fn get_mfa_device_op(
        &self,
        cx: &RequestCx,
        i: iam::GetMFADeviceRequest,
    ) -> Result<iam::GetMFADeviceResponse, ServiceError> {
        let dir = self.read();
        let account = account(&dir, &cx.caller)?;
        let user = named_or_caller(account, &cx.caller, i.user_name.as_deref())?;
        let owner = mfa_owner(user.map(|u| u.record.user_id.as_str()));
        let device = find_device(account, &i.serial_number)?;
        if device.owner.as_ref() != Some(&owner) {
            return Err(no_such_device(&i.serial_number));
        }
        Ok(iam::GetMFADeviceResponse {
            user_name: Some(
                user.map_or_else(|| account.id().to_owned(), |u| u.record.name.clone()),
            ),
            serial_number: device.serial_number.clone(),
            enable_date: device.enabled,
            certifications: None,
        })
    }
}
