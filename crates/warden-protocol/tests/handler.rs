//! The generated handler traits: unimplemented operations answer NotImplemented, and dispatch
//! futures are Send (the server runs them on a multi-threaded runtime).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use warden_protocol::iam::{self, CreateUserRequest, CreateUserResponse, Request, Response, User};
use warden_protocol::{ServiceError, sts};

/// Polls a future that never waits (these handlers never do) to completion.
fn ready<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

fn assert_send<T: Send>(t: T) -> T {
    t
}

struct Users;

impl iam::Handler for Users {
    type Context = String;

    async fn create_user(
        &self,
        cx: &String,
        input: CreateUserRequest,
    ) -> Result<CreateUserResponse, ServiceError> {
        Ok(CreateUserResponse {
            user: Some(User {
                user_name: input.user_name,
                arn: format!("arn:aws:iam::{cx}:user/x"),
                ..Default::default()
            }),
        })
    }
}

struct Nothing;

impl sts::Handler for Nothing {
    type Context = ();
}

#[test]
fn implemented_operation_runs() {
    let cx = "123456789012".to_owned();
    let request = Request::CreateUser(CreateUserRequest {
        user_name: "alice".into(),
        ..Default::default()
    });
    let response = ready(assert_send(iam::dispatch(&Users, &cx, request))).unwrap();
    let Response::CreateUser(out) = response else {
        panic!("{response:?}")
    };
    assert_eq!(out.user.unwrap().arn, "arn:aws:iam::123456789012:user/x");
}

#[test]
fn unimplemented_operations_answer_not_implemented() {
    let cx = String::new();
    let err = ready(iam::dispatch(&Users, &cx, Request::GetAccountSummary)).unwrap_err();
    assert_eq!((err.code.as_ref(), err.status), ("NotImplemented", 501));
    assert_eq!(
        err.message,
        "The operation GetAccountSummary is not implemented by Warden yet."
    );

    let err = ready(iam::dispatch(
        &Users,
        &cx,
        Request::DeleteUser(Default::default()),
    ))
    .unwrap_err();
    assert_eq!(
        err.message,
        "The operation DeleteUser is not implemented by Warden yet."
    );

    let err = ready(assert_send(sts::dispatch(
        &Nothing,
        &(),
        sts::Request::GetCallerIdentity(Default::default()),
    )))
    .unwrap_err();
    assert_eq!(
        err.message,
        "The operation GetCallerIdentity is not implemented by Warden yet."
    );
}

#[test]
fn responses_know_their_operation() {
    assert_eq!(Response::DeleteUser.operation(), iam::Operation::DeleteUser);
    assert_eq!(
        Request::CreateUser(CreateUserRequest::default()).operation(),
        iam::Operation::CreateUser
    );
}
