//! The generated IAM `Handler` trait, implemented by [`Core`]. Operations not listed here answer
//! `NotImplemented` through the trait's default methods.

use warden_protocol::ServiceError;
use warden_protocol::iam::*;

use crate::{Core, RequestCx};

impl Handler for Core {
    type Context = RequestCx;

    async fn create_user(
        &self,
        cx: &RequestCx,
        i: CreateUserRequest,
    ) -> Result<CreateUserResponse, ServiceError> {
        self.create_user_op(cx, i).await
    }
    async fn get_user(
        &self,
        cx: &RequestCx,
        i: GetUserRequest,
    ) -> Result<GetUserResponse, ServiceError> {
        self.get_user_op(cx, i)
    }
    async fn update_user(&self, cx: &RequestCx, i: UpdateUserRequest) -> Result<(), ServiceError> {
        self.update_user_op(cx, i).await
    }
    async fn delete_user(&self, cx: &RequestCx, i: DeleteUserRequest) -> Result<(), ServiceError> {
        self.delete_user_op(cx, i).await
    }
    async fn list_users(
        &self,
        cx: &RequestCx,
        i: ListUsersRequest,
    ) -> Result<ListUsersResponse, ServiceError> {
        self.list_users_op(cx, i)
    }
    async fn tag_user(&self, cx: &RequestCx, i: TagUserRequest) -> Result<(), ServiceError> {
        self.tag_user_op(cx, i).await
    }
    async fn untag_user(&self, cx: &RequestCx, i: UntagUserRequest) -> Result<(), ServiceError> {
        self.untag_user_op(cx, i).await
    }
    async fn list_user_tags(
        &self,
        cx: &RequestCx,
        i: ListUserTagsRequest,
    ) -> Result<ListUserTagsResponse, ServiceError> {
        self.list_user_tags_op(cx, i)
    }
    async fn create_group(
        &self,
        cx: &RequestCx,
        i: CreateGroupRequest,
    ) -> Result<CreateGroupResponse, ServiceError> {
        self.create_group_op(cx, i).await
    }
    async fn get_group(
        &self,
        cx: &RequestCx,
        i: GetGroupRequest,
    ) -> Result<GetGroupResponse, ServiceError> {
        self.get_group_op(cx, i)
    }
    async fn update_group(
        &self,
        cx: &RequestCx,
        i: UpdateGroupRequest,
    ) -> Result<(), ServiceError> {
        self.update_group_op(cx, i).await
    }
    async fn delete_group(
        &self,
        cx: &RequestCx,
        i: DeleteGroupRequest,
    ) -> Result<(), ServiceError> {
        self.delete_group_op(cx, i).await
    }
    async fn list_groups(
        &self,
        cx: &RequestCx,
        i: ListGroupsRequest,
    ) -> Result<ListGroupsResponse, ServiceError> {
        self.list_groups_op(cx, i)
    }
    async fn add_user_to_group(
        &self,
        cx: &RequestCx,
        i: AddUserToGroupRequest,
    ) -> Result<(), ServiceError> {
        self.add_user_to_group_op(cx, i).await
    }
    async fn remove_user_from_group(
        &self,
        cx: &RequestCx,
        i: RemoveUserFromGroupRequest,
    ) -> Result<(), ServiceError> {
        self.remove_user_from_group_op(cx, i).await
    }
    async fn list_groups_for_user(
        &self,
        cx: &RequestCx,
        i: ListGroupsForUserRequest,
    ) -> Result<ListGroupsForUserResponse, ServiceError> {
        self.list_groups_for_user_op(cx, i)
    }
    async fn create_access_key(
        &self,
        cx: &RequestCx,
        i: CreateAccessKeyRequest,
    ) -> Result<CreateAccessKeyResponse, ServiceError> {
        self.create_access_key_op(cx, i).await
    }
    async fn list_access_keys(
        &self,
        cx: &RequestCx,
        i: ListAccessKeysRequest,
    ) -> Result<ListAccessKeysResponse, ServiceError> {
        self.list_access_keys_op(cx, i)
    }
    async fn update_access_key(
        &self,
        cx: &RequestCx,
        i: UpdateAccessKeyRequest,
    ) -> Result<(), ServiceError> {
        self.update_access_key_op(cx, i).await
    }
    async fn delete_access_key(
        &self,
        cx: &RequestCx,
        i: DeleteAccessKeyRequest,
    ) -> Result<(), ServiceError> {
        self.delete_access_key_op(cx, i).await
    }
    async fn get_access_key_last_used(
        &self,
        cx: &RequestCx,
        i: GetAccessKeyLastUsedRequest,
    ) -> Result<GetAccessKeyLastUsedResponse, ServiceError> {
        self.get_access_key_last_used_op(cx, i)
    }
    async fn put_user_policy(
        &self,
        cx: &RequestCx,
        i: PutUserPolicyRequest,
    ) -> Result<(), ServiceError> {
        self.put_user_policy_op(cx, i).await
    }
    async fn get_user_policy(
        &self,
        cx: &RequestCx,
        i: GetUserPolicyRequest,
    ) -> Result<GetUserPolicyResponse, ServiceError> {
        self.get_user_policy_op(cx, i)
    }
    async fn delete_user_policy(
        &self,
        cx: &RequestCx,
        i: DeleteUserPolicyRequest,
    ) -> Result<(), ServiceError> {
        self.delete_user_policy_op(cx, i).await
    }
    async fn list_user_policies(
        &self,
        cx: &RequestCx,
        i: ListUserPoliciesRequest,
    ) -> Result<ListUserPoliciesResponse, ServiceError> {
        self.list_user_policies_op(cx, i)
    }
    async fn put_group_policy(
        &self,
        cx: &RequestCx,
        i: PutGroupPolicyRequest,
    ) -> Result<(), ServiceError> {
        self.put_group_policy_op(cx, i).await
    }
    async fn get_group_policy(
        &self,
        cx: &RequestCx,
        i: GetGroupPolicyRequest,
    ) -> Result<GetGroupPolicyResponse, ServiceError> {
        self.get_group_policy_op(cx, i)
    }
    async fn delete_group_policy(
        &self,
        cx: &RequestCx,
        i: DeleteGroupPolicyRequest,
    ) -> Result<(), ServiceError> {
        self.delete_group_policy_op(cx, i).await
    }
    async fn list_group_policies(
        &self,
        cx: &RequestCx,
        i: ListGroupPoliciesRequest,
    ) -> Result<ListGroupPoliciesResponse, ServiceError> {
        self.list_group_policies_op(cx, i)
    }
}
