//! The customers who paid, identified by their phone number.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::PhoneNumber;

/// A customer, identified by normalised phone number, with the latest name and email seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Client {
    /// The customer's phone number (unique).
    pub phone: PhoneNumber,
    /// The latest non-empty name seen.
    pub name: String,
    /// The latest non-empty email seen.
    pub email: String,
    /// When the client was first seen.
    pub created_at: DateTime<Utc>,
    /// When the client last changed.
    pub updated_at: DateTime<Utc>,
}

/// What a payment or refund tells us about its customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientUpdate {
    /// The customer's phone number.
    pub phone: PhoneNumber,
    /// The name given, possibly empty.
    pub name: String,
    /// The email given, possibly empty.
    pub email: String,
}

impl ClientUpdate {
    /// An update for `phone`, or `None` when there is no phone number to identify the client by.
    pub fn new(phone: Option<&PhoneNumber>, name: &str, email: &str) -> Option<Self> {
        phone.map(|phone| Self {
            phone: phone.clone(),
            name: name.trim().to_string(),
            email: email.trim().to_string(),
        })
    }
}

impl Client {
    /// A client first seen through `update`.
    pub fn new(update: &ClientUpdate, now: DateTime<Utc>) -> Self {
        Self {
            phone: update.phone.clone(),
            name: update.name.clone(),
            email: update.email.clone(),
            created_at: now,
            updated_at: now,
        }
    }

    /// Applies `update`: the latest non-empty name and email win. Returns whether anything changed.
    pub fn merge(&mut self, update: &ClientUpdate, now: DateTime<Utc>) -> bool {
        let mut changed = false;
        for (mine, theirs) in [
            (&mut self.name, &update.name),
            (&mut self.email, &update.email),
        ] {
            if !theirs.is_empty() && mine != theirs {
                mine.clone_from(theirs);
                changed = true;
            }
        }
        if changed {
            self.updated_at = now;
        }
        changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latest_non_empty_name_and_email_win() {
        let phone: PhoneNumber = "7871234567".parse().unwrap();
        let now = DateTime::<Utc>::UNIX_EPOCH;
        let mut client = Client::new(
            &ClientUpdate::new(Some(&phone), "Ana", "ana@example.com").unwrap(),
            now,
        );
        assert!(!client.merge(&ClientUpdate::new(Some(&phone), "", "").unwrap(), now));
        assert_eq!(client.name, "Ana");
        assert!(client.merge(
            &ClientUpdate::new(Some(&phone), " Ana Ruiz ", "").unwrap(),
            now
        ));
        assert_eq!(
            (client.name.as_str(), client.email.as_str()),
            ("Ana Ruiz", "ana@example.com")
        );
    }

    #[test]
    fn no_phone_means_no_client() {
        assert_eq!(ClientUpdate::new(None, "Ana", ""), None);
    }
}
