//! Fixed keys for the verifier's tests (generated once with OpenSSL for these tests only; they
//! sign nothing else). Base64 DER: RSA keys as PKCS#1, the EC key as PKCS#8, the forms
//! `jsonwebtoken`'s `EncodingKey::from_*_der` read.

/// An RSA-2048 key: the provider's key.
pub(crate) const RSA_1: &str = concat!(
    "MIIEpAIBAAKCAQEAyluHq/1Ny3zdfKt9jmDIZy5eeptjUVUJFlus5Umwx/pTe/lL70yXJDvpIIbZgmipqAdF3MZp",
    "dj9HAjtu8vLNSDHqliYQc94Y3WmDn/bVx9eMNoFGbFguuB+TvtC8/AdjvXdfwlyMQTkq36a3GPjf6xSzGfWc9EPP",
    "O6FBJh/cslDThLaGj+CPWuwn3826eDXWmm8t22fngLtMzuDyo3Qs+bbotTtWPFJtp9Y6LZ4aaVjcM1XTDRPO9fM+",
    "6mU1gm1JeKORk5pK+8RiomI6NP0ANfOXhfwXIPcfDx/iFH8Q6hJhjJZpMx0IZe8cMTRZ85FkF4MD7h2SjEhXVWRg",
    "lqas0wIDAQABAoIBACJZuUUr4anaT2rbXZvut/Yz+9vKRujGi51dAJOHl9fKmaNg5VAA62M+PEvGOGQXyjz4xxY8",
    "JCjrgu1RE3twVgKcXpsQaRiSKhxjzfE4oH+lCmsyNLctnPiqe5UXsA0EYB0Ih5vhw/lKcAm5Ljmx/ajVQbX1aKha",
    "XnJb5EhJflhSbM6Ie4jFK36f10KcTmxKJ5yNo1o7qeUNrkf7E2xgT0Vl3m9P4ZZWg6TVrGS8k64gD6bPpO+RPFoo",
    "+mDbU7SKA7C1U7o4uRouZgoxfNyKzXXX75Om9Ss5kzUPDxs/KeoQU8hk9l30i1ibUPjieBKm8ldDtNQrNvVStUnP",
    "33oyNIECgYEA7T6qAzL14+68/BBpXyEy3NrnhlQZFVKLdomK5g9j+vszc9IE6OWFFfqxKg0XYAS5EnbJz8LTXOfj",
    "F0MEWL5f5VTdL5zTdRsPigiq1Vb32GE4CBB/V/AnUpLgCdFsPJGZBizTVoN5ryyFiHjZ4S4dbINUUqFTVCcGcghX",
    "Fd/hixMCgYEA2lrSRShjiqLlsuv1fOZKDz9UHIVIVDNOHLFpZGzEJrm06V3DX4zgTd2TfRlNKtsXiywBrNT7h1qu",
    "0/c78H1SfRceTG+TSGgpfCaUO0kHtbQSEq2xAmzgfrc+e7oO9brLpg1LrFWBTte8y5wbxGIouHRDxMsZAh3iXKva",
    "wKUaz0ECgYAJKJwjl3oKnJLLIE8RDxUJlaHOe7ykKBWeM90a2IlBjSUFWZw66XFj0dO5DdxTJpuGbPOJg7npIkKQ",
    "CVRHoMHO9qG7TtCS+sJ0z7TYm4zh247wMMLZwDmkZGslteH5zJ0dselOs7Ck5JEbHZ87pC4anE9LCVNQMll7WXsT",
    "Kxtn5QKBgQCWlvhZNcegv0OHJ/CAGRqOdXB+0vTVDSUb6Mb0uYZ15rF8GGw7o562VM/5ANAVdFBCbTEijyiBausT",
    "yHiQHP4cwyrkMDb1QtEJjFnCoVUt3WhxdVSUhZ42Bg6TqffTROZaOOUtjzLEu0i7a4hC4iePPq/WMvOmYBHTM7qE",
    "Ddn1gQKBgQC51pHSEx9pYzorY07o3zpd9rfWv8qQHx44qZ2k2okD3qst95PJ6wfdR9tPRSto1D7OnF+4V5PXemXE",
    "KdIExHK85QAiGHYZEjDLE9Dpl4CCBJD9JFXzNXg4CpjLD4F9HinMayJ24lJo+SgJdyYNndR4N4eQNeaWxH+CnIJD",
    "Uq8ofQ==",
);

/// Another RSA-2048 key: a key the provider does not publish, then its rotated key.
pub(crate) const RSA_2: &str = concat!(
    "MIIEpAIBAAKCAQEAjqMyv++t72KoJykN3UuBeDcsDIGwywH3/fLrg4/PUQnQ6+/ewDudv0l/BgOxI3vkA5g/Uc3Y",
    "ZFQL+tLj0wVBNzLaht9wOTkYVwyC2yVuUIAca3JvBHUyIIeZlsfUTpl6sQFqckUZTEM6oQkFmUPQKUse7tuiegVG",
    "l1SGVZ0RRqiRDViojLaQS3w5ffwwF0171PEVwue5rCS/JxaR4mOGP5Axp253te3YzmT3lqb3FLLsLGjoH/UHe3yv",
    "TxyNDoXhPSA0AxGhLwI6eJwVDrnHNGuKiKd7QOEwtYDgetoGfXFKKmbFpjIlwBeeP13gNAuj/dmUXv/jfrPt5oaL",
    "XrZlTwIDAQABAoIBAClZGb8WBb/dQ42GkyRRXQiyRayic9OFkJQnNSqAJ8MAK3YZpOLo5UOsVIwzycfVhDWejsxx",
    "9Yav7oEZXT2wykTsEvkCEJAmAu5JDC3m3eGsIZDsLU6Hgq53YIibCOp4B18EYA0cBsdavcYszViulctCoYbwWFsy",
    "6FG6CO8MhxOKHyU/SgdV/apBAUsjxv4e+nUOLrUgzQjW3xOcH5eHHESadPGIkHqLNXzvdn8OEdRtGw18lWRzPcZo",
    "PpvWlH31/x7TQHR/IpVCq2zoPo0GtgV5tt1uvTT9h59/o+nN19/4iHeDoQM3RuK5dpSQUMJU+tDuSyyd8aNElBqr",
    "gLjjFKECgYEAwf4NDILHn9zPA1CTqp3E99+ubZK6Qf7b5UQHMDkgnIjU6QHcc4ZkPAzubzgY1imTHsrIKr5wQnRt",
    "SEzHT9Uz/42IrOsBrBq61oXTMMUIBhgJ7OabzpWZtGQUjnOeseyIXSHH+fK9bq6nIUhbzvdL2f6KkFSG04GXpFqH",
    "haDpSPcCgYEAvDrlGcewgk98dv2cc+CsDhPQM+Fhv6pt2tnF5icwsoYMu8BPxcfx9o1GTKrsqHHBPbOrUcE8uox2",
    "oop/D7mD8MRWqxNusyBxiANxxN+upBU+Ob11lIZ7dtw6AycJScLzbjt5WtJ4wZsK3kgdujTUT0RrxS5GT9FCdQ37",
    "eSMOSGkCgYEAl7VKFyKfYtGXwwvcr206gG6ZRm+c4cehyCXvSTMj4cbQWnhuIppTAPNL9AZ2xeU1fLsw1tyfhhju",
    "7b+9jx040P2qiTAv2pv8yY9Wnak4oStjd7TQ3Dn6PiyWNuEMljBYZBzq+vluU4Sah1jDE5Qp6Y06Z6zy061hHdL+",
    "cO5qAfkCgYEAo0bvTqKSsSbkD4/E9BuTBA8ZzrcWBJ2A95NqgE/EhUeUqhSS3jyn3jgEICMwcJlkh/JfjOZzmFqZ",
    "2jsLJwfEtMiLaZDMuONOuC5MtPtXUYv/0zROV00ksiEszWlCPFK4uQksJqVmDINCNTkXWFvVQwFV/tA6O6iI3mMH",
    "nbfT/ukCgYBzjIxAzq+7afdCIiJYNj7VOmP8C3n7I9xjlR0NXv6gwVXJ//dtazsT9CqNeSTCvpaN1w/I9mTqiBQ1",
    "joRTtRvKimCK7+anaI64WJyp2VZDpjr9kYal/1i6hMnsm/2cN0XhNgMG3a6iCFJxZhPz0+EZK88NA2s1vOUbt1Rr",
    "RzfZKA==",
);

/// A P-256 key.
pub(crate) const EC_P256: &str = concat!(
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgGMjITAdngnNImtgBhkkHlgDdGbiFbLRU7T1YQfmW",
    "OHmhRANCAAQ3+CKG7Mou4F9cFm+B5fFsL8rlLs3DEyUFZKINC5aj4USZ7RPxVEFDkRqOlJzT7Lu0GOpz44TTma4G",
    "Odbf8o/2",
);
