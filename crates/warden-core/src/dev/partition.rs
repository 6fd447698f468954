//! Which AWS partition a region belongs to.

/// Region-name prefixes of the partitions other than `aws`, longest first so that
/// `us-isob-east-1` is not taken for `us-iso-…`.
const PARTITIONS: [(&str, &str); 7] = [
    ("us-isob-", "aws-iso-b"),
    ("us-isof-", "aws-iso-f"),
    ("eu-isoe-", "aws-iso-e"),
    ("us-iso-", "aws-iso"),
    ("us-gov-", "aws-us-gov"),
    ("eusc-", "aws-eusc"),
    ("cn-", "aws-cn"),
];

/// The partition of `region`: `aws-cn` for `cn-north-1`, `aws-us-gov` for `us-gov-west-1`, …,
/// and `aws` for every other name (including ones AWS has not announced yet).
pub fn partition_of_region(region: &str) -> &'static str {
    PARTITIONS
        .iter()
        .find(|(prefix, _)| region.starts_with(prefix))
        .map_or("aws", |(_, partition)| partition)
}

/// The region a `User-Agent` names in a `region/NAME` token (botocore and the AWS CLI write one),
/// which is all an unsigned request says about its region.
pub fn region_from_user_agent(user_agent: &str) -> Option<&str> {
    user_agent
        .split_whitespace()
        .find_map(|token| token.strip_prefix("region/"))
        .filter(|region| !region.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_map_to_their_partitions() {
        for (region, partition) in [
            ("us-east-1", "aws"),
            ("eu-west-3", "aws"),
            ("ap-southeast-7", "aws"),
            ("cn-north-1", "aws-cn"),
            ("cn-northwest-1", "aws-cn"),
            ("us-gov-west-1", "aws-us-gov"),
            ("us-gov-east-1", "aws-us-gov"),
            ("us-iso-east-1", "aws-iso"),
            ("us-isob-east-1", "aws-iso-b"),
            ("eu-isoe-west-1", "aws-iso-e"),
            ("us-isof-south-1", "aws-iso-f"),
            ("eusc-de-east-1", "aws-eusc"),
            ("", "aws"),
        ] {
            assert_eq!(partition_of_region(region), partition, "{region}");
        }
    }

    #[test]
    fn the_region_token_is_read_from_a_user_agent() {
        let ua = "Boto3/1.44.5 md/Botocore#1.44.5 ua/2.1 os/linux region/cn-north-1 cfg/retry-mode#legacy";
        assert_eq!(region_from_user_agent(ua), Some("cn-north-1"));
        assert_eq!(region_from_user_agent("curl/8.0"), None);
        assert_eq!(region_from_user_agent("x region/ y"), None);
    }
}
