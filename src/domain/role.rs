//! The two kinds of user: authors write, edit, schedule and delete their
//! own posts and images and answer comments on them; admins also moderate,
//! block, manage everyone's posts, the followers and the settings.

use std::fmt;

use super::ValidationError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Author,
    Admin,
}

impl Role {
    pub fn parse(raw: &str) -> Result<Role, ValidationError> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "author" => Ok(Role::Author),
            "admin" => Ok(Role::Admin),
            other => Err(ValidationError(format!(
                "{other} is not a role: use admin or author"
            ))),
        }
    }

    /// The role stored as the user's admin flag.
    pub fn from_admin_flag(is_admin: bool) -> Role {
        if is_admin { Role::Admin } else { Role::Author }
    }

    pub fn is_admin(self) -> bool {
        self == Role::Admin
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Author => "author",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Role;

    #[test]
    fn roles_are_read_by_name() {
        assert_eq!(Role::parse("admin"), Ok(Role::Admin));
        assert_eq!(Role::parse(" Author "), Ok(Role::Author));
        assert!(Role::parse("owner").is_err());
        assert_eq!(Role::from_admin_flag(false), Role::Author);
    }
}
