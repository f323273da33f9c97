//! The JSON on the wire: reading requests and writing answers.

pub(crate) mod answer;
pub(crate) mod fields;
pub(crate) mod request;
