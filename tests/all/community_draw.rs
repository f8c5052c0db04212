//! Issue 13 (community carts): community_draw.

#[allow(unused_imports)]
use crate::common::*;
