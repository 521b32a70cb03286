//! The smallest edits that turn one list of rows into the next, so that a
//! list view (an app's, a web page's) animates what changed instead of
//! reloading. Rows are matched by a key; any row type with one works.

/// One edit of a list, applied in the order given. Indices count from the
/// first row of the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit<T> {
    /// Remove the row at `index`.
    Remove { index: u32 },
    /// Insert `row` so that it ends up at `index`.
    Insert { index: u32, row: T },
    /// Replace the row at `index` (same key, new content).
    Set { index: u32, row: T },
}

/// Edits turning `old` into `new`, matching rows by `key`: removals from the
/// bottom up, then insertions top down, then replacements of kept rows
/// whose content changed. Rows kept in place are the longest common
/// subsequence of keys, so a row that moved is one removal and one insertion.
pub fn edits<T, K>(old: &[T], new: &[T], key: impl Fn(&T) -> &K) -> Vec<Edit<T>>
where
    T: Clone + PartialEq,
    K: PartialEq + ?Sized,
{
    let kept = common_subsequence(old, new, &key);
    let mut out = Vec::new();
    let mut kept_old = vec![false; old.len()];
    let mut kept_new = vec![false; new.len()];
    for &(i, j) in &kept {
        kept_old[i] = true;
        kept_new[j] = true;
    }
    for i in (0..old.len()).rev().filter(|&i| !kept_old[i]) {
        out.push(Edit::Remove { index: i as u32 });
    }
    for j in (0..new.len()).filter(|&j| !kept_new[j]) {
        out.push(Edit::Insert {
            index: j as u32,
            row: new[j].clone(),
        });
    }
    for &(i, j) in &kept {
        if old[i] != new[j] {
            out.push(Edit::Set {
                index: j as u32,
                row: new[j].clone(),
            });
        }
    }
    out
}

/// Index pairs (old, new) of a longest common subsequence of keys, in order.
fn common_subsequence<T, K>(old: &[T], new: &[T], key: &impl Fn(&T) -> &K) -> Vec<(usize, usize)>
where
    K: PartialEq + ?Sized,
{
    let (n, m) = (old.len(), new.len());
    // lengths[i][j]: LCS length of old[i..] and new[j..].
    let mut lengths = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lengths[i][j] = if key(&old[i]) == key(&new[j]) {
                lengths[i + 1][j + 1] + 1
            } else {
                lengths[i + 1][j].max(lengths[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut pairs) = (0, 0, Vec::new());
    while i < n && j < m {
        if key(&old[i]) == key(&new[j]) {
            pairs.push((i, j));
            i += 1;
            j += 1;
        } else if lengths[i + 1][j] >= lengths[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Applies edits the way a list view would.
    fn apply<T: Clone>(mut list: Vec<T>, edits: &[Edit<T>]) -> Vec<T> {
        for e in edits {
            match e {
                Edit::Remove { index } => {
                    list.remove(*index as usize);
                }
                Edit::Insert { index, row } => list.insert(*index as usize, row.clone()),
                Edit::Set { index, row } => list[*index as usize] = row.clone(),
            }
        }
        list
    }

    fn rows(spec: &str) -> Vec<(char, u8)> {
        spec.chars()
            .map(|c| (c.to_ascii_lowercase(), u8::from(c.is_ascii_uppercase())))
            .collect()
    }

    #[test]
    fn edits_turn_the_old_page_into_the_new_one() {
        let cases = [
            ("abcde", "abcde"),
            ("abcde", "xabcd"),
            ("abcde", "bcdef"),
            ("abcde", "aBcde"),
            ("abcde", "edcba"),
            ("", "abc"),
            ("abc", ""),
            ("abcde", "acEbx"),
        ];
        for (before, after) in cases {
            let (old, new) = (rows(before), rows(after));
            let script = edits(&old, &new, |r| &r.0);
            assert_eq!(
                apply(old.clone(), &script),
                new,
                "{before} → {after}: {script:?}"
            );
        }
    }

    #[test]
    fn an_insert_at_the_top_is_one_insert_and_one_removal() {
        let script = edits(&rows("abcde"), &rows("xabcd"), |r| &r.0);
        assert_eq!(
            script,
            vec![
                Edit::Remove { index: 4 },
                Edit::Insert {
                    index: 0,
                    row: ('x', 0)
                }
            ]
        );
        let script = edits(&rows("abc"), &rows("aBc"), |r| &r.0);
        assert_eq!(
            script,
            vec![Edit::Set {
                index: 1,
                row: ('b', 1)
            }]
        );
        assert!(edits(&rows("abc"), &rows("abc"), |r| &r.0).is_empty());
    }
}
