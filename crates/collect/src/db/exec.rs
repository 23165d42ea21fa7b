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

use super::super::error::CollectError;
use super::super::kube::client_of;
use super::super::scope::Scope;
use super::super::{CollectPlan, Collector, DbAccess, RowSink};
use super::{PsqlLine, classify, existing_tables, psql_script, tables_sql, within, write_row};
use mwtrace_bundle::BundlePath;

const BREAKGLASS: &str = "postgres-breakglass";
const MAESTRO_DB_SELECTOR: &str = "name=maestro-db";
/// How long to wait for a scaled breakglass pod: polls, and seconds between them.
const BREAKGLASS_POLLS: u64 = 60;
const BREAKGLASS_POLL_SECONDS: u64 = 2;

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
) -> Result<(), CollectError> {
    let service = plan
        .service
        .as_ref()
        .ok_or(CollectError::NoServiceCluster)?;
    let client = client_of(service).await?;
    let ns = plan.maestro_namespace.as_str();
    let pod = match access {
        DbAccess::MaestroDb => maestro_db(&client, ns).await?,
        DbAccess::Breakglass => breakglass(collector, &client, plan).await?,
        _ => match maestro_db(&client, ns).await {
            Ok(pod) => pod,
            Err(first) => breakglass(collector, &client, plan)
                .await
                .map_err(|second| CollectError::NoPsqlPod {
                    maestro_db: Box::new(first),
                    breakglass: Box::new(second),
                })?,
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
    let waits = Waits::of(plan);
    let listing = run_psql(&pods, &pod, &tables_script, waits).await?;
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
    stream_psql(collector, &pods, &pod, &script, scope, waits).await
}

/// The Running pod labelled `name=maestro-db`.
async fn maestro_db(client: &Client, ns: &str) -> Result<PsqlPod, CollectError> {
    let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
    let list = pods
        .list(&ListParams::default().labels(MAESTRO_DB_SELECTOR))
        .await
        .map_err(|e| CollectError::ListPods {
            namespace: ns.to_string(),
            selector: MAESTRO_DB_SELECTOR.to_string(),
            source: e.into(),
        })?;
    let pod =
        list.items
            .into_iter()
            .find(is_running)
            .ok_or_else(|| CollectError::NoRunningPod {
                namespace: ns.to_string(),
                selector: MAESTRO_DB_SELECTOR.to_string(),
            })?;
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
) -> Result<PsqlPod, CollectError> {
    let ns = plan.maestro_namespace.as_str();
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), ns);
    let deployment = deployments
        .get(BREAKGLASS)
        .await
        .map_err(|e| CollectError::Deployment {
            namespace: ns.to_string(),
            deployment: BREAKGLASS.to_string(),
            source: e.into(),
        })?;
    let replicas = deployment.spec.replicas.unwrap_or(1);
    if replicas == 0 {
        eprintln!("⚠ {ns}/{BREAKGLASS} is scaled to 0 (ARO-HCP critical environment).");
        eprintln!("  mwtrace can run: kubectl -n {ns} scale deployment {BREAKGLASS} --replicas 1");
        if !plan.assume_yes && !ask("Scale it to 1 now? This is the only write mwtrace makes.")? {
            return Err(CollectError::ScaleDeclined {
                deployment: BREAKGLASS.to_string(),
            });
        }
        deployments
            .patch_scale(
                BREAKGLASS,
                &PatchParams::default(),
                &Patch::Merge(serde_json::json!({"spec": {"replicas": 1}})),
            )
            .await
            .map_err(|e| CollectError::Scale {
                deployment: BREAKGLASS.to_string(),
                source: e.into(),
            })?;
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
    for _ in 0..BREAKGLASS_POLLS {
        let list = pods
            .list(&ListParams::default().labels(&selector))
            .await
            .map_err(|e| CollectError::ListPods {
                namespace: ns.to_string(),
                selector: selector.clone(),
                source: e.into(),
            })?;
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
        tokio::time::sleep(Duration::from_secs(BREAKGLASS_POLL_SECONDS)).await;
    }
    Err(CollectError::NotRunning {
        deployment: BREAKGLASS.to_string(),
        seconds: BREAKGLASS_POLLS * BREAKGLASS_POLL_SECONDS,
    })
}

fn is_running(pod: &Pod) -> bool {
    pod.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running")
}

/// Asks a yes/no question on the terminal; `--yes` skips it.
fn ask(question: &str) -> Result<bool, CollectError> {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() {
        return Err(CollectError::CannotAsk {
            question: question.to_string(),
        });
    }
    eprint!("{question} (yes/no): ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|source| CollectError::Answer { source })?;
    Ok(matches!(answer.trim(), "y" | "yes"))
}

/// Shows the exact SQL and asks before it runs on a critical database.
fn confirm_sql(script: &str, assume_yes: bool) -> Result<(), CollectError> {
    eprintln!("──────────────────────────────────────── SQL to execute (read-only transaction):");
    eprintln!("{script}────────────────────────────────────────");
    if assume_yes || ask("⚠ CRITICAL ENVIRONMENT: run this SQL on the breakglass database?")? {
        Ok(())
    } else {
        Err(CollectError::SqlDeclined)
    }
}

fn attach() -> AttachParams {
    AttachParams::default()
        .stdin(true)
        .stdout(true)
        .stderr(true)
}

/// Starts psql in the pod with the script on its stdin.
async fn start_psql(
    pods: &Api<Pod>,
    pod: &PsqlPod,
    script: &str,
) -> Result<kube::api::AttachedProcess, CollectError> {
    let mut process = pods
        .exec(&pod.name, pod.command.clone(), &attach())
        .await
        .map_err(|e| CollectError::Exec {
            pod: pod.name.clone(),
            source: e.into(),
        })?;
    let mut stdin = process.stdin().ok_or_else(|| no_stream(pod, "stdin"))?;
    stdin
        .write_all(script.as_bytes())
        .await
        .map_err(|source| psql_io(pod, source))?;
    drop(stdin);
    Ok(process)
}

fn no_stream(pod: &PsqlPod, stream: &'static str) -> CollectError {
    CollectError::ExecStream {
        pod: pod.name.clone(),
        stream,
    }
}

fn psql_io(pod: &PsqlPod, source: std::io::Error) -> CollectError {
    CollectError::PsqlIo {
        pod: pod.name.clone(),
        source,
    }
}

/// How long psql in a pod may keep mwtrace waiting (`--db-timeout`; an answer may also take
/// the statement timeout, as on the direct path). Past it the process is dropped, which closes
/// the exec stream, and the DB source is recorded as failed.
#[derive(Clone, Copy)]
struct Waits {
    start: Duration,
    answer: Duration,
}

impl Waits {
    fn of(plan: &CollectPlan) -> Waits {
        Waits {
            start: plan.db_timeout,
            answer: plan.db_timeout + plan.statement_timeout,
        }
    }
}

/// Runs a short psql script and returns its whole output (used for the table list).
async fn run_psql(
    pods: &Api<Pod>,
    pod: &PsqlPod,
    script: &str,
    waits: Waits,
) -> Result<String, CollectError> {
    let starting = format!("starting psql in pod {}", pod.name);
    let mut process = within(waits.start, &starting, start_psql(pods, pod, script)).await??;
    let mut out = String::new();
    let mut err = String::new();
    let mut stdout = process.stdout().ok_or_else(|| no_stream(pod, "stdout"))?;
    let mut stderr = process.stderr().ok_or_else(|| no_stream(pod, "stderr"))?;
    let waiting = format!("waiting for psql's answer in pod {}", pod.name);
    let (a, b) = within(waits.answer, &waiting, async {
        tokio::join!(
            stdout.read_to_string(&mut out),
            stderr.read_to_string(&mut err)
        )
    })
    .await?;
    a.and(b).map_err(|source| psql_io(pod, source))?;
    let _ = process.join().await;
    if !err.trim().is_empty() {
        return Err(CollectError::Psql {
            pod: pod.name.clone(),
            table: None,
            stderr: err.trim().to_string(),
        });
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
    waits: Waits,
) -> Result<(), CollectError> {
    let starting = format!("starting psql in pod {}", pod.name);
    let mut process = within(waits.start, &starting, start_psql(pods, pod, script)).await??;
    let waiting = format!("waiting for the next row from psql in pod {}", pod.name);
    let mut stderr = process.stderr().ok_or_else(|| no_stream(pod, "stderr"))?;
    let errors = tokio::spawn(async move {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text).await;
        text
    });
    let stdout = process.stdout().ok_or_else(|| no_stream(pod, "stdout"))?;
    let mut lines = BufReader::new(stdout).lines();
    let mut current: Option<(String, RowSink)> = None;
    let streamed: Result<(), CollectError> = async {
        while let Some(line) = within(waits.answer, &waiting, lines.next_line())
            .await?
            .map_err(|source| psql_io(pod, source))?
        {
            match classify(&line) {
                PsqlLine::Table(table) => {
                    if let Some((done, sink)) = current.take() {
                        collector.finish_sink(&format!("db/{done}"), sink)?;
                    }
                    let sink = collector.sink(BundlePath::Db {
                        table: table.to_string(),
                    })?;
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
    if let Err(timeout @ CollectError::DbTimeout { .. }) = streamed {
        // psql went silent: waiting for it to end would hang too.
        errors.abort();
        return Err(timeout);
    }
    let _ = process.join().await;
    let stderr_text = errors.await.unwrap_or_default();
    let table = current
        .as_ref()
        .map(|(t, _)| t.clone())
        .unwrap_or_else(|| "session".into());
    if !stderr_text.trim().is_empty() {
        return Err(CollectError::Psql {
            pod: pod.name.clone(),
            table: Some(table),
            stderr: stderr_text.trim().to_string(),
        });
    }
    streamed?;
    if let Some((done, sink)) = current.take() {
        collector.finish_sink(&format!("db/{done}"), sink)?;
    }
    Ok(())
}
