//! Form fields as the `partials/field` template draws them: label, what was typed, the
//! error next to the field, and focus on the first field that needs correcting.

use member::FieldError;
use serde::Serialize;

use crate::i18n::Lang;

#[derive(Debug, Serialize)]
pub struct Field {
    name: &'static str,
    label: String,
    kind: &'static str,
    value: String,
    hint: Option<String>,
    error: Option<String>,
    autocomplete: &'static str,
    inputmode: Option<&'static str>,
    autofocus: bool,
    required: bool,
    /// The id of a `<datalist>` of choices the page offers for this field.
    list: Option<&'static str>,
}

/// One option of a select or a set of checkboxes.
#[derive(Debug, Serialize)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Choice {
    /// The options of a select over a vocabulary: each value with its label, the one chosen
    /// marked.
    pub fn all<T: Copy + PartialEq>(
        values: &[T],
        code: impl Fn(T) -> &'static str,
        label: impl Fn(T) -> String,
        chosen: Option<T>,
    ) -> Vec<Choice> {
        values
            .iter()
            .map(|v| Choice {
                value: code(*v).to_owned(),
                label: label(*v),
                selected: chosen == Some(*v),
            })
            .collect()
    }
}

/// The fields of one form, in order.
#[derive(Debug, Serialize)]
pub struct Form {
    pub fields: Vec<Field>,
    /// How many fields need correcting (0 when the form is fresh or fine).
    pub error_count: usize,
    #[serde(skip)]
    lang: Lang,
    #[serde(skip)]
    errors: Vec<FieldError>,
    #[serde(skip)]
    focus_taken: bool,
}

impl Form {
    pub fn new(lang: Lang, errors: &[FieldError]) -> Self {
        Self {
            fields: Vec::new(),
            error_count: errors.len(),
            lang,
            errors: errors.to_vec(),
            focus_taken: false,
        }
    }

    /// Adds a field whose label is the catalogue's `field-<name>` (underscores as
    /// hyphens). Password fields never echo what was typed.
    pub fn field(
        mut self,
        name: &'static str,
        kind: &'static str,
        value: &str,
        autocomplete: &'static str,
    ) -> Self {
        let key = format!("field-{}", name.replace('_', "-"));
        let error = self
            .errors
            .iter()
            .find(|e| e.field == name)
            .map(|e| self.lang.t(e.reason));
        let autofocus = error.is_some() && !self.focus_taken;
        self.focus_taken |= autofocus;
        self.fields.push(Field {
            name,
            label: self.lang.t(&key),
            kind,
            value: if kind == "password" {
                String::new()
            } else {
                value.to_owned()
            },
            hint: None,
            error,
            autocomplete,
            inputmode: match kind {
                "tel" => Some("numeric"),
                _ => None,
            },
            autofocus,
            required: true,
            list: None,
        });
        self
    }

    /// Offers the choices of the page's `<datalist id="…">` for the field added last.
    pub fn suggestions(mut self, list: &'static str) -> Self {
        if let Some(field) = self.fields.last_mut() {
            field.list = Some(list);
        }
        self
    }

    /// A hint under the label of the field added last.
    pub fn hint(mut self, key: &str) -> Self {
        if let Some(field) = self.fields.last_mut() {
            field.hint = Some(self.lang.t(key));
        }
        self
    }

    /// Another label for the field added last (the same field name, other words).
    pub fn label(mut self, key: &str) -> Self {
        if let Some(field) = self.fields.last_mut() {
            field.label = self.lang.t(key);
        }
        self
    }

    /// Leaves out a field (a form reused where one of its fields does not apply).
    pub fn without(mut self, name: &str) -> Self {
        self.fields.retain(|f| f.name != name);
        self
    }

    /// Marks the field added last as optional.
    pub fn optional(mut self) -> Self {
        if let Some(field) = self.fields.last_mut() {
            field.required = false;
        }
        self
    }

    /// Focuses the first field still empty (the password, when the phone came filled in),
    /// or the first field, when no error claims the focus.
    pub fn focus_first(mut self) -> Self {
        let empty = self.fields.iter().position(|f| f.value.is_empty());
        if !self.focus_taken
            && let Some(field) = self.fields.get_mut(empty.unwrap_or(0))
        {
            field.autofocus = true;
            self.focus_taken = true;
        }
        self
    }

    /// The message of an error on a field that is not drawn by `field` (a checkbox).
    pub fn error_for(&self, name: &str) -> Option<String> {
        self.errors
            .iter()
            .find(|e| e.field == name)
            .map(|e| self.lang.t(e.reason))
    }
}
