//! Objects on the wire: the blog as a Person, posts as Articles.

pub mod article;
pub mod note;
pub mod person;
