#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failure
//! AWS's own managed policies lint clean of errors, apart from the ones listed here, each
//! reviewed and explained.

use std::collections::BTreeMap;

use warden_advisor::lint::codes;
use warden_advisor::{FindingType, lint};
use warden_catalog::aws_managed_policies;
use warden_policy::validate::PolicyKind;

/// Service prefixes that AWS managed policies still name but that the service reference no
/// longer lists: the services were retired (DeepRacer, Mobile Hub, IoT 1-Click, RoboRunner,
/// DeepComposer, Elastic Inference, WorkDocs' old `zocalo` prefix, DeepLens) or are internal
/// (`builderid`, `datazonecontrol`, `sagemaker-groundtruth-synthetic`). AWS still keeps the
/// policies, so the finding is real: those statements grant nothing.
const RETIRED_SERVICES: [&str; 11] = [
    "builderid",
    "datazonecontrol",
    "deepcomposer",
    "deeplens",
    "deepracer",
    "elastic-inference",
    "iot1click",
    "iotroborunner",
    "mobilehub",
    "sagemaker-groundtruth-synthetic",
    "zocalo",
];

/// Actions that AWS managed policies name and the reference lacks: retired APIs (CloudHSM
/// Classic's Luna/HAPG actions, the old Budgets API names, `cloud9:ValidateEnvironmentName`)
/// and actions newer than the data set or missing from iam-data (Payments, Security Agent, Q
/// Apps import, and a few single ones). Real findings against the data Warden ships.
const UNKNOWN_ACTIONS: [&str; 51] = [
    "budgets:CreateBudget",
    "budgets:DeleteBudget",
    "budgets:DescribeBudget",
    "budgets:DescribeBudgets",
    "budgets:UpdateBudget",
    "cloud9:ValidateEnvironmentName",
    "cloudhsm:CreateLunaClient",
    "cloudhsm:DeleteLunaClient",
    "cloudhsm:DescribeHapg",
    "cloudhsm:DescribeLunaClient",
    "cloudhsm:GetConfig",
    "cloudhsm:ModifyHapg",
    "cloudhsm:ModifyLunaClient",
    "memorydb:ReplicateMultiRegionClusterData",
    "organizations:CreateBuilderIdOwnedAccount",
    "payments:AcceptTermsAndConditionsForProgramByAccountId",
    "payments:BatchGetPaymentProfiles",
    "payments:CreatePaymentAttempt",
    "payments:CreatePaymentProfile",
    "payments:Get",
    "payments:GetAcceptedTermsAndConditionsForProgramByAccountId",
    "payments:GetAccountBalance",
    "payments:GetDefaultPaymentProfile",
    "payments:GetEligibleCurrencies",
    "payments:GetPaymentAttempt",
    "payments:GetPaymentPreferences",
    "payments:GetPreferredCurrency",
    "payments:GetRecommendedTermsAndConditionsForProgram",
    "payments:ListPaymentProfiles",
    "payments:SearchFinancialRecords",
    "payments:SetPreferredCurrency",
    "payments:UpdatePaymentProfile",
    "qapps:ImportDocumentToQApp",
    "qapps:ImportDocumentToQAppSession",
    "route53-recovery-control-config:DescribeRoutingControlByName",
    "securityagent:BatchGetAgentInstances",
    "securityagent:BatchGetSecurityTestContentMetadata",
    "securityagent:BatchGetTasks",
    "securityagent:CreateDocumentReview",
    "securityagent:DeleteDocumentReview",
    "securityagent:GetCodeReviewTask",
    "securityagent:GetDocReviewTask",
    "securityagent:GetDocumentReview",
    "securityagent:GetDocumentReviewArtifact",
    "securityagent:ListAgentInstances",
    "securityagent:ListControls",
    "securityagent:ListDocumentReviewComments",
    "securityagent:ListDocumentReviews",
    "securityagent:ListTasks",
    "securityagent:StartPentestExecution",
    "securityagent:StopPentestExecution",
];

/// Condition keys the reference lacks: `aws:PrincipalOrgMasterAccountId` is a deprecated global
/// key that iam-data dropped; `lakeformation:GlueARN` is not in iam-data's Lake Formation keys.
const UNKNOWN_KEYS: [&str; 2] = ["aws:PrincipalOrgMasterAccountId", "lakeformation:GlueARN"];

/// Whether an `INVALID_POLICY` finding on an AWS managed policy is one of the known kinds:
/// - the size quota: it applies to customer managed policies; AWS's own are exempt;
/// - `root` as an IAM resource path (`arn:aws:iam::*:root`): warden-policy's validator keeps
///   AWS's documented list of IAM resource paths, which does not name it;
/// - a variable in the account field of an ARN, which the validator refuses on purpose (it is
///   stricter than AWS there: see warden-policy's validate module).
fn known_invalid(message: &str) -> bool {
    (message.contains("characters") && message.contains("allowed for managed policies"))
        || message.contains("`arn:aws:iam::*:root`")
        || message.contains("comes before the fifth colon")
}

#[test]
fn aws_managed_policies_lint_without_unexplained_errors() {
    let policies = aws_managed_policies().unwrap().all();
    assert!(policies.len() > 1000);
    let mut counts: BTreeMap<(FindingType, &str), usize> = BTreeMap::new();
    let mut unexplained = Vec::new();
    for policy in policies {
        for f in lint(&policy.document, PolicyKind::Managed).unwrap() {
            *counts.entry((f.kind, f.code)).or_default() += 1;
            if f.kind != FindingType::Error {
                continue;
            }
            // The name the finding is about, between its first pair of backquotes.
            let named = f.message.split('`').nth(1).unwrap_or("");
            let known = match f.code {
                codes::INVALID_POLICY => known_invalid(&f.message),
                codes::UNKNOWN_SERVICE => RETIRED_SERVICES.contains(&named),
                codes::UNKNOWN_ACTION => UNKNOWN_ACTIONS
                    .iter()
                    .any(|a| a.split_once(':').is_some_and(|(_, name)| name == named)),
                codes::UNKNOWN_CONDITION_KEY => UNKNOWN_KEYS.contains(&named),
                _ => false,
            };
            if !known {
                unexplained.push(format!(
                    "{}: {} {} {}",
                    policy.name, f.code, f.path, f.message
                ));
            }
        }
    }
    assert!(unexplained.is_empty(), "{}", unexplained.join("\n"));
    // The rules that must never fire on AWS's own policies.
    for code in [
        codes::POLICY_SYNTAX,
        codes::ACTION_MATCHES_NOTHING,
        codes::CONDITION_TYPE_MISMATCH,
        codes::DUPLICATE_STATEMENT,
    ] {
        assert!(
            !counts.keys().any(|(_, c)| *c == code),
            "{code} fired: {counts:?}"
        );
    }
}
