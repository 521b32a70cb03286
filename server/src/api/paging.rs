//! Paging: `limit` (1–100, default 25) and `start`, answered with
//! `Total-Results` and a `Link` header (rel first/prev/next/last/alternate).

use axum::http::HeaderValue;
use axum::http::header::LINK;
use axum::response::Response;

use super::{Params, TOTAL_RESULTS};
use crate::error::ApiResult;

/// Largest page a plain Web API client can ask for.
pub const MAX_LIMIT: usize = 100;
/// Largest page for clients using the large-pages extension.
pub const MAX_LIMIT_LARGE: usize = 1000;
/// Page size when none is asked for.
pub const DEFAULT_LIMIT: usize = 25;

/// One page of a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    pub start: usize,
    pub limit: usize,
}

impl Paging {
    /// Reads `start` and `limit`; `limit` outside 1–100 (1–1000 with the
    /// large-pages extension) is brought inside.
    pub fn from_params(params: &Params) -> ApiResult<Self> {
        let start = params.number("start")?.unwrap_or(0) as usize;
        let max = if params.large_pages {
            MAX_LIMIT_LARGE
        } else {
            MAX_LIMIT
        };
        let limit = params
            .number("limit")?
            .map_or(DEFAULT_LIMIT, |l| (l.min(max as u64) as usize).max(1));
        Ok(Self { start, limit })
    }

    /// Picks this page out of a full list.
    pub fn slice<T>(&self, all: Vec<T>) -> Vec<T> {
        all.into_iter().skip(self.start).take(self.limit).collect()
    }
}

/// Sets `Total-Results` and `Link` for a page of `total` results of the
/// listing at `url` (absolute, without query).
pub fn add_headers(
    response: &mut Response,
    url: &str,
    params: &Params,
    paging: Paging,
    total: usize,
) {
    let headers = response.headers_mut();
    headers.insert(TOTAL_RESULTS, HeaderValue::from(total));
    let links: Vec<String> = page_links(url, params, paging, total)
        .into_iter()
        .map(|(rel, href)| format!("<{href}>; rel=\"{rel}\""))
        .collect();
    if !links.is_empty()
        && let Ok(v) = HeaderValue::from_str(&links.join(", "))
    {
        headers.insert(LINK, v);
    }
}

/// The `first`, `prev`, `next` and `last` pages of a listing that has
/// them, as (rel, absolute URL).
pub fn page_links(
    url: &str,
    params: &Params,
    paging: Paging,
    total: usize,
) -> Vec<(&'static str, String)> {
    let link_to = |start: usize| {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &params.pairs {
            // Keys never travel in links; paging is set below.
            if k != "key" && k != "start" && k != "limit" {
                query.append_pair(k, v);
            }
        }
        query.append_pair("limit", &paging.limit.to_string());
        if start > 0 {
            query.append_pair("start", &start.to_string());
        }
        format!("{url}?{}", query.finish())
    };
    let mut links = Vec::new();
    if paging.start > 0 {
        links.push(("first", link_to(0)));
        let prev = paging.start.saturating_sub(paging.limit);
        links.push(("prev", link_to(prev)));
    }
    if paging.start.saturating_add(paging.limit) < total {
        links.push(("next", link_to(paging.start + paging.limit)));
        let last = ((total - 1) / paging.limit) * paging.limit;
        links.push(("last", link_to(last)));
    }
    links
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::response::IntoResponse;

    fn link_of(params: &str, total: usize) -> String {
        let params = Params::parse(Some(params));
        let paging = Paging::from_params(&params).expect("paging");
        let mut r = ().into_response();
        add_headers(&mut r, "http://h/users/1/items", &params, paging, total);
        r.headers()
            .get(LINK)
            .map(|v| v.to_str().expect("ascii").to_owned())
            .unwrap_or_default()
    }

    #[test]
    fn middle_page_links_all_four_ways() {
        let link = link_of("limit=10&start=20&key=secret&tag=a", 55);
        assert!(
            link.contains("<http://h/users/1/items?tag=a&limit=10>; rel=\"first\""),
            "{link}"
        );
        assert!(link.contains("limit=10&start=10>; rel=\"prev\""), "{link}");
        assert!(link.contains("limit=10&start=30>; rel=\"next\""), "{link}");
        assert!(link.contains("limit=10&start=50>; rel=\"last\""), "{link}");
        assert!(!link.contains("secret"));
    }

    #[test]
    fn single_page_has_no_links_and_limits_are_clamped() {
        assert_eq!(link_of("limit=10", 10), "");
        let p = Paging::from_params(&Params::parse(Some("limit=1000"))).expect("paging");
        assert_eq!(p.limit, 100);
        let mut large = Params::parse(Some("limit=5000"));
        large.large_pages = true;
        assert_eq!(Paging::from_params(&large).expect("paging").limit, 1000);
        assert!(Paging::from_params(&Params::parse(Some("start=x"))).is_err());
    }
}
