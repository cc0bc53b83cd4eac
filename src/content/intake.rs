//! Intake: documents read from their JSON values one by one, each validated on its own, with
//! every problem kept. The import, the publisher and the sync all take content in through it
//! (each then adds the checks of its own: the set as a whole, unique ids across files, the
//! feed's limits).
//!
//! Must never: stop at the first problem (staff fix every one in one pass), or read a file or
//! the network (callers hand it values).

use serde_json::Value;

use super::{Document, Problem};

/// What came in: the documents that validated, and every problem of those that did not.
#[derive(Debug, Default)]
pub struct Intake {
    /// Valid documents, in the order they came.
    pub documents: Vec<Document>,
    /// Every problem of every invalid document.
    pub problems: Vec<Problem>,
}

impl Intake {
    /// Reads every value of `values`.
    pub fn of(values: impl IntoIterator<Item = Value>) -> Intake {
        let mut intake = Intake::default();
        for value in values {
            intake.take(value);
        }
        intake
    }

    /// Reads one document: the document when it is valid (now the last of `documents`), else
    /// `None` with its problems added.
    pub fn take(&mut self, value: Value) -> Option<&Document> {
        match Document::from_value(value) {
            Ok(document) => {
                self.documents.push(document);
                self.documents.last()
            }
            Err(found) => {
                self.problems.extend(found);
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_documents_are_kept_and_every_problem_of_the_others_is_listed() {
        let values = [
            serde_json::json!({"id": "a", "kind": "new_kind_of_the_future"}),
            serde_json::json!({"kind": "catalogue_entry"}),
            serde_json::json!("not an object"),
        ];
        let intake = Intake::of(values);
        assert_eq!(intake.documents.len(), 1);
        assert_eq!(intake.documents[0].id, "a");
        assert!(intake.problems.len() >= 2, "{:?}", intake.problems);
    }
}
