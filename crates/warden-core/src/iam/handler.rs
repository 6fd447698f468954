//! The generated IAM `Handler` trait, implemented by [`Core`]. Operations not listed here answer
//! `NotImplemented` through the trait's default methods.

use warden_protocol::ServiceError;
use warden_protocol::iam::*;

use super::attach::Holder;
use super::tags::Tagged;
use crate::{Core, RequestCx};

/// Implements trait methods that hand their input to the `Core` method of the same name with
/// `_op` appended (`.await` marks the asynchronous ones).
macro_rules! delegate {
    ($($method:ident($input:ty) -> $output:ty = $op:ident $(. $wait:ident)?;)*) => {
        $(
            async fn $method(&self, cx: &RequestCx, i: $input) -> Result<$output, ServiceError> {
                self.$op(cx, i)$(.$wait)?
            }
        )*
    };
}

/// Implements the Tag/Untag/ListTags trio of one kind of tagged entity.
macro_rules! tagging {
    ($kind:expr, $id:ident,
     $tag:ident($tag_in:ty), $untag:ident($untag_in:ty),
     $list:ident($list_in:ty) -> $list_out:ident) => {
        async fn $tag(&self, cx: &RequestCx, i: $tag_in) -> Result<(), ServiceError> {
            self.tag(cx, $kind, &i.$id, &i.tags).await
        }
        async fn $untag(&self, cx: &RequestCx, i: $untag_in) -> Result<(), ServiceError> {
            self.untag(cx, $kind, &i.$id, &i.tag_keys).await
        }
        async fn $list(&self, cx: &RequestCx, i: $list_in) -> Result<$list_out, ServiceError> {
            let (tags, truncated, marker) =
                self.list_tags(cx, $kind, &i.$id, i.marker.as_deref(), i.max_items)?;
            Ok($list_out {
                tags,
                is_truncated: Some(truncated),
                marker,
            })
        }
    };
}

/// Implements Attach/Detach/ListAttached for one kind of identity.
macro_rules! attaching {
    ($holder:expr, $name:ident,
     $attach:ident($attach_in:ty), $detach:ident($detach_in:ty),
     $list:ident($list_in:ty) -> $list_out:ident) => {
        async fn $attach(&self, cx: &RequestCx, i: $attach_in) -> Result<(), ServiceError> {
            self.attach_policy(cx, $holder, &i.$name, i.policy_arn)
                .await
        }
        async fn $detach(&self, cx: &RequestCx, i: $detach_in) -> Result<(), ServiceError> {
            self.detach_policy(cx, $holder, &i.$name, &i.policy_arn)
                .await
        }
        async fn $list(&self, cx: &RequestCx, i: $list_in) -> Result<$list_out, ServiceError> {
            let (policies, marker) = self.list_attached(
                cx,
                $holder,
                &i.$name,
                i.path_prefix.as_deref(),
                i.marker.as_deref(),
                i.max_items,
            )?;
            Ok($list_out {
                attached_policies: Some(policies),
                is_truncated: Some(marker.is_some()),
                marker,
            })
        }
    };
}

impl Handler for Core {
    type Context = RequestCx;

    delegate! {
        generate_service_last_accessed_details(GenerateServiceLastAccessedDetailsRequest) -> GenerateServiceLastAccessedDetailsResponse = generate_service_last_accessed_details_op.await;
        get_service_last_accessed_details(GetServiceLastAccessedDetailsRequest) -> GetServiceLastAccessedDetailsResponse = get_service_last_accessed_details_op;
        get_service_last_accessed_details_with_entities(GetServiceLastAccessedDetailsWithEntitiesRequest) -> GetServiceLastAccessedDetailsWithEntitiesResponse = get_service_last_accessed_details_with_entities_op;
        list_policies_granting_service_access(ListPoliciesGrantingServiceAccessRequest) -> ListPoliciesGrantingServiceAccessResponse = list_policies_granting_service_access_op;
        create_login_profile(CreateLoginProfileRequest) -> CreateLoginProfileResponse = create_login_profile_op.await;
        get_login_profile(GetLoginProfileRequest) -> GetLoginProfileResponse = get_login_profile_op;
        update_login_profile(UpdateLoginProfileRequest) -> () = update_login_profile_op.await;
        delete_login_profile(DeleteLoginProfileRequest) -> () = delete_login_profile_op.await;
        change_password(ChangePasswordRequest) -> () = change_password_op.await;
        update_account_password_policy(UpdateAccountPasswordPolicyRequest) -> () = update_account_password_policy_op.await;
        create_virtual_mfa_device(CreateVirtualMFADeviceRequest) -> CreateVirtualMFADeviceResponse = create_virtual_mfa_device_op.await;
        enable_mfa_device(EnableMFADeviceRequest) -> () = enable_mfa_device_op.await;
        resync_mfa_device(ResyncMFADeviceRequest) -> () = resync_mfa_device_op.await;
        deactivate_mfa_device(DeactivateMFADeviceRequest) -> () = deactivate_mfa_device_op.await;
        delete_virtual_mfa_device(DeleteVirtualMFADeviceRequest) -> () = delete_virtual_mfa_device_op.await;
        list_mfa_devices(ListMFADevicesRequest) -> ListMFADevicesResponse = list_mfa_devices_op;
        list_virtual_mfa_devices(ListVirtualMFADevicesRequest) -> ListVirtualMFADevicesResponse = list_virtual_mfa_devices_op;
        get_mfa_device(GetMFADeviceRequest) -> GetMFADeviceResponse = get_mfa_device_op;
        create_saml_provider(CreateSAMLProviderRequest) -> CreateSAMLProviderResponse = create_saml_provider_op.await;
        get_saml_provider(GetSAMLProviderRequest) -> GetSAMLProviderResponse = get_saml_provider_op;
        update_saml_provider(UpdateSAMLProviderRequest) -> UpdateSAMLProviderResponse = update_saml_provider_op.await;
        delete_saml_provider(DeleteSAMLProviderRequest) -> () = delete_saml_provider_op.await;
        list_saml_providers(ListSAMLProvidersRequest) -> ListSAMLProvidersResponse = list_saml_providers_op;
        add_client_id_to_open_id_connect_provider(AddClientIDToOpenIDConnectProviderRequest) -> () = add_client_id_to_open_id_connect_provider_op.await;
        create_open_id_connect_provider(CreateOpenIDConnectProviderRequest) -> CreateOpenIDConnectProviderResponse = create_open_id_connect_provider_op.await;
        delete_open_id_connect_provider(DeleteOpenIDConnectProviderRequest) -> () = delete_open_id_connect_provider_op.await;
        get_open_id_connect_provider(GetOpenIDConnectProviderRequest) -> GetOpenIDConnectProviderResponse = get_open_id_connect_provider_op;
        list_open_id_connect_providers(ListOpenIDConnectProvidersRequest) -> ListOpenIDConnectProvidersResponse = list_open_id_connect_providers_op;
        remove_client_id_from_open_id_connect_provider(RemoveClientIDFromOpenIDConnectProviderRequest) -> () = remove_client_id_from_open_id_connect_provider_op.await;
        update_open_id_connect_provider_thumbprint(UpdateOpenIDConnectProviderThumbprintRequest) -> () = update_open_id_connect_provider_thumbprint_op.await;
        add_role_to_instance_profile(AddRoleToInstanceProfileRequest) -> () = add_role_to_instance_profile_op.await;
        add_user_to_group(AddUserToGroupRequest) -> () = add_user_to_group_op.await;
        create_access_key(CreateAccessKeyRequest) -> CreateAccessKeyResponse = create_access_key_op.await;
        create_account_alias(CreateAccountAliasRequest) -> () = create_account_alias_op.await;
        create_group(CreateGroupRequest) -> CreateGroupResponse = create_group_op.await;
        create_instance_profile(CreateInstanceProfileRequest) -> CreateInstanceProfileResponse = create_instance_profile_op.await;
        create_policy(CreatePolicyRequest) -> CreatePolicyResponse = create_policy_op.await;
        create_policy_version(CreatePolicyVersionRequest) -> CreatePolicyVersionResponse = create_policy_version_op.await;
        create_role(CreateRoleRequest) -> CreateRoleResponse = create_role_op.await;
        create_service_linked_role(CreateServiceLinkedRoleRequest) -> CreateServiceLinkedRoleResponse = create_service_linked_role_op.await;
        create_user(CreateUserRequest) -> CreateUserResponse = create_user_op.await;
        delete_access_key(DeleteAccessKeyRequest) -> () = delete_access_key_op.await;
        delete_account_alias(DeleteAccountAliasRequest) -> () = delete_account_alias_op.await;
        delete_group(DeleteGroupRequest) -> () = delete_group_op.await;
        delete_group_policy(DeleteGroupPolicyRequest) -> () = delete_group_policy_op.await;
        delete_instance_profile(DeleteInstanceProfileRequest) -> () = delete_instance_profile_op.await;
        delete_policy(DeletePolicyRequest) -> () = delete_policy_op.await;
        delete_policy_version(DeletePolicyVersionRequest) -> () = delete_policy_version_op.await;
        delete_role(DeleteRoleRequest) -> () = delete_role_op.await;
        delete_role_policy(DeleteRolePolicyRequest) -> () = delete_role_policy_op.await;
        delete_server_certificate(DeleteServerCertificateRequest) -> () = delete_server_certificate_op.await;
        delete_service_linked_role(DeleteServiceLinkedRoleRequest) -> DeleteServiceLinkedRoleResponse = delete_service_linked_role_op.await;
        delete_signing_certificate(DeleteSigningCertificateRequest) -> () = delete_signing_certificate_op.await;
        delete_ssh_public_key(DeleteSSHPublicKeyRequest) -> () = delete_ssh_public_key_op.await;
        delete_user(DeleteUserRequest) -> () = delete_user_op.await;
        delete_user_policy(DeleteUserPolicyRequest) -> () = delete_user_policy_op.await;
        get_access_key_last_used(GetAccessKeyLastUsedRequest) -> GetAccessKeyLastUsedResponse = get_access_key_last_used_op;
        get_account_authorization_details(GetAccountAuthorizationDetailsRequest) -> GetAccountAuthorizationDetailsResponse = get_account_authorization_details_op;
        get_group(GetGroupRequest) -> GetGroupResponse = get_group_op;
        get_group_policy(GetGroupPolicyRequest) -> GetGroupPolicyResponse = get_group_policy_op;
        get_instance_profile(GetInstanceProfileRequest) -> GetInstanceProfileResponse = get_instance_profile_op;
        get_policy(GetPolicyRequest) -> GetPolicyResponse = get_policy_op;
        get_policy_version(GetPolicyVersionRequest) -> GetPolicyVersionResponse = get_policy_version_op;
        get_role(GetRoleRequest) -> GetRoleResponse = get_role_op;
        get_role_policy(GetRolePolicyRequest) -> GetRolePolicyResponse = get_role_policy_op;
        get_server_certificate(GetServerCertificateRequest) -> GetServerCertificateResponse = get_server_certificate_op;
        get_service_linked_role_deletion_status(GetServiceLinkedRoleDeletionStatusRequest) -> GetServiceLinkedRoleDeletionStatusResponse = get_service_linked_role_deletion_status_op;
        get_ssh_public_key(GetSSHPublicKeyRequest) -> GetSSHPublicKeyResponse = get_ssh_public_key_op;
        get_user(GetUserRequest) -> GetUserResponse = get_user_op;
        get_user_policy(GetUserPolicyRequest) -> GetUserPolicyResponse = get_user_policy_op;
        list_access_keys(ListAccessKeysRequest) -> ListAccessKeysResponse = list_access_keys_op;
        list_account_aliases(ListAccountAliasesRequest) -> ListAccountAliasesResponse = list_account_aliases_op;
        list_entities_for_policy(ListEntitiesForPolicyRequest) -> ListEntitiesForPolicyResponse = list_entities_for_policy_op;
        list_group_policies(ListGroupPoliciesRequest) -> ListGroupPoliciesResponse = list_group_policies_op;
        list_groups(ListGroupsRequest) -> ListGroupsResponse = list_groups_op;
        list_groups_for_user(ListGroupsForUserRequest) -> ListGroupsForUserResponse = list_groups_for_user_op;
        list_instance_profiles(ListInstanceProfilesRequest) -> ListInstanceProfilesResponse = list_instance_profiles_op;
        list_instance_profiles_for_role(ListInstanceProfilesForRoleRequest) -> ListInstanceProfilesForRoleResponse = list_instance_profiles_for_role_op;
        list_policies(ListPoliciesRequest) -> ListPoliciesResponse = list_policies_op;
        list_policy_versions(ListPolicyVersionsRequest) -> ListPolicyVersionsResponse = list_policy_versions_op;
        list_role_policies(ListRolePoliciesRequest) -> ListRolePoliciesResponse = list_role_policies_op;
        list_roles(ListRolesRequest) -> ListRolesResponse = list_roles_op;
        list_server_certificates(ListServerCertificatesRequest) -> ListServerCertificatesResponse = list_server_certificates_op;
        list_signing_certificates(ListSigningCertificatesRequest) -> ListSigningCertificatesResponse = list_signing_certificates_op;
        list_ssh_public_keys(ListSSHPublicKeysRequest) -> ListSSHPublicKeysResponse = list_ssh_public_keys_op;
        list_user_policies(ListUserPoliciesRequest) -> ListUserPoliciesResponse = list_user_policies_op;
        list_user_tags(ListUserTagsRequest) -> ListUserTagsResponse = list_user_tags_op;
        list_users(ListUsersRequest) -> ListUsersResponse = list_users_op;
        put_group_policy(PutGroupPolicyRequest) -> () = put_group_policy_op.await;
        put_role_policy(PutRolePolicyRequest) -> () = put_role_policy_op.await;
        put_user_policy(PutUserPolicyRequest) -> () = put_user_policy_op.await;
        remove_role_from_instance_profile(RemoveRoleFromInstanceProfileRequest) -> () = remove_role_from_instance_profile_op.await;
        remove_user_from_group(RemoveUserFromGroupRequest) -> () = remove_user_from_group_op.await;
        set_default_policy_version(SetDefaultPolicyVersionRequest) -> () = set_default_policy_version_op.await;
        tag_user(TagUserRequest) -> () = tag_user_op.await;
        untag_user(UntagUserRequest) -> () = untag_user_op.await;
        update_access_key(UpdateAccessKeyRequest) -> () = update_access_key_op.await;
        update_assume_role_policy(UpdateAssumeRolePolicyRequest) -> () = update_assume_role_policy_op.await;
        update_group(UpdateGroupRequest) -> () = update_group_op.await;
        update_role(UpdateRoleRequest) -> UpdateRoleResponse = update_role_op.await;
        update_role_description(UpdateRoleDescriptionRequest) -> UpdateRoleDescriptionResponse = update_role_description_op.await;
        update_server_certificate(UpdateServerCertificateRequest) -> () = update_server_certificate_op.await;
        update_signing_certificate(UpdateSigningCertificateRequest) -> () = update_signing_certificate_op.await;
        update_ssh_public_key(UpdateSSHPublicKeyRequest) -> () = update_ssh_public_key_op.await;
        update_user(UpdateUserRequest) -> () = update_user_op.await;
        upload_server_certificate(UploadServerCertificateRequest) -> UploadServerCertificateResponse = upload_server_certificate_op.await;
        upload_signing_certificate(UploadSigningCertificateRequest) -> UploadSigningCertificateResponse = upload_signing_certificate_op.await;
        upload_ssh_public_key(UploadSSHPublicKeyRequest) -> UploadSSHPublicKeyResponse = upload_ssh_public_key_op.await;
        simulate_principal_policy(SimulatePrincipalPolicyRequest) -> SimulatePolicyResponse = simulate_principal_policy_op;
        simulate_custom_policy(SimulateCustomPolicyRequest) -> SimulatePolicyResponse = simulate_custom_policy_op;
        get_context_keys_for_principal_policy(GetContextKeysForPrincipalPolicyRequest) -> GetContextKeysForPolicyResponse = get_context_keys_for_principal_policy_op;
        get_context_keys_for_custom_policy(GetContextKeysForCustomPolicyRequest) -> GetContextKeysForPolicyResponse = get_context_keys_for_custom_policy_op;
    }

    async fn get_account_summary(
        &self,
        cx: &RequestCx,
    ) -> Result<GetAccountSummaryResponse, ServiceError> {
        self.get_account_summary_op(cx)
    }

    async fn get_account_password_policy(
        &self,
        cx: &RequestCx,
    ) -> Result<GetAccountPasswordPolicyResponse, ServiceError> {
        self.get_account_password_policy_op(cx)
    }

    async fn delete_account_password_policy(&self, cx: &RequestCx) -> Result<(), ServiceError> {
        self.delete_account_password_policy_op(cx).await
    }

    async fn generate_credential_report(
        &self,
        cx: &RequestCx,
    ) -> Result<GenerateCredentialReportResponse, ServiceError> {
        self.generate_credential_report_op(cx).await
    }

    async fn get_credential_report(
        &self,
        cx: &RequestCx,
    ) -> Result<GetCredentialReportResponse, ServiceError> {
        self.get_credential_report_op(cx)
    }

    tagging!(Tagged::MfaDevice, serial_number,
        tag_mfa_device(TagMFADeviceRequest), untag_mfa_device(UntagMFADeviceRequest),
        list_mfa_device_tags(ListMFADeviceTagsRequest) -> ListMFADeviceTagsResponse);
    tagging!(Tagged::Role, role_name,
        tag_role(TagRoleRequest), untag_role(UntagRoleRequest),
        list_role_tags(ListRoleTagsRequest) -> ListRoleTagsResponse);
    tagging!(Tagged::Policy, policy_arn,
        tag_policy(TagPolicyRequest), untag_policy(UntagPolicyRequest),
        list_policy_tags(ListPolicyTagsRequest) -> ListPolicyTagsResponse);
    tagging!(Tagged::InstanceProfile, instance_profile_name,
        tag_instance_profile(TagInstanceProfileRequest),
        untag_instance_profile(UntagInstanceProfileRequest),
        list_instance_profile_tags(ListInstanceProfileTagsRequest)
            -> ListInstanceProfileTagsResponse);
    tagging!(Tagged::SamlProvider, saml_provider_arn,
        tag_saml_provider(TagSAMLProviderRequest),
        untag_saml_provider(UntagSAMLProviderRequest),
        list_saml_provider_tags(ListSAMLProviderTagsRequest)
            -> ListSAMLProviderTagsResponse);
    tagging!(Tagged::OidcProvider, open_id_connect_provider_arn,
        tag_open_id_connect_provider(TagOpenIDConnectProviderRequest),
        untag_open_id_connect_provider(UntagOpenIDConnectProviderRequest),
        list_open_id_connect_provider_tags(ListOpenIDConnectProviderTagsRequest)
            -> ListOpenIDConnectProviderTagsResponse);
    tagging!(Tagged::ServerCertificate, server_certificate_name,
        tag_server_certificate(TagServerCertificateRequest),
        untag_server_certificate(UntagServerCertificateRequest),
        list_server_certificate_tags(ListServerCertificateTagsRequest)
            -> ListServerCertificateTagsResponse);

    attaching!(Holder::User, user_name,
        attach_user_policy(AttachUserPolicyRequest),
        detach_user_policy(DetachUserPolicyRequest),
        list_attached_user_policies(ListAttachedUserPoliciesRequest)
            -> ListAttachedUserPoliciesResponse);
    attaching!(Holder::Group, group_name,
        attach_group_policy(AttachGroupPolicyRequest),
        detach_group_policy(DetachGroupPolicyRequest),
        list_attached_group_policies(ListAttachedGroupPoliciesRequest)
            -> ListAttachedGroupPoliciesResponse);
    attaching!(Holder::Role, role_name,
        attach_role_policy(AttachRolePolicyRequest),
        detach_role_policy(DetachRolePolicyRequest),
        list_attached_role_policies(ListAttachedRolePoliciesRequest)
            -> ListAttachedRolePoliciesResponse);

    async fn put_user_permissions_boundary(
        &self,
        cx: &RequestCx,
        i: PutUserPermissionsBoundaryRequest,
    ) -> Result<(), ServiceError> {
        self.set_boundary(cx, Holder::User, &i.user_name, Some(i.permissions_boundary))
            .await
    }
    async fn delete_user_permissions_boundary(
        &self,
        cx: &RequestCx,
        i: DeleteUserPermissionsBoundaryRequest,
    ) -> Result<(), ServiceError> {
        self.set_boundary(cx, Holder::User, &i.user_name, None)
            .await
    }
    async fn put_role_permissions_boundary(
        &self,
        cx: &RequestCx,
        i: PutRolePermissionsBoundaryRequest,
    ) -> Result<(), ServiceError> {
        self.set_boundary(cx, Holder::Role, &i.role_name, Some(i.permissions_boundary))
            .await
    }
    async fn delete_role_permissions_boundary(
        &self,
        cx: &RequestCx,
        i: DeleteRolePermissionsBoundaryRequest,
    ) -> Result<(), ServiceError> {
        self.set_boundary(cx, Holder::Role, &i.role_name, None)
            .await
    }
}
