//! Kubernetes objects from must-gather / inspect trees, dump-crs trees and kubectl output,
//! normalized for the bundle: `apiVersion` and `kind` set (from the object, else its List, else
//! its path), the bundle file chosen (`kube/<cluster>/<group or core>/<version>/<plural>.ndjson`),
//! the identity used to merge duplicates (uid, else group/kind/namespace/name), and redaction
//! applied exactly as `collect` applies it (`mwtrace_bundle::redact::redact` on the whole object).

use serde_json::{Map, Value};

use super::detect::{Layout, TreeHint};
use super::{Ctx, Loc, ObjectRecord, Record};
use mwtrace_bundle::kinds::{canonical_kind, kind_of_resource, resource_of_kind};
use mwtrace_bundle::layout::CORE_GROUP;

/// What a List says about its items.
#[derive(Debug, Clone, Default)]
pub(crate) struct ListCtx {
    /// `ConfigMapList` -> `ConfigMap`; none for the generic `List`.
    pub item_kind: Option<String>,
    /// A typed List's apiVersion is its items'; the generic `List`'s (`v1`) is not.
    pub api_version: Option<String>,
}

impl ListCtx {
    pub fn new(kind: Option<&str>, api_version: Option<&str>) -> ListCtx {
        match kind.and_then(|k| k.strip_suffix("List")) {
            Some(item) if !item.is_empty() => ListCtx {
                item_kind: Some(item.to_string()),
                api_version: api_version.map(str::to_string),
            },
            _ => ListCtx::default(),
        }
    }
}

/// Whether a JSON document is a Kubernetes object (as opposed to a DB row or anything else).
pub(crate) fn is_object(map: &Map<String, Value>, layout: &Layout) -> bool {
    map.get("metadata").is_some_and(Value::is_object)
        && (map.get("kind").is_some_and(Value::is_string)
            || map.get("apiVersion").is_some_and(Value::is_string)
            || layout.hint().is_some())
}

/// The facts that place an object in the bundle.
struct Ident {
    kind: String,
    name_key: String,
    api_version: String,
    group_dir: String,
    version: String,
    plural: String,
    key: String,
    fill_kind: bool,
    fill_api_version: bool,
}

#[allow(clippy::too_many_arguments)]
fn identify(
    layout: &Layout,
    kind: Option<&str>,
    api_version: Option<&str>,
    name: Option<&str>,
    namespace: Option<&str>,
    uid: Option<&str>,
    list: Option<&ListCtx>,
) -> Result<Ident, String> {
    let hint = layout.hint();
    let kind_given = kind.filter(|k| !k.is_empty());
    let kind = match kind_given {
        Some(kind) => kind.to_string(),
        None => list
            .and_then(|l| l.item_kind.clone())
            .or_else(|| hint.and_then(kind_from_hint))
            .ok_or("no kind (and neither its List nor its path names one)")?,
    };
    let api_given = api_version.filter(|v| !v.is_empty());
    let api_version = match api_given {
        Some(v) => v.to_string(),
        None => list
            .and_then(|l| l.api_version.clone())
            .or_else(|| hint.and_then(|h| api_version_from_hint(h, &kind)))
            .ok_or("no apiVersion (and neither its List nor its path names one)")?,
    };
    let name = name
        .filter(|n| !n.is_empty())
        .ok_or("not a Kubernetes object: no metadata.name")?;
    let (group, version) = match api_version.split_once('/') {
        Some((group, version)) => (group, version),
        None => ("", api_version.as_str()),
    };
    let group_dir = if group.is_empty() { CORE_GROUP } else { group };
    let plural = hint
        .and_then(|h| h.plural.as_deref())
        .filter(|p| resource_of_kind(&kind).is_none_or(|known| known == *p))
        .map(str::to_string)
        .unwrap_or_else(|| plural_of(&kind));
    for (what, part) in [
        ("apiVersion group", group_dir),
        ("apiVersion version", version),
        ("resource", plural.as_str()),
    ] {
        if !safe_component(part) {
            return Err(format!(
                "{what} {part:?} cannot name a bundle file (letters, digits, '.', '-', '_' only)"
            ));
        }
    }
    let key = match uid.filter(|u| !u.is_empty()) {
        Some(uid) => format!("u:{uid}"),
        None => format!("n:{group}/{kind}/{}/{name}", namespace.unwrap_or_default()),
    };
    Ok(Ident {
        name_key: format!("{kind}/{}/{name}", namespace.unwrap_or_default()),
        fill_kind: kind_given.is_none(),
        fill_api_version: api_given.is_none(),
        group_dir: group_dir.to_string(),
        version: version.to_string(),
        kind,
        api_version,
        plural,
        key,
    })
}

/// An object parsed as a JSON value (JSON files, NDJSON lines, YAML read by serde-saphyr).
pub(crate) fn object_from_value(
    ctx: &Ctx<'_>,
    value: Value,
    list: Option<&ListCtx>,
    loc: Loc,
) -> Record {
    let Value::Object(mut map) = value else {
        return ctx.error(loc, "not a Kubernetes object: not a JSON object");
    };
    let text =
        |m: &Map<String, Value>, key: &str| m.get(key).and_then(Value::as_str).map(str::to_string);
    let meta = match map.get("metadata") {
        Some(Value::Object(meta)) => meta,
        _ => return ctx.error(loc, "not a Kubernetes object: no metadata"),
    };
    let (name, namespace, uid) = (
        text(meta, "name"),
        text(meta, "namespace"),
        text(meta, "uid"),
    );
    let rv = match meta.get("resourceVersion") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let ident = match identify(
        ctx.layout,
        text(&map, "kind").as_deref(),
        text(&map, "apiVersion").as_deref(),
        name.as_deref(),
        namespace.as_deref(),
        uid.as_deref(),
        list,
    ) {
        Ok(ident) => ident,
        Err(message) => return ctx.error(loc, &message),
    };
    if ident.fill_api_version {
        map.shift_remove("apiVersion");
        map.shift_insert(
            0,
            "apiVersion".into(),
            Value::String(ident.api_version.clone()),
        );
    }
    if ident.fill_kind {
        map.shift_remove("kind");
        let at = usize::from(map.contains_key("apiVersion") && ident.fill_api_version);
        map.shift_insert(at, "kind".into(), Value::String(ident.kind.clone()));
    }
    let mut value = Value::Object(map);
    // The merger names the cluster and the source.
    let components = mwtrace_bundle::components::from_object("", &value, "");
    let redacted = if ctx.redact {
        mwtrace_bundle::redact::redact(&mut value)
    } else {
        0
    };
    Record::Object(ObjectRecord {
        cluster: ctx.cluster,
        group: ident.group_dir,
        version: ident.version,
        plural: ident.plural,
        key: ident.key,
        name_key: ident.name_key,
        rv,
        line: serde_json::to_vec(&value).expect("a JSON value serializes"),
        redacted,
        label: ctx.layout.label(),
        components,
    })
}

/// `hostedclusterlist` (dump-crs) or a tree's plural -> a Kind, as well as it can be spelled.
fn kind_from_hint(hint: &TreeHint) -> Option<String> {
    if let Some(list_kind) = &hint.list_kind {
        let lower = list_kind.strip_suffix("list").unwrap_or(list_kind);
        return Some(
            canonical_kind(lower)
                .map(str::to_string)
                .unwrap_or_else(|| capitalize(lower)),
        );
    }
    let plural = hint.plural.as_deref()?;
    Some(
        kind_of_resource(plural)
            .map(str::to_string)
            .unwrap_or_else(|| capitalize(&singular_of(plural))),
    )
}

fn api_version_from_hint(hint: &TreeHint, kind: &str) -> Option<String> {
    let group = hint.group_dir.as_deref()?;
    let group = if group == CORE_GROUP { "" } else { group };
    let version = hint
        .version
        .clone()
        .unwrap_or_else(|| default_version(group, kind).to_string());
    Some(if group.is_empty() {
        version
    } else {
        format!("{group}/{version}")
    })
}

/// The served version most objects of a group are read at, for objects that lost their
/// apiVersion (rare: oc and kubectl always print it).
fn default_version(group: &str, kind: &str) -> &'static str {
    match (group, kind) {
        ("hypershift.openshift.io", _) => "v1beta1",
        ("addon.open-cluster-management.io", _) => "v1alpha1",
        ("internal.open-cluster-management.io", _) => "v1beta1",
        ("cluster.x-k8s.io", _) => "v1beta1",
        ("autoscaling", "HorizontalPodAutoscaler") => "v2",
        _ => "v1",
    }
}

/// The plural resource of a Kind: the known table, else English rules (kubectl's own guess,
/// `meta.UnsafeGuessKindToResource`, with a few more irregulars).
pub(crate) fn plural_of(kind: &str) -> String {
    if let Some(known) = resource_of_kind(kind) {
        return known.to_string();
    }
    let lower = kind.to_ascii_lowercase();
    const ALREADY_PLURAL: [&str; 4] = ["endpoints", "metrics", "constraints", "statistics"];
    if ALREADY_PLURAL.iter().any(|p| lower.ends_with(p)) {
        return lower;
    }
    if lower.ends_with('s')
        || lower.ends_with('x')
        || lower.ends_with('z')
        || lower.ends_with("ch")
        || lower.ends_with("sh")
    {
        return format!("{lower}es");
    }
    if let Some(stem) = lower.strip_suffix('y')
        && !stem.ends_with(['a', 'e', 'i', 'o', 'u'])
    {
        return format!("{stem}ies");
    }
    format!("{lower}s")
}

fn singular_of(plural: &str) -> String {
    if let Some(stem) = plural.strip_suffix("ies") {
        return format!("{stem}y");
    }
    for suffix in ["sses", "xes", "zes", "ches", "shes"] {
        if plural.ends_with(suffix) {
            return plural[..plural.len() - 2].to_string();
        }
    }
    plural.strip_suffix('s').unwrap_or(plural).to_string()
}

fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// The characters `bundle::layout` accepts in a path component.
pub(crate) fn safe_component(part: &str) -> bool {
    !part.is_empty()
        && part.len() <= 253
        && part != "."
        && part != ".."
        && part
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::Layout;

    #[test]
    fn plurals_follow_the_table_then_english() {
        assert_eq!(plural_of("Deployment"), "deployments");
        assert_eq!(plural_of("NetworkPolicy"), "networkpolicies");
        assert_eq!(plural_of("Proxy"), "proxies");
        assert_eq!(plural_of("Ingress"), "ingresses");
        assert_eq!(plural_of("DNS"), "dnses");
        assert_eq!(plural_of("Gateway"), "gateways");
        assert_eq!(plural_of("ManagedClusterInfo"), "managedclusterinfos");
        assert_eq!(plural_of("PodMetrics"), "podmetrics");
        assert_eq!(
            plural_of("SecurityContextConstraints"),
            "securitycontextconstraints"
        );
        assert_eq!(singular_of("proxies"), "proxy");
        assert_eq!(singular_of("ingresses"), "ingress");
        assert_eq!(singular_of("widgets"), "widget");
    }

    #[test]
    fn kinds_and_versions_come_from_the_list_then_the_path() {
        let tree = Layout::Tree(TreeHint {
            group_dir: Some("core".into()),
            plural: Some("configmaps".into()),
            ..TreeHint::default()
        });
        let list = ListCtx::new(Some("ConfigMapList"), Some("v1"));
        let ident = identify(&tree, None, None, Some("a"), Some("ns"), None, Some(&list)).unwrap();
        assert_eq!(
            (ident.kind.as_str(), ident.api_version.as_str()),
            ("ConfigMap", "v1")
        );
        assert_eq!(ident.key, "n:/ConfigMap/ns/a");
        let ident = identify(&tree, None, None, Some("a"), None, Some("u-1"), None).unwrap();
        assert_eq!(
            (ident.kind.as_str(), ident.group_dir.as_str()),
            ("ConfigMap", "core")
        );
        assert_eq!(ident.key, "u:u-1");
        let crs = Layout::DumpCrs(TreeHint {
            group_dir: Some("hypershift.openshift.io".into()),
            list_kind: Some("hostedclusterlist".into()),
            ..TreeHint::default()
        });
        let ident = identify(&crs, None, None, Some("hc"), None, None, None).unwrap();
        assert_eq!(ident.kind, "HostedCluster");
        assert_eq!(ident.api_version, "hypershift.openshift.io/v1beta1");
        assert_eq!(ident.plural, "hostedclusters");
        let loose = Layout::Loose { table: None };
        assert!(identify(&loose, None, Some("v1"), Some("x"), None, None, None).is_err());
        assert!(
            identify(
                &loose,
                Some("X"),
                Some("a/b/c"),
                Some("x"),
                None,
                None,
                None
            )
            .is_err()
        );
    }
}
