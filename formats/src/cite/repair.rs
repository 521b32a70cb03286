//! Adjustments to a CSL style where the citation processor departs from the
//! CSL specification, so that styles format as their authors intended.

use hayagriva::citationberg::taxonomy::{NumberOrPageVariable, PageVariable, Term, Variable};
use hayagriva::citationberg::{
    Affixes, Formatting, Group, IndependentStyle, LabelPluralize, LayoutRenderingElement, Name,
    NamesChild, Text, TextTarget,
};

/// Works around the places where the processor departs from CSL:
/// - a `cs:names` with a label or substitute but no `cs:name` is formatted
///   with the default name options (the processor took such names as
///   empty, dropping every author in the Vancouver style);
/// - a page label's `plural` attribute is honoured (the processor always
///   counts the pages, printing "pp." where Vancouver asks for "p.");
/// - a text's affixes stay outside its formatting, as CSL specifies (the
///   processor made Nature's "**171**," into "**171,**").
pub(crate) fn repair(style: &mut IndependentStyle) {
    let mut layouts: Vec<&mut Vec<LayoutRenderingElement>> =
        vec![&mut style.citation.layout.elements];
    if let Some(bibliography) = style.bibliography.as_mut() {
        layouts.push(&mut bibliography.layout.elements);
    }
    for m in style.macros.iter_mut() {
        layouts.push(&mut m.children);
    }
    for elements in layouts {
        repair_elements(elements);
    }
}

fn repair_elements(elements: &mut [LayoutRenderingElement]) {
    for element in elements {
        match element {
            LayoutRenderingElement::Names(names) => {
                let has_name = names
                    .children
                    .iter()
                    .any(|c| matches!(c, NamesChild::Name(_)));
                if !names.children.is_empty() && !has_name {
                    names.children.insert(0, NamesChild::Name(Name::default()));
                }
                for child in names.children.iter_mut() {
                    if let NamesChild::Substitute(substitute) = child {
                        repair_elements(&mut substitute.children);
                    }
                }
            }
            LayoutRenderingElement::Group(group) => {
                fix_page_labels(&mut group.children);
                repair_elements(&mut group.children);
            }
            LayoutRenderingElement::Choose(choose) => {
                repair_elements(&mut choose.if_.children);
                for branch in choose.else_if.iter_mut() {
                    repair_elements(&mut branch.children);
                }
                if let Some(otherwise) = choose.otherwise.as_mut() {
                    repair_elements(&mut otherwise.children);
                }
            }
            LayoutRenderingElement::Text(text) => {
                if let Some(group) = affixes_outside_formatting(text) {
                    *element = LayoutRenderingElement::Group(group);
                }
            }
            LayoutRenderingElement::Date(_)
            | LayoutRenderingElement::Number(_)
            | LayoutRenderingElement::Label(_) => {}
        }
    }
}

/// A formatted text with affixes, as a group holding the affixes around the
/// formatted text.
fn affixes_outside_formatting(text: &Text) -> Option<Group> {
    let has_affixes = text
        .affixes
        .prefix
        .as_deref()
        .is_some_and(|p| !p.is_empty())
        || text
            .affixes
            .suffix
            .as_deref()
            .is_some_and(|s| !s.is_empty());
    if !has_affixes || text.formatting == Formatting::default() {
        return None;
    }
    let mut inner = text.clone();
    inner.affixes = Affixes::default();
    Some(Group {
        children: vec![LayoutRenderingElement::Text(inner)],
        font_style: None,
        font_variant: None,
        font_weight: None,
        text_decoration: None,
        vertical_align: None,
        prefix: text.affixes.prefix.clone(),
        suffix: text.affixes.suffix.clone(),
        delimiter: None,
        display: None,
    })
}

/// In a group that prints the pages, a page label with a fixed plural
/// becomes the term itself: the group still disappears when there are no
/// pages, and the term has the number the style asked for.
fn fix_page_labels(children: &mut [LayoutRenderingElement]) {
    let page = Variable::Page(PageVariable::Page);
    let prints_pages = children.iter().any(|c| {
        matches!(c, LayoutRenderingElement::Text(Text {
            target: TextTarget::Variable { var, .. },
            ..
        }) if *var == page)
    });
    if !prints_pages {
        return;
    }
    for child in children.iter_mut() {
        let LayoutRenderingElement::Label(label) = child else {
            continue;
        };
        let plural = match label.label.plural {
            LabelPluralize::Always => true,
            LabelPluralize::Never => false,
            LabelPluralize::Contextual => continue,
        };
        if label.variable != NumberOrPageVariable::Page(PageVariable::Page) {
            continue;
        }
        let mut text = Text::with_target(TextTarget::Term {
            term: Term::from(PageVariable::Page),
            form: label.label.form,
            plural,
        });
        text.formatting = label.label.formatting;
        text.affixes = label.label.affixes.clone();
        text.text_case = label.label.text_case;
        text.strip_periods = label.label.strip_periods;
        *child = LayoutRenderingElement::Text(text);
    }
}
