//! An arbitrary document evaluated against requests built from the same input: the first line
//! is the principal, the second the action, the third the resource, the rest the policy, used as
//! every policy type at once. Evaluation may decide anything but must not panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use warden_policy::{
    CompiledPolicy, Policies, PolicySet, Principal, RequestContext, evaluate,
};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut lines = text.splitn(4, '\n');
    let (Some(principal), Some(action), Some(resource), Some(policy)) =
        (lines.next(), lines.next(), lines.next(), lines.next())
    else {
        return;
    };
    let principal = Principal::parse(principal).unwrap_or_else(|_| Principal::anonymous());
    let Ok(compiled) = CompiledPolicy::parse(policy) else {
        return;
    };
    let set = PolicySet::new([compiled]);
    let levels = [set.clone()];
    let mut ctx = RequestContext::new(principal, action, resource);
    ctx.insert("aws:SourceIp", vec!["10.0.0.1".into()]);
    ctx.insert("aws:TagKeys", vec!["a".into(), "b".into()]);
    ctx.insert("aws:CurrentTime", vec![resource.into()]);
    for required in [false, true] {
        let decision = evaluate(
            &ctx,
            &Policies {
                identity: Some(&set),
                resource: Some(&set),
                permissions_boundary: Some(&set),
                session: Some(&set),
                scps: &levels,
                rcps: &levels,
                resource_policy_required: required,
            },
        );
        let _ = decision.denial_message(&ctx);
    }
});
