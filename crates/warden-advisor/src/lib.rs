//! Policy advice built on the policy engine and the catalog: lint findings, access-level
//! summaries, action expansion, least-privilege generation. No I/O.
