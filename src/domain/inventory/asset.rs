//! An asset: what it is, where it is, what state it is in.

use super::status::Status;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What kind of equipment an asset is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// Laptop.
    Laptop,
    /// Desktop PC.
    Desktop,
    /// Tablet (iPad, Android, Windows).
    Tablet,
    /// Mobile phone.
    Phone,
    /// Printer or copier (many keep scanned pages on a disk).
    Printer,
    /// Switch, router, access point, firewall.
    Network,
    /// Server.
    Server,
    /// Monitor, projector, interactive display.
    Display,
    /// Disk, USB stick, NAS.
    Storage,
    /// Anything else.
    Other,
}

impl Category {
    /// Every category, in the order the register shows them.
    pub const ALL: [Category; 10] = [
        Category::Laptop,
        Category::Desktop,
        Category::Tablet,
        Category::Phone,
        Category::Printer,
        Category::Network,
        Category::Server,
        Category::Display,
        Category::Storage,
        Category::Other,
    ];

    /// The name as typed and stored: `laptop`, `desktop`, …
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Laptop => "laptop",
            Category::Desktop => "desktop",
            Category::Tablet => "tablet",
            Category::Phone => "phone",
            Category::Printer => "printer",
            Category::Network => "network",
            Category::Server => "server",
            Category::Display => "display",
            Category::Storage => "storage",
            Category::Other => "other",
        }
    }

    /// Reads a category (any case; a few common other words too).
    pub fn parse(s: &str) -> Result<Category, String> {
        let t = s.trim().to_lowercase();
        let found = match t.as_str() {
            "laptop" | "laptops" | "notebook" | "chromebook" => Some(Category::Laptop),
            "desktop" | "desktops" | "pc" | "workstation" => Some(Category::Desktop),
            "tablet" | "tablets" | "ipad" => Some(Category::Tablet),
            "phone" | "phones" | "mobile" | "mobile phone" => Some(Category::Phone),
            "printer" | "printers" | "copier" | "mfd" => Some(Category::Printer),
            "network" | "switch" | "router" | "access point" => Some(Category::Network),
            "server" | "servers" => Some(Category::Server),
            "display" | "monitor" | "projector" | "screen" => Some(Category::Display),
            "storage" | "disk" | "drive" | "usb" | "nas" => Some(Category::Storage),
            "other" => Some(Category::Other),
            _ => None,
        };
        found.ok_or_else(|| {
            format!(
                "\"{s}\" is not a category; use one of {}",
                Category::ALL.map(|c| c.as_str()).join(", ")
            )
        })
    }

    /// Whether assets of this kind hold data unless the technician says otherwise.
    pub fn data_bearing_by_default(self) -> bool {
        matches!(
            self,
            Category::Laptop
                | Category::Desktop
                | Category::Tablet
                | Category::Phone
                | Category::Server
                | Category::Storage
                | Category::Printer
        )
    }

    /// Kinds that leave the building and so must be encrypted (the policy: "devices taken off site
    /// … encrypted").
    pub fn is_portable(self) -> bool {
        matches!(
            self,
            Category::Laptop | Category::Tablet | Category::Phone | Category::Storage
        )
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether the asset's storage is encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Encrypted {
    /// Yes (BitLocker, FileVault, a managed iPad).
    Yes,
    /// No.
    No,
    /// Nobody has checked.
    #[default]
    Unknown,
}

impl Encrypted {
    /// `yes`, `no`, `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            Encrypted::Yes => "yes",
            Encrypted::No => "no",
            Encrypted::Unknown => "unknown",
        }
    }

    /// Reads yes/no/unknown (also true/false, y/n, 1/0; empty is unknown).
    pub fn parse(s: &str) -> Result<Encrypted, String> {
        match s.trim().to_lowercase().as_str() {
            "yes" | "y" | "true" | "1" => Ok(Encrypted::Yes),
            "no" | "n" | "false" | "0" => Ok(Encrypted::No),
            "unknown" | "" | "?" => Ok(Encrypted::Unknown),
            _ => Err(format!("\"{s}\" is not yes, no or unknown")),
        }
    }
}

/// Reads a yes/no value (true/false, y/n, 1/0).
pub fn parse_bool(s: &str) -> Result<bool, String> {
    match s.trim().to_lowercase().as_str() {
        "yes" | "y" | "true" | "1" => Ok(true),
        "no" | "n" | "false" | "0" => Ok(false),
        _ => Err(format!("\"{s}\" is not yes or no")),
    }
}

/// Longest asset tag accepted (a label has room for about 20 characters of barcode).
pub const MAX_TAG_LEN: usize = 20;

/// Checks an asset tag: 1 to 20 characters, letters, digits and `-`, `_`, `.`, `/` (a barcode
/// scanner types these the same on any keyboard layout). Returns it trimmed.
pub fn check_tag(tag: &str) -> Result<String, String> {
    let t = tag.trim();
    if t.is_empty() {
        return Err("the asset tag is empty; every asset needs its own tag (e.g. HA000123)".into());
    }
    if t.chars().count() > MAX_TAG_LEN {
        return Err(format!(
            "the asset tag \"{t}\" is longer than {MAX_TAG_LEN} characters; use a shorter one"
        ));
    }
    if let Some(c) = t
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/')))
    {
        return Err(format!(
            "the asset tag \"{t}\" holds {c:?}; use letters, digits and - _ . / only"
        ));
    }
    Ok(t.to_string())
}

/// Everything about an asset that a person sets (add, edit, import). `None` on an edit means "keep".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AssetFields {
    /// Serial number (empty: none).
    pub serial: String,
    /// Category.
    pub category: Option<Category>,
    /// Manufacturer.
    pub manufacturer: String,
    /// Model.
    pub model: String,
    /// Holds data (None: the category's default).
    pub data_bearing: Option<bool>,
    /// Site (for schools with more than one).
    pub site: String,
    /// Room.
    pub room: String,
    /// Purchase date.
    pub purchase_date: Option<NaiveDate>,
    /// Price in pence.
    pub price_pence: Option<i64>,
    /// Supplier.
    pub supplier: String,
    /// End of warranty.
    pub warranty_end: Option<NaiveDate>,
    /// Funding source (capital, devolved, a grant).
    pub funding: String,
    /// Encrypted?
    pub encrypted: Encrypted,
    /// Notes.
    pub notes: String,
}

/// An asset as the register holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Asset {
    /// Row id in the store.
    pub id: i64,
    /// The tag on the label (unique, any case).
    pub tag: String,
    /// Serial number (empty: none).
    pub serial: String,
    /// Category.
    pub category: Category,
    /// Manufacturer.
    pub manufacturer: String,
    /// Model.
    pub model: String,
    /// Holds data.
    pub data_bearing: bool,
    /// Site.
    pub site: String,
    /// Room.
    pub room: String,
    /// Status.
    pub status: Status,
    /// Purchase date.
    pub purchase_date: Option<NaiveDate>,
    /// Price in pence.
    pub price_pence: Option<i64>,
    /// Supplier.
    pub supplier: String,
    /// End of warranty.
    pub warranty_end: Option<NaiveDate>,
    /// Funding source.
    pub funding: String,
    /// Encrypted?
    pub encrypted: Encrypted,
    /// Last day it was seen in an audit.
    pub last_audited: Option<NaiveDate>,
    /// Notes.
    pub notes: String,
}

impl Asset {
    /// The lower-cased text a search matches against.
    pub fn search_text(&self) -> String {
        search_text(
            &self.tag,
            &self.serial,
            &self.manufacturer,
            &self.model,
            &self.site,
            &self.room,
            &self.notes,
            self.category,
        )
    }

    /// "Dell Latitude 5440" or the category when neither is known.
    pub fn description(&self) -> String {
        let d = format!("{} {}", self.manufacturer, self.model);
        let d = d.trim();
        if d.is_empty() {
            self.category.as_str().to_string()
        } else {
            d.to_string()
        }
    }

    /// Room, with the site in front when there is one.
    pub fn location(&self) -> String {
        match (self.site.is_empty(), self.room.is_empty()) {
            (true, _) => self.room.clone(),
            (false, true) => self.site.clone(),
            (false, false) => format!("{} / {}", self.site, self.room),
        }
    }
}

/// The lower-cased text a search matches against (tag, serial, make, model, place, notes, kind).
#[allow(clippy::too_many_arguments)]
pub fn search_text(
    tag: &str,
    serial: &str,
    manufacturer: &str,
    model: &str,
    site: &str,
    room: &str,
    notes: &str,
    category: Category,
) -> String {
    let mut s = String::with_capacity(
        tag.len() + serial.len() + manufacturer.len() + model.len() + room.len() + 24,
    );
    for part in [
        tag,
        serial,
        manufacturer,
        model,
        site,
        room,
        notes,
        category.as_str(),
    ] {
        if !part.is_empty() {
            s.push_str(part);
            s.push('\u{1f}');
        }
    }
    s.to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_bearing_defaults_follow_the_issue() {
        let yes: Vec<_> = Category::ALL
            .iter()
            .filter(|c| c.data_bearing_by_default())
            .map(|c| c.as_str())
            .collect();
        assert_eq!(
            yes,
            ["laptop", "desktop", "tablet", "phone", "printer", "server", "storage"]
        );
        assert!(!Category::Display.data_bearing_by_default());
        assert!(!Category::Network.data_bearing_by_default());
    }

    #[test]
    fn categories_parse_in_any_case_and_refuse_unknown_words() {
        assert_eq!(Category::parse(" Laptop "), Ok(Category::Laptop));
        assert_eq!(Category::parse("iPad"), Ok(Category::Tablet));
        let e = Category::parse("toaster").unwrap_err();
        assert!(e.contains("laptop, desktop"), "{e}");
        for c in Category::ALL {
            assert_eq!(Category::parse(c.as_str()), Ok(c));
        }
    }

    #[test]
    fn tags_are_checked() {
        assert_eq!(check_tag(" HA000123 ").unwrap(), "HA000123");
        assert!(check_tag("").unwrap_err().contains("empty"));
        assert!(check_tag("HA 1").unwrap_err().contains("' '"));
        assert!(check_tag("É1").is_err());
        assert!(check_tag(&"A".repeat(21)).unwrap_err().contains("longer"));
        assert!(check_tag("IT/LAP-01_a.b").is_ok());
    }

    #[test]
    fn encrypted_and_bools_parse() {
        assert_eq!(Encrypted::parse(""), Ok(Encrypted::Unknown));
        assert_eq!(Encrypted::parse("Yes"), Ok(Encrypted::Yes));
        assert!(Encrypted::parse("maybe").is_err());
        assert_eq!(parse_bool("TRUE"), Ok(true));
        assert!(parse_bool("").is_err());
    }
}
