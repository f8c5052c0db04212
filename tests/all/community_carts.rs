//! Issue 13 (community carts): community_carts.

#[allow(unused_imports)]
use crate::common::*;
