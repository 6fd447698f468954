//! AWS errors and the Query protocol's error document.

use std::borrow::Cow;

use crate::xml::{escape_attribute_into, escape_into};

/// An error a service model declares: code, HTTP status and who is at fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ErrorShape {
    pub code: &'static str,
    pub status: u16,
    /// `true`: the caller's fault (`<Type>Sender</Type>`); `false`: the service's (`Receiver`).
    pub sender_fault: bool,
}

impl ErrorShape {
    pub const fn new(code: &'static str, status: u16, sender_fault: bool) -> ErrorShape {
        ErrorShape {
            code,
            status,
            sender_fault,
        }
    }
}

/// Errors every Query service answers with, whatever its model says. Texts and statuses are from
/// AWS's "Common Errors" reference (IAM/STS API Reference, "Common Errors").
pub mod common {
    use super::ErrorShape;

    /// A parameter failed the model's constraints; the message lists every failure.
    pub const VALIDATION_ERROR: ErrorShape = ErrorShape {
        code: "ValidationError",
        status: 400,
        sender_fault: true,
    };
    /// The request has no `Action` parameter.
    pub const MISSING_ACTION: ErrorShape = ErrorShape {
        code: "MissingAction",
        status: 400,
        sender_fault: true,
    };
    /// The action (or its version) is not one the service has.
    pub const INVALID_ACTION: ErrorShape = ErrorShape {
        code: "InvalidAction",
        status: 400,
        sender_fault: true,
    };
    /// A required parameter (`Version`) is missing.
    pub const MISSING_PARAMETER: ErrorShape = ErrorShape {
        code: "MissingParameter",
        status: 400,
        sender_fault: true,
    };
    /// A parameter value cannot be read as its type (`MaxItems=abc`).
    pub const MALFORMED_INPUT: ErrorShape = ErrorShape {
        code: "MalformedInput",
        status: 400,
        sender_fault: true,
    };
    /// The operation exists in the API but Warden does not implement it yet.
    pub const NOT_IMPLEMENTED: ErrorShape = ErrorShape {
        code: "NotImplemented",
        status: 501,
        sender_fault: false,
    };
    /// Something went wrong inside the service.
    pub const INTERNAL_FAILURE: ErrorShape = ErrorShape {
        code: "InternalFailure",
        status: 500,
        sender_fault: false,
    };
}

/// An error answer: what goes into `<Error>` and the HTTP status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceError {
    pub code: Cow<'static, str>,
    pub message: String,
    pub status: u16,
    pub sender_fault: bool,
    /// The `Reason` member some JSON services' errors carry (Organizations'
    /// `InvalidInputException`, `ConstraintViolationException`); Query errors have none.
    pub reason: Option<Cow<'static, str>>,
}

impl ServiceError {
    /// An error of a declared shape.
    pub fn new(shape: ErrorShape, message: impl Into<String>) -> ServiceError {
        ServiceError {
            code: Cow::Borrowed(shape.code),
            message: message.into(),
            status: shape.status,
            sender_fault: shape.sender_fault,
            reason: None,
        }
    }

    /// `NotImplemented` (501) for an operation Warden does not implement yet.
    pub fn not_implemented(operation: &str) -> ServiceError {
        ServiceError::new(
            common::NOT_IMPLEMENTED,
            format!("The operation {operation} is not implemented by Warden yet."),
        )
    }

    /// `ValidationError` (400) listing constraint failures, in AWS's form:
    /// `2 validation errors detected: Value … failed to satisfy constraint: …; Value …`.
    pub fn validation<S: AsRef<str>>(problems: &[S]) -> ServiceError {
        let n = problems.len();
        let mut message = format!(
            "{n} validation error{} detected: ",
            if n == 1 { "" } else { "s" }
        );
        for (i, p) in problems.iter().enumerate() {
            if i > 0 {
                message.push_str("; ");
            }
            message.push_str(p.as_ref());
        }
        ServiceError::new(common::VALIDATION_ERROR, message)
    }

    /// `InternalFailure` (500): an unexpected failure inside the service. The message says
    /// nothing about the cause (which goes to the log, not the caller).
    pub fn internal() -> ServiceError {
        ServiceError::new(
            common::INTERNAL_FAILURE,
            "The request processing has failed because of an unknown error, exception or failure.",
        )
    }

    /// `MissingAction` (400): the request names no action.
    pub fn missing_action() -> ServiceError {
        ServiceError::new(common::MISSING_ACTION, "Missing Action")
    }

    /// `InvalidAction` (400): no operation of that name in that API version.
    pub fn invalid_action(action: &str, version: &str) -> ServiceError {
        ServiceError::new(
            common::INVALID_ACTION,
            format!("Could not find operation {action} for version {version}"),
        )
    }

    /// `<Type>` of the error document.
    pub fn fault(&self) -> &'static str {
        if self.sender_fault {
            "Sender"
        } else {
            "Receiver"
        }
    }

    /// The Query protocol's error document for this error.
    pub fn to_xml(&self, namespace: &str, request_id: &str) -> String {
        error_xml(namespace, self, request_id)
    }
}

impl std::fmt::Display for ServiceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for ServiceError {}

/// AWS's Query error document:
/// `<ErrorResponse xmlns="…"><Error><Type>Sender</Type><Code>…</Code><Message>…</Message></Error>
/// <RequestId>…</RequestId></ErrorResponse>`.
pub fn error_xml(namespace: &str, err: &ServiceError, request_id: &str) -> String {
    let mut w = String::with_capacity(192 + err.message.len());
    w.push_str("<ErrorResponse xmlns=\"");
    escape_attribute_into(&mut w, namespace);
    w.push_str("\"><Error><Type>");
    w.push_str(err.fault());
    w.push_str("</Type><Code>");
    escape_into(&mut w, &err.code);
    w.push_str("</Code><Message>");
    escape_into(&mut w, &err.message);
    w.push_str("</Message></Error><RequestId>");
    escape_into(&mut w, request_id);
    w.push_str("</RequestId></ErrorResponse>");
    w
}
