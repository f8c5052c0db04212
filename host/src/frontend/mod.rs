//! Front-ends: thin loops that feed input into a [`crate::Console`] and take frames out.

pub mod headless;
