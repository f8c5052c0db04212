//! Issue 13 (community carts): community_api.

#[allow(unused_imports)]
use crate::common::*;
