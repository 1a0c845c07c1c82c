//! WEEE disposal: the waste carrier, List of Waste codes, NIST SP 800-88 sanitisation, what a
//! batch needs before it can close, and how long its documents are kept.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// Checks a waste carrier registration number as the Environment Agency issues them: `CBDU`
/// (upper tier) or `CBDL` (lower tier) followed by digits, e.g. `CBDU123456`. Spaces are dropped
/// and letters upper-cased; returns the number as stored.
pub fn check_carrier_registration(s: &str) -> Result<String, String> {
    let t: String = s
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    let digits = t.strip_prefix("CBDU").or_else(|| t.strip_prefix("CBDL"));
    match digits {
        Some(d) if !d.is_empty() && d.len() <= 10 && d.bytes().all(|b| b.is_ascii_digit()) => Ok(t),
        _ => Err(format!(
            "\"{s}\" is not a waste carrier registration number; it is CBDU or CBDL followed by \
             digits (e.g. CBDU123456): check it on the carrier's certificate or the Environment \
             Agency's public register"
        )),
    }
}

/// One List of Waste code the program knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WasteCode {
    /// The code as written, with its asterisk when hazardous: `16 02 13*`.
    pub code: &'static str,
    /// What it covers.
    pub description: &'static str,
}

impl WasteCode {
    /// Hazardous waste (an asterisk): needs a consignment note, not only a transfer note.
    pub fn hazardous(&self) -> bool {
        self.code.ends_with('*')
    }
}

/// The List of Waste codes for school IT equipment and batteries.
pub const WASTE_CODES: &[WasteCode] = &[
    WasteCode { code: "16 02 13*", description: "discarded equipment containing hazardous components (e.g. CRT monitors, equipment with hazardous batteries)" },
    WasteCode { code: "16 02 14", description: "discarded equipment other than 16 02 09 to 16 02 13 (e.g. PCs, laptops, printers without hazardous parts)" },
    WasteCode { code: "16 02 15*", description: "hazardous components removed from discarded equipment" },
    WasteCode { code: "16 02 16", description: "components removed from discarded equipment other than 16 02 15 (e.g. hard disks, memory)" },
    WasteCode { code: "20 01 35*", description: "municipal: discarded electrical and electronic equipment containing hazardous components" },
    WasteCode { code: "20 01 36", description: "municipal: discarded electrical and electronic equipment other than 20 01 21, 20 01 23 and 20 01 35" },
    WasteCode { code: "16 06 01*", description: "lead batteries" },
    WasteCode { code: "16 06 02*", description: "Ni-Cd batteries" },
    WasteCode { code: "16 06 03*", description: "mercury-containing batteries" },
    WasteCode { code: "16 06 04", description: "alkaline batteries (except 16 06 03)" },
    WasteCode { code: "16 06 05", description: "other batteries and accumulators (e.g. lithium-ion)" },
    WasteCode { code: "20 01 33*", description: "municipal: batteries and accumulators in 16 06 01, 16 06 02 or 16 06 03, and unsorted batteries" },
    WasteCode { code: "20 01 34", description: "municipal: batteries and accumulators other than those in 20 01 33" },
];

/// Finds a List of Waste code, written with or without spaces and the asterisk (`160213`,
/// `16 02 13*`). A hazardous code must be found whole: `16 02 13` without its asterisk still means
/// the hazardous entry, since no non-hazardous twin exists.
pub fn waste_code(s: &str) -> Result<&'static WasteCode, String> {
    let digits: String = s.chars().filter(|c| c.is_ascii_digit()).collect();
    let extra = s
        .chars()
        .any(|c| !(c.is_ascii_digit() || c.is_whitespace() || c == '*'));
    WASTE_CODES
        .iter()
        .find(|w| !extra && w.code.replace([' ', '*'], "") == digits)
        .ok_or_else(|| {
            format!(
                "\"{s}\" is not a List of Waste code for IT equipment; use one of {}",
                WASTE_CODES
                    .iter()
                    .map(|w| w.code)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
}

/// How data was removed from a storage device (NIST SP 800-88 Rev. 1), or that the carrier shreds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Sanitisation {
    /// Clear: overwrite with the ordinary write commands (protects against simple recovery).
    Clear,
    /// Purge: the device's own sanitise/secure erase or a cryptographic erase.
    Purge,
    /// Destroy: shred, disintegrate, pulverise or incinerate, on site.
    Destroy,
    /// Shredded by the carrier, with their destruction certificate.
    CarrierShredded,
}

impl Sanitisation {
    /// Every method.
    pub const ALL: [Sanitisation; 4] = [
        Sanitisation::Clear,
        Sanitisation::Purge,
        Sanitisation::Destroy,
        Sanitisation::CarrierShredded,
    ];

    /// `clear`, `purge`, `destroy`, `carrier-shredded`.
    pub fn as_str(self) -> &'static str {
        match self {
            Sanitisation::Clear => "clear",
            Sanitisation::Purge => "purge",
            Sanitisation::Destroy => "destroy",
            Sanitisation::CarrierShredded => "carrier-shredded",
        }
    }

    /// Reads a method.
    pub fn parse(s: &str) -> Result<Sanitisation, String> {
        match s.trim().to_lowercase().replace(['_', ' '], "-").as_str() {
            "clear" => Ok(Sanitisation::Clear),
            "purge" | "secure-erase" | "crypto-erase" => Ok(Sanitisation::Purge),
            "destroy" | "destroyed" => Ok(Sanitisation::Destroy),
            "carrier-shredded" | "shredded" | "shredded-by-carrier" => {
                Ok(Sanitisation::CarrierShredded)
            }
            _ => Err(format!(
                "\"{s}\" is not a sanitisation method; use clear, purge or destroy (NIST SP 800-88) or carrier-shredded"
            )),
        }
    }
}

/// The documents of a batch.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchPapers {
    /// Carrier's name.
    pub carrier: String,
    /// Carrier's registration number (checked).
    pub carrier_registration: String,
    /// The day the carrier collected.
    pub collected_on: Option<NaiveDate>,
    /// Waste transfer note number.
    pub transfer_note: String,
    /// Hazardous waste consignment note number.
    pub consignment_note: String,
}

/// One item of a batch, as the close rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemState {
    /// Its tag.
    pub tag: String,
    /// Holds data.
    pub data_bearing: bool,
    /// Has a sanitisation record.
    pub sanitised: bool,
    /// Currently on loan.
    pub on_loan: bool,
    /// Its List of Waste code.
    pub waste_code: String,
}

/// Something that stops a batch from closing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Blocker {
    /// The batch has no items.
    Empty,
    /// No collection date.
    NoCollectionDate,
    /// No waste transfer note number.
    NoTransferNote,
    /// Hazardous items but no consignment note.
    NoConsignmentNote {
        /// The hazardous items.
        tags: Vec<String>,
    },
    /// A data-bearing item without a sanitisation record.
    NotSanitised {
        /// The item.
        tag: String,
    },
    /// An item that is on loan.
    OnLoan {
        /// The item.
        tag: String,
    },
    /// Nobody named to sign off.
    NoSignOff,
}

impl Blocker {
    /// What is missing and the command that fixes it.
    pub fn message(&self, batch: &str) -> String {
        match self {
            Blocker::Empty => format!("the batch has no items: `inventory disposal add {batch} TAG --code \"16 02 14\"`"),
            Blocker::NoCollectionDate => format!("no collection date: `inventory disposal edit {batch} --collected DATE`"),
            Blocker::NoTransferNote => format!("no waste transfer note number: `inventory disposal edit {batch} --transfer-note NUMBER`"),
            Blocker::NoConsignmentNote { tags } => format!(
                "hazardous items ({}) need a hazardous waste consignment note: `inventory disposal edit {batch} --consignment-note NUMBER`",
                tags.join(", ")
            ),
            Blocker::NotSanitised { tag } => format!(
                "{tag} holds data and has no sanitisation record: `inventory disposal sanitised {batch} {tag} --method destroy --certificate REF --verified-by NAME`"
            ),
            Blocker::OnLoan { tag } => format!("{tag} is on loan: `inventory return {tag}` first"),
            Blocker::NoSignOff => "closing needs the name of the person signing off: --signed-off-by NAME".to_string(),
        }
    }
}

/// Everything that stops a batch closing (empty when it can close). `signed_off_by` is the name
/// given to the close command (empty when only looking).
pub fn close_blockers(
    papers: &BatchPapers,
    items: &[ItemState],
    signed_off_by: &str,
) -> Vec<Blocker> {
    let mut out = Vec::new();
    if items.is_empty() {
        out.push(Blocker::Empty);
    }
    if papers.collected_on.is_none() {
        out.push(Blocker::NoCollectionDate);
    }
    if papers.transfer_note.trim().is_empty() {
        out.push(Blocker::NoTransferNote);
    }
    let hazardous: Vec<String> = items
        .iter()
        .filter(|i| {
            waste_code(&i.waste_code)
                .map(|w| w.hazardous())
                .unwrap_or(false)
        })
        .map(|i| i.tag.clone())
        .collect();
    if !hazardous.is_empty() && papers.consignment_note.trim().is_empty() {
        out.push(Blocker::NoConsignmentNote { tags: hazardous });
    }
    for i in items {
        if i.on_loan {
            out.push(Blocker::OnLoan { tag: i.tag.clone() });
        }
        if i.data_bearing && !i.sanitised {
            out.push(Blocker::NotSanitised { tag: i.tag.clone() });
        }
    }
    if signed_off_by.trim().is_empty() {
        out.push(Blocker::NoSignOff);
    }
    out
}

/// A disposal document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Document {
    /// Waste transfer note: kept 2 years.
    TransferNote,
    /// Hazardous waste consignment note: kept 3 years.
    ConsignmentNote,
    /// Data destruction / sanitisation certificate: kept with the transfer note.
    SanitisationCertificate,
}

impl Document {
    /// Years the law (or, for certificates, the school's GDPR records) says to keep it.
    pub fn retention_years(self) -> u32 {
        match self {
            Document::TransferNote | Document::SanitisationCertificate => 2,
            Document::ConsignmentNote => 3,
        }
    }

    /// Words for reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Document::TransferNote => "waste transfer note",
            Document::ConsignmentNote => "consignment note",
            Document::SanitisationCertificate => "sanitisation certificate",
        }
    }
}

/// The last day a document must be kept: its date plus the retention period (29 Feb → 28 Feb).
pub fn retention_end(doc: Document, dated: NaiveDate) -> NaiveDate {
    dated
        .checked_add_months(Months::new(12 * doc.retention_years()))
        .unwrap_or(NaiveDate::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn carrier_numbers() {
        assert_eq!(
            check_carrier_registration("CBDU123456").unwrap(),
            "CBDU123456"
        );
        assert_eq!(
            check_carrier_registration(" cbdl 98765 ").unwrap(),
            "CBDL98765"
        );
        for bad in ["CBDU12x", "CBDU", "CBDX123", "123456", "", "CBDU-123"] {
            let e = check_carrier_registration(bad).unwrap_err();
            assert!(e.contains("CBDU or CBDL followed by digits"), "{bad}: {e}");
        }
    }

    #[test]
    fn waste_codes_are_built_in() {
        assert!(waste_code("16 02 13*").unwrap().hazardous());
        assert!(waste_code("160213").unwrap().hazardous());
        assert!(!waste_code("16 02 14").unwrap().hazardous());
        assert!(!waste_code("20 01 36").unwrap().hazardous());
        for c in [
            "16 06 01*",
            "16 06 02*",
            "16 06 03*",
            "16 06 04",
            "16 06 05",
            "20 01 33*",
            "20 01 34",
            "16 02 15*",
            "16 02 16",
            "20 01 35*",
        ] {
            assert_eq!(waste_code(c).unwrap().code, c);
        }
        assert!(waste_code("17 01 01").unwrap_err().contains("16 02 14"));
        assert!(waste_code("16 02 14a").is_err());
    }

    #[test]
    fn sanitisation_methods() {
        for m in Sanitisation::ALL {
            assert_eq!(Sanitisation::parse(m.as_str()), Ok(m));
        }
        assert_eq!(
            Sanitisation::parse("Shredded"),
            Ok(Sanitisation::CarrierShredded)
        );
        assert!(Sanitisation::parse("format").unwrap_err().contains("NIST"));
    }

    fn item(tag: &str, data: bool, sanitised: bool, on_loan: bool, code: &str) -> ItemState {
        ItemState {
            tag: tag.into(),
            data_bearing: data,
            sanitised,
            on_loan,
            waste_code: code.into(),
        }
    }

    #[test]
    fn close_rules() {
        let papers = BatchPapers {
            carrier: "Green IT Recycling".into(),
            carrier_registration: "CBDU123456".into(),
            collected_on: Some(d(2026, 12, 10)),
            transfer_note: "WTN-0042".into(),
            consignment_note: String::new(),
        };
        let ok = [
            item("A1", true, true, false, "16 02 14"),
            item("M1", false, false, false, "16 02 14"),
        ];
        assert!(close_blockers(&papers, &ok, "J Head").is_empty());

        let b = close_blockers(
            &papers,
            &[item("A2", true, false, false, "16 02 14")],
            "J Head",
        );
        assert_eq!(b, vec![Blocker::NotSanitised { tag: "A2".into() }]);
        assert!(b[0].message("B1").contains("disposal sanitised B1 A2"));

        let b = close_blockers(
            &papers,
            &[item("A3", false, false, true, "16 02 14")],
            "J Head",
        );
        assert_eq!(b, vec![Blocker::OnLoan { tag: "A3".into() }]);

        let b = close_blockers(
            &papers,
            &[item("CRT", false, false, false, "16 02 13*")],
            "J Head",
        );
        assert_eq!(
            b,
            vec![Blocker::NoConsignmentNote {
                tags: vec!["CRT".into()]
            }]
        );

        let b = close_blockers(&BatchPapers::default(), &[], "");
        assert_eq!(
            b,
            vec![
                Blocker::Empty,
                Blocker::NoCollectionDate,
                Blocker::NoTransferNote,
                Blocker::NoSignOff
            ]
        );
    }

    #[test]
    fn retention_periods() {
        assert_eq!(
            retention_end(Document::TransferNote, d(2026, 12, 10)),
            d(2028, 12, 10)
        );
        assert_eq!(
            retention_end(Document::ConsignmentNote, d(2026, 12, 10)),
            d(2029, 12, 10)
        );
        assert_eq!(
            retention_end(Document::TransferNote, d(2028, 2, 29)),
            d(2030, 2, 28)
        );
    }
}
