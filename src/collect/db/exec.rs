//! The exec transport: `psql` inside a pod of the service cluster, through the Kubernetes exec
//! API, as the manual procedure does (trace-manifestwork.md step 4). `maestro-db` is the pod
//! labelled `name=maestro-db`; `postgres-breakglass` is a deployment that is usually scaled to 0:
//! mwtrace asks before scaling it to 1 (the only write it may ever make, recorded in the
//! manifest), and shows the exact SQL and asks before running it, unless `--yes`.

use std::io::{BufRead, Write};

use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Pod;
use kube::Client;
use kube::api::{Api, AttachParams, ListParams, Patch, PatchParams};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

use super::super::kube::{client_of, describe};
use super::super::scope::Scope;
use super::super::{CollectPlan, Collector, DbAccess, RowSink};
use super::{PsqlLine, classify, existing_tables, psql_script, tables_sql, write_row};
use crate::bundle::BundlePath;

const BREAKGLASS: &str = "postgres-breakglass";

/// psql flags: no psqlrc, quiet, unaligned tuples only (one row per line), stop on error.
const PSQL: &str = "psql -X -q -A -t -v ON_ERROR_STOP=1";

/// Where psql runs, and how it is started there.
struct PsqlPod {
    name: String,
    command: Vec<String>,
}

pub async fn collect_via_exec(
    collector: &mut Collector<'_>,
    plan: &CollectPlan,
    access: &DbAccess,
    scope: &mut Scope,
) -> Result<(), String> {
    let service = plan.service.as_ref().ok_or(
        "no service cluster: give --svc-context or --svc-kubeconfig, or --db postgres://...",
    )?;
    let client = client_of(service).await?;
    let ns = plan.maestro_namespace.as_str();
    let pod = match access {
        DbAccess::MaestroDb => maestro_db(&client, ns).await?,
        DbAccess::Breakglass => breakglass(collector, &client, plan).await?,
        _ => match maestro_db(&client, ns).await {
            Ok(pod) => pod,
            Err(first) => breakglass(collector, &client, plan)
                .await
                .map_err(|second| format!("{first}; {second}"))?,
        },
    };
    let critical = access == &DbAccess::Breakglass || pod.name.starts_with(BREAKGLASS);
    let pods: Api<Pod> = Api::namespaced(client.clone(), ns);

    let tables_script = format!(
        "{}\n{};\n",
        super::session_sql(plan.statement_timeout.as_millis()),
        tables_sql().trim().trim_end_matches(';')
    );
    if critical {
        confirm_sql(&tables_script, plan.assume_yes)?;
    }
    let listing = run_psql(&pods, &pod, &tables_script).await?;
    let reported: Vec<String> = listing
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    let tables = existing_tables(&reported);
    let script = psql_script(
        &tables,
        plan.statement_timeout.as_millis(),
        scope.cid.as_deref(),
    );
    if critical {
        confirm_sql(&script, plan.assume_yes)?;
    }
    stream_psql(collector, &pods, &pod, &script, scope).await
}

/// The Running pod labelled `name=maestro-db`.
async fn maestro_db(client: &Client, ns: &str) -> Result<PsqlPod, String> {
    let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
    let list = pods
        .list(&ListParams::default().labels("name=maestro-db"))
        .await
        .map_err(|e| format!("listing maestro-db pods in {ns}: {}", describe(&e)))?;
    let pod = list
        .items
        .into_iter()
        .find(is_running)
        .ok_or_else(|| format!("no running pod labelled name=maestro-db in namespace {ns}"))?;
    Ok(PsqlPod {
        name: pod.metadata.name.unwrap_or_default(),
        command: vec![
            "sh".into(),
            "-c".into(),
            format!(
                "exec {PSQL} -U \"${{POSTGRES_USER:-maestro}}\" -d \"${{POSTGRES_DB:-maestro}}\" -f -"
            ),
        ],
    })
}

/// A running postgres-breakglass pod, scaling the deployment to 1 first if the engineer agrees.
async fn breakglass(
    collector: &mut Collector<'_>,
    client: &Client,
    plan: &CollectPlan,
) -> Result<PsqlPod, String> {
    let ns = plan.maestro_namespace.as_str();
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), ns);
    let deployment = deployments
        .get(BREAKGLASS)
        .await
        .map_err(|e| format!("deployment {ns}/{BREAKGLASS}: {}", describe(&e)))?;
    let replicas = deployment.spec.replicas.unwrap_or(1);
    if replicas == 0 {
        eprintln!("⚠ {ns}/{BREAKGLASS} is scaled to 0 (ARO-HCP critical environment).");
        eprintln!("  mwtrace can run: kubectl -n {ns} scale deployment {BREAKGLASS} --replicas 1");
        if !plan.assume_yes && !ask("Scale it to 1 now? This is the only write mwtrace makes.")? {
            return Err(format!(
                "{BREAKGLASS} is scaled to 0 and scaling was declined"
            ));
        }
        deployments
            .patch_scale(
                BREAKGLASS,
                &PatchParams::default(),
                &Patch::Merge(serde_json::json!({"spec": {"replicas": 1}})),
            )
            .await
            .map_err(|e| format!("scaling {BREAKGLASS}: {}", describe(&e)))?;
        let when = jiff::Timestamp::now()
            .strftime("%Y-%m-%dT%H:%M:%SZ")
            .to_string();
        collector.note(
            "db",
            format!("mwtrace scaled deployment {ns}/{BREAKGLASS} from 0 to 1 replicas at {when} (scale it back when done)"),
        );
    }
    let selector = deployment
        .spec
        .selector
        .match_labels
        .clone()
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",");
    let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
    for _ in 0..60 {
        let list = pods
            .list(&ListParams::default().labels(&selector))
            .await
            .map_err(|e| format!("listing {BREAKGLASS} pods: {}", describe(&e)))?;
        if let Some(pod) = list.items.into_iter().find(is_running) {
            return Ok(PsqlPod {
                name: pod.metadata.name.unwrap_or_default(),
                // The breakglass image's `connect` script sets the PG* environment when present.
                command: vec![
                    "bash".into(),
                    "-c".into(),
                    format!(
                        "if [ -f ./connect ]; then . ./connect >/dev/null 2>&1; fi; exec {PSQL} -f -"
                    ),
                ],
            });
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    Err(format!("no running {BREAKGLASS} pod after 120 s"))
}

fn is_running(pod: &Pod) -> bool {
    pod.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running")
}

/// Asks a yes/no question on the terminal; `--yes` skips it.
fn ask(question: &str) -> Result<bool, String> {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() {
        return Err(format!(
            "{question} (cannot ask: standard input is not a terminal; use --yes)"
        ));
    }
    eprint!("{question} (yes/no): ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| e.to_string())?;
    Ok(matches!(answer.trim(), "y" | "yes"))
}

/// Shows the exact SQL and asks before it runs on a critical database.
fn confirm_sql(script: &str, assume_yes: bool) -> Result<(), String> {
    eprintln!("──────────────────────────────────────── SQL to execute (read-only transaction):");
    eprintln!("{script}────────────────────────────────────────");
    if assume_yes || ask("⚠ CRITICAL ENVIRONMENT: run this SQL on the breakglass database?")? {
        Ok(())
    } else {
        Err("running the SQL was declined".into())
    }
}

fn attach() -> AttachParams {
    AttachParams::default()
        .stdin(true)
        .stdout(true)
        .stderr(true)
}

/// Runs a short psql script and returns its whole output (used for the table list).
async fn run_psql(pods: &Api<Pod>, pod: &PsqlPod, script: &str) -> Result<String, String> {
    let mut process = pods
        .exec(&pod.name, pod.command.clone(), &attach())
        .await
        .map_err(|e| format!("exec in pod {}: {}", pod.name, describe(&e)))?;
    let mut stdin = process.stdin().ok_or("exec: no stdin")?;
    stdin
        .write_all(script.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    drop(stdin);
    let mut out = String::new();
    let mut err = String::new();
    let mut stdout = process.stdout().ok_or("exec: no stdout")?;
    let mut stderr = process.stderr().ok_or("exec: no stderr")?;
    let (a, b) = tokio::join!(
        stdout.read_to_string(&mut out),
        stderr.read_to_string(&mut err)
    );
    a.and(b).map_err(|e| e.to_string())?;
    let _ = process.join().await;
    if !err.trim().is_empty() {
        return Err(format!("psql in pod {}: {}", pod.name, err.trim()));
    }
    Ok(out)
}

/// Streams the dump: psql's stdout is split into tables as it arrives.
async fn stream_psql(
    collector: &mut Collector<'_>,
    pods: &Api<Pod>,
    pod: &PsqlPod,
    script: &str,
    scope: &mut Scope,
) -> Result<(), String> {
    let mut process = pods
        .exec(&pod.name, pod.command.clone(), &attach())
        .await
        .map_err(|e| format!("exec in pod {}: {}", pod.name, describe(&e)))?;
    let mut stdin = process.stdin().ok_or("exec: no stdin")?;
    stdin
        .write_all(script.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    drop(stdin);
    let mut stderr = process.stderr().ok_or("exec: no stderr")?;
    let errors = tokio::spawn(async move {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text).await;
        text
    });
    let mut lines = BufReader::new(process.stdout().ok_or("exec: no stdout")?).lines();
    let mut current: Option<(String, RowSink)> = None;
    let streamed: Result<(), String> = async {
        while let Some(line) = lines.next_line().await.map_err(|e| e.to_string())? {
            match classify(&line) {
                PsqlLine::Table(table) => {
                    if let Some((done, sink)) = current.take() {
                        collector
                            .finish_sink(&format!("db/{done}"), sink)
                            .map_err(|e| e.to_string())?;
                    }
                    let sink = collector
                        .sink(BundlePath::Db {
                            table: table.to_string(),
                        })
                        .map_err(|e| e.to_string())?;
                    current = Some((table.to_string(), sink));
                }
                PsqlLine::Row(row) => {
                    if let Some((table, sink)) = current.as_mut() {
                        write_row(collector, sink, table, row, scope)?;
                    }
                }
                PsqlLine::Noise => {}
            }
        }
        Ok(())
    }
    .await;
    let _ = process.join().await;
    let stderr_text = errors.await.unwrap_or_default();
    let table = current
        .as_ref()
        .map(|(t, _)| t.clone())
        .unwrap_or_else(|| "session".into());
    if !stderr_text.trim().is_empty() {
        return Err(format!(
            "psql in pod {} ({table}): {}",
            pod.name,
            stderr_text.trim()
        ));
    }
    streamed?;
    if let Some((done, sink)) = current.take() {
        collector
            .finish_sink(&format!("db/{done}"), sink)
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}
